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

/* The directory descriptor and path to hand the kernel for (dirfd, path), resolved as
   wasi-libc's open resolves them (stat.c); `buffer` (PATH_MAX bytes) may hold the path.
   Returns -1 with errno ENOENT when no preopened directory holds the path. */
int __wasmux_resolve_at(int dirfd, const char *path, char *buffer, const char **relative);

/* stat.c's calls programs know as chmod, fchmod, fstat and fstatat. */
struct stat;
int __wasmux_libc_chmod(const char *path, unsigned int mode);
int __wasmux_libc_fchmod(int fd, unsigned int mode);
int __wasmux_libc_fstat(int fd, struct stat *buf);
int __wasmux_libc_fstatat(int dirfd, const char *path, struct stat *buf, int flags);

/* openat(dirfd, path, flags, mode) through the kernel's open call: a created file gets
   mode & ~umask; flags may hold WASMUX_CLOEXEC (create.c). */
int __wasmux_open_mode(int dirfd, const char *path, int flags, unsigned int mode);
/* mkdir with a mode (create.c; programs call it as mkdir). */
int __wasmux_libc_mkdir(const char *path, unsigned int mode);

#endif
