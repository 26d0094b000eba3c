"""Signal syscalls: kill, sigaction, sigprocmask, sigpending, sigsuspend, alarm.

Layer: syscall handlers; use signals.py for the per-process state and the kernel's
send_signal/signal_group/unblocked for actions. Numbers are Linux's (signals.py). A
call that ends the caller itself (kill of its own group, unblocking a fatal pending
signal) raises ProcessExit, so the guest never resumes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import signals
from ..abi import wasi
from ..errors import KernelError, WouldBlock
from ..proc import RUNNING
from . import wasmux_syscall

if TYPE_CHECKING:
    from ..kernel import Kernel
    from ..proc import Process

SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK = 0, 1, 2
SECOND = 1_000_000_000


def _targets(kernel: Kernel, process: Process, pid: int) -> list[Process]:
    """Who kill(pid) reaches: one process (zombies included), the caller's group, every
    process but init and the caller (-1), or group -pid."""
    if pid > 0:
        target = kernel.processes.get(pid)
        return [target] if target is not None else []
    if pid == 0:
        return kernel.processes.group(process.pgid)
    if pid == -1:
        return [p for p in kernel.processes
                if p.state == RUNNING and p.pid != 1 and p is not process]
    return kernel.processes.group(-pid)


@wasmux_syscall("kill")
def kill(kernel: Kernel, process: Process, pid: int, sig: int) -> tuple[()]:
    """Signal 0 only checks that a target exists."""
    if not 0 <= sig <= signals.NSIG:
        raise KernelError(wasi.EINVAL, "invalid signal")
    targets = _targets(kernel, process, pid)
    if not targets:
        raise KernelError(wasi.ESRCH)
    if sig:
        for target in targets:
            kernel.send_signal(target, sig)
    kernel.check_alive(process)
    return ()


@wasmux_syscall("sigaction")
def sigaction(kernel: Kernel, process: Process, sig: int, change: int, disposition: int,
              flags: int, mask: int) -> tuple[int, int, int]:
    """Setting ignore (or default where that ignores) discards the pending signal."""
    if not signals.valid(sig) or (change and sig in (signals.SIGKILL, signals.SIGSTOP)):
        raise KernelError(wasi.EINVAL, "invalid signal")
    if disposition not in (signals.DEFAULT, signals.IGNORE, signals.CAUGHT):
        raise KernelError(wasi.EINVAL, "invalid disposition")
    old = process.actions[sig]
    if change:
        process.actions[sig] = signals.Action(disposition, flags, mask & signals.ALL)
        if signals.ignored(process, sig):
            process.pending &= ~signals.bit(sig)
    return (old.disposition, old.flags, old.mask)


@wasmux_syscall("sigprocmask")
def sigprocmask(kernel: Kernel, process: Process, how: int, mask: int) -> tuple[int]:
    old = process.blocked
    if how == SIG_BLOCK:
        new = old | mask
    elif how == SIG_UNBLOCK:
        new = old & ~mask
    elif how == SIG_SETMASK:
        new = mask
    else:
        raise KernelError(wasi.EINVAL, "invalid sigprocmask how")
    process.blocked = new & signals.ALL & ~signals.UNBLOCKABLE
    if old & ~process.blocked:
        kernel.unblocked(process)
    return (old,)


@wasmux_syscall("sigpending")
def sigpending(kernel: Kernel, process: Process) -> tuple[int]:
    return (process.pending,)


@wasmux_syscall("sigsuspend")
def sigsuspend(kernel: Kernel, process: Process, mask: int) -> tuple[()]:
    """Wait with `mask` until a caught signal arrives: EINTR, and the handler runs with
    `mask` in force before the old mask comes back (signals.take_deliverable)."""
    if process.suspend_mask is None:
        process.suspend_mask = process.blocked
        process.blocked = mask & signals.ALL & ~signals.UNBLOCKABLE
        kernel.unblocked(process)
    if process.pending & ~process.blocked:
        raise KernelError(wasi.EINTR)
    raise WouldBlock()


@wasmux_syscall("alarm")
def alarm(kernel: Kernel, process: Process, seconds: int) -> tuple[int]:
    """Replace the alarm (0 cancels it); returns the seconds the old one had left."""
    host = kernel.host
    now = host.monotonic_ns()
    remaining = 0
    if process.alarm is not None:
        deadline, handle = process.alarm
        host.cancel_timer(handle)
        remaining = max(1, -(-(deadline - now) // SECOND))
        process.alarm = None
    if seconds:
        deadline = now + seconds * SECOND

        def ring() -> None:
            if process.alarm is not None and process.alarm[0] == deadline:
                process.alarm = None
                kernel.send_signal(process, signals.SIGALRM)
        process.alarm = (deadline, host.set_timer(deadline, ring))
    return (remaining,)
