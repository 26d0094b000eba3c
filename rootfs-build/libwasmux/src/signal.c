/* libwasmux: signals (see <wasmux/signal.h> for who keeps what). */
#define WASMUX_BUILDING_LIBRARY 1
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <wasmux/signal.h>

#include "internal.h"

enum { DISPOSITION_DEFAULT = 0, DISPOSITION_IGNORE = 1, DISPOSITION_CAUGHT = 2 };
#define SIGNAL_COUNT 64

/* The handlers of caught signals, by signal number. */
static struct sigaction handlers[SIGNAL_COUNT + 1];

/* wasi-libc's SIG_IGN and SIG_ERR are the addresses of these two functions. */
void __SIG_IGN(int signal) {
    (void)signal;
}

void __SIG_ERR(int signal) {
    (void)signal;
}

static int valid_signal(int signal) {
    return signal >= 1 && signal <= SIGNAL_COUNT;
}

static unsigned long long bit(int signal) {
    return 1ULL << (signal - 1);
}

int sigemptyset(sigset_t *set) {
    set->__bits = 0;
    return 0;
}

int sigfillset(sigset_t *set) {
    set->__bits = ~0ULL;
    return 0;
}

int sigaddset(sigset_t *set, int signal) {
    if (!valid_signal(signal)) {
        errno = EINVAL;
        return -1;
    }
    set->__bits |= bit(signal);
    return 0;
}

int sigdelset(sigset_t *set, int signal) {
    if (!valid_signal(signal)) {
        errno = EINVAL;
        return -1;
    }
    set->__bits &= ~bit(signal);
    return 0;
}

int sigismember(const sigset_t *set, int signal) {
    if (!valid_signal(signal)) {
        errno = EINVAL;
        return -1;
    }
    return (set->__bits & bit(signal)) != 0;
}

int sigisemptyset(const sigset_t *set) {
    return set->__bits == 0;
}

int sigaction(int signal, const struct sigaction *restrict action,
              struct sigaction *restrict old) {
    if (!valid_signal(signal) ||
        (action && (signal == SIGKILL || signal == SIGSTOP))) {
        errno = EINVAL;
        return -1;
    }
    uint32_t disposition = DISPOSITION_DEFAULT;
    uint32_t flags = 0;
    uint64_t mask = 0;
    if (action) {
        flags = (uint32_t)action->sa_flags;
        mask = action->sa_mask.__bits;
        if (action->sa_handler == SIG_IGN)
            disposition = DISPOSITION_IGNORE;
        else if (action->sa_handler != SIG_DFL)
            disposition = DISPOSITION_CAUGHT;
    }
    uint32_t old_disposition, old_flags;
    uint64_t old_mask;
    if (__wasmux_status(__wasmux_sigaction((uint32_t)signal, action != NULL, disposition,
                                           flags, mask, &old_disposition, &old_flags,
                                           &old_mask)))
        return -1;
    if (old) {
        if (old_disposition == DISPOSITION_CAUGHT)
            *old = handlers[signal];
        else {
            memset(old, 0, sizeof *old);
            old->sa_handler = old_disposition == DISPOSITION_IGNORE ? SIG_IGN : SIG_DFL;
            old->sa_flags = (int)old_flags;
            old->sa_mask.__bits = old_mask;
        }
    }
    if (action && disposition == DISPOSITION_CAUGHT)
        handlers[signal] = *action;
    return 0;
}

void (*signal(int number, void (*handler)(int)))(int) {
    struct sigaction action, old;
    memset(&action, 0, sizeof action);
    action.sa_handler = handler;
    action.sa_flags = SA_RESTART;
    if (sigaction(number, &action, &old) != 0)
        return SIG_ERR;
    return old.sa_handler;
}

int sigprocmask(int how, const sigset_t *restrict set, sigset_t *restrict old) {
    uint64_t old_mask;
    int32_t error = set ? __wasmux_sigprocmask((uint32_t)how, set->__bits, &old_mask)
                        : __wasmux_sigprocmask(SIG_BLOCK, 0, &old_mask);
    if (__wasmux_status(error))
        return -1;
    if (old)
        old->__bits = old_mask;
    return 0;
}

int sigpending(sigset_t *set) {
    uint64_t mask;
    if (__wasmux_status(__wasmux_sigpending(&mask)))
        return -1;
    set->__bits = mask;
    return 0;
}

/* Always returns -1: EINTR once a handled signal arrived, or the kernel's error. */
int sigsuspend(const sigset_t *mask) {
    __wasmux_status(__wasmux_sigsuspend(mask->__bits));
    return -1;
}

int kill(pid_t pid, int signal) {
    return __wasmux_status(__wasmux_kill((int32_t)pid, (uint32_t)signal));
}

int killpg(pid_t pgid, int signal) {
    if (pgid < 0) {
        errno = EINVAL;
        return -1;
    }
    return kill(-pgid, signal);
}

int raise(int signal) {
    return kill(getpid(), signal);
}

unsigned alarm(unsigned seconds) {
    uint32_t remaining;
    if (__wasmux_status(__wasmux_alarm(seconds, &remaining)))
        return 0;
    return remaining;
}

__attribute__((export_name("wasmux_signal")))
void __wasmux_signal_deliver(int signal) {
    if (!valid_signal(signal))
        return;
    struct sigaction action = handlers[signal];
    sigset_t block = action.sa_mask, saved;
    if (!(action.sa_flags & SA_NODEFER))
        block.__bits |= bit(signal);
    sigprocmask(SIG_BLOCK, &block, &saved);
    if (action.sa_flags & SA_RESETHAND) {
        struct sigaction reset;
        memset(&reset, 0, sizeof reset);
        reset.sa_handler = SIG_DFL;
        sigaction(signal, &reset, NULL);
    }
    if (action.sa_flags & SA_SIGINFO) {
        siginfo_t info;
        memset(&info, 0, sizeof info);
        info.si_signo = signal;
        action.sa_sigaction(signal, &info, NULL);
    } else if (action.sa_handler != SIG_DFL && action.sa_handler != SIG_IGN) {
        action.sa_handler(signal);
    }
    sigprocmask(SIG_SETMASK, &saved, NULL);
}
