/* libwasmux: processes without fork.

   vfork() is a macro that does setjmp in the caller's frame: the "child" runs on the
   caller's stack while the kernel applies its fd, cwd, umask and signal changes to a
   snapshot. The child's execve() spawns the real process from that snapshot and
   longjmps back, so vfork() returns a second time with the child's pid; the child's
   _exit() makes a zombie the parent can wait for and also returns there. A vfork
   child may vfork again (16 levels deep; then EAGAIN). */
#ifndef WASMUX_PROCESS_H
#define WASMUX_PROCESS_H

#include <setjmp.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Start a vfork child; the jump buffer to setjmp in (always valid: a failed start is
   reported by __wasmux_vfork_result, which then returns -1 with errno set). */
jmp_buf *__wasmux_vfork_enter(void);
/* What vfork() returns for setjmp's `jumped`: 0 in the child, the child's pid after
   its execve or _exit, -1 if the child could not be started. */
pid_t __wasmux_vfork_result(int jumped);
/* _exit, in a vfork child, ends only the child and returns to the parent's vfork. */
_Noreturn void __wasmux_exit(int status);

#ifndef WASMUX_BUILDING_LIBRARY
#define vfork() __wasmux_vfork_result(setjmp(*__wasmux_vfork_enter()))
#define _exit __wasmux_exit
#endif

#ifdef __cplusplus
}
#endif

#endif
