"""Process syscalls: exit, raise, yield, and the wasmux pid calls."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
    """Signal 0 only checks that raising works (POSIX raise(0)); an unknown signal is
    EINVAL; any other ends the process by that signal."""
    if not 0 <= sig < len(wasi.SIGNAL_NAMES):
        raise KernelError(wasi.EINVAL)
    if sig == 0:
        return ()
    kernel.exit_process(process, signal=sig)
    raise ProcessExit(128 + sig)


@syscall("sched_yield", lockless=True)
def sched_yield(kernel: Kernel, process: Process) -> tuple[()]:
    return ()


@wasmux_syscall("getpid", lockless=True)
def getpid(kernel: Kernel, process: Process) -> tuple[int]:
    return (process.pid,)


@wasmux_syscall("getppid", lockless=True)
def getppid(kernel: Kernel, process: Process) -> tuple[int]:
    return (process.ppid,)
