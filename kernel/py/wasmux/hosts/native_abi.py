"""Marshalling for the native host: one wasmtime import callback per syscall, generated
from the ABI table.

Layer: host edge (native only); imports the ABI table, the kernel's error classes and
wasmtime's low-level bindings. The source of every callback is written from the
syscall's views (abi/table.py), compiled once, and executed per host with that host's
kernel and lock bound as globals, so the per-call path is straight-line code: unpack
the raw arguments, check every guest range (EFAULT, never a host exception), decode
the ins, call the handler under the kernel lock, write the outs, return the errno.

Signals: after a locked call has written its outs, if its process has a deliverable
(pending, unblocked) signal or was stopped, `GuestState.attend` runs without the lock:
it holds a stopped process until SIGCONT, then calls the guest's exported
`wasmux_signal(sig)` trampoline (libwasmux runs the handler with its mask) for each
deliverable signal, and only then is the errno returned to the guest. A lockless call
looks only at the process's `attention` flag (set by the kernel when a signal may be
deliverable or the process stopped) before doing the same. A blocking call
interrupted by SA_RESTART handlers (the kernel's RESTART reply) runs them the same way
and is submitted again (`GuestState.park`).

Native memory is read and written through `SPACE`/`VIEW`, a buffer over the whole
user address space: `struct` then reads wasmtime's argument slots and guest memory at
absolute addresses without creating an object per access. Every access is at an
address wasmtime handed us or inside a guest range checked against the memory size.
Guest memory never moves (the engine sets `memory_may_move = False`) and never
shrinks, so a process caches its base and size and re-reads the size only when a range
falls outside it.
"""

from __future__ import annotations

import ctypes
import struct
import sys
import threading
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from wasmtime import _ffi as ffi

from ..abi import table, wasi
from ..errors import RESTART, KernelError, ProcessExec, ProcessExit, WouldBlock
from ..syscalls import LOCKLESS

if TYPE_CHECKING:
    from ..kernel import Kernel
    from ..proc import Process

ADDRESS_SPACE_SIZE = 1 << 47
SPACE: Any = (ctypes.c_char * ADDRESS_SPACE_SIZE).from_address(0)
VIEW = memoryview(SPACE).cast("B")

# Sentinel "errnos" for the outcomes that end the guest (negative: never a WASI errno).
BLOCKED = -1
EXITED = -2
KILLED = -3
FAILED = -4
EXECED = -5  # execve in place: the thread starts the next image (GuestState.next_image)
TRAPPED = -6  # a signal handler run while restarting a call ended the guest

PUT_I32 = struct.Struct("<i").pack_into
PUT_U32 = struct.Struct("<I").pack_into
PUT_U64 = struct.Struct("<Q").pack_into
IOVEC_SIZE = wasi.IOVEC.size
SUBSCRIPTION_SIZE = wasi.SUBSCRIPTION.size
EVENT_SIZE = wasi.EVENT.size

# The C signature of every import: (env, caller, args_and_results, count) -> trap or 0.
# Pointers are declared void* so ctypes hands Python plain ints.
CALLBACK = ctypes.CFUNCTYPE(ctypes.c_size_t, ctypes.c_void_p, ctypes.c_void_p,
                            ctypes.c_void_p, ctypes.c_size_t)
CALLER = ctypes.POINTER(ffi.wasmtime_caller_t)


