"""Process syscalls: exit, raise, yield, the wasmux pid calls, process groups and sessions.

Layer: syscall handlers; use the kernel's process table and send_signal. During a vfork
child phase "the caller" of setpgid and setsid is the child to be (its reserved pid),
whose group and session the caller's snapshot holds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import signals
from ..abi import wasi
from ..errors import KernelError, ProcessExit
from . import syscall, wasmux_syscall

if TYPE_CHECKING:
    from ..kernel import Kernel
    from ..proc import Process


@syscall("proc_exit")
def proc_exit(kernel: Kernel, process: Process, rval: int) -> tuple[()]:
    kernel.exit_process(process, code=rval)
    raise ProcessExit(rval & 0xFF)


@syscall("proc_raise")
def proc_raise(kernel: Kernel, process: Process, sig: int) -> tuple[()]:
    """WASI numbering. Signal 0 only checks that raising works (POSIX raise(0)); an
    unknown signal is EINVAL; any other is sent to the caller."""
    if not 0 <= sig < len(wasi.SIGNAL_NAMES):
        raise KernelError(wasi.EINVAL)
    if sig:
        kernel.send_signal(process, signals.from_wasi(sig))
        kernel.check_alive(process)
    return ()


@syscall("sched_yield", lockless=True)
def sched_yield(kernel: Kernel, process: Process) -> tuple[()]:
    return ()


@wasmux_syscall("getpid", lockless=True)
def getpid(kernel: Kernel, process: Process) -> tuple[int]:
    """The caller's pid, or the vfork child's while the caller runs the child's code
    (only the caller's own calls change `vfork`: safe unlocked)."""
    return (_own_pid(process),)


@wasmux_syscall("getppid", lockless=True)
def getppid(kernel: Kernel, process: Process) -> tuple[int]:
    """The parent's pid, 1 once init adopted the caller; in a vfork child, the pid of
    the code that vforked it (reads only: safe unlocked)."""
    state = process.vfork
    if state is None:
        return (process.ppid,)
    return (state.outer.child_pid if state.outer is not None else process.pid,)


def _own_pid(process: Process) -> int:
    """The caller's pid, or the vfork child's while the caller runs the child's code."""
    return process.vfork.child_pid if process.vfork is not None else process.pid


def _find(kernel: Kernel, process: Process, pid: int) -> Process | None:
    """Process `pid` (0: the caller); None for the caller's vfork child, ESRCH if none."""
    if pid == 0 or pid == _own_pid(process):
        return None
    target = kernel.processes.get(pid)
    if target is None:
        raise KernelError(wasi.ESRCH)
    return target


@wasmux_syscall("setpgid")
def setpgid(kernel: Kernel, process: Process, pid: int, pgid: int) -> tuple[()]:
    """The caller or one of its children joins group `pgid` (0: its own pid) in its
    session: ESRCH for others, EPERM for a session leader, another session's child, or
    a group that does not exist in the session."""
    target = _find(kernel, process, pid) or process
    target_pid = _own_pid(process) if target is process else target.pid
    if target is not process and target.ppid != process.pid:
        raise KernelError(wasi.ESRCH)
    if target.sid != process.sid or target.sid == target_pid:
        raise KernelError(wasi.EPERM)
    pgid = pgid or target_pid
    if pgid != target_pid and not any(member.sid == process.sid
                                      for member in kernel.processes.group(pgid)):
        raise KernelError(wasi.EPERM, "no such process group in this session")
    target.pgid = pgid
    return ()


@wasmux_syscall("getpgid")
def getpgid(kernel: Kernel, process: Process, pid: int) -> tuple[int]:
    return ((_find(kernel, process, pid) or process).pgid,)


@wasmux_syscall("setsid")
def setsid(kernel: Kernel, process: Process) -> tuple[int]:
    """A new session and group led by the caller, without a terminal; EPERM for a
    group leader."""
    own = _own_pid(process)
    if process.pgid == own or kernel.processes.group(own):
        raise KernelError(wasi.EPERM)
    process.sid = process.pgid = own
    process.ctty = None
    return (own,)


@wasmux_syscall("getsid")
def getsid(kernel: Kernel, process: Process, pid: int) -> tuple[int]:
    return ((_find(kernel, process, pid) or process).sid,)
