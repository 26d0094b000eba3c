"""System identity and statistics: uname, sethostname, sysinfo.

Layer: syscall handlers; call system.py. Every process may set the host name (all
processes run as root).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import system
from . import wasmux_syscall

if TYPE_CHECKING:
    from ..kernel import Kernel
    from ..proc import Process


@wasmux_syscall("uname")
def uname(kernel: Kernel, process: Process, buf_len: int) -> tuple[bytes, int]:
    """The five fields, each ended by a NUL; cut at buf_len, the full length returned."""
    data = b"".join(field.encode() + b"\0" for field in system.uname(kernel))
    return (data[:buf_len], len(data))


@wasmux_syscall("sethostname")
def sethostname(kernel: Kernel, process: Process, name: bytes) -> tuple[()]:
    system.set_hostname(kernel, name)
    return ()


@wasmux_syscall("sysinfo")
def sysinfo(kernel: Kernel, process: Process) -> tuple[int, int, int, int]:
    """(uptime seconds, total memory, free memory, processes)."""
    total, free = system.memory(kernel)
    return (system.uptime_ns(kernel) // 1_000_000_000, total, free,
            sum(1 for _ in kernel.processes))
