"""procfs: /proc, a view of the kernel's process table, generated on access.

Layer: filesystem; imports file.py; reads the kernel's process table and mount list
(changes nothing but a process's own command name). Entries: /proc/self (a symlink to
the caller's pid, resolved per caller by the VFS through `readlink_for`), /proc/mounts,
/proc/uptime, /proc/stat, /proc/meminfo, /proc/loadavg, and per process
/proc/<pid>/cmdline, /proc/<pid>/comm (the command name, which the process may
rewrite), /proc/<pid>/status, /proc/<pid>/stat, /proc/<pid>/statm, /proc/<pid>/exe (a
symlink to the program file) and /proc/<pid>/fd/<n> (magic links to each descriptor's
open file, reading as the path it was opened with). File contents are generated on
every read, from the state at that moment; their size reads as 0, as on Linux. Formats
are Linux's (proc(5)), for ps, top, free and uptime. Wasmux measures neither CPU time
per process nor memory: those fields read 0 (all CPU time is reported idle), and memory
totals are system.py's declared budget.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from .. import signals
from ..abi import wasi
from ..errors import KernelError
from ..file import FileSystem, Inode, OpenFile
from ..proc import COMM_MAX, ZOMBIE
from ..system import memory, uptime_ns

if TYPE_CHECKING:
    from ..kernel import Kernel
    from ..proc import Process

ROOT_INO, SELF_INO, MOUNTS_INO, UPTIME_INO = 1, 2, 3, 4
STAT_INO, MEMINFO_INO, LOADAVG_INO = 5, 6, 7
CMDLINE_SLOT, STATUS_SLOT, FD_DIR_SLOT, EXE_SLOT, STAT_SLOT, STATM_SLOT = 1, 2, 3, 4, 5, 6
COMM_SLOT = 7
FD_LINK_SLOT = 0x100
CLOCK_TICKS = 100  # USER_HZ: the unit of times in /proc/stat and /proc/<pid>/stat


def process_ino(pid: int, slot: int) -> int:
    """Inode numbers of per-process entries: the pid in the high bits, the entry below."""
    return (pid << 16) | slot


class ProcFS(FileSystem):
    kind = "proc"

    def __init__(self, dev: int, clock: Callable[[], int], kernel: Kernel) -> None:
        super().__init__(dev, clock)
        self.kernel = kernel
        self.root: Inode = ProcRoot(self)

    def process(self, pid: int) -> Process:
        """The live (or zombie) process `pid`; ENOENT once it was reaped."""
        process = self.kernel.processes.get(pid)
        if process is None:
            raise KernelError(wasi.ENOENT, "no such process")
        return process


class ProcInode(Inode):
    """Namespace changes are refused: procfs is read-only."""

    fs: ProcFS

    def _refuse(self) -> KernelError:
        return KernelError(wasi.EACCES, "procfs is read-only")

    def write(self, file: OpenFile, offset: int, data: bytes) -> int:
        raise self._refuse()

    def truncate(self, size: int) -> None:
        raise self._refuse()

    def set_times(self, atim: int | None, mtim: int | None) -> None:
        raise self._refuse()

    def set_mode(self, mode: int) -> None:
        raise self._refuse()


class GeneratedFile(ProcInode):
    filetype = wasi.FILETYPE_REGULAR_FILE

    def __init__(self, fs: ProcFS, ino: int, generate: Callable[[], bytes]) -> None:
        super().__init__(fs, ino, 0o444)
        self.generate = generate

    def read(self, file: OpenFile, offset: int, size: int) -> bytes:
        return self.generate()[offset:offset + size]


class CommFile(ProcInode):
    """/proc/<pid>/comm: the command name and a newline. The process itself may write
    it (prctl PR_SET_NAME): the bytes up to a NUL, at most COMM_MAX, become its name;
    another process opening it for writing gets EINVAL. Truncation does nothing."""

    filetype = wasi.FILETYPE_REGULAR_FILE

    def __init__(self, fs: ProcFS, pid: int) -> None:
        super().__init__(fs, process_ino(pid, COMM_SLOT), 0o644)
        self.pid = pid

    def read(self, file: OpenFile, offset: int, size: int) -> bytes:
        return (self.fs.process(self.pid).comm + b"\n")[offset:offset + size]

    def open(self, process: Process | None, readable: bool, writable: bool, flags: int,
             path: str) -> OpenFile:
        if writable and (process is None or process.pid != self.pid):
            raise KernelError(wasi.EINVAL, "only a process may rename itself")
        return super().open(process, readable, writable, flags, path)

    def write(self, file: OpenFile, offset: int, data: bytes) -> int:
        self.fs.process(self.pid).comm = data.split(b"\0", 1)[0][:COMM_MAX]
        return len(data)

    def truncate(self, size: int) -> None:
        pass


class ProcLink(ProcInode):
    filetype = wasi.FILETYPE_SYMBOLIC_LINK

    def __init__(self, fs: ProcFS, ino: int, target: str) -> None:
        super().__init__(fs, ino, 0o777)
        self.target = target

    def readlink(self) -> str:
        return self.target


class FdLink(ProcLink):
    """/proc/<pid>/fd/<n>: a magic link (vfs.py). It reads as the path the descriptor
    was opened with (pipe:[ino] and socket:[ino] for those), and following it reaches
    the open file's inode itself: opening it opens that file anew (its own offset and
    access mode), even unlinked or renamed."""

    def __init__(self, fs: ProcFS, ino: int, file: OpenFile) -> None:
        super().__init__(fs, ino, file.path)
        self.target_file = file


class SelfLink(ProcInode):
    """/proc/self: its target is the pid of whoever follows it."""

    filetype = wasi.FILETYPE_SYMBOLIC_LINK

    def readlink_for(self, process: Process | None) -> str:
        if process is None:
            raise KernelError(wasi.ENOENT, "/proc/self without a calling process")
        return str(process.pid)


class ProcDirectory(ProcInode):
    """A generated directory: `entries()` yields (name, inode) for what exists now."""

    filetype = wasi.FILETYPE_DIRECTORY

    def __init__(self, fs: ProcFS, ino: int, parent: Inode | None) -> None:
        super().__init__(fs, ino, 0o555)
        self.parent = parent if parent is not None else self
        self.nlink = 2

    def entries(self) -> Iterable[tuple[str, Inode]]:
        raise NotImplementedError

    def lookup(self, name: str) -> Inode:
        if name == "..":
            return self.parent
        if name == ".":
            return self
        for entry_name, inode in self.entries():
            if entry_name == name:
                return inode
        raise KernelError(wasi.ENOENT)

    def list(self) -> Iterable[tuple[str, Inode]]:
        return list(self.entries())

    def create_file(self, name: str, mode: int) -> Inode:
        raise self._refuse()

    def create_directory(self, name: str, mode: int) -> Inode:
        raise self._refuse()

    def create_symlink(self, name: str, target: str) -> Inode:
        raise self._refuse()

    def link(self, name: str, inode: Inode) -> None:
        raise self._refuse()

    def unlink(self, name: str) -> None:
        raise self._refuse()

    def remove_directory(self, name: str) -> None:
        raise self._refuse()

    def rename(self, old_name: str, new_parent: Inode, new_name: str) -> None:
        raise self._refuse()


class ProcRoot(ProcDirectory):
    def __init__(self, fs: ProcFS) -> None:
        super().__init__(fs, ROOT_INO, None)

    def entries(self) -> Iterable[tuple[str, Inode]]:
        fs = self.fs
        yield "self", SelfLink(fs, SELF_INO, 0o777)
        yield "mounts", GeneratedFile(fs, MOUNTS_INO, self.mounts)
        yield "uptime", GeneratedFile(fs, UPTIME_INO, self.uptime)
        yield "stat", GeneratedFile(fs, STAT_INO, self.system_stat)
        yield "meminfo", GeneratedFile(fs, MEMINFO_INO, self.meminfo)
        yield "loadavg", GeneratedFile(fs, LOADAVG_INO, self.loadavg)
        for process in sorted(fs.kernel.processes, key=lambda p: p.pid):
            yield str(process.pid), ProcessDirectory(fs, process.pid, self)

    def lookup(self, name: str) -> Inode:
        if name.isdigit() and name == str(int(name)):
            self.fs.process(int(name))
            return ProcessDirectory(self.fs, int(name), self)
        return super().lookup(name)

    def mounts(self) -> bytes:
        return "".join(f"{fs.kind} {path} {fs.kind} rw 0 0\n"
                       for path, fs in self.fs.kernel.vfs.mounts).encode()

    def uptime(self) -> bytes:
        seconds = uptime_ns(self.fs.kernel) / 1e9
        return f"{seconds:.2f} {seconds:.2f}\n".encode()

    def system_stat(self) -> bytes:
        """/proc/stat: one CPU, all of its time idle; boot time and process counts."""
        kernel = self.fs.kernel
        idle = uptime_ns(kernel) * CLOCK_TICKS // 1_000_000_000
        boot = (kernel.host.realtime_ns() - uptime_ns(kernel)) // 1_000_000_000
        processes = list(kernel.processes)
        running = sum(1 for process in processes if process.parked is None
                      and process.state != ZOMBIE)
        cpu = f"0 0 0 {idle} 0 0 0 0 0 0"
        return (f"cpu  {cpu}\ncpu0 {cpu}\nintr 0\nctxt 0\nbtime {boot}\n"
                f"processes {kernel.processes.next_pid - 1}\nprocs_running {running}\n"
                f"procs_blocked 0\n").encode()

    def meminfo(self) -> bytes:
        total, free = (size // 1024 for size in memory(self.fs.kernel))
        rows = (("MemTotal", total), ("MemFree", free), ("MemAvailable", free),
                ("Buffers", 0), ("Cached", 0), ("SwapCached", 0), ("SwapTotal", 0),
                ("SwapFree", 0), ("Shmem", 0), ("SReclaimable", 0))
        return "".join(f"{name}:{size:>16} kB\n" for name, size in rows).encode()

    def loadavg(self) -> bytes:
        """Load averages (not measured: 0), running/total processes, the last pid."""
        processes = list(self.fs.kernel.processes)
        running = sum(1 for process in processes if process.parked is None
                      and process.state != ZOMBIE)
        last = max((process.pid for process in processes), default=0)
        return f"0.00 0.00 0.00 {running}/{len(processes)} {last}\n".encode()


class ProcessDirectory(ProcDirectory):
    def __init__(self, fs: ProcFS, pid: int, parent: Inode) -> None:
        super().__init__(fs, process_ino(pid, 0), parent)
        self.pid = pid

    def entries(self) -> Iterable[tuple[str, Inode]]:
        fs, pid = self.fs, self.pid
        fs.process(pid)
        yield "cmdline", GeneratedFile(fs, process_ino(pid, CMDLINE_SLOT), self.cmdline)
        yield "status", GeneratedFile(fs, process_ino(pid, STATUS_SLOT), self.status)
        yield "stat", GeneratedFile(fs, process_ino(pid, STAT_SLOT), self.process_stat)
        yield "statm", GeneratedFile(fs, process_ino(pid, STATM_SLOT), self.statm)
        yield "comm", CommFile(fs, pid)
        yield "fd", FdDirectory(fs, pid, self)
        executable = fs.process(pid).executable
        if executable:
            yield "exe", ProcLink(fs, process_ino(pid, EXE_SLOT), executable)

    def cmdline(self) -> bytes:
        return b"".join(arg + b"\0" for arg in self.fs.process(self.pid).argv)

    def state(self) -> str:
        """The state letter and word of status (Z zombie, T stopped, S parked, R)."""
        process = self.fs.process(self.pid)
        if process.state == ZOMBIE:
            return "Z (zombie)"
        if process.stopped:
            return "T (stopped)"
        if process.parked is not None:
            return "S (sleeping)"
        return "R (running)"

    def process_stat(self) -> bytes:
        """proc(5)'s 52 fields: identity, state, groups, start time; times, memory and
        the terminal read 0."""
        process = self.fs.process(self.pid)
        start = (process.start_ns - self.fs.kernel.boot_ns) * CLOCK_TICKS // 1_000_000_000
        fields = [process.pid, f"({process.name})", self.state()[0], process.ppid,
                  process.pgid, process.sid, 0, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 20, 0, 1,
                  0, max(0, start), 0, 0]
        fields += [0] * (52 - len(fields))
        return (" ".join(map(str, fields)) + "\n").encode()

    def statm(self) -> bytes:
        return b"0 0 0 0 0 0 0\n"

    def status(self) -> bytes:
        process = self.fs.process(self.pid)
        state = self.state()
        ignored = caught = 0
        for sig in range(1, len(process.actions)):
            disposition = process.actions[sig].disposition
            ignored |= (disposition == signals.IGNORE) << (sig - 1)
            caught |= (disposition == signals.CAUGHT) << (sig - 1)
        return (f"Name:\t{process.name}\nUmask:\t{process.umask:04o}\nState:\t{state}\n"
                f"Tgid:\t{process.pid}\nPid:\t{process.pid}\nPPid:\t{process.ppid}\n"
                f"SigPnd:\t{process.pending:016x}\nSigBlk:\t{process.blocked:016x}\n"
                f"SigIgn:\t{ignored:016x}\nSigCgt:\t{caught:016x}\n").encode()


class FdDirectory(ProcDirectory):
    def __init__(self, fs: ProcFS, pid: int, parent: Inode) -> None:
        super().__init__(fs, process_ino(pid, FD_DIR_SLOT), parent)
        self.pid = pid

    def entries(self) -> Iterable[tuple[str, Inode]]:
        fs, pid = self.fs, self.pid
        for fd, descriptor in sorted(fs.process(pid).fds.entries.items()):
            yield str(fd), FdLink(fs, process_ino(pid, FD_LINK_SLOT + fd), descriptor.file)

    def list(self) -> Iterable[tuple[str, Inode]]:
        """Without the preopened root (wasi-libc's capability for resolving paths, not
        a descriptor the program opened; libwasmux keeps it at a high fd)."""
        descriptors = self.fs.process(self.pid).fds.entries
        return [(name, inode) for name, inode in self.entries()
                if descriptors[int(name)].preopen is None]
