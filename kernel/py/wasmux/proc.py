"""Processes and the process table.

Layer: kernel core; imports fdtable and wait. A process is created running, becomes a
zombie when it exits (its status kept until a parent waits), and is removed when reaped.
Exit status follows the shell's convention: 0-255 for an exit, 128+N for signal N.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .fdtable import FdTable
from .wait import WaitQueue

PID_MAX = 32768
PROCESS_LIMIT = 256

RUNNING = "running"
ZOMBIE = "zombie"


@dataclass(eq=False, slots=True)
class Process:
    pid: int
    ppid: int
    argv: list[bytes]
    environ: list[bytes]
    fds: FdTable
    cwd: str = "/"
    umask: int = 0o022
    state: str = RUNNING
    exit_code: int | None = None  # set by exit
    exit_signal: int | None = None  # set when a signal ended it
    start_ns: int = 0
    exited: WaitQueue = field(default_factory=WaitQueue)  # woken when it becomes a zombie
    parked: Any = None  # the kernel's parked request, if blocked
    host_data: Any = None  # whatever the host keeps per process (thread, worker, store)

    @property
    def status(self) -> int | None:
        """Shell-style exit status: code, or 128+signal; None while running."""
        if self.exit_signal is not None:
            return 128 + self.exit_signal
        return self.exit_code

    @property
    def name(self) -> str:
        return self.argv[0].decode(errors="replace").rsplit("/", 1)[-1] if self.argv else "?"


class ProcessTable:
    __slots__ = ("processes", "next_pid", "limit")

    def __init__(self, limit: int = PROCESS_LIMIT) -> None:
        self.processes: dict[int, Process] = {}
        self.next_pid = 1
        self.limit = limit

    def allocate_pid(self) -> int | None:
        """The next free pid, counting up and wrapping; None when the table is full."""
        if len(self.processes) >= self.limit:
            return None
        pid = self.next_pid
        while pid in self.processes:
            pid = pid + 1 if pid < PID_MAX else 2
        self.next_pid = pid + 1 if pid < PID_MAX else 2
        return pid

    def add(self, process: Process) -> None:
        assert process.pid not in self.processes
        self.processes[process.pid] = process

    def get(self, pid: int) -> Process | None:
        return self.processes.get(pid)

    def remove(self, pid: int) -> None:
        del self.processes[pid]

    def children(self, pid: int) -> list[Process]:
        return [p for p in self.processes.values() if p.ppid == pid]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(list(self.processes.values()))
