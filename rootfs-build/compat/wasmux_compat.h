/* Forced include (-include) for C programs ported to Wasmux.

   Enables the wasi-libc emulation headers whose calls Wasmux provides (signals,
   getpid, process clocks, mmap), renames the libc calls libwasmux must intercept,
   and declares libwasmux's POSIX process interface (vfork, spawn, wait, signals). */
#ifndef WASMUX_COMPAT_H
#define WASMUX_COMPAT_H

/* Programs see the full musl interface unless they asked for a strict standard. */
#if !defined(_POSIX_C_SOURCE) && !defined(_XOPEN_SOURCE) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE 1
#endif
#define _WASI_EMULATED_SIGNAL 1
#define _WASI_EMULATED_GETPID 1
#define _WASI_EMULATED_PROCESS_CLOCKS 1
#define _WASI_EMULATED_MMAN 1

#include <wasmux/wasmux.h>

/* Declarations BusyBox-style code expects from a Linux libc's common headers. */
#include <sys/ioctl.h>
#include <sys/sysinfo.h>

/* Socket types and options WASI's <sys/socket.h> leaves out (Linux values). */
#include <sys/socket.h>
#ifndef SOCK_RAW
#define SOCK_RAW 3
#endif
#ifndef SOCK_RDM
#define SOCK_RDM 4
#endif
#ifndef SOCK_SEQPACKET
#define SOCK_SEQPACKET 5
#endif
#ifndef SO_REUSEADDR
#define SO_REUSEADDR 2
#endif
#ifndef SO_BROADCAST
#define SO_BROADCAST 6
#endif
#ifndef SO_KEEPALIVE
#define SO_KEEPALIVE 9
#endif

/* sigsetjmp/siglongjmp are setjmp/longjmp: a jump does not restore the signal mask
   (wasm setjmp cannot be wrapped in a function; the caller's frame must call it). */
#include <setjmp.h>
#define sigsetjmp(env, savemask) setjmp(env)
#define siglongjmp longjmp

#endif
