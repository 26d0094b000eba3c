/* libwasmux internals shared by its sources (not installed). */
#ifndef WASMUX_INTERNAL_H
#define WASMUX_INTERNAL_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <wasmux/syscalls.h>

/* Set errno from a kernel call's WASI errno (wasi-libc's errno values are WASI's) and
   return -1; returns 0 when `error` is 0. */
static inline int __wasmux_status(int32_t error) {
    if (error == 0)
        return 0;
    errno = error;
    return -1;
}

/* A NUL-separated copy of a null-terminated string vector, malloc'd; the byte length
   goes to *length. Returns a null pointer with errno set on failure. */
char *__wasmux_pack_strings(char *const vector[], size_t *length);

/* Whether the caller runs a vfork child's code (process.c). */
int __wasmux_in_vfork_child(void);
/* A vfork child changed the working directory: the parent must re-read it (cwd.c). */
void __wasmux_vfork_cwd_changed(void);
/* Set wasi-libc's working directory from the kernel's (cwd.c); -1 with errno set. */
int __wasmux_sync_cwd(void);

/* stat.c's chmod and fchmod (programs call them as chmod and fchmod). */
int __wasmux_libc_chmod(const char *path, unsigned int mode);
int __wasmux_libc_fchmod(int fd, unsigned int mode);

#endif
