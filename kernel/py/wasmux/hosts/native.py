"""The native host: the kernel on CPython, every process a wasmtime instance in its own
thread.

Layer: host (native only); imports the kernel, wasmtime, and its sibling modules
native_abi (the import callbacks) and native_modules (engine, compiled-module cache).

Concurrency: every entry into the kernel holds `NativeHost.lock` (one threading.Lock).
A syscall runs on the calling process's thread under that lock: a hop to a kernel
thread would cost 20-50 us against a sub-microsecond call. A syscall that parks
releases the lock and waits on its process's Event, which the kernel's reply (or a
kill) sets. Timers fire on one helper thread that takes the same lock.

Process lifecycle: start_process() compiles and validates the module (ENOEXEC before any
thread exists), then a thread instantiates it and runs `_start`. An execve in place
prepares the new module (exec_process), the old guest unwinds with a trap, and the same
thread runs the new one in a fresh store. When `_start` returns
the process exits 0; proc_exit and kills were already recorded by the kernel; a guest
trap ends it with a signal: unreachable -> SIGILL, out-of-bounds memory or table access
and stack overflow -> SIGSEGV, integer division by zero or overflow -> SIGFPE, any other
trap -> SIGILL. The status is never taken from a Python exception (wasmtime-py keeps the
last one in a global shared by all threads): the callbacks record it on GuestState.
A kill sets the process's flag, wakes a parked syscall, and bumps the engine epoch so
the store's epoch-deadline callback traps guest code wherever it runs. A stop bumps
the epoch too: the callback of a stopped process blocks until SIGCONT (or a kill), so
busy loops stop; a stopped process that makes a syscall waits at its return
(GuestState.attend, which also runs caught signals' handlers). A caught signal that
becomes deliverable while its process is not parked is delivered at its next syscall
return; if the process is still computing SIGNAL_GRACE_NS later, a timer bumps the
epoch and the callback runs the handlers (GuestState.attend with the store's context:
wasmtime lets an epoch callback call into the guest), so a loop without syscalls sees
its traps. The grace keeps delivery where it was for processes that make syscalls
(a shell between two commands runs its traps at the same points as before) and spares
every running guest an epoch callback per signal.
wasmtime traps a deadline met inside its callback, so the deadline is pushed out while
such a handler runs: a kill or stop reaches it at its next syscall or once it returns.

`NativeSystem` bundles a host and a kernel for tests, benchmarks and the CLI.
"""

from __future__ import annotations

import _thread
import ctypes
import heapq
import itertools
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from wasmtime import FuncType, Linker, Module, Store, ValType, WasmtimeError, _bindings
from wasmtime import _ffi as ffi

from .. import signals
from ..abi import table, wasi
from ..dev.stream import HostStream
from ..errors import KernelError
from ..fdtable import Descriptor, FdTable
from ..file import FileSystem, OpenFile
from ..fs.tmpfs import TmpFS
from ..kernel import Kernel
from ..proc import RUNNING, Process
from .native_abi import CALLBACK, EXECED, FAILED, GuestState, build_callbacks
from .native_modules import ModuleCache, engine

# The exact ctypes function types wasmtime-py declared (ctypes checks them by identity).
_EPOCH_ARGUMENTS: Any = _bindings._wasmtime_store_epoch_deadline_callback.argtypes
EPOCH_CALLBACK = _EPOCH_ARGUMENTS[1]
NO_FINALIZER = ctypes.cast(0, _EPOCH_ARGUMENTS[3])
UPDATE_DEADLINE_CONTINUE = 0
# The epoch deadline while handlers run from the epoch callback: wasmtime traps a
# deadline met inside its callback (no callback is installed meanwhile), so a bump
# for any process would abort the handler; pushed this far, none is met.
HANDLER_DEADLINE = 1 << 62
SIGNAL_GRACE_NS = 10_000_000

