/* libwasmux: the POSIX calls WASI lacks, over the kernel's `wasmux` imports.
   One header per area; this one includes them all. */
#ifndef WASMUX_WASMUX_H
#define WASMUX_WASMUX_H

/* First: its renames must precede every declaration of the calls it renames. */
#include <wasmux/stat.h>
#include <wasmux/cwd.h>
#include <wasmux/fd.h>
#include <wasmux/process.h>
#include <wasmux/signal.h>
#include <wasmux/socket.h>

#endif