class GuestState:
    """What the import callbacks need about one running process: its kernel process,
    its memory (base address, known size), how it parks, and whether it was killed.
    Lives in the process thread's thread-local while its guest runs."""

    __slots__ = (
        "attached",
        "base",
        "ended",
        "event",
        "failure",
        "kernel",
        "killed",
        "lock",
        "memory",
        "next_image",
        "process",
        "result",
        "resume",
        "signal_function",
        "size",
        "stop_reason",
        "trap_message",
    )

    def __init__(self, process: Process, kernel: Kernel, lock: threading.Lock) -> None:
        self.process = process
        self.kernel = kernel
        self.lock = lock
        self.base = 0
        self.size = 0
        self.memory = ffi.wasmtime_memory_t()
        self.attached = False  # memory known (false while the module instantiates)
        self.killed = False
        self.event = threading.Event()
        self.resume = threading.Event()  # clear while the process is stopped
        self.resume.set()
        self.signal_function: Any = None  # the guest's `wasmux_signal` export, if any
        self.result: tuple[int, tuple[Any, ...]] | None = None  # a parked call's reply
        self.stop_reason = 0  # EXITED, KILLED or FAILED once the guest must stop
        self.failure: BaseException | None = None  # a kernel bug met while serving it
        self.trap_message = ""  # why wasmtime stopped the guest, when it trapped
        self.ended = threading.Event()  # set once the process thread has finished
        self.next_image: Any = None  # the module an execve in place runs next

    def new_image(self) -> None:
        """Forget the old image's instance before the thread runs `next_image`."""
        self.attached = False
        self.memory = ffi.wasmtime_memory_t()
        self.base = self.size = 0
        self.signal_function = None
        self.stop_reason = 0
        self.trap_message = ""
        self.next_image = None

    def fits(self, caller: int, end: int) -> bool:
        """Whether a guest range ending at `end` is inside memory, re-reading the size
        (memory may have grown since it was cached)."""
        if not self.attached:
            return False
        context = ffi.wasmtime_caller_context(ctypes.cast(caller, CALLER))
        self.size = ffi.wasmtime_memory_data_size(context, ctypes.byref(self.memory))
        return end <= self.size

    def reply(self, errno: int, outs: tuple[Any, ...]) -> None:
        """The kernel's answer to a parked request (called under the kernel lock)."""
        self.result = (errno, outs)
        self.event.set()

    def park(self, number: int, args: tuple[Any, ...], caller: int,
             restart: bool = False) -> tuple[int, tuple[Any, ...]]:
        """A handler would block (or, with `restart`, was interrupted by SA_RESTART
        handlers): wait for the reply as `_wait_reply` does; on a RESTART reply run the
        signal handlers and submit the call again. (TRAPPED, (trap,)) if a handler
        ended the guest."""
        while True:
            if restart:
                trap = self.attend(caller)
                if trap:
                    return TRAPPED, (trap,)
            result = self._wait_reply(number, args)
            if result[0] != RESTART:
                return result
            restart = True

    def _wait_reply(self, number: int, args: tuple[Any, ...]) -> tuple[int, tuple[Any, ...]]:
        """Submit through the kernel's park path and wait on this thread, without the
        kernel lock, until the reply, a kill, or the process ending some other way (its
        `exited` queue)."""
        process = self.process
        self.event.clear()
        self.result = None
        with self.lock:
            if self.killed:
                return KILLED, ()
            try:
                result = self.kernel.submit(process, number, args, self.reply)
            except ProcessExit:
                return EXITED, ()
            if result is not None:
                return result
            process.exited.add(self.event.set)
        self.event.wait()
        with self.lock:
            process.exited.remove(self.event.set)
            if self.killed:
                return KILLED, ()
            result = self.result
        return result if result is not None else (EXITED, ())

    def attend(self, caller: int, context: Any = None) -> int:
        """At a syscall return (no lock held), or given the store's `context` at an
        epoch deadline (native.py: the guest computes without syscalls): wait while
        stopped, then run the handler of every deliverable signal. 0 to return to the
        guest, else a trap to unwind with (the process ended, or its handler trapped)."""
        process = self.process
        while True:
            with self.lock:
                if self.killed:
                    return self.stop(KILLED)
                stopped = process.stopped
                sig = 0 if stopped else self.kernel.take_signal(process)
                if not stopped and not sig:
                    process.attention = False
            if stopped:
                self.resume.wait()
                continue
            if not sig:
                return 0
            if self.signal_function is not None:
                if context is None:
                    context = ffi.wasmtime_caller_context(ctypes.cast(caller, CALLER))
                trap = self.run_handler(context, sig)
                if trap:
                    return trap

    def run_handler(self, context: Any, sig: int) -> int:
        """Call the guest's wasmux_signal(sig) in the store `context`; 0, or the trap
        that ended it."""
        argument = ffi.wasmtime_val_t()
        argument.kind = ffi.WASMTIME_I32.value
        argument.of.i32 = sig
        trap = ctypes.POINTER(ffi.wasm_trap_t)()
        error = ffi.wasmtime_func_call(context, ctypes.byref(self.signal_function),
                                       ctypes.byref(argument), 1, None, 0, ctypes.byref(trap))
        if error:
            ffi.wasmtime_error_delete(error)
            return self.stop(KILLED)
        if trap:
            return ctypes.cast(trap, ctypes.c_void_p).value or 0
        return 0

    def stop(self, reason: int) -> int:
        """End the guest: record why and return a trap for wasmtime to unwind with."""
        self.stop_reason = reason
        if reason == FAILED:
            print(f"wasmux: kernel error serving pid {self.process.pid}:", file=sys.stderr)
            traceback.print_exception(self.failure, file=sys.stderr)
        message = b"wasmux: process stopped"
        trap = ffi.wasmtime_trap_new(message, len(message))
        return ctypes.cast(trap, ctypes.c_void_p).value or 0