_TRAP = ffi.wasmtime_trap_code_enum
TRAP_SIGNALS = {
    _TRAP.WASMTIME_TRAP_CODE_UNREACHABLE_CODE_REACHED.value: signals.SIGILL,
    _TRAP.WASMTIME_TRAP_CODE_MEMORY_OUT_OF_BOUNDS.value: signals.SIGSEGV,
    _TRAP.WASMTIME_TRAP_CODE_HEAP_MISALIGNED.value: signals.SIGSEGV,
    _TRAP.WASMTIME_TRAP_CODE_TABLE_OUT_OF_BOUNDS.value: signals.SIGSEGV,
    _TRAP.WASMTIME_TRAP_CODE_INDIRECT_CALL_TO_NULL.value: signals.SIGSEGV,
    _TRAP.WASMTIME_TRAP_CODE_STACK_OVERFLOW.value: signals.SIGSEGV,
    _TRAP.WASMTIME_TRAP_CODE_INTEGER_DIVISION_BY_ZERO.value: signals.SIGFPE,
    _TRAP.WASMTIME_TRAP_CODE_INTEGER_OVERFLOW.value: signals.SIGFPE,
    _TRAP.WASMTIME_TRAP_CODE_BAD_CONVERSION_TO_INTEGER.value: signals.SIGFPE,
}

_shared_modules: ModuleCache | None = None


def shared_module_cache() -> ModuleCache:
    """The process-wide compiled-module cache (default directory)."""
    global _shared_modules
    if _shared_modules is None:
        _shared_modules = ModuleCache()
    return _shared_modules


def _message(pointer: Any, getter: Callable[..., None]) -> str:
    vector = ffi.wasm_byte_vec_t()
    getter(pointer, ctypes.byref(vector))
    text = ffi.to_str(vector).rstrip("\0")
    ffi.wasm_byte_vec_delete(ctypes.byref(vector))
    return text


class Timer:
    __slots__ = ("callback", "cancelled", "deadline")

    def __init__(self, deadline: int, callback: Callable[[], None]) -> None:
        self.deadline = deadline
        self.callback = callback
        self.cancelled = False


class Timers:
    """Kernel timers: one helper thread sleeps until the earliest deadline and runs the
    callback under the kernel lock. Cancelling happens under the same lock, so a
    cancelled timer never fires."""

    def __init__(self, kernel_lock: threading.Lock) -> None:
        self.kernel_lock = kernel_lock
        self.condition = threading.Condition()
        self.heap: list[tuple[int, int, Timer]] = []
        self.counter = itertools.count()
        self.thread: threading.Thread | None = None
        self.closed = False

    def add(self, deadline: int, callback: Callable[[], None]) -> Timer:
        timer = Timer(deadline, callback)
        with self.condition:
            heapq.heappush(self.heap, (deadline, next(self.counter), timer))
            if self.thread is None:
                self.thread = threading.Thread(target=self._loop, name="wasmux-timers",
                                               daemon=True)
                self.thread.start()
            self.condition.notify()
        return timer

    def close(self) -> None:
        with self.condition:
            self.closed = True
            self.condition.notify()

    def _next_due(self) -> Timer | None:
        """Wait for the earliest timer to come due; None once closed."""
        with self.condition:
            while not self.closed:
                if not self.heap:
                    self.condition.wait()
                    continue
                delay = self.heap[0][0] - time.monotonic_ns()
                if delay <= 0:
                    return heapq.heappop(self.heap)[2]
                self.condition.wait(delay / 1e9)
            return None

    def _loop(self) -> None:
        while (timer := self._next_due()) is not None:
            with self.kernel_lock:
                if timer.cancelled:
                    continue
                timer.cancelled = True
                try:
                    timer.callback()
                except Exception:  # noqa: BLE001 - a kernel bug must not stop every timer
                    print("wasmux: kernel error in a timer:", file=sys.stderr)
                    traceback.print_exc()


def _write_through(stream: Any) -> Callable[[bytes], None]:
    def write(data: bytes) -> None:
        stream.write(data)
        stream.flush()
    return write


