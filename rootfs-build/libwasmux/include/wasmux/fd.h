/* libwasmux: file descriptors beyond WASI.

   pipe/pipe2, dup/dup2/dup3, fcntl and ioctl are kernel calls. fcntl commands are
   wasi-libc's F_GETFD, F_SETFD, F_GETFL, F_SETFL plus F_DUPFD and F_DUPFD_CLOEXEC with
   Linux's numbers (wasi-libc has none); ioctl requests are Linux's (<sys/ioctl.h> of
   the amended header tree), and the argument is passed to the kernel as the bytes of
   the request's structure. wasi-libc defines O_CLOEXEC as 0; programs see it as
   WASMUX_CLOEXEC, the kernel's close-on-exec bit for pipe2, dup3 and open, and
   open/openat are renamed to libwasmux wrappers that hand it to the kernel's open call
   with the creation mode (create.c). (wasi-libc's own code, fopen "e" included, still
   sees 0.) */
#ifndef WASMUX_FD_H
#define WASMUX_FD_H

#include <fcntl.h>

#ifndef F_DUPFD
#define F_DUPFD 0
#endif
#ifndef F_DUPFD_CLOEXEC
#define F_DUPFD_CLOEXEC 1030
#endif
#define WASMUX_CLOEXEC 0x80000
#undef O_CLOEXEC
#define O_CLOEXEC WASMUX_CLOEXEC

#ifdef __cplusplus
extern "C" {
#endif

int __wasmux_libc_open(const char *path, int flags, ...);
int __wasmux_libc_openat(int fd, const char *path, int flags, ...);

#ifdef __cplusplus
}
#endif

#ifndef WASMUX_BUILDING_LIBRARY
#define open __wasmux_libc_open
#define openat __wasmux_libc_openat
#endif
/* Where libwasmux keeps the preopened root (the lowest free fd from here, close-on-exec;
   see cwd.c), out of the way of the fds programs number themselves. */
#define WASMUX_ROOT_FD 1000

#endif
