"""Helpers for the terminal tests: wasmux calls through Kernel.submit, a session on a
terminal, and a recorder of the signals terminals send."""

from __future__ import annotations

from typing import Any

from wasmux.abi import wasi
from wasmux.abi.table import BY_NAME, WASMUX
from wasmux.fdtable import Descriptor
from wasmux.kernel import Kernel
from wasmux.proc import Process


def wasmux_call(kernel: Kernel, process: Process, name: str,
                *args: Any) -> tuple[int, tuple[Any, ...]]:
    """(errno, outs) of a wasmux call that must not park."""
    result = kernel.submit(process, BY_NAME[(WASMUX, name)].number, args,
                           lambda errno, outs: None)
    assert result is not None, f"{name} parked"
    return result


def open_as(kernel: Kernel, process: Process, path: str) -> int:
    """Open `path` read-write as `process` (so terminals see the opener)."""
    vfs = kernel.vfs
    file = vfs.open(process, vfs.root, path, 0, True, True, True, 0, path)
    return process.fds.install(Descriptor(file, wasi.RIGHTS_ALL, wasi.RIGHTS_ALL))


def make_leader(process: Process) -> Process:
    """Make `process` lead its own session and group (what setsid does)."""
    process.sid = process.pgid = process.pid
    process.ctty = None
    return process


def join(process: Process, leader: Process, pgid: int) -> Process:
    """Put `process` in `leader`'s session, in group `pgid` (a child after setpgid)."""
    process.ppid = leader.pid
    process.sid = leader.sid
    process.pgid = pgid
    process.ctty = leader.ctty
    return process


class SignalLog:
    """Replaces the kernel's signal_group and send_signal with recorders."""

    def __init__(self, kernel: Kernel) -> None:
        self.groups: list[tuple[int, int]] = []
        self.processes: list[tuple[int, int]] = []
        kernel.signal_group = lambda pgid, sig: self.groups.append((pgid, sig))  # type: ignore[method-assign]
        kernel.send_signal = lambda process, sig: self.processes.append(  # type: ignore[method-assign]
            (process.pid, sig))
