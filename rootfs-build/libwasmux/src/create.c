/* libwasmux: files and directories created with a mode, and file ownership.

   WASI's path_open and path_create_directory take no mode (wasi-libc's open and mkdir
   drop it), so creation goes through the kernel's `wasmux` open and mkdir calls, which
   apply `mode & ~umask` as the file is made. Programs reach them through the renames
   of <wasmux/stat.h> (creat, mkdir, mkdirat) and <wasmux/fd.h> (open, openat).

   Ownership: Wasmux has one user, root, who owns every file. chown and its variants
   succeed when they ask for uid 0 and gid 0 (or -1, "unchanged") on a file that
   exists, and fail with EPERM for any other owner or group. */
#define WASMUX_BUILDING_LIBRARY 1
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

int __wasmux_open_mode(int dirfd, const char *path, int flags, mode_t mode) {
    char buffer[PATH_MAX];
    const char *relative;
    int fd = __wasmux_resolve_at(dirfd, path, buffer, &relative);
    if (fd < 0)
        return -1;
    uint32_t opened;
    if (__wasmux_status(__wasmux_open((uint32_t)fd, relative, strlen(relative),
                                      (uint32_t)flags, (uint32_t)mode, &opened)))
        return -1;
    return (int)opened;
}

int __wasmux_libc_creat(const char *path, mode_t mode) {
    return __wasmux_open_mode(AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, mode);
}

int __wasmux_libc_mkdirat(int dirfd, const char *path, mode_t mode) {
    char buffer[PATH_MAX];
    const char *relative;
    int fd = __wasmux_resolve_at(dirfd, path, buffer, &relative);
    if (fd < 0)
        return -1;
    return __wasmux_status(__wasmux_mkdir((uint32_t)fd, relative, strlen(relative),
                                          (uint32_t)mode));
}

int __wasmux_libc_mkdir(const char *path, mode_t mode) {
    return __wasmux_libc_mkdirat(AT_FDCWD, path, mode);
}

/* 0 when (owner, group) leaves the file root's; -1 and EPERM otherwise. */
static int root_owned(uid_t owner, gid_t group) {
    if ((owner == 0 || owner == (uid_t)-1) && (group == 0 || group == (gid_t)-1))
        return 0;
    errno = EPERM;
    return -1;
}

int fchownat(int dirfd, const char *path, uid_t owner, gid_t group, int flags) {
    struct stat status;
    if (__wasmux_libc_fstatat(dirfd, path, &status, flags & AT_SYMLINK_NOFOLLOW) != 0)
        return -1;
    return root_owned(owner, group);
}

int chown(const char *path, uid_t owner, gid_t group) {
    return fchownat(AT_FDCWD, path, owner, group, 0);
}

int lchown(const char *path, uid_t owner, gid_t group) {
    return fchownat(AT_FDCWD, path, owner, group, AT_SYMLINK_NOFOLLOW);
}

int fchown(int fd, uid_t owner, gid_t group) {
    struct stat status;
    if (__wasmux_libc_fstat(fd, &status) != 0)
        return -1;
    return root_owned(owner, group);
}
