"""The Pyodide host: the kernel in the browser's kernel worker, every process a Worker.

Layer: host (browser only); the only module that imports `js` and `pyodide`. It
imports the kernel, the ABI table and fs/opfs.py. kernel/kernel-worker.js creates a
`bridge` (JS object) and calls `boot()`; from then on JS calls into the returned
`BrowserSystem` and the system calls the bridge:

  bridge.start(pid, key, module_or_null) -> "" | "missing" | error message
      start a process worker (from the pre-started pool) on the compiled module cached
      under `key` (compiled from `module` when given); "missing": not cached, call
      again with the bytes
  bridge.terminate(pid)        terminate that worker at once and forget its channel
  bridge.deliver(pid, length)  a parked call's reply is in `scratch`: copy it to the
                               process's channel (reading its stored range, if any)
                               and wake it
  bridge.output(bytes)         console output for the page (batched here)
  bridge.request_data(pid)     copy the data of that process's request (being served)
                               into scratch's data area (DATA_LATER, below)
  bridge.write_request(pid, number, at, length) -> count, or the driver's failure code
                               write the first `length` bytes of that data into the
                               driver file numbered `number` from `at`

A stopped process (job control) gets no reply until it is continued; one computing
when stopped runs on until its next syscall (a Worker cannot be paused).

The syscall path (ARCHITECTURE.md): JS copies a request from the process's channel
into `scratch` (same layout as kernel/channel.js: header, 16 u64 slots, data area; the
caller's pid in the first word) and calls `serve()`; `serve` decodes the ins of the
call's views (abi/table.py), runs `Kernel.submit`, encodes the reply into `scratch`
and returns its length (JS copies it back), or -1 when there is no reply now (parked:
`bridge.deliver` follows later; or the process ended). Python never touches guest memory:
the process worker checked and gathered every guest range.

File reads skip Python's copies: while the handler of a call whose outs are iovs_out
runs (fd_read, fd_pread, receives), the root's storage answers reads of file data with
a StoredRange (fs/opfs.py) instead of bytes; the encoder writes the range's place in
the data area, driver file number and position into scratch's STORED_* header words
(channel.js), and JS reads those bytes from OPFS straight into the process's buffers
(its memory is shared with the kernel worker, kernel/modules.js) or else into its
channel, as it copies the rest of the reply. A reply withheld from a stopped process is kept as
bytes (scratch serves other calls meanwhile), its range read at once.

Large writes, the other way: JS leaves the data of an fd_write or fd_pwrite of at least
64 KiB where it is, in the channel or, for a process whose memory is shared, in the
guest's own buffers (channel.js IN_GUEST), and says so in scratch's DATA_LATER word.
`serve` then looks at the target: a file of the root gets the data as RequestBytes
(fs/opfs.py), which the kernel worker writes into OPFS straight from there
(bridge.write_request); any other target has JS copy the data into scratch
(bridge.request_data) and decodes it as usual. A 1 MiB write to the root thus skips
four copies (into the channel, into scratch, into bytes, into the storage's io buffer).

Clocks and randomness use the C library, which Emscripten implements with
performance.now(), Date.now() and crypto.getRandomValues(); timers are one JS
setTimeout for the earliest kernel deadline.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import os
import struct
import time
from collections.abc import Callable
from typing import Any, cast

import js  # type: ignore[import-not-found]
from pyodide.ffi import create_proxy, to_js  # type: ignore[import-not-found]

from ..abi import table, wasi
from ..errors import KernelError, ProcessExec, ProcessExit
from ..fdtable import Descriptor, FdTable
from ..file import OpenFile
from ..fs.opfs import OPFSStorage, RequestBytes, StoredRange
from ..fs.persistent import PersistentFile, PersistentFS
from ..fs.unpack import regular_files, unpack
from ..kernel import Handler, Kernel
from ..proc import RUNNING, Process

# kernel/channel.js
ERRNO_AT = 8  # then IN_LENGTH, OUT_LENGTH, SIGNAL words
STORED_AT = 24  # STORED_LENGTH, STORED_FILE, STORED_OFFSET, STORED_AT (low, high) words
LATER_AT = 56  # DATA_LATER: a large write's data was left in the channel or guest memory
SLOTS_AT = 64
SLOT_COUNT = 16
DATA_AT = SLOTS_AT + 8 * SLOT_COUNT
DATA_SIZE = 1 << 20
EXITED = -2
NO_REPLY = -1
IO_BUFFER_SIZE = 1 << 20
WASM_MAGIC = b"\0asm\x01\0\0\0"
SYNC_INTERVAL_MS = 3000
WIPE_FLAG = "/.wasmux-wipe"
SHELL_ENVIRONMENT = [b"PATH=/bin:/sbin:/usr/bin", b"HOME=/root", b"TERM=xterm-256color",
                     b"USER=root", b"LANG=C.UTF-8"]
I64 = 1 << 64
SIGNED = 1 << 63
EVENT_SIZE = wasi.EVENT.size
# errno, in length (0), out length, signal (at ERRNO_AT)
PACK_REPLY = struct.Struct("<iiii").pack_into
PACK_SLOTS = [struct.Struct(f"<{count}Q").pack_into for count in range(SLOT_COUNT + 1)]
UNPACK_SLOTS = [struct.Struct(f"<{count}Q").unpack_from for count in range(SLOT_COUNT + 1)]
UNPACK_REQUEST = struct.Struct("<ii").unpack_from  # pid (JS wrote it), number (at 0)
PACK_STORED = struct.Struct("<iiiII").pack_into  # at STORED_AT: length, file, offset, at
CLEAR_STORED = struct.Struct("<i").pack_into  # STORED_LENGTH 0: no stored range
# errno, in length, out length, signal and STORED_LENGTH (at ERRNO_AT): a reply of no outs
PACK_EMPTY_REPLY = struct.Struct("<iiiii").pack_into
STRUCT_PACKERS = {name: getattr(wasi, name.upper()) for name in wasi.LAYOUTS}


def _decoder(call: table.Syscall) -> Callable[[bytearray], tuple[Any, ...]] | None:
    """Decoder of a request of `call` in scratch: the handler's ins, in order (None:
    the call has no ins)."""
    kinds = [view.kind for view in call.ins]
    if not kinds:
        return None
    unpack_slots = UNPACK_SLOTS[len(kinds)]
    if all(kind in ("int", "iovs_cap") for kind in kinds):  # fd_read and fd_pread too
        return lambda scratch: unpack_slots(scratch, SLOTS_AT)

    def decode(scratch: bytearray) -> tuple[Any, ...]:
        values = []
        cursor = DATA_AT
        for kind, slot in zip(kinds, unpack_slots(scratch, SLOTS_AT)):
            if kind == "int" or kind == "iovs_cap":
                values.append(slot)
            elif kind == "sint":
                values.append(slot - I64 if slot >= SIGNED else slot)
            elif kind == "subs":
                end = cursor + wasi.SUBSCRIPTION.size * slot
                values.append(list(wasi.SUBSCRIPTION.iter_unpack(scratch[cursor:end])))
                cursor = end
            else:  # path, bytes, iovs_in: `slot` bytes in the data area (one copy)
                with memoryview(scratch) as view:
                    data = bytes(view[cursor:cursor + slot])
                values.append(data.decode() if kind == "path" else data)
                cursor += slot
        return tuple(values)
    return decode


def _put_bytes(scratch: bytearray, cursor: int, data: bytes) -> int:
    """Copy `data` into scratch at `cursor`, cut at the end of the data area; the
    length copied."""
    length = min(len(data), DATA_AT + DATA_SIZE - cursor)
    with memoryview(scratch) as view, memoryview(data) as source:
        view[cursor:cursor + length] = source[:length]  # one plain copy
    return length


def _put_stored(scratch: bytearray, cursor: int, stored: StoredRange) -> int:
    """Name `stored` in the STORED_* words for JS to read into the data area at
    `cursor` (cut at its end); the length it takes there."""
    length = min(stored.length, DATA_AT + DATA_SIZE - cursor)
    position = stored.position
    PACK_STORED(scratch, STORED_AT, length, stored.number(), cursor - DATA_AT,
                position & 0xFFFFFFFF, position >> 32)
    return length


def _encoder(call: table.Syscall) -> Callable[[bytearray, tuple[Any, ...]], int] | None:
    """Encoder of `call`'s outs into scratch's slots and data area; returns the data
    length (see kernel/process-worker.js `scatter` for the reading side). None: the
    call has no outs."""
    kinds = [view.kind for view in call.outs]
    if not kinds:
        return None
    pack_slots = PACK_SLOTS[len(kinds)]
    if all(kind in ("u32", "u64") for kind in kinds):
        def encode_scalars(scratch: bytearray, outs: tuple[Any, ...]) -> int:
            pack_slots(scratch, SLOTS_AT, *outs)
            return 0
        return encode_scalars
    if kinds[0] in ("buf_out", "iovs_out") and all(kind in ("u32", "u64") for kind in kinds[1:]):
        def encode_data(scratch: bytearray, outs: tuple[Any, ...]) -> int:
            """Bytes or a stored range, then scalars (fd_read, fd_pread, readlink...)."""
            data = outs[0]
            if type(data) is StoredRange:
                length = _put_stored(scratch, DATA_AT, data)
            else:
                length = _put_bytes(scratch, DATA_AT, data)
            pack_slots(scratch, SLOTS_AT, length, *outs[1:])
            return length
        return encode_data

    def encode(scratch: bytearray, outs: tuple[Any, ...]) -> int:
        slots = []
        cursor = DATA_AT
        stored = False  # one stored range per reply (STORED_* words), more are copied
        for kind, value in zip(kinds, outs):
            if kind in ("u32", "u64"):
                slots.append(value)
            elif kind.startswith("struct:"):
                packer = STRUCT_PACKERS[kind[7:]]
                packer.pack_into(scratch, cursor, *value)
                cursor += packer.size
                slots.append(packer.size)
            elif kind == "events":
                for event in value:
                    wasi.EVENT.pack_into(scratch, cursor, *event)
                    cursor += EVENT_SIZE
                slots.append(len(value))
            elif type(value) is StoredRange and not stored:  # JS reads it (reply)
                length = _put_stored(scratch, cursor, value)
                stored = True
                cursor += length
                slots.append(length)
            elif kind == "strings":  # NUL-terminated copies
                cursor += _put_bytes(scratch, cursor, b"".join(item + b"\0" for item in value))
                slots.append(len(value))
            else:  # buf_out, iovs_out: bytes (a second stored range read here)
                length = _put_bytes(scratch, cursor,
                                    bytes(value) if type(value) is StoredRange else value)
                cursor += length
                slots.append(length)
        pack_slots(scratch, SLOTS_AT, *slots)
        return cursor - DATA_AT
    return encode


DECODERS = [_decoder(call) for call in table.SYSCALLS]
ENCODERS = [_encoder(call) for call in table.SYSCALLS]
# Calls whose file reads may answer with stored ranges: their result goes straight into
# the reply (at once, or through Guest.reply when parked), and they read nothing else.
STORED_RANGE_CALLS = frozenset(call.number for call in table.SYSCALLS
                               if any(view.kind == "iovs_out" for view in call.outs))
# Writes whose data kernel-worker.js leaves where it is when large (DATA_LATER): the
# number of each and of its ins, fd and the data first (see BrowserSystem._later_ins).
LATER_CALLS = {call.number: len(call.ins) for call in table.SYSCALLS
               if call.module == table.WASI and call.name in ("fd_write", "fd_pwrite")}
LATER_CALL_NUMBERS = tuple(LATER_CALLS)


def _with_stored_ranges(handler: Handler, storage: OPFSStorage) -> Handler:
    """`handler` run with `storage` answering file reads with stored ranges (a wrapper,
    so that no other call pays for the switch)."""
    def run(kernel: Kernel, process: Process, *args: Any) -> tuple[Any, ...]:
        storage.lazy_reads = True
        try:
            return handler(kernel, process, *args)
        finally:
            storage.lazy_reads = False
    return run


class Guest:
    """What the host keeps per process: the call in flight and whether it is held."""

    __slots__ = ("held", "number", "pending", "process", "replier", "system")

    def __init__(self, system: BrowserSystem, process: Process) -> None:
        self.system = system
        self.process = process
        self.number = 0
        self.held = False
        self.pending: bytes | None = None  # the encoded reply withheld while stopped
        self.replier = self.reply  # bound once: every syscall hands it to the kernel

    def reply(self, errno: int, outs: tuple[Any, ...]) -> None:
        """A parked call completed: encode and ship the reply."""
        if self.held:
            self.system.withhold(self, self.number, errno, outs)
        else:
            length = self.system.encode(self.process, self.number, errno, outs)
            self.system.bridge.deliver(self.process.pid, length)


class BrowserSystem:
    """The Host (host.py) in Pyodide plus the kernel it serves (see module docstring)."""

    def __init__(self, bridge: Any, storage: OPFSStorage) -> None:
        self.bridge = bridge
        self.scratch = bytearray(DATA_AT + DATA_SIZE)
        self.storage = storage
        self.root = PersistentFS(1, self.realtime_ns, self.storage)
        self.kernel = Kernel(self, self.root)
        handlers = self.kernel.handlers
        for number in STORED_RANGE_CALLS:  # in place: the kernel's own list
            handlers[number] = _with_stored_ranges(handlers[number], storage)
        # A syscall costs about 10 us here (0.6 natively): pipes as large as the
        # channel's data area, so a 1 MiB write to an empty pipe is one call.
        self.kernel.pipefs.pipe_capacity = DATA_SIZE
        self.handlers = self.kernel.handlers
        self.submit = self.kernel.submit
        self.process_of = self.kernel.processes.get
        self.output = bytearray()
        self.output_scheduled = False
        self.timers: list[tuple[int, int, list[Any]]] = []
        self.timer_counter = itertools.count()
        self.timer_id: Any = None
        self.timer_due = 0
        self.fire_proxy = create_proxy(self._fire_timers)
        self.flush_proxy = create_proxy(self._flush_output)
        self.sync_proxy = create_proxy(self._periodic_sync)
        js.setInterval(self.sync_proxy, SYNC_INTERVAL_MS)

    # --- Host: clocks, randomness, console, timers ---
    realtime_ns = staticmethod(time.time_ns)
    monotonic_ns = staticmethod(time.monotonic_ns)

    def random_bytes(self, size: int) -> bytes:
        return os.urandom(size)

    def console_write(self, data: bytes) -> None:
        """Batched: everything written before the event loop turns goes in one message."""
        self.output += data
        if not self.output_scheduled:
            self.output_scheduled = True
            js.setTimeout(self.flush_proxy, 0)

    def _flush_output(self) -> None:
        self.output_scheduled = False
        if self.output:
            data, self.output = bytes(self.output), bytearray()
            self.bridge.output(to_js(data))

    def set_timer(self, deadline_ns: int, callback: Callable[[], None]) -> list[Any]:
        handle = [callback]
        heapq.heappush(self.timers, (deadline_ns, next(self.timer_counter), handle))
        self._arm()
        return handle

    def cancel_timer(self, handle: Any) -> None:
        handle[0] = None

    def _arm(self) -> None:
        """Keep one JS timeout pending for the earliest live deadline."""
        while self.timers and self.timers[0][2][0] is None:
            heapq.heappop(self.timers)
        if not self.timers:
            return
        due = self.timers[0][0]
        if self.timer_id is not None:
            if self.timer_due <= due:
                return
            js.clearTimeout(self.timer_id)
        delay = max(0, (due - time.monotonic_ns()) / 1e6)
        self.timer_id = js.setTimeout(self.fire_proxy, delay)
        self.timer_due = due

    def _fire_timers(self) -> None:
        self.timer_id = None
        now = time.monotonic_ns()
        while self.timers and self.timers[0][0] <= now:
            _, _, handle = heapq.heappop(self.timers)
            callback, handle[0] = handle[0], None
            if callback is not None:
                callback()
        self._arm()

    def _periodic_sync(self) -> None:
        """Bound what a tab kill can lose (cheap when nothing changed)."""
        try:
            self.root.sync()
        except KernelError as error:
            js.console.warn(f"wasmux: periodic sync failed: {error}")

    # --- Host: processes ---
    def start_process(self, process: Process, module: bytes) -> None:
        process.host_data = Guest(self, process)
        self._start_worker(process, module)

    def exec_process(self, process: Process, module: bytes) -> None:
        """The old worker ends at once and a new one starts for the same pid (serve
        then sends no reply: the caller raises ProcessExec). Only the wasm header is
        checked before the old worker is gone: a module that then fails to compile
        ends the process with status 127, as a failed exec in a child would."""
        if not module.startswith(WASM_MAGIC):
            raise KernelError(wasi.ENOEXEC, f"{process.name}: not a WebAssembly module")
        self.bridge.terminate(process.pid)
        try:
            self._start_worker(process, module)
        except KernelError:
            self.kernel.exit_process(process, code=127)

    def _start_worker(self, process: Process, module: bytes) -> None:
        key = hashlib.sha256(module).hexdigest()
        answer = str(self.bridge.start(process.pid, key, None))
        if answer == "missing":
            answer = str(self.bridge.start(process.pid, key, to_js(module)))
        if answer:
            raise KernelError(wasi.ENOEXEC, f"{process.name}: {answer}")

    def kill_process(self, process: Process) -> None:
        self.bridge.terminate(process.pid)

    def stop_process(self, process: Process) -> None:
        guest = process.host_data
        if isinstance(guest, Guest):
            guest.held = True

    def signal_process(self, process: Process) -> None:
        """Nothing to do: a process Worker running guest code cannot be entered from
        outside, so its handlers run at its next syscall return."""

    def continue_process(self, process: Process) -> None:
        guest = process.host_data
        if isinstance(guest, Guest):
            guest.held = False
            if guest.pending is not None:
                reply, guest.pending = guest.pending, None
                self.scratch[:len(reply)] = reply
                self.bridge.deliver(process.pid, len(reply))

    # --- entry points for kernel-worker.js ---
    def serve(self) -> int:
        """Run the request JS copied into scratch (JS wrote the caller's pid into its
        first word); the reply's length, or NO_REPLY. The hot path of every syscall:
        kernel-worker.js calls it through Pyodide's C API (no arguments, an int back)."""
        scratch = self.scratch
        pid, number = UNPACK_REQUEST(scratch, 0)
        process = self.process_of(pid)
        if process is None or process.state != RUNNING:
            return NO_REPLY
        decoder = DECODERS[number]
        guest = process.host_data
        if scratch[LATER_AT]:  # its low byte: DATA_LATER is 0 or 1
            ins = self._later_ins(process, number)
        else:
            ins = decoder(scratch) if decoder else ()
        try:
            result = self.submit(process, number, ins, guest.replier)
        except ProcessExit:
            self.bridge.terminate(pid)
            return NO_REPLY
        except ProcessExec:
            return NO_REPLY
        if result is None:
            guest.number = number
            return NO_REPLY
        if guest.held:
            self.withhold(guest, number, result[0], result[1])
            return NO_REPLY
        errno, outs = result
        if not outs and not process.attention:  # no outs, no signal: words ERRNO..STORED_LENGTH
            PACK_EMPTY_REPLY(scratch, ERRNO_AT, errno, 0, 0, 0, 0)
            return DATA_AT
        return self.encode(process, number, errno, outs)

    def _later_ins(self, process: Process, number: int) -> tuple[Any, ...]:
        """The ins of a large write whose data kernel-worker.js left where it was
        (DATA_LATER): when its target is a file of the root, the data as RequestBytes,
        which OPFSStorage.write has the kernel worker write into OPFS from there; else
        the data is copied into scratch now and decoded as usual."""
        fd, length, *rest = UNPACK_SLOTS[LATER_CALLS[number]](self.scratch, SLOTS_AT)
        entry = process.fds.entries.get(fd)
        if entry is not None and type(entry.file.inode) is PersistentFile \
                and entry.file.inode.fs is self.root:
            data = RequestBytes(self.bridge.write_request, process.pid, length)
            return (fd, cast(bytes, data), *rest)
        self.bridge.request_data(process.pid)
        return cast(Callable[[bytearray], tuple[Any, ...]], DECODERS[number])(self.scratch)

    def encode(self, process: Process, number: int, errno: int, outs: tuple[Any, ...]) -> int:
        """Write a reply into scratch; returns how many bytes of scratch JS copies. A
        caught signal goes with it when the kernel flagged the process (`attention`)."""
        scratch = self.scratch
        encoder = ENCODERS[number]
        CLEAR_STORED(scratch, STORED_AT, 0)
        length = encoder(scratch, outs) if errno == 0 and encoder else 0
        signal = 0
        if process.attention and process.state == RUNNING:
            signal = self.kernel.take_signal(process)
            if not signal and not process.stopped:
                process.attention = False
        PACK_REPLY(scratch, ERRNO_AT, errno, 0, length, signal)
        return DATA_AT + length

    def withhold(self, guest: Guest, number: int, errno: int, outs: tuple[Any, ...]) -> None:
        """Keep the reply of a stopped process's call until SIGCONT (continue_process):
        encoded now, with any stored range read now, and copied out of scratch."""
        outs = tuple(bytes(out) if type(out) is StoredRange else out for out in outs)
        length = self.encode(guest.process, number, errno, outs)
        guest.pending = bytes(self.scratch[:length])

    def guest_ended(self, pid: int, signal: int) -> None:
        """A process worker's guest returned from _start (signal 0) or trapped."""
        process = self.kernel.processes.get(pid)
        if process is not None and process.state == RUNNING:
            if signal:
                self.kernel.exit_process(process, signal=signal)
            else:
                self.kernel.exit_process(process, code=0)
        self.bridge.terminate(pid)

    def console_input(self, data: Any) -> None:
        self.kernel.console.feed(bytes(data.to_py()))

    def console_resize(self, rows: int, columns: int) -> None:
        """The page's terminal has a new size (TIOCSWINSZ: SIGWINCH to the foreground
        group when it changed)."""
        self.kernel.console.resize(int(rows), int(columns))

    def image_files(self, archive: Any) -> int:
        """How many regular files an image (a JS Uint8Array) holds: install_root cannot
        wait for new OPFS files, so kernel-worker.js readies that many spares first."""
        return regular_files(archive.to_bytes())

    def install_root(self, archive: Any) -> int:
        """First boot: unpack the verified rootfs image (a JS Uint8Array) into the empty
        root and make it durable; returns the number of entries."""
        with self.root.deferred_sync():  # kernel-worker.js marks the root complete after
            count = unpack(self.root.root, archive.to_bytes())
        self.root.sync()
        return count

    def wipe_requested(self) -> bool:
        """The in-VM wipe request: `touch /.wasmux-wipe`, then reload the page."""
        try:
            self.kernel.vfs.resolve(None, self.kernel.vfs.root, WIPE_FLAG)
        except KernelError:
            return False
        return True

    def read_file(self, path: str) -> bytes | None:
        """The contents of regular file `path` in the root, or None."""
        vfs = self.kernel.vfs
        try:
            inode = vfs.resolve(None, vfs.root, path)
        except KernelError:
            return None
        if inode.filetype != wasi.FILETYPE_REGULAR_FILE:
            return None
        file = OpenFile(inode, readable=True, writable=False, path=path)
        try:
            return file.read(inode.size)
        finally:
            file.unref()

    def start_init(self) -> str:
        """Start /sbin/init (else /bin/sh) on the console; '' or the reason it failed."""
        for path, argv in (("/sbin/init", [b"init"]), ("/bin/sh", [b"sh"])):
            module = self.read_file(path)
            if module is None:
                continue
            fds = FdTable()
            for fd in range(3):
                file = OpenFile(self.kernel.console, readable=fd == 0, writable=fd != 0,
                                path="/dev/console")
                fds.install_at(fd, Descriptor(file, wasi.RIGHTS_ALL, wasi.RIGHTS_ALL))
            fds.install_at(3, self.kernel.root_descriptor())
            try:
                self.kernel.spawn(module, argv, SHELL_ENVIRONMENT, fds)
            except KernelError as error:
                return f"{path}: {error}"
            return ""
        return "no /sbin/init or /bin/sh in the root filesystem"


def open_storage(driver: Any, capacity: int | None = None) -> OPFSStorage:
    """The storage over the driver's OPFS store: every file's header read, the spares
    handed back to the driver's pool (kernel-worker.js tops the pool up before boot)."""
    io = bytearray(IO_BUFFER_SIZE)
    driver.attach(create_proxy(io))
    return OPFSStorage(driver, io, capacity)


def boot(bridge: Any, storage: OPFSStorage) -> BrowserSystem:
    """Mount the root from `storage` and return the system (no process runs yet:
    kernel-worker.js installs the rootfs first when needed, then start_init)."""
    return BrowserSystem(bridge, storage)