def iovecs(state: GuestState, caller: int, pointer: int, count: int) -> list[tuple[int, int]] | None:
    """The iovec array at `pointer` as (absolute address, length) pairs, every buffer
    checked to lie in guest memory; None if any range is outside it (EFAULT)."""
    base = state.base
    end = pointer + IOVEC_SIZE * count
    if end > state.size and not state.fits(caller, end):
        return None
    result = []
    for buffer, length in wasi.IOVEC.iter_unpack(SPACE[base + pointer:base + end]):
        if buffer + length > state.size and not state.fits(caller, buffer + length):
            return None
        result.append((base + buffer, length))
    return result


def gather(vectors: list[tuple[int, int]]) -> bytes:
    """The bytes of the iovecs, concatenated."""
    if len(vectors) == 1:
        address, length = vectors[0]
        return SPACE[address:address + length]
    return b"".join([SPACE[address:address + length] for address, length in vectors])


def scatter(vectors: list[tuple[int, int]], data: bytes) -> None:
    """Copy `data` over the iovecs in order, at most their total capacity."""
    if len(vectors) == 1:
        address, length = vectors[0]
        if len(data) <= length:
            VIEW[address:address + len(data)] = data
        else:
            VIEW[address:address + length] = memoryview(data)[:length]
        return
    source = memoryview(data)
    offset, total = 0, len(data)
    for address, length in vectors:
        if offset >= total:
            break
        step = min(length, total - offset)
        VIEW[address:address + step] = source[offset:offset + step]
        offset += step


def put_buffer(address: int, capacity: int, data: bytes) -> None:
    """Copy `data` to `address`, at most `capacity` bytes."""
    if len(data) <= capacity:
        VIEW[address:address + len(data)] = data
    else:
        VIEW[address:address + capacity] = memoryview(data)[:capacity]


def put_strings(state: GuestState, caller: int, pointers: int, buffer: int,
                items: list[bytes]) -> bool:
    """argv/environ layout: NUL-terminated copies in `buffer`, their guest addresses in
    `pointers`. False (nothing written) if either range is outside memory."""
    total = sum(len(item) + 1 for item in items)
    for end in (pointers + 4 * len(items), buffer + total):
        if end > state.size and not state.fits(caller, end):
            return False
    base = state.base
    data = b"".join(item + b"\0" for item in items)
    VIEW[base + buffer:base + buffer + total] = data
    position = buffer
    for index, item in enumerate(items):
        PUT_U32(VIEW, base + pointers + 4 * index, position)
        position += len(item) + 1
    return True


