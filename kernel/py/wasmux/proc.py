"""Processes and the process table.

Layer: kernel core; imports fdtable, wait and signals. A process is created running,
becomes a zombie when it exits (its status kept until a parent waits), and is removed
when reaped. A running process may be stopped (by a stop signal) until SIGCONT.
`status` follows the shell's convention (0-255 for an exit, 128+N for signal N);
`wait_status` is the int <sys/wait.h>'s macros decode (Linux encoding).

A process in a vfork child phase (`vfork` set) runs the child's code on its own stack:
its live fd table, cwd, umask, signal state, group and session are the child's
snapshot, and `vfork` holds the parent's own until the child execs or exits (a stack:
a vfork child may vfork again, and its saved state links to the enclosing one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .fdtable import FdTable
from .signals import Action, fresh_actions
from .wait import WaitQueue

PID_MAX = 32768
PROCESS_LIMIT = 256
COMM_MAX = 15  # bytes of a command name (Linux's TASK_COMM_LEN - 1)

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
    pgid: int = 0
    sid: int = 0
    executable: str = ""  # absolute path of the program file (/proc/<pid>/exe)
    # The command name (/proc/<pid>/comm): the last component of the path exec'd (a
    # script's own, not its interpreter's), or argv[0]'s when made without a path.
    comm: bytes = b""
    ctty: Any = None  # the controlling terminal (tty.py), if any
    # Signals (see signals.py): dispositions by number, blocked mask, pending set, the
    # mask a sigsuspend replaced (restored when its signal is delivered), alarm timer.
    actions: list[Action] = field(default_factory=fresh_actions)
    blocked: int = 0
    pending: int = 0
    suspend_mask: int | None = None
    # Set when a caught signal may have become deliverable or the process was stopped:
    # the host looks (GuestState.attend) at its next syscall return, lockless ones too,
    # and clears it when there is nothing to do. Never cleared by the kernel.
    attention: bool = False
    alarm: Any = None  # (deadline_ns, timer handle) while an alarm is set
    # Job control: stopped until SIGCONT; what wait4 has yet to report about it.
    stopped: bool = False
    stop_signal: int = 0
    stop_unreported: bool = False
    continue_unreported: bool = False
    children_changed: WaitQueue = field(default_factory=WaitQueue)  # wait4 parks here
    reap_on_exit: bool = False  # an orphan with no init to wait for it
    vfork: Any = None  # the innermost saved state during a vfork child phase (spawn.py)

    def __post_init__(self) -> None:
        if not self.comm and self.argv:
            self.comm = command_name(self.argv[0])

    @property
    def status(self) -> int | None:
        """Shell-style exit status: code, or 128+signal; None while running."""
        if self.exit_signal is not None:
            return 128 + self.exit_signal
        return self.exit_code

    @property
    def wait_status(self) -> int:
        """The zombie's status as wait4 reports it: code << 8, or the signal number."""
        if self.exit_signal is not None:
            return self.exit_signal & 0x7F
        return ((self.exit_code or 0) & 0xFF) << 8

    @property
    def name(self) -> str:
        return self.comm.decode(errors="replace") if self.comm else "?"


def command_name(path: bytes) -> bytes:
    """A process's command name for the program file `path`: its last component, cut
    to COMM_MAX bytes."""
    return path.rstrip(b"/").rsplit(b"/", 1)[-1][:COMM_MAX]


class ProcessTable:
    __slots__ = ("limit", "next_pid", "processes", "reserved")

    def __init__(self, limit: int = PROCESS_LIMIT) -> None:
        self.processes: dict[int, Process] = {}
        self.next_pid = 1
        self.limit = limit
        self.reserved: set[int] = set()  # pids held for vfork children not yet created

    def allocate_pid(self, reserve: bool = False) -> int | None:
        """The next free pid, counting up and wrapping; None when the table is full.
        A reserved pid counts as used until `add` or `release`."""
        if len(self.processes) + len(self.reserved) >= self.limit:
            return None
        pid = self.next_pid
        while pid in self.processes or pid in self.reserved:
            pid = pid + 1 if pid < PID_MAX else 2
        self.next_pid = pid + 1 if pid < PID_MAX else 2
        if reserve:
            self.reserved.add(pid)
        return pid

    def reserve(self, pid: int) -> None:
        """Hold `pid` (free, and once allocated) again for a later `add`."""
        assert pid not in self.processes
        self.reserved.add(pid)

    def release(self, pid: int) -> None:
        """Give back a reserved pid that will not be used."""
        self.reserved.discard(pid)

    def add(self, process: Process) -> None:
        assert process.pid not in self.processes
        self.reserved.discard(process.pid)
        self.processes[process.pid] = process

    def get(self, pid: int) -> Process | None:
        return self.processes.get(pid)

    def remove(self, pid: int) -> None:
        del self.processes[pid]

    def children(self, pid: int) -> list[Process]:
        # A loop, not a comprehension: wait4 asks this after every shell command.
        found = []
        for process in self.processes.values():
            if process.ppid == pid:
                found.append(process)
        return found

    def group(self, pgid: int) -> list[Process]:
        """The live members of process group `pgid`."""
        return [p for p in self.processes.values() if p.pgid == pgid and p.state == RUNNING]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(list(self.processes.values()))
