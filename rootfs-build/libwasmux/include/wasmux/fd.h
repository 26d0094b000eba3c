/* libwasmux: file descriptors beyond WASI.

   pipe/pipe2, dup/dup2/dup3, fcntl and ioctl are kernel calls. fcntl commands are
   wasi-libc's F_GETFD, F_SETFD, F_GETFL, F_SETFL plus F_DUPFD and F_DUPFD_CLOEXEC with
   Linux's numbers (wasi-libc has none); ioctl requests are Linux's (<sys/ioctl.h> of
   the amended header tree), and the argument is passed to the kernel as the bytes of
   the request's structure. wasi-libc defines O_CLOEXEC as 0, so pipe2(fds, O_CLOEXEC)
   and dup3(..., O_CLOEXEC) set nothing: use fcntl(fd, F_SETFD, FD_CLOEXEC), or pass
   WASMUX_CLOEXEC, the kernel's close-on-exec bit for pipe2 and dup3. */
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
/* Where libwasmux keeps the preopened root (the lowest free fd from here, close-on-exec;
   see cwd.c), out of the way of the fds programs number themselves. */
#define WASMUX_ROOT_FD 1000

#endif
