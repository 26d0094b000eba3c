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

from . import syscalls
from .abi import table, wasi
from .errors import KernelError, ProcessExit, WouldBlock
from .fdtable import Descriptor, FdTable
from .file import FileSystem, OpenFile
from .fs.vfs import VFS
from .host import Host
from .proc import RUNNING, ZOMBIE, Process, ProcessTable
from .wait import WaitQueue

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
        # Indexed by WASI clock id: CLOCK_REALTIME, CLOCK_MONOTONIC.
        self.clocks = (host.realtime_ns, host.monotonic_ns)
        self.vfs = VFS(self, root)
        self.vfs.mount_standard()
        self.console = self.vfs.console
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
        """End the process's blocked syscall with EINTR (a signal arrived)."""
        request = process.parked
        if request is not None:
            self._unpark(request)
            request.reply(wasi.EINTR, ())

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
              parent: Process | None = None, cwd: str = "/") -> Process:
        """Create a process running `module`; takes over `fds`. EAGAIN when the process
        table is full, ENOEXEC (with a message) for a module the host cannot run."""
        pid = self.processes.allocate_pid()
        if pid is None:
            fds.close_all()
            raise KernelError(wasi.EAGAIN, "process limit reached")
        process = Process(pid, parent.pid if parent else 0, argv, environ, fds, cwd,
                          parent.umask if parent else 0o022,
                          start_ns=self.host.monotonic_ns())
        self.processes.add(process)
        try:
            self.host.start_process(process, module)
        except BaseException:
            self.processes.remove(pid)
            fds.close_all()
            raise
        return process

    def exit_process(self, process: Process, code: int | None = None,
                     signal: int | None = None) -> None:
        """Record that `process` ended (exit code or fatal signal), release its files,
        hand its children to init, make it a zombie and wake waiters. Idempotent."""
        if process.state != RUNNING:
            return
        if process.parked is not None:
            self._unpark(process.parked)
        process.state = ZOMBIE
        if signal is not None:
            process.exit_signal = signal
        else:
            process.exit_code = (code or 0) & 0xFF
        process.fds.close_all()
        init = self.processes.get(1)
        new_parent = 1 if init is not None and init is not process else 0
        for child in self.processes.children(process.pid):
            child.ppid = new_parent
        process.exited.wake_all()

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