class NativeHost:
    """The Host (host.py) on CPython and wasmtime. Call attach(kernel) once the kernel
    exists; hold `lock` around every call into the kernel from outside a syscall."""

    def __init__(self, modules: ModuleCache | None = None,
                 console: Callable[[bytes], None] | None = None) -> None:
        self.lock = threading.Lock()
        self.engine = engine()
        self.modules = modules if modules is not None else shared_module_cache()
        self.console = console if console is not None else _write_through(sys.stdout.buffer)
        self.local = threading.local()
        self.timers = Timers(self.lock)
        self.kernel: Kernel | None = None
        self.linker: Linker | None = None
        self.prepared: dict[Module, Any] = {}
        self.keep_alive: list[Any] = []  # ctypes callbacks wasmtime points to
        # Processes whose thread has not ended (changed without the lock: set.add and
        # set.discard are atomic).
        self.running: set[GuestState] = set()
        self.epoch_callback = EPOCH_CALLBACK(self._on_epoch)

    def attach(self, kernel: Kernel) -> None:
        """Bind the import callbacks to `kernel` and define them in the linker."""
        assert self.kernel is None, "a host serves one kernel"
        self.kernel = kernel
        self.linker = Linker(self.engine)
        i32, i64 = ValType.i32(), ValType.i64()
        for call, function in zip(table.SYSCALLS, build_callbacks(kernel, self.lock, self.local)):
            params = [i64 if kind == "i64" else i32 for kind in call.wasm_param_types()]
            kind = FuncType(params, [] if call.noreturn else [i32])
            callback = ctypes.cast(CALLBACK(function), ffi.wasmtime_func_unchecked_callback_t)
            self.keep_alive.append(callback)
            module, name = call.module.encode(), call.name.encode()
            error = ffi.wasmtime_linker_define_func_unchecked(
                self.linker.ptr(), module, len(module), name, len(name), kind.ptr(), callback,
                None, NO_FINALIZER)
            if error:
                raise WasmtimeError._from_ptr(error)

    # --- clocks, randomness, console, timers ---
    # The clocks are the C functions themselves (no Python frame on the syscall path).
    realtime_ns = staticmethod(time.time_ns)
    monotonic_ns = staticmethod(time.monotonic_ns)

    def random_bytes(self, size: int) -> bytes:
        return os.urandom(size)

    def console_write(self, data: bytes) -> None:
        self.console(data)

    def set_timer(self, deadline_ns: int, callback: Callable[[], None]) -> Timer:
        return self.timers.add(deadline_ns, callback)

    def cancel_timer(self, handle: Any) -> None:
        handle.cancelled = True

    # --- processes ---
    def _prepare(self, process: Process, module: bytes) -> Any:
        """The module compiled and linked, ready to instantiate (ENOEXEC if it cannot)."""
        assert self.kernel is not None and self.linker is not None, "attach() first"
        name = process.argv[0].decode(errors="replace") if process.argv else "?"
        compiled = self.modules.load(bytes(module), name)
        prepared = self.prepared.get(compiled)
        if prepared is None:
            try:
                prepared = self.linker.instantiate_pre(compiled)
            except WasmtimeError as error:
                raise KernelError(wasi.ENOEXEC, f"{name}: {error}") from None
            self.prepared[compiled] = prepared
        return prepared

    def start_process(self, process: Process, module: bytes) -> None:
        prepared = self._prepare(process, module)
        assert self.kernel is not None
        state = GuestState(process, self.kernel, self.lock)
        process.host_data = state
        self.running.add(state)
        # A bare thread: threading.Thread.start() would hold the kernel lock until the new
        # thread has been scheduled (a few hundred us on a loaded machine).
        _thread.start_new_thread(self._run, (state, prepared))

    def exec_process(self, process: Process, module: bytes) -> None:
        """The process thread runs the new image once the current guest has unwound."""
        state = process.host_data
        assert isinstance(state, GuestState)
        state.next_image = self._prepare(process, module)

    def kill_process(self, process: Process) -> None:
        state = process.host_data
        if isinstance(state, GuestState):
            state.killed = True
            state.event.set()
            state.resume.set()
            ffi.wasmtime_engine_increment_epoch(self.engine.ptr())

    def stop_process(self, process: Process) -> None:
        state = process.host_data
        if isinstance(state, GuestState):
            state.resume.clear()
            ffi.wasmtime_engine_increment_epoch(self.engine.ptr())

    def continue_process(self, process: Process) -> None:
        state = process.host_data
        if isinstance(state, GuestState):
            state.resume.set()

    def signal_process(self, process: Process) -> None:
        if isinstance(process.host_data, GuestState):
            self.timers.add(time.monotonic_ns() + SIGNAL_GRACE_NS,
                            lambda: self._interrupt_if_due(process))

    def _interrupt_if_due(self, process: Process) -> None:
        """A signal's grace ended (under the kernel lock): if the process has not taken
        it at a syscall, interrupt its guest through the epoch."""
        if process.attention and process.state == RUNNING and process.parked is None:
            ffi.wasmtime_engine_increment_epoch(self.engine.ptr())

    def _on_epoch(self, context: Any, data: int, delta: Any, kind: Any) -> int:
        """Epoch deadline reached (someone was killed, stopped or signalled): run the
        handlers of this process's deliverable signals and hold it while it is stopped;
        trap if it was killed or a handler ended it."""
        state = getattr(self.local, "state", None)
        if state is not None and state.process.attention and state.attached \
                and state.signal_function is not None and not state.killed:
            ffi.wasmtime_context_set_epoch_deadline(context, HANDLER_DEADLINE)
            trap = state.attend(0, context)
            if trap:
                return self._trap_error(state, trap)
        if state is not None and state.process.stopped and not state.killed:
            state.resume.wait()
        if state is not None and state.killed:
            message = b"wasmux: killed"
            error = ffi.wasmtime_error_new(message)
            return ctypes.cast(error, ctypes.c_void_p).value or 0
        delta[0] = 1
        kind[0] = UPDATE_DEADLINE_CONTINUE
        return 0

    def _trap_error(self, state: GuestState, address: int) -> int:
        """The error an epoch callback returns to unwind the guest with a handler's
        trap (a callback cannot return a trap): the trap's message and signal are kept
        for _ended."""
        trap = ctypes.cast(address, ctypes.POINTER(ffi.wasm_trap_t))
        state.trap_message = _message(trap, ffi.wasm_trap_message)
        code = ctypes.c_uint8()
        if ffi.wasmtime_trap_code(trap, ctypes.byref(code)):
            self.local.trap_signal = TRAP_SIGNALS.get(code.value, signals.SIGILL)
        ffi.wasm_trap_delete(trap)
        error = ffi.wasmtime_error_new(state.trap_message.encode())
        return ctypes.cast(error, ctypes.c_void_p).value or 0

    def _run(self, state: GuestState, prepared: Any) -> None:
        """A process thread: run the guest (and the images it execs), record how it
        ended (_finish), then set `state.ended`."""
        try:
            self._finish(state, self._guest(state, prepared))
        finally:
            self.running.discard(state)
            state.ended.set()

    def _guest(self, state: GuestState, prepared: Any) -> int | None:
        """Run the guest and the images it execs; the signal of a guest trap, else None."""
        self.local.state = state
        signal: int | None = None
        try:
            while True:
                store = Store(self.engine)
                signal = self._execute(state, store, prepared)
                del store
                if state.stop_reason != EXECED or state.killed:
                    break
                prepared = state.next_image
                state.new_image()
        except Exception as error:  # noqa: BLE001 - recorded; the process ends with SIGSYS
            state.failure = error
            traceback.print_exc()
        finally:
            self.local.state = None
        return signal

    def _finish(self, state: GuestState, signal: int | None) -> None:
        """Record how the process ended if the kernel has not already (proc_exit and
        kills record it)."""
        kernel = self.kernel
        assert kernel is not None
        with self.lock:
            if state.process.state == RUNNING:
                if state.stop_reason == FAILED or state.failure is not None:
                    kernel.exit_process(state.process, signal=signals.SIGSYS)
                elif signal is not None:
                    kernel.exit_process(state.process, signal=signal)
                else:
                    kernel.exit_process(state.process, code=0)
        state.attached = False

    def _execute(self, state: GuestState, store: Store, prepared: Any) -> int | None:
        """Instantiate and run `_start`; the signal of a guest trap, else None."""
        context = store._context()
        self.local.trap_signal = signals.SIGILL
        ffi.wasmtime_context_set_epoch_deadline(context, 1)
        ffi.wasmtime_store_epoch_deadline_callback(store.ptr(), self.epoch_callback, None,
                                                   NO_FINALIZER)
        instance = ffi.wasmtime_instance_t()
        trap = ctypes.POINTER(ffi.wasm_trap_t)()
        error = ffi.wasmtime_instance_pre_instantiate(prepared.ptr(), context,
                                                      ctypes.byref(instance), ctypes.byref(trap))
        if error or trap:
            return self._ended(state, error, trap)
        item = ffi.wasmtime_extern_t()
        ffi.wasmtime_instance_export_get(context, ctypes.byref(instance), b"memory", 6,
                                         ctypes.byref(item))
        state.memory = ffi.wasmtime_memory_t.from_buffer_copy(item.of.memory)
        state.base = ctypes.cast(ffi.wasmtime_memory_data(context, ctypes.byref(state.memory)),
                                 ctypes.c_void_p).value or 0
        state.size = ffi.wasmtime_memory_data_size(context, ctypes.byref(state.memory))
        state.attached = True
        if ffi.wasmtime_instance_export_get(context, ctypes.byref(instance), b"wasmux_signal",
                                            13, ctypes.byref(item)) \
                and item.kind == ffi.WASMTIME_EXTERN_FUNC.value:
            state.signal_function = ffi.wasmtime_func_t.from_buffer_copy(item.of.func)
        ffi.wasmtime_instance_export_get(context, ctypes.byref(instance), b"_start", 6,
                                         ctypes.byref(item))
        start = ffi.wasmtime_func_t.from_buffer_copy(item.of.func)
        if state.killed:
            return None
        error = ffi.wasmtime_func_call(context, ctypes.byref(start), None, 0, None, 0,
                                       ctypes.byref(trap))
        if error or trap:
            return self._ended(state, error, trap)
        return None

    def _ended(self, state: GuestState, error: Any, trap: Any) -> int:
        """Free wasmtime's error or trap, keep its message, and map it to a signal."""
        signal = signals.SIGILL
        if trap:
            state.trap_message = _message(trap, ffi.wasm_trap_message)
            code = ctypes.c_uint8()
            if ffi.wasmtime_trap_code(trap, ctypes.byref(code)):
                signal = TRAP_SIGNALS.get(code.value, signals.SIGILL)
            ffi.wasm_trap_delete(trap)
        if error:
            state.trap_message = _message(error, ffi.wasmtime_error_message)
            ffi.wasmtime_error_delete(error)
            signal = self.local.trap_signal
        return signal


