"""Process creation and waiting: spawn (posix_spawn), the emulated vfork, execve in
place, wait4.

Layer: syscall handlers; use the kernel's process calls (spawn_path, exit_process,
wait_child, send_signal) and the fd table. spawn builds the child's fd table from a
copy of the caller's, applies the file actions in order (close, dup2, open, chdir,
fchdir: the ABI table's packed records), then drops close-on-exec descriptors, as
exec would. vfork_begin swaps the caller's fd table, cwd, umask, signal state, group
and session for a copy (the child's, which the guest's child code then changes) and
reserves the child's pid; vfork_exec spawns the child from that state and vfork_exit
makes it a zombie; both give the caller its own state back. A vfork child may vfork
again (a shell's $(...) inside a pipeline element): the saved states form a stack,
innermost first, at most VFORK_DEPTH deep. Signals sent to the caller meanwhile wait
until the outermost child phase ends (Kernel.send_signal).
"""

from __future__ import annotations

import posixpath
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import signals
from ..abi import wasi
from ..errors import KernelError
from ..fdtable import Descriptor, FdTable
from ..fs.vfs import is_directory
from ..proc import Process
from ..tty import adopt_terminal
from . import wasmux_syscall

if TYPE_CHECKING:
    from ..kernel import Kernel

ACTION_HEADER = struct.Struct("<iiiiI")  # kind, fd, arg1, arg2, path length
ACTION_CLOSE, ACTION_DUP2, ACTION_OPEN, ACTION_CHDIR, ACTION_FCHDIR = 1, 2, 3, 4, 5
# <spawn.h> flags
SPAWN_SETPGROUP, SPAWN_SETSIGDEF, SPAWN_SETSIGMASK, SPAWN_SETSID = 2, 4, 8, 128
# wasi-libc's <fcntl.h> open flags: WASI oflags shifted by 12, fdflags in the low bits.
O_RDONLY, O_WRONLY, O_NOFOLLOW = 0x04000000, 0x10000000, 0x01000000
FDFLAGS_MASK = 0x1F
VFORK_DEPTH = 16


def split_strings(packed: bytes) -> list[bytes]:
    """The NUL-terminated strings packed back to back in `packed`."""
    return packed.split(b"\0")[:-1] if packed else []


def copy_fds(fds: FdTable) -> FdTable:
    """Another table on the same open files, close-on-exec flags included."""
    table = FdTable(fds.limit)
    for fd, entry in fds.entries.items():
        table.entries[fd] = Descriptor(entry.file.ref(), entry.rights_base,
                                       entry.rights_inheriting, entry.cloexec, entry.preopen)
    return table


def drop_cloexec(fds: FdTable) -> None:
    for fd in [fd for fd, entry in fds.entries.items() if entry.cloexec]:
        fds.close(fd)


def _directory_path(kernel: Kernel, caller: Process, path: str) -> str:
    """`path` (absolute) if it names a directory: ENOENT, ENOTDIR otherwise."""
    if not is_directory(kernel.vfs.resolve(caller, kernel.vfs.root, path)):
        raise KernelError(wasi.ENOTDIR)
    return path


def apply_actions(kernel: Kernel, caller: Process, fds: FdTable, cwd: str,
                  actions: bytes, opener: Process | None) -> str:
    """Apply posix_spawn file actions to the child's `fds`; returns the child's cwd.
    Files are opened on behalf of `opener` (None for a child that gets its own session:
    the caller must not acquire a terminal the child opens)."""
    offset = 0
    while offset < len(actions):
        if offset + ACTION_HEADER.size > len(actions):
            raise KernelError(wasi.EINVAL, "truncated file action")
        kind, fd, arg1, mode, length = ACTION_HEADER.unpack_from(actions, offset)
        offset += ACTION_HEADER.size
        path = actions[offset:offset + length].decode(errors="surrogateescape")
        offset += length
        if kind == ACTION_CLOSE:
            fds.close(fd)
        elif kind == ACTION_DUP2:
            entry = fds.get(fd)
            if fd == arg1:
                entry.cloexec = False
            else:
                fds.install_at(arg1, Descriptor(entry.file.ref(), entry.rights_base,
                                                entry.rights_inheriting))
        elif kind == ACTION_OPEN:
            full = posixpath.join(cwd, path)
            writable = bool(arg1 & O_WRONLY)
            file = kernel.vfs.open(opener, kernel.vfs.root, full, (arg1 >> 12) & 0xF,
                                   not arg1 & O_NOFOLLOW, bool(arg1 & O_RDONLY) or not writable,
                                   writable, arg1 & FDFLAGS_MASK, posixpath.normpath(full),
                                   mode & 0o7777 & ~caller.umask)
            fds.install_at(fd, Descriptor(file))
        elif kind == ACTION_CHDIR:
            cwd = _directory_path(kernel, caller, posixpath.normpath(posixpath.join(cwd, path)))
        elif kind == ACTION_FCHDIR:
            cwd = _directory_path(kernel, caller, fds.get(fd).file.path)
        else:
            raise KernelError(wasi.EINVAL, f"unknown file action {kind}")
    return cwd


def _check_group(kernel: Kernel, caller: Process, pgid: int) -> None:
    """A child may join group `pgid` only if it exists in the caller's session."""
    if pgid and not any(member.sid == caller.sid for member in kernel.processes.group(pgid)):
        raise KernelError(wasi.EPERM, "no such process group in this session")


