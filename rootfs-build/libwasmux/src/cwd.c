/* libwasmux: the working directory, kept by the kernel and mirrored in wasi-libc.

   wasi-libc resolves relative paths against its own copy of the working directory;
   __wasmux_libc_chdir (what `chdir` names in programs) changes the kernel's first and
   then wasi-libc's. At start-up wasi-libc's copy is set from the kernel's, which a
   spawned process inherits from its parent; when a vfork child that changed directory
   execs or exits, the parent re-reads the kernel's (process.c). */
#define WASMUX_BUILDING_LIBRARY 1
#include <limits.h>
#include <string.h>
#include <unistd.h>

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
