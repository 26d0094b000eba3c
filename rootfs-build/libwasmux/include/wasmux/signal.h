/* libwasmux: signals.

   The kernel keeps each signal's disposition (default, ignore, caught), the mask and
   the pending set; libwasmux keeps the handlers. A caught signal is delivered at a
   syscall boundary: the host calls the module's exported `wasmux_signal` function
   (__wasmux_signal_deliver), which runs the handler with sa_mask blocked and restores
   the mask afterwards. SIG_IGN and SIG_ERR are wasi-libc's __SIG_IGN and __SIG_ERR
   functions, defined by libwasmux. */
#ifndef WASMUX_SIGNAL_H
#define WASMUX_SIGNAL_H

#include <signal.h>

/* sigaction flags (Linux's values; wasi-libc defines none). */
#ifndef SA_NOCLDSTOP
#define SA_NOCLDSTOP 1
#define SA_NOCLDWAIT 2
#define SA_SIGINFO   4
#define SA_ONSTACK   0x08000000
#define SA_RESTART   0x10000000
#define SA_NODEFER   0x40000000
#define SA_RESETHAND 0x80000000
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Run the handler of `signal` (exported as `wasmux_signal`; called by the host). */
void __wasmux_signal_deliver(int signal);

#ifdef __cplusplus
}
#endif

#endif
