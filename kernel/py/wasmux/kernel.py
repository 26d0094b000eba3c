"""The kernel: process table, VFS, and the syscall dispatcher with park and retry.

Layer: kernel core, sans-IO. Hosts call `submit()` with decoded arguments (see
abi/table.py) and get `(errno, outs)` back at once, or None when the request parked;
a parked request is re-run when one of its wait queues wakes or its deadline passes,
and its `reply(errno, outs)` callback then delivers the answer. `KernelError` becomes
the errno here and nowhere else. `ProcessExit` propagates to the host: the caller's
guest must stop running.

Concurrency: the kernel is single-threaded logic. The native host serialises every
entry (submit, timers, host callbacks) with one lock; the browser runs it on one worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import program, signals, syscalls
from .abi import table, wasi
from .errors import RESTART, KernelError, ProcessExec, ProcessExit, WouldBlock
from .fdtable import Descriptor, FdTable
from .file import FileSystem, OpenFile
from .fs.vfs import VFS
from .host import Host
from .pipe import PipeFS
from .proc import RUNNING, ZOMBIE, Process, ProcessTable, command_name
from .sockets import SocketFS
from .system import SystemInfo
from .wait import WaitQueue

WNOHANG, WUNTRACED, WCONTINUED = 1, 2, 8  # wait4 options (<sys/wait.h>)
# Blocking calls restarted after SA_RESTART handlers, as Linux restarts them (poll,
# sleeps and sigsuspend never are).
RESTARTABLE = frozenset(
    table.BY_NAME[name].number for name in (
        (table.WASI, "fd_read"), (table.WASI, "fd_pread"), (table.WASI, "fd_write"),
        (table.WASI, "fd_pwrite"), (table.WASI, "path_open"), (table.WASI, "sock_recv"),
        (table.WASI, "sock_send"), (table.WASI, "sock_accept"), (table.WASMUX, "wait4"),
        (table.WASMUX, "ioctl"), (table.WASMUX, "accept4"), (table.WASMUX, "connect"),
        (table.WASMUX, "sendmsg"), (table.WASMUX, "recvmsg"), (table.WASMUX, "open")))
WAIT_CONTINUED = 0xFFFF  # wait4 status of a continued child

Reply = Callable[[int, tuple[Any, ...]], None]
Handler = Callable[..., tuple[Any, ...]]


@dataclass(eq=False, slots=True)
class Request:
    """A parked syscall: who made it, what it was, and how to answer it later."""

    kernel: Kernel
    process: Process
    number: int
    args: tuple[Any, ...]
    reply: Reply
    queues: tuple[WaitQueue, ...] = ()
    timer: Any = None

    def retry(self) -> None:
        self.kernel.retry(self)


def _enosys(name: str) -> Handler:
    def handler(kernel: Kernel, process: Process, *args: Any) -> tuple[Any, ...]:
        raise KernelError(wasi.ENOSYS, f"{name} is not implemented")
    return handler


class Kernel:
    def __init__(self, host: Host, root: FileSystem) -> None:
        self.host = host
        self.processes = ProcessTable()
        self.boot_ns = host.monotonic_ns()
        self.system = SystemInfo()
        # Indexed by WASI clock id: CLOCK_REALTIME, CLOCK_MONOTONIC.
        self.clocks = (host.realtime_ns, host.monotonic_ns)
        self.vfs = VFS(self, root)
        self.vfs.mount_standard()
        self.console = self.vfs.console
        self.pipefs = PipeFS(host.realtime_ns)  # pipes and sockets are in no directory
        self.sockfs = SocketFS(host.realtime_ns)
        self.handlers: list[Handler] = [
            syscalls.HANDLERS.get((call.module, call.name)) or _enosys(call.name)
            for call in table.SYSCALLS
        ]

    # --- the dispatcher ---
    def submit(self, process: Process, number: int, args: tuple[Any, ...],
               reply: Reply) -> tuple[int, tuple[Any, ...]] | None:
        """Run syscall `number` for `process`. Returns (errno, outs), or None when the
        request parked (reply is called once it completes)."""
        try:
            return 0, self.handlers[number](self, process, *args)
        except KernelError as error:
            return error.errno, ()
        except WouldBlock as block:
            if process.pending & ~process.blocked:
                return self._interrupted(process, number), ()
            self._park(Request(self, process, number, args, reply), block)
            return None

    def _park(self, request: Request, block: WouldBlock) -> None:
        process = request.process
        assert process.parked is None, "a process has at most one syscall in flight"
        process.parked = request
        request.queues = block.queues
        for queue in block.queues:
            queue.add(request.retry)
        if block.deadline is not None:
            request.timer = self.host.set_timer(block.deadline, request.retry)

    def _unpark(self, request: Request) -> None:
        for queue in request.queues:
            queue.remove(request.retry)
        if request.timer is not None:
            self.host.cancel_timer(request.timer)
        request.process.parked = None

    def retry(self, request: Request) -> None:
        """Re-run a parked request (a queue woke or its deadline passed)."""
        if request.process.parked is not request:
            return
        self._unpark(request)
        try:
            result = self.submit(request.process, request.number, request.args, request.reply)
        except ProcessExit:
            return
        if result is not None:
            request.reply(*result)

    def interrupt(self, process: Process) -> None:
        """End the process's blocked syscall (a caught signal arrived): EINTR, or
        RESTART for a restartable call when every handler due has SA_RESTART."""
        request = process.parked
        if request is not None:
            self._unpark(request)
            request.reply(self._interrupted(process, request.number), ())
        else:
            self.host.signal_process(process)

    @staticmethod
    def _interrupted(process: Process, number: int) -> int:
        """The errno of call `number` that a deliverable signal keeps from blocking."""
        return RESTART if number in RESTARTABLE and signals.restarts(process) else wasi.EINTR

    def enable_trace(self, write: Callable[[str], None]) -> None:
        """strace-like: wrap every handler to report calls, results and errors."""
        def traced(call: table.Syscall, handler: Handler) -> Handler:
            def run(kernel: Kernel, process: Process, *args: Any) -> tuple[Any, ...]:
                shown = ", ".join(repr(a)[:60] for a in args)
                try:
                    outs = handler(kernel, process, *args)
                except KernelError as error:
                    write(f"[{process.pid}] {call.name}({shown}) = {wasi.errno_name(error.errno)}"
                          f" {error}")
                    raise
                except WouldBlock:
                    write(f"[{process.pid}] {call.name}({shown}) parked")
                    raise
                write(f"[{process.pid}] {call.name}({shown}) = {repr(outs)[:80]}")
                return outs
            return run
        # In place: hosts may hold this list.
        self.handlers[:] = [traced(call, handler)
                            for call, handler in zip(table.SYSCALLS, self.handlers)]

    # --- processes ---
    def root_descriptor(self) -> Descriptor:
        """A descriptor for '/' to preopen (fd 3 in a new WASI process)."""
        root = self.vfs.root
        file = OpenFile(root, readable=True, writable=False, path="/")
        return Descriptor(file, wasi.RIGHTS_ALL, wasi.RIGHTS_ALL, preopen="/")

    def spawn(self, module: bytes, argv: list[bytes], environ: list[bytes], fds: FdTable,
              parent: Process | None = None, cwd: str = "/", executable: str = "",
              pid: int | None = None) -> Process:
        """Create a process running `module`; takes over `fds`. It inherits the parent's
        group, session, terminal, umask, mask and ignored signals (a parentless process
        leads its own session). `pid` is one reserved with allocate_pid(reserve=True).
        EAGAIN when the process table is full, ENOEXEC (with a message) for a module
        the host cannot run. The new image finds the root preopened (_preopen_root)."""
        try:
            self._preopen_root(fds)
        except KernelError:
            fds.close_all()
            raise
        if pid is None:
            pid = self.processes.allocate_pid()
        if pid is None:
            fds.close_all()
            raise KernelError(wasi.EAGAIN, "process limit reached")
        process = Process(pid, parent.pid if parent else 0, argv, environ, fds, cwd,
                          parent.umask if parent else 0o022,
                          start_ns=self.host.monotonic_ns(), executable=executable)
        if parent is not None:
            process.pgid, process.sid, process.ctty = parent.pgid, parent.sid, parent.ctty
            process.actions = signals.exec_actions(parent.actions)
            process.blocked = parent.blocked
        else:
            process.pgid = process.sid = pid
        self.processes.add(process)
        try:
            self.host.start_process(process, module)
        except BaseException:
            self.processes.remove(pid)
            fds.close_all()
            raise
        return process

    def _preopen_root(self, fds: FdTable) -> None:
        """A new image needs a preopened root to resolve paths: wasi-libc looks for
        preopens from fd 3 up to the first free fd, where the root goes if none of
        these is one. libwasmux moves it above the fds programs use, close-on-exec."""
        fd = 3
        while fd in fds.entries:
            if fds.entries[fd].preopen is not None:
                return
            fd += 1
        fds.install_at(fd, self.root_descriptor())

    def spawn_path(self, parent: Process | None, path: str, argv: list[bytes],
                   environ: list[bytes], fds: FdTable, cwd: str, pgid: int | None = None,
                   pid: int | None = None) -> Process:
        """Spawn the program file `path` (relative to `cwd`; see program.load for the
        errors and #! scripts); takes over `fds`. pgid=0 puts the child in a new group
        of its own, another value in that group."""
        try:
            executable, module, argv = program.load(self.vfs, parent, path, cwd, argv)
        except BaseException:
            fds.close_all()
            raise
        process = self.spawn(module, argv, environ, fds, parent, cwd, executable, pid)
        process.comm = command_name(path.encode())
        if pgid is not None:
            process.pgid = pgid or process.pid
        return process

    def exec_path(self, process: Process, path: str, argv: list[bytes],
                  environ: list[bytes]) -> None:
        """execve in place: load the program `path` (as spawn_path), have the host
        replace the caller's image, then keep pid, parent, group, session, cwd, umask,
        mask and pending signals, close close-on-exec fds (the root preopened again as
        for spawn), reset caught signals to default (ignored stay ignored) and raise
        ProcessExec. Errors change nothing."""
        executable, module, argv = program.load(self.vfs, process, path, process.cwd, argv)
        self.host.exec_process(process, module)
        for fd in [fd for fd, entry in process.fds.entries.items() if entry.cloexec]:
            process.fds.close(fd)
        self._preopen_root(process.fds)
        process.argv, process.environ, process.executable = argv, environ, executable
        process.comm = command_name(path.encode())
        process.actions = signals.exec_actions(process.actions)
        process.suspend_mask = None
        for sig, action in signals.newly_unblocked(process):
            self._act(process, sig, action)
        raise ProcessExec()

    def exit_process(self, process: Process, code: int | None = None,
                     signal: int | None = None) -> None:
        """Record that `process` ended (exit code or fatal signal), release its files,
        hand its children to init (or have them reaped at exit when there is none),
        make it a zombie, wake waiters and send SIGCHLD to its parent. Idempotent."""
        if process.state != RUNNING:
            return
        if process.parked is not None:
            self._unpark(process.parked)
        if process.alarm is not None:
            self.host.cancel_timer(process.alarm[1])
            process.alarm = None
        if process.vfork is not None:
            process.vfork.discard(self, process)
        process.state = ZOMBIE
        process.stopped = False
        if signal is not None:
            process.exit_signal = signal
        else:
            process.exit_code = (code or 0) & 0xFF
        process.fds.close_all()
        self._reparent_children(process)
        process.exited.wake_all()
        parent = self.processes.get(process.ppid)
        if process.reap_on_exit or (parent is not None and self._parent_ignores_children(parent)):
            self.processes.remove(process.pid)
        if parent is not None:
            parent.children_changed.wake_all()
            self.send_signal(parent, signals.SIGCHLD)

    def _reparent_children(self, process: Process) -> None:
        """Children of a dead process go to init (pid 1), which is told of zombies
        among them; with no live init they are reaped when they end."""
        init = self.processes.get(1)
        adopter = init if init is not None and init is not process and init.state == RUNNING \
            else None
        zombies = False
        for child in self.processes.children(process.pid):
            if adopter is not None:
                child.ppid = 1
                zombies = zombies or child.state == ZOMBIE
            elif child.state == ZOMBIE:
                self.processes.remove(child.pid)
            else:
                child.ppid = 0
                child.reap_on_exit = True
        if adopter is not None and zombies:
            adopter.children_changed.wake_all()
            self.send_signal(adopter, signals.SIGCHLD)

    @staticmethod
    def _parent_ignores_children(parent: Process) -> bool:
        """POSIX: with SIGCHLD ignored explicitly or SA_NOCLDWAIT, children leave no zombie."""
        action = parent.actions[signals.SIGCHLD]
        return action.disposition == signals.IGNORE or bool(action.flags & signals.SA_NOCLDWAIT)

    def kill(self, process: Process, signal: int) -> None:
        """Terminate `process` with a fatal signal at once, wherever its guest is."""
        if process.state != RUNNING:
            return
        self.exit_process(process, signal=signal)
        self.host.kill_process(process)

    def reap(self, process: Process) -> int:
        """Remove a zombie from the table; returns its shell-style status."""
        assert process.state == ZOMBIE
        self.processes.remove(process.pid)
        status = process.status
        assert status is not None
        return status

    def wait_child(self, process: Process, pid: int, options: int) -> tuple[int, int]:
        """wait4: (pid, status) of a child matching `pid` (>0 that child, 0 the caller's
        group, -1 any, <-1 group -pid) that ended (reaped), or with WUNTRACED stopped,
        or with WCONTINUED continued; (0, 0) with WNOHANG when none has; ECHILD when
        no child matches. Parks on the caller's children_changed queue otherwise."""
        matched = False
        for child in self.processes.children(process.pid):
            if not (pid == -1 or (pid > 0 and child.pid == pid)
                    or (pid == 0 and child.pgid == process.pgid)
                    or (pid < -1 and child.pgid == -pid)):
                continue
            matched = True
            if child.state == ZOMBIE:
                self.processes.remove(child.pid)
                return child.pid, child.wait_status
            if options & WUNTRACED and child.stopped and child.stop_unreported:
                child.stop_unreported = False
                return child.pid, (child.stop_signal << 8) | 0x7F
            if options & WCONTINUED and child.continue_unreported:
                child.continue_unreported = False
                return child.pid, WAIT_CONTINUED
        if not matched:
            raise KernelError(wasi.ECHILD)
        if options & WNOHANG:
            return 0, 0
        raise WouldBlock(process.children_changed)

    # --- signals ---
    def send_signal(self, process: Process, sig: int) -> None:
        """Deliver `sig` (Linux number, 1..64) to a process as POSIX says: default
        actions terminate, stop, continue or ignore at once; a blocked signal stays
        pending; a caught one is pending until the host runs the guest's handler at a
        syscall return, and it ends a parked syscall with EINTR. During a vfork child
        phase the parent's signals wait for the child to exec or exit (SIGKILL aside)."""
        if process.state != RUNNING:
            return
        if process.vfork is not None and sig != signals.SIGKILL:
            process.vfork.deferred |= signals.bit(sig)
            return
        self._act(process, sig, signals.arrive(process, sig))

    def _act(self, process: Process, sig: int, action: int) -> None:
        if action == signals.TERMINATE:
            self.kill(process, sig)
        elif action == signals.STOP:
            self.stop(process, sig)
        elif action == signals.CONTINUE:
            self.resume(process)
            if process.pending & ~process.blocked:
                self.interrupt(process)
        elif action == signals.INTERRUPT:
            self.interrupt(process)

    def signal_group(self, pgid: int, sig: int) -> bool:
        """Send `sig` to every live member of group `pgid`; False if there is none."""
        members = self.processes.group(pgid)
        for member in members:
            self.send_signal(member, sig)
        return bool(members)

    def unblocked(self, process: Process) -> None:
        """The mask shrank: carry out the default actions of pending signals it freed,
        and raise ProcessExit if one ended the caller."""
        for sig, action in signals.newly_unblocked(process):
            self._act(process, sig, action)
        if process.pending & ~process.blocked:
            process.attention = True
        self.check_alive(process)

    @staticmethod
    def check_alive(process: Process) -> None:
        """Raise ProcessExit if `process` has ended (a syscall that signalled itself)."""
        if process.state != RUNNING:
            status = process.status
            raise ProcessExit(status if status is not None else 0)

    def take_signal(self, process: Process) -> int:
        """For the host at a syscall return: the caught signal to run the handler of
        now (removed from pending), or 0."""
        return signals.take_deliverable(process)

    def stop(self, process: Process, sig: int) -> None:
        """Stop a running process (a stop signal's default action): its guest parks at
        its next syscall or at once if it is computing, until SIGCONT."""
        if process.stopped:
            return
        process.stopped = True
        process.attention = True
        process.stop_signal = sig
        process.stop_unreported, process.continue_unreported = True, False
        self.host.stop_process(process)
        self._tell_parent(process)

    def resume(self, process: Process) -> None:
        """SIGCONT's default action: a stopped process runs again."""
        if not process.stopped:
            return
        process.stopped = False
        process.stop_unreported, process.continue_unreported = False, True
        self.host.continue_process(process)
        self._tell_parent(process)

    def _tell_parent(self, child: Process) -> None:
        """A child stopped or continued: wake the parent's waits, SIGCHLD unless the
        parent asked for none of these (SA_NOCLDSTOP)."""
        parent = self.processes.get(child.ppid)
        if parent is None:
            return
        parent.children_changed.wake_all()
        if not parent.actions[signals.SIGCHLD].flags & signals.SA_NOCLDSTOP:
            self.send_signal(parent, signals.SIGCHLD)