@wasmux_syscall("spawn")
def spawn(kernel: Kernel, process: Process, path: str, argv: bytes, envp: bytes,
          actions: bytes, flags: int, pgid: int, sigmask: int,
          sigdefault: int) -> tuple[int]:
    if flags & SPAWN_SETPGROUP:
        _check_group(kernel, process, pgid)
    fds = copy_fds(process.fds)
    try:
        cwd = apply_actions(kernel, process, fds, process.cwd, actions,
                            None if flags & SPAWN_SETSID else process)
        drop_cloexec(fds)
    except BaseException:
        fds.close_all()
        raise
    child = kernel.spawn_path(process, path, split_strings(argv), split_strings(envp), fds,
                              cwd, pgid if flags & SPAWN_SETPGROUP else None)
    if flags & SPAWN_SETSID:
        child.sid = child.pgid = child.pid
        child.ctty = None
        adopt_terminal(child)
    if flags & SPAWN_SETSIGMASK:
        child.blocked = sigmask & signals.ALL & ~signals.UNBLOCKABLE
    if flags & SPAWN_SETSIGDEF:
        for sig in signals.bits(sigdefault):
            child.actions[sig] = signals.Action()
    return (child.pid,)


@dataclass(slots=True)
class VforkState:
    """The caller's own state while it runs a vfork child's code, and the child's pid."""

    child_pid: int
    fds: FdTable
    cwd: str
    umask: int
    actions: list[signals.Action]
    blocked: int
    pending: int
    pgid: int
    sid: int
    ctty: Any
    outer: VforkState | None  # the enclosing child phase's saved state, if nested
    deferred: int = 0  # signals sent to the caller meanwhile

    @property
    def depth(self) -> int:
        return 1 if self.outer is None else self.outer.depth + 1

    def discard(self, kernel: Kernel, process: Process) -> None:
        """The caller ended during the child phase: drop every saved state."""
        process.vfork = None
        state: VforkState | None = self
        while state is not None:
            kernel.processes.release(state.child_pid)
            state.fds.close_all()
            state = state.outer


def _restore(kernel: Kernel, process: Process) -> VforkState:
    """Give the caller the state of the enclosing phase back; leaving the outermost
    child phase delivers the signals the caller was sent meanwhile."""
    state = process.vfork
    assert state is not None
    process.vfork = state.outer
    process.fds.close_all()
    process.fds, process.cwd, process.umask = state.fds, state.cwd, state.umask
    process.actions, process.blocked = state.actions, state.blocked
    process.pgid, process.sid, process.ctty = state.pgid, state.sid, state.ctty
    if state.outer is not None:
        process.pending = state.pending
        process.attention = process.attention or bool(state.pending & ~state.blocked)
        state.outer.deferred |= state.deferred
        return state
    process.pending = 0
    for sig in signals.bits(state.pending | state.deferred):
        kernel.send_signal(process, sig)
    return state


def _child_phase(process: Process) -> VforkState:
    if process.vfork is None:
        raise KernelError(wasi.EINVAL, "not in a vfork child")
    state: VforkState = process.vfork
    return state


@wasmux_syscall("vfork_begin")
def vfork_begin(kernel: Kernel, process: Process) -> tuple[()]:
    """EAGAIN past VFORK_DEPTH nested child phases or when the process table is full."""
    if process.vfork is not None and process.vfork.depth >= VFORK_DEPTH:
        raise KernelError(wasi.EAGAIN, "vfork children nested too deep")
    pid = kernel.processes.allocate_pid(reserve=True)
    if pid is None:
        raise KernelError(wasi.EAGAIN, "process limit reached")
    process.vfork = VforkState(pid, process.fds, process.cwd, process.umask, process.actions,
                               process.blocked, process.pending, process.pgid, process.sid,
                               process.ctty, process.vfork)
    process.fds = copy_fds(process.fds)
    process.actions = [signals.Action(a.disposition, a.flags, a.mask) for a in process.actions]
    process.pending = 0
    return ()


@wasmux_syscall("vfork_exec")
def vfork_exec(kernel: Kernel, process: Process, path: str, argv: bytes,
               envp: bytes) -> tuple[int]:
    """On failure the caller stays in the child phase (execve returned -1)."""
    state = _child_phase(process)
    fds = copy_fds(process.fds)
    drop_cloexec(fds)
    try:
        kernel.spawn_path(process, path, split_strings(argv), split_strings(envp), fds,
                          process.cwd, pid=state.child_pid)
    except KernelError:
        if kernel.processes.get(state.child_pid) is None:
            kernel.processes.reserve(state.child_pid)
        raise
    _restore(kernel, process)
    kernel.check_alive(process)
    return (state.child_pid,)


@wasmux_syscall("vfork_exit")
def vfork_exit(kernel: Kernel, process: Process, status: int) -> tuple[int]:
    state = _child_phase(process)
    child = Process(state.child_pid, process.pid, list(process.argv), [], FdTable(),
                    process.cwd, process.umask, pgid=process.pgid, sid=process.sid,
                    executable=process.executable, comm=process.comm,
                    start_ns=kernel.host.monotonic_ns())
    kernel.processes.add(child)
    _restore(kernel, process)
    kernel.exit_process(child, code=status)
    kernel.check_alive(process)
    return (child.pid,)


@wasmux_syscall("execve")
def execve(kernel: Kernel, process: Process, path: str, argv: bytes,
           envp: bytes) -> tuple[()]:
    """In place; a vfork child execs with vfork_exec instead (EINVAL here)."""
    if process.vfork is not None:
        raise KernelError(wasi.EINVAL, "execve in a vfork child: use vfork_exec")
    kernel.exec_path(process, path, split_strings(argv), split_strings(envp))
    return ()


@wasmux_syscall("wait4")
def wait4(kernel: Kernel, process: Process, pid: int, options: int) -> tuple[int, int]:
    return kernel.wait_child(process, pid, options)

