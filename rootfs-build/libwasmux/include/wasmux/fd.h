/* libwasmux: file descriptors beyond WASI.

   pipe/pipe2, dup/dup2/dup3, fcntl and ioctl are kernel calls. fcntl commands are
   wasi-libc's F_GETFD, F_SETFD, F_GETFL, F_SETFL plus F_DUPFD and F_DUPFD_CLOEXEC with
   Linux's numbers (wasi-libc has none); ioctl requests are Linux's (<sys/ioctl.h> of
   the amended header tree), and the argument is passed to the kernel as the bytes of
   the request's structure. Note wasi-libc defines O_CLOEXEC as 0: use fcntl(F_SETFD,
   FD_CLOEXEC) or pipe2(O_CLOEXEC)-style calls that take FD_CLOEXEC semantics. */
#ifndef WASMUX_FD_H
#define WASMUX_FD_H

#include <fcntl.h>

#ifndef F_DUPFD
#define F_DUPFD 0
#endif
#ifndef F_DUPFD_CLOEXEC
#define F_DUPFD_CLOEXEC 1030
#endif

#endif
