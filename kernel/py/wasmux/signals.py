"""Signals: numbers, dispositions, masks, and what each signal does when it arrives.

Layer: kernel core; imports only the WASI constants (the kernel calls in; this module
never calls the host). Numbers are Linux's, the ones wasi-libc's <signal.h> defines
and guests pass to the wasmux calls (WASI's own numbering differs from 16 on: use
`from_wasi` for proc_raise). A mask is a bit set, bit n-1 for signal n.

Each process has a disposition per signal (DEFAULT, IGNORE, CAUGHT; libwasmux keeps
the handler itself), a blocked mask and a pending set. `arrive` decides what a signal
does to its target: discard it, leave it pending, or carry out a default action
(terminate, stop, continue), which it returns for the kernel to perform. Invariant kept
by every operation: a pending signal that is not blocked is a caught one, waiting for
the host to deliver it at the next syscall return (`take_deliverable`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .abi import wasi

if TYPE_CHECKING:
    from .proc import Process

SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGKILL = range(1, 10)
SIGUSR1, SIGSEGV, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM, SIGSTKFLT, SIGCHLD = range(10, 18)
SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, SIGURG, SIGXCPU, SIGXFSZ = range(18, 26)
SIGVTALRM, SIGPROF, SIGWINCH, SIGIO, SIGPWR, SIGSYS = range(26, 32)
NSIG = 64  # signals 1..64 are valid (32..64 are real-time: default action terminate)

DEFAULT, IGNORE, CAUGHT = 0, 1, 2  # dispositions, as the ABI table's sigaction passes them
SA_NOCLDSTOP = 1  # sigaction flags the kernel itself looks at (Linux values)
SA_NOCLDWAIT = 2
SA_RESTART = 0x10000000

# Default actions other than terminate.
DEFAULT_IGNORED = frozenset({SIGCHLD, SIGURG, SIGWINCH, SIGCONT})
STOP_SIGNALS = frozenset({SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU})
UNBLOCKABLE = (1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1))
ALL = (1 << NSIG) - 1

# What `arrive` asks the kernel to do.
NOTHING, TERMINATE, STOP, CONTINUE, INTERRUPT = range(5)


@dataclass(slots=True)
class Action:
    """A signal's disposition with its sigaction flags and handler mask."""

    disposition: int = DEFAULT
    flags: int = 0
    mask: int = 0


def bit(sig: int) -> int:
    return 1 << (sig - 1)


def valid(sig: int) -> bool:
    return 1 <= sig <= NSIG


def from_wasi(sig: int) -> int:
    """The Linux number of a WASI signal (WASI has no SIGSTKFLT, so 16+ shift by one)."""
    return sig if sig < wasi.SIGCHLD else sig + 1


def fresh_actions() -> list[Action]:
    """Dispositions of a new process: all default (index 0 unused)."""
    return [Action() for _ in range(NSIG + 1)]


def exec_actions(actions: list[Action]) -> list[Action]:
    """Dispositions after exec: caught signals revert to default, ignored stay ignored."""
    return [Action(IGNORE) if action.disposition == IGNORE else Action() for action in actions]


def ignored(process: Process, sig: int) -> bool:
    """Whether `sig` is discarded on arrival (ignored explicitly or by default)."""
    disposition = process.actions[sig].disposition
    return disposition == IGNORE or (disposition == DEFAULT and sig in DEFAULT_IGNORED)


def arrive(process: Process, sig: int) -> int:
    """Record `sig` arriving at a live process; return the action the kernel must take.
    SIGCONT always continues (and may also be caught); a stop signal discards a pending
    SIGCONT and SIGCONT discards pending stops."""
    action = NOTHING
    if sig == SIGKILL:
        return TERMINATE
    if sig == SIGCONT:
        process.pending &= ~sum(bit(stop) for stop in STOP_SIGNALS)
        action = CONTINUE
    elif sig in STOP_SIGNALS:
        process.pending &= ~bit(SIGCONT)
        if sig == SIGSTOP:
            return STOP
    if process.blocked & bit(sig):
        if not ignored(process, sig):
            process.pending |= bit(sig)
        return action
    return _unblocked(process, sig, action)


def _unblocked(process: Process, sig: int, action: int) -> int:
    disposition = process.actions[sig].disposition
    if disposition == CAUGHT:
        process.pending |= bit(sig)
        process.attention = True
        return INTERRUPT if action == NOTHING else action
    if ignored(process, sig):
        return action
    if sig in STOP_SIGNALS:
        return STOP
    return TERMINATE


def newly_unblocked(process: Process) -> list[tuple[int, int]]:
    """After the mask shrank: (signal, action) for each pending signal whose default
    action must now be carried out (they leave the pending set; caught ones stay)."""
    results = []
    ready = process.pending & ~process.blocked
    for sig in bits(ready):
        if process.actions[sig].disposition != CAUGHT:
            process.pending &= ~bit(sig)
            action = _unblocked(process, sig, NOTHING)
            if action != NOTHING:
                results.append((sig, action))
    return results


def restarts(process: Process) -> bool:
    """Whether a call interrupted now is restarted after the handlers: there are
    deliverable signals and every one is caught with SA_RESTART."""
    ready = process.pending & ~process.blocked
    return bool(ready) and all(process.actions[sig].flags & SA_RESTART for sig in bits(ready))


def bits(mask: int) -> list[int]:
    """The signal numbers in `mask`, lowest first."""
    return [sig for sig in range(1, NSIG + 1) if mask & bit(sig)]


def take_deliverable(process: Process) -> int:
    """Remove and return the lowest pending unblocked signal (0 if none); a sigsuspend
    that ended gets its saved mask back first, so the handler sees the old mask."""
    ready = process.pending & ~process.blocked
    if not ready:
        if process.suspend_mask is not None:
            process.blocked, process.suspend_mask = process.suspend_mask, None
        return 0
    sig = (ready & -ready).bit_length()
    process.pending &= ~bit(sig)
    if process.suspend_mask is not None:
        process.blocked, process.suspend_mask = process.suspend_mask, None
    return sig
