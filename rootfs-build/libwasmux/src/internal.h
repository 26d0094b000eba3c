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

#endif