def put_events(state: GuestState, caller: int, pointer: int, events: list[tuple[Any, ...]]) -> bool:
    """Pack poll events consecutively at `pointer`; False if outside memory."""
    end = pointer + EVENT_SIZE * len(events)
    if end > state.size and not state.fits(caller, end):
        return False
    address = state.base + pointer
    for event in events:
        wasi.EVENT.pack_into(VIEW, address, *event)
        address += EVENT_SIZE
    return True


def fault(args: int) -> int:
    """Return EFAULT to the guest."""
    PUT_I32(VIEW, args, wasi.EFAULT)
    return 0


def _arguments_struct(call: table.Syscall) -> str:
    """struct format of the raw argument slots (16 bytes each); signedness from views."""
    signed = {view.params[0] for view in call.ins if view.kind == "sint"}
    codes = []
    for param in call.params:
        if param in call.i64:
            codes.append(("q" if param in signed else "Q") + "8x")
        else:
            codes.append(("i" if param in signed else "I") + "12x")
    return "<" + "".join(codes)


def _check(lines: list[str], pointer: str, size: str) -> None:
    lines.append(f"    if {pointer} + {size} > size and not state.fits(caller, {pointer} + {size}):")
    lines.append("        return fault(args)")


def _source(call: table.Syscall) -> str:
    """Python source of the import callback for `call` (see the module docstring)."""
    p = {param: f"p_{param}" for param in call.params}
    name = f"sys_{call.name}"
    lines = [f"def {name}(env, caller, args, count):"]
    if call.params:
        unpacked = ", ".join(p[param] for param in call.params)
        lines.append(f"    {unpacked}, = UNPACK_{call.number}(VIEW, args)")
    lines.append("    state = LOCAL.state")
    if (call.module, call.name) not in LOCKLESS:
        # A lockless call changes nothing, so a killed process may finish it: the
        # epoch callback stops the guest right after.
        lines.append("    if state.killed:")
        lines.append("        return state.stop(KILLED)")
    if any(view.kind not in ("int", "sint") for view in call.ins + call.outs):
        lines.append("    base = state.base")
        lines.append("    size = state.size")
    vectors: dict[tuple[str, ...], str] = {}

    def vectors_of(params: tuple[str, ...]) -> str:
        if params not in vectors:
            variable = f"v_{params[0]}"
            vectors[params] = variable
            lines.append(f"    {variable} = iovecs(state, caller, {p[params[0]]}, {p[params[1]]})")
            lines.append(f"    if {variable} is None:")
            lines.append("        return fault(args)")
        return vectors[params]

    ins = []
    for index, view in enumerate(call.ins):
        value = f"a{index}"
        ps = [p[param] for param in view.params]
        if view.kind in ("int", "sint"):
            ins.append(ps[0])
            continue
        ins.append(value)
        if view.kind in ("path", "bytes"):
            _check(lines, ps[0], ps[1])
            lines.append(f"    {value} = SPACE[base + {ps[0]}:base + {ps[0]} + {ps[1]}]")
            if view.kind == "path":
                lines.append("    try:")
                lines.append(f"        {value} = {value}.decode()")
                lines.append("    except UnicodeDecodeError:")
                lines.append("        PUT_I32(VIEW, args, EILSEQ)")
                lines.append("        return 0")
        elif view.kind == "iovs_in":
            lines.append(f"    {value} = gather({vectors_of(view.params)})")
        elif view.kind == "iovs_cap":
            variable = vectors_of(view.params)
            lines.append(f"    {value} = sum([length for _, length in {variable}])")
        elif view.kind == "subs":
            _check(lines, ps[0], f"{SUBSCRIPTION_SIZE} * {ps[1]}")
            lines.append(f"    {value} = list(SUBSCRIPTION.iter_unpack(SPACE[base + {ps[0]}:"
                         f"base + {ps[0]} + {SUBSCRIPTION_SIZE} * {ps[1]}]))")
        else:
            raise AssertionError(f"{call.name}: unknown in view {view.kind}")

    # Ranges the outs will be written to, checked before the handler runs so a
    # handler's side effects are never lost to EFAULT (strings and events are sized
    # by the handler's answer and checked when written).
    subs_count = next((p[v.params[1]] for v in call.ins if v.kind == "subs"), None)
    for view in call.outs:
        ps = [p[param] for param in view.params]
        if view.kind == "u32":
            _check(lines, ps[0], "4")
        elif view.kind == "u64":
            _check(lines, ps[0], "8")
        elif view.kind.startswith("struct:"):
            _check(lines, ps[0], str(wasi.LAYOUTS[view.kind[7:]][0]))
        elif view.kind == "buf_out":
            _check(lines, ps[0], ps[1])
        elif view.kind == "iovs_out":
            vectors_of(view.params)
        elif view.kind == "events" and subs_count is not None:
            _check(lines, ps[0], f"{EVENT_SIZE} * {subs_count}")
        elif view.kind not in ("events", "strings"):
            raise AssertionError(f"{call.name}: unknown out view {view.kind}")

    arguments = "".join(f", {value}" for value in ins)
    if (call.module, call.name) in LOCKLESS:
        lines += [
            "    process = state.process",
            "    try:",
            f"        outs = HANDLERS[{call.number}](KERNEL, process{arguments})",
            "    except KernelError as error:",
            "        if process.attention:",
            "            trap = state.attend(caller)",
            "            if trap:",
            "                return trap",
            "        PUT_I32(VIEW, args, error.errno)",
            "        return 0",
        ]
        return _finish(call, lines, lockless=True)
    lines += [
        "    ACQUIRE()",
        "    try:",
        f"        outs = HANDLERS[{call.number}](KERNEL, state.process{arguments})",
        "        errno = 0",
        "    except KernelError as error:",
        "        errno = error.errno",
        "    except WouldBlock:",
        "        errno = BLOCKED",
        "    except ProcessExit:",
        "        errno = EXITED",
        "    except ProcessExec:",
        "        errno = EXECED",
        "    finally:",
        "        RELEASE()",
        "    if errno:",
        "        if errno == BLOCKED or errno == RESTART:",
        (f"            errno, outs = state.park({call.number}, "
         f"({''.join(v + ', ' for v in ins)}), caller, errno == RESTART)"),
        "            if errno == TRAPPED:",
        "                return outs[0]",
        "        if errno < 0:",
        "            return state.stop(errno)",
        "        if errno:",
        *ATTEND,
        "            PUT_I32(VIEW, args, errno)",
        "            return 0",
    ]
    return _finish(call, lines, attend=True)