@dataclass(frozen=True, slots=True)
class RunResult:
    status: int  # exit code, or 128 + signal
    stdout: bytes
    stderr: bytes


def stdio_descriptor(stream: HostStream, fd: int) -> Descriptor:
    """A descriptor on a host stream for fd 0 (read-only) or 1 and 2 (write-only)."""
    file = OpenFile(stream, readable=fd == 0, writable=fd != 0, path=f"<stdio {fd}>")
    return Descriptor(file, wasi.RIGHTS_ALL, wasi.RIGHTS_ALL)


def _environ(env: dict[str, str] | Sequence[str]) -> list[bytes]:
    if isinstance(env, dict):
        return [f"{key}={value}".encode() for key, value in env.items()]
    return [item.encode() for item in env]


class NativeSystem:
    """A kernel on a native host, ready to run programs: the root is a tmpfs
    (root=None) or the persistent filesystem stored in the host directory `root`."""

    def __init__(self, root: Path | None = None, modules: ModuleCache | None = None,
                 console: Callable[[bytes], None] | None = None) -> None:
        self.host = NativeHost(modules, console)
        filesystem: FileSystem
        if root is None:
            filesystem = TmpFS(1, self.host.realtime_ns)
        else:
            from ..fs.persistent import PersistentFS
            from ..fs.storage import DirectoryStorage
            Path(root).mkdir(parents=True, exist_ok=True)
            filesystem = PersistentFS(1, self.host.realtime_ns, DirectoryStorage(Path(root)))
        with self.host.lock:
            self.kernel = Kernel(self.host, filesystem)
        self.host.attach(self.kernel)

    def host_stream(self, write: Callable[[bytes], None] | None,
                    terminal: bool = False) -> HostStream:
        """A new unlinked stream device for a program's stdio, not a terminal unless
        `terminal` (call under the lock)."""
        devfs = self.kernel.vfs.devfs
        assert devfs is not None
        return HostStream(devfs, devfs.allocate_ino(), write, terminal)

    def spawn(self, module: bytes | Path, argv: Sequence[str],
              env: dict[str, str] | Sequence[str], stdio: Sequence[Descriptor]) -> Process:
        """Start a program with fds 0-2 = `stdio` and fd 3 the preopened root (call
        under the lock). ENOEXEC and other spawn errors raise KernelError."""
        data = Path(module).read_bytes() if isinstance(module, (str, Path)) else module
        fds = FdTable()
        for fd, descriptor in enumerate(stdio):
            fds.install_at(fd, descriptor)
        fds.install_at(3, self.kernel.root_descriptor())
        return self.kernel.spawn(data, [arg.encode() for arg in argv], _environ(env), fds)

    def wait(self, process: Process, timeout: float | None = None) -> int:
        """Wait for `process` to end (SIGKILL it after `timeout` seconds), reap it and
        return its status. A kernel error met while serving it is raised here. Its
        thread may still be unwinding and freeing the instance (close() waits for it);
        a killed one is waited for."""
        done = threading.Event()
        with self.host.lock:
            if process.state == RUNNING:
                process.exited.add(done.set)
            else:
                done.set()
        state = process.host_data
        if not done.wait(timeout):
            with self.host.lock:
                self.kernel.kill(process, signals.SIGKILL)
            if isinstance(state, GuestState):
                state.ended.wait()
        with self.host.lock:
            status = self.kernel.reap(process)
        if isinstance(state, GuestState) and state.failure is not None:
            raise RuntimeError(f"kernel error while running pid {process.pid}") from state.failure
        return status

    def run(self, module: bytes | Path, argv: Sequence[str],
            env: dict[str, str] | Sequence[str] = (), stdin: bytes = b"",
            timeout: float = 60) -> RunResult:
        """Run one program to completion with stdin fed from `stdin` and stdout/stderr
        captured (none of them a terminal). Status is the exit code, or 128+signal
        (SIGKILL after `timeout`)."""
        stdout, stderr = bytearray(), bytearray()
        with self.host.lock:
            streams = [self.host_stream(None), self.host_stream(stdout.extend),
                       self.host_stream(stderr.extend)]
            streams[0].feed(stdin)
            streams[0].feed_eof()
            process = self.spawn(module, argv, env,
                                 [stdio_descriptor(stream, fd) for fd, stream in enumerate(streams)])
        status = self.wait(process, timeout)
        return RunResult(status, bytes(stdout), bytes(stderr))

    def close(self) -> None:
        """Kill what still runs, wait for the threads, stop timers, sync the root."""
        with self.host.lock:
            processes = list(self.kernel.processes)
            for process in processes:
                self.kernel.kill(process, signals.SIGKILL)
        for state in list(self.host.running):  # reaped ones may still be unwinding
            state.ended.wait()
        self.host.timers.close()
        with self.host.lock:
            self.kernel.vfs.root_fs.sync()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
