/* libwasmux: the POSIX calls WASI lacks, over the kernel's `wasmux` imports.
   One header per area; this one includes them all. */
#ifndef WASMUX_WASMUX_H
#define WASMUX_WASMUX_H

#include <wasmux/cwd.h>
#include <wasmux/fd.h>
#include <wasmux/process.h>
#include <wasmux/signal.h>
#include <wasmux/socket.h>

#endif