# After a locked call (indented for the error branch; _finish dedents): run signal
# handlers or hold a stopped process before the guest sees the result.
ATTEND = [
    "            process = state.process",
    "            if process.pending & ~process.blocked or process.stopped:",
    "                trap = state.attend(caller)",
    "                if trap:",
    "                    return trap",
]


def _finish(call: table.Syscall, lines: list[str], attend: bool = False,
            lockless: bool = False) -> str:
    """Append the code that writes the handler's outs (`outs`) and returns errno 0
    (after signal delivery when `attend`; when `lockless`, only if the process's
    attention flag is set: one attribute read on the fast path)."""
    p = {param: f"p_{param}" for param in call.params}
    if call.noreturn:
        lines.append("    state.failure = AssertionError('a noreturn syscall returned')")
        lines.append("    return state.stop(FAILED)")
        return _guarded(lines)
    if call.outs:
        outs = "".join(f"o{index}, " for index in range(len(call.outs)))
        lines.append(f"    {outs}= outs")
    for index, view in enumerate(call.outs):
        value = f"o{index}"
        ps = [p[param] for param in view.params]
        if view.kind == "u32":
            lines.append(f"    PUT_U32(VIEW, base + {ps[0]}, {value})")
        elif view.kind == "u64":
            lines.append(f"    PUT_U64(VIEW, base + {ps[0]}, {value})")
        elif view.kind.startswith("struct:"):
            lines.append(f"    PACK_{view.kind[7:]}(VIEW, base + {ps[0]}, *{value})")
        elif view.kind == "buf_out":
            lines.append(f"    put_buffer(base + {ps[0]}, {ps[1]}, {value})")
        elif view.kind == "iovs_out":
            lines.append(f"    scatter(v_{view.params[0]}, {value})")
        elif view.kind == "events":
            lines.append(f"    if not put_events(state, caller, {ps[0]}, {value}):")
            lines.append("        return fault(args)")
        elif view.kind == "strings":
            lines.append(f"    if not put_strings(state, caller, {ps[0]}, {ps[1]}, {value}):")
            lines.append("        return fault(args)")
    if attend:
        lines += [line[8:] for line in ATTEND]
    if lockless:
        lines += ["    if process.attention:", "        trap = state.attend(caller)",
                  "        if trap:", "            return trap"]
    lines.append("    PUT_I32(VIEW, args, 0)")
    lines.append("    return 0")
    return _guarded(lines)


