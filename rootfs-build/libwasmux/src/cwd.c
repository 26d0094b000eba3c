/* libwasmux: the working directory, kept by the kernel and mirrored in wasi-libc.

   wasi-libc resolves relative paths against its own copy of the working directory;
   __wasmux_libc_chdir (what `chdir` names in programs) changes the kernel's first and
   then wasi-libc's. At start-up wasi-libc's copy is set from the kernel's, which a
   spawned process inherits from its parent; when a vfork child that changed directory
   execs or exits, the parent re-reads the kernel's (process.c).

   wasi-libc resolves paths through the preopened root the kernel gives every new
   image at the lowest free fd from 3. A POSIX program expects that fd to be free (a
   shell's `>&3` must fail, a child must not see it), so at start-up the root moves to
   WASMUX_ROOT_FD or above, close-on-exec, and wasi-libc is told. */
#define WASMUX_BUILDING_LIBRARY 1
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>
#include <wasi/libc.h>

#include <wasmux/fd.h>

#include "internal.h"

int __wasmux_sync_cwd(void) {
    char path[PATH_MAX];
    uint32_t length;
    if (__wasmux_status(__wasmux_getcwd(path, sizeof path - 1, &length)))
        return -1;
    path[length < sizeof path ? length : sizeof path - 1] = '\0';
    return chdir(path);
}

int __wasmux_libc_chdir(const char *path) {
    if (__wasmux_status(__wasmux_chdir(path, strlen(path))))
        return -1;
    if (__wasmux_in_vfork_child())
        __wasmux_vfork_cwd_changed();
    return chdir(path);
}

int fchdir(int fd) {
    if (__wasmux_status(__wasmux_fchdir((uint32_t)fd)))
        return -1;
    if (__wasmux_in_vfork_child())
        __wasmux_vfork_cwd_changed();
    return __wasmux_sync_cwd();
}

/* Take the kernel's working directory; leaves wasi-libc's "/" when the kernel has none
   to give (a host without the wasmux calls). */
__attribute__((constructor)) static void inherit_working_directory(void) {
    char path[PATH_MAX];
    uint32_t length;
    if (__wasmux_getcwd(path, sizeof path - 1, &length) != 0 || length >= sizeof path)
        return;
    path[length] = '\0';
    chdir(path);
}

void __wasilibc_reset_preopens(void);

/* After wasi-libc's own scan (constructor 51): find the root preopen among the fds
   open from 3 up, move it high and close-on-exec, and make wasi-libc use the copy.
   Raw kernel calls only: an object before fd.o that calls fcntl would pull wasi-libc's
   fcntl into the link as well. */
__attribute__((constructor(52))) static void move_root_preopen(void) {
    uint32_t fd = 3, result;
    __wasi_prestat_t prestat;
    while (__wasi_fd_prestat_get(fd, &prestat) != __WASI_ERRNO_SUCCESS
           || prestat.tag != __WASI_PREOPENTYPE_DIR) {
        if (__wasmux_fcntl(fd, F_GETFD, 0, &result) != 0)
            return;
        fd++;
    }
    char prefix[PATH_MAX];
    size_t length = prestat.u.dir.pr_name_len;
    if (length >= sizeof prefix || __wasi_fd_prestat_dir_name(fd, (uint8_t *)prefix, length))
        return;
    prefix[length] = '\0';
    uint32_t moved;
    if (__wasmux_fcntl(fd, F_DUPFD_CLOEXEC, WASMUX_ROOT_FD, &moved) != 0)
        return;
    __wasilibc_reset_preopens();
    (void)__wasi_fd_close(fd);
    __wasilibc_register_preopened_fd((int)moved, prefix);
}
