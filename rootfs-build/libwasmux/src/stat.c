/* libwasmux: the stat family with permission bits, chmod, access and statvfs, over the
   kernel's `wasmux` stat, fstat, chmod, fchmod and statfs calls (programs reach them
   through the renames of <wasmux/stat.h>).

   A path relative to AT_FDCWD (or any absolute path) is resolved the way wasi-libc
   resolves it for open(): against its copy of the working directory, to a preopened
   directory and a path inside it. The user is always root (uid 0, gid 0): access()
   grants reading and writing, and executing when an execute bit is set or the file is
   a directory, as Linux does for root. */
#define WASMUX_BUILDING_LIBRARY 1
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <wasi/libc-find-relpath.h>

#include "internal.h"

/* An empty path asks about the directory descriptor itself (statfs). */
enum { FOLLOW = 1, BLOCK_SIZE = 4096, NAME_MAX_LENGTH = 255 };

int __wasmux_resolve_at(int dirfd, const char *path, char *buffer, const char **relative) {
    if (dirfd != AT_FDCWD && path[0] != '/') {
        *relative = path;
        return dirfd;
    }
    const char *prefix;
    char *inside = buffer;
    int fd = __wasilibc_find_relpath(path, &prefix, &inside, PATH_MAX);
    if (fd < 0) {
        errno = ENOENT;
        return -1;
    }
    *relative = inside;
    return fd;
}

static void fill(const __wasi_filestat_t *status, uint32_t mode, struct stat *buf) {
    *buf = (struct stat){
        .st_dev = status->dev, .st_ino = status->ino, .st_nlink = status->nlink,
        .st_mode = mode, .st_uid = 0, .st_gid = 0, .st_size = (off_t)status->size,
        .st_blksize = BLOCK_SIZE,
        .st_blocks = (blkcnt_t)((status->size + BLOCK_SIZE - 1) / BLOCK_SIZE
                                * (BLOCK_SIZE / 512)),
        .st_atim = {.tv_sec = status->atim / 1000000000, .tv_nsec = status->atim % 1000000000},
        .st_mtim = {.tv_sec = status->mtim / 1000000000, .tv_nsec = status->mtim % 1000000000},
        .st_ctim = {.tv_sec = status->ctim / 1000000000, .tv_nsec = status->ctim % 1000000000}};
}

int __wasmux_libc_fstat(int fd, struct stat *buf) {
    __wasi_filestat_t status;
    uint32_t mode;
    if (__wasmux_status(__wasmux_fstat((uint32_t)fd, &status, &mode)))
        return -1;
    fill(&status, mode, buf);
    return 0;
}

int __wasmux_libc_fstatat(int dirfd, const char *restrict path, struct stat *restrict buf,
                          int flags) {
    if (path[0] == '\0') {
        errno = ENOENT;
        return -1;
    }
    char buffer[PATH_MAX];
    const char *relative;
    int fd = __wasmux_resolve_at(dirfd, path, buffer, &relative);
    if (fd < 0)
        return -1;
    __wasi_filestat_t status;
    uint32_t mode;
    uint32_t lookup = (flags & AT_SYMLINK_NOFOLLOW) ? 0 : FOLLOW;
    if (__wasmux_status(__wasmux_stat((uint32_t)fd, relative, strlen(relative), lookup,
                                      &status, &mode)))
        return -1;
    fill(&status, mode, buf);
    return 0;
}

int __wasmux_libc_stat(const char *restrict path, struct stat *restrict buf) {
    return __wasmux_libc_fstatat(AT_FDCWD, path, buf, 0);
}

int __wasmux_libc_lstat(const char *restrict path, struct stat *restrict buf) {
    return __wasmux_libc_fstatat(AT_FDCWD, path, buf, AT_SYMLINK_NOFOLLOW);
}

int __wasmux_libc_faccessat(int dirfd, const char *path, int amode, int flags) {
    struct stat status;
    if ((amode & ~(R_OK | W_OK | X_OK)) != 0) {
        errno = EINVAL;
        return -1;
    }
    if (__wasmux_libc_fstatat(dirfd, path, &status, flags & AT_SYMLINK_NOFOLLOW) != 0)
        return -1;
    if ((amode & X_OK) && !S_ISDIR(status.st_mode) && !(status.st_mode & 0111)) {
        errno = EACCES;
        return -1;
    }
    return 0;
}

int __wasmux_libc_access(const char *path, int amode) {
    return __wasmux_libc_faccessat(AT_FDCWD, path, amode, 0);
}

int __wasmux_libc_fchmodat(int dirfd, const char *path, mode_t mode, int flags) {
    char buffer[PATH_MAX];
    const char *relative;
    int fd = __wasmux_resolve_at(dirfd, path, buffer, &relative);
    if (fd < 0)
        return -1;
    uint32_t lookup = (flags & AT_SYMLINK_NOFOLLOW) ? 0 : FOLLOW;
    return __wasmux_status(__wasmux_chmod((uint32_t)fd, relative, strlen(relative),
                                          (uint32_t)mode & 07777, lookup));
}

int __wasmux_libc_chmod(const char *path, mode_t mode) {
    return __wasmux_libc_fchmodat(AT_FDCWD, path, mode, 0);
}

int __wasmux_libc_fchmod(int fd, mode_t mode) {
    return __wasmux_status(__wasmux_fchmod((uint32_t)fd, (uint32_t)mode & 07777));
}

static int statfs_at(int dirfd, const char *path, struct statvfs *buf) {
    uint32_t block_size;
    uint64_t blocks, blocks_free;
    if (__wasmux_status(__wasmux_statfs((uint32_t)dirfd, path, strlen(path), &block_size,
                                        &blocks, &blocks_free)))
        return -1;
    *buf = (struct statvfs){
        .f_bsize = block_size, .f_frsize = block_size, .f_blocks = blocks,
        .f_bfree = blocks_free, .f_bavail = blocks_free, .f_namemax = NAME_MAX_LENGTH};
    return 0;
}

int __wasmux_libc_statvfs(const char *restrict path, struct statvfs *restrict buf) {
    char buffer[PATH_MAX];
    const char *relative;
    int fd = __wasmux_resolve_at(AT_FDCWD, path, buffer, &relative);
    if (fd < 0)
        return -1;
    return statfs_at(fd, relative, buf);
}

int __wasmux_libc_fstatvfs(int fd, struct statvfs *buf) {
    return statfs_at(fd, "", buf);
}