def _guarded(lines: list[str]) -> str:
    """Wrap a callback body so a kernel bug stops the guest (and is reported) instead
    of escaping into ctypes, which would print it and return garbage to wasmtime."""
    body = "\n".join("    " + line for line in lines[1:])
    return (f"{lines[0]}\n    try:\n{body}\n    except Exception as error:\n"
            "        state = LOCAL.state\n        state.failure = error\n"
            "        return state.stop(FAILED)\n")


def _namespace() -> dict[str, Any]:
    names: dict[str, Any] = {
        "SPACE": SPACE, "VIEW": VIEW, "PUT_I32": PUT_I32, "PUT_U32": PUT_U32,
        "PUT_U64": PUT_U64, "EILSEQ": wasi.EILSEQ,
        "BLOCKED": BLOCKED, "EXITED": EXITED, "KILLED": KILLED, "FAILED": FAILED,
        "EXECED": EXECED, "TRAPPED": TRAPPED, "RESTART": RESTART,
        "KernelError": KernelError, "WouldBlock": WouldBlock, "ProcessExit": ProcessExit,
        "ProcessExec": ProcessExec,
        "SUBSCRIPTION": wasi.SUBSCRIPTION, "iovecs": iovecs, "gather": gather,
        "scatter": scatter, "put_buffer": put_buffer, "put_strings": put_strings,
        "put_events": put_events, "fault": fault,
    }
    for layout in wasi.LAYOUTS:
        names[f"PACK_{layout}"] = getattr(wasi, layout.upper()).pack_into
    for call in table.SYSCALLS:
        if call.params:
            names[f"UNPACK_{call.number}"] = struct.Struct(_arguments_struct(call)).unpack_from
    return names


SOURCE = "\n".join(_source(call) for call in table.SYSCALLS)
CODE = compile(SOURCE, "<wasmux native abi>", "exec")
BASE_NAMESPACE = _namespace()


def build_callbacks(kernel: Kernel, lock: threading.Lock,
                    local: threading.local) -> list[Callable[[int, int, int, int], int]]:
    """The import callbacks of every syscall (indexed by number), bound to one kernel,
    its lock, and the thread-local holding each process thread's GuestState."""
    namespace = dict(BASE_NAMESPACE, KERNEL=kernel, HANDLERS=kernel.handlers,
                     ACQUIRE=lock.acquire,
                     RELEASE=lock.release, LOCAL=local)
    exec(CODE, namespace)  # noqa: S102 - our own generated source
    return [namespace[f"sys_{call.name}"] for call in table.SYSCALLS]
