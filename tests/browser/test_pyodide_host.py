"""hosts/pyodide.py's syscall path on CPython: `serve` and its replies, with fakes of the
`js` and `pyodide` modules, of kernel/drivers/opfs.js (opfs_fake.py) and of the kernel
worker's side of the bridge (FakeKernelWorker below, which copies replies into a channel
as kernel-worker.js `reply` does). Reads of files on the OPFS root must reach the
channel through a stored range, not through scratch; everything else keeps its bytes."""

from __future__ import annotations

import importlib
import struct
import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest
from wasmux.abi import table, wasi
from wasmux.fdtable import Descriptor, FdTable
from wasmux.file import OpenFile
from wasmux.proc import Process
from wasmux.signals import SIGCONT, SIGSTOP

from .opfs_fake import FakeOPFSDriver

WASM_MAGIC = b"\0asm\x01\0\0\0"
MIB = 1 << 20
NUMBERS = {call.name: call.number for call in table.SYSCALLS if call.module == table.WASI}
CALLS = {call.number: call for call in table.SYSCALLS}
# kernel/channel.js
IN_LENGTH_AT = 12
STORED_AT = 24
SLOTS_AT = 64
DATA_AT = 192
CHANNEL_BYTES = DATA_AT + MIB


def pattern(start: int, length: int) -> bytes:
    """File contents that differ at every offset (so a misplaced byte shows)."""
    return bytes((position * 7 + (position >> 8) * 13 + (position >> 16)) & 0xFF
                 for position in range(start, start + length))


class FakeKernelWorker:
    """The bridge kernel-worker.js gives the Pyodide host: a channel per process, and
    `reply` copying a reply from scratch into it (a stored range read from the driver)."""

    def __init__(self, driver: FakeOPFSDriver) -> None:
        self.driver = driver
        self.system: Any = None
        self.channels: dict[int, bytearray] = {}
        self.stored_replies = 0  # replies that carried a stored range

    def start(self, pid: int, key: str, module: object) -> str:
        self.channels[pid] = bytearray(CHANNEL_BYTES)
        return ""

    def terminate(self, pid: int) -> None:
        self.channels.pop(pid, None)

    def deliver(self, pid: int, length: int) -> None:
        if pid in self.channels:
            self.reply(pid, length)

    def output(self, data: bytes) -> None:
        pass

    def reply(self, pid: int, length: int) -> None:
        scratch = self.system.scratch
        channel = self.channels[pid]
        stored, number, offset, low, high = struct.unpack_from("<iiiII", scratch, STORED_AT)
        if stored == 0:
            channel[8:length] = scratch[8:length]
            return
        self.stored_replies += 1
        start = DATA_AT + offset
        end = start + stored
        channel[8:start] = scratch[8:start]
        self.driver.read_into(number, high << 32 | low, memoryview(channel)[start:end])
        channel[end:length] = scratch[end:length]

    def post(self, process: Process, name: str, *ins: int | bytes) -> int:
        """Put a request in scratch as process-worker.js and serveAll do; serve's answer."""
        call = CALLS[NUMBERS[name]]
        scratch = self.system.scratch
        data = b""
        for index, (view, value) in enumerate(zip(call.ins, ins, strict=True)):
            if isinstance(value, bytes):
                struct.pack_into("<Q", scratch, SLOTS_AT + 8 * index, len(value))
                data += value
            else:
                assert view.kind in ("int", "iovs_cap")
                struct.pack_into("<Q", scratch, SLOTS_AT + 8 * index, value)
        struct.pack_into("<ii", scratch, 0, process.pid, call.number)
        struct.pack_into("<i", scratch, IN_LENGTH_AT, len(data))
        scratch[DATA_AT:DATA_AT + len(data)] = data
        return int(self.system.serve())

    def call(self, process: Process, name: str, *ins: int | bytes) -> tuple[int, bytes]:
        """Run `name` to its reply: (errno, data the reply put in the channel)."""
        length = self.post(process, name, *ins)
        assert length >= 0, f"{name} sent no reply"
        self.reply(process.pid, length)
        return self.answer(process, length)

    def answer(self, process: Process, length: int) -> tuple[int, bytes]:
        channel = self.channels[process.pid]
        (errno,) = struct.unpack_from("<i", channel, 8)
        return errno, bytes(channel[DATA_AT:length])


@pytest.fixture
def host() -> Iterator[types.ModuleType]:
    """wasmux.hosts.pyodide imported over fakes of `js` and `pyodide.ffi`."""
    fake_js = types.SimpleNamespace(
        setInterval=lambda *args: 0, setTimeout=lambda *args: 0, clearTimeout=lambda *args: None,
        console=types.SimpleNamespace(warn=print, log=print))
    ffi = types.ModuleType("pyodide.ffi")
    ffi.create_proxy = lambda value: value  # type: ignore[attr-defined]
    ffi.to_js = lambda value: value  # type: ignore[attr-defined]
    pyodide = types.ModuleType("pyodide")
    pyodide.ffi = ffi  # type: ignore[attr-defined]
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(sys.modules, "js", fake_js)
        patch.setitem(sys.modules, "pyodide", pyodide)
        patch.setitem(sys.modules, "pyodide.ffi", ffi)
        sys.modules.pop("wasmux.hosts.pyodide", None)
        try:
            yield importlib.import_module("wasmux.hosts.pyodide")
        finally:
            sys.modules.pop("wasmux.hosts.pyodide", None)


def boot(host: types.ModuleType, driver: FakeOPFSDriver) -> tuple[Any, FakeKernelWorker]:
    worker = FakeKernelWorker(driver)
    worker.system = host.boot(worker, host.open_storage(driver))
    return worker.system, worker


def new_driver() -> FakeOPFSDriver:
    driver = FakeOPFSDriver()
    driver.refill(16)
    return driver


def write(system: Any, path: str, data: bytes) -> None:
    vfs = system.kernel.vfs
    file = vfs.open(None, vfs.root, path, wasi.OFLAGS_CREAT | wasi.OFLAGS_TRUNC, True, False,
                    True, 0, path)
    file.write(data)
    file.unref()


def spawn(system: Any, *paths: str) -> Process:
    """A process with `paths` open for reading as fds 4, 5, ..."""
    vfs = system.kernel.vfs
    fds = FdTable()
    for fd, path in enumerate(paths, start=4):
        file = vfs.open(None, vfs.root, path, 0, True, True, False, 0, path)
        fds.install_at(fd, Descriptor(file, wasi.RIGHTS_ALL, wasi.RIGHTS_ALL))
    return system.kernel.spawn(WASM_MAGIC, [b"reader"], [], fds)


def test_reads_of_a_root_file_reach_the_channel_as_stored_ranges(host: types.ModuleType) -> None:
    system, worker = boot(host, new_driver())
    size = 2 * MIB + 123_456
    write(system, "/big", pattern(0, size))
    process = spawn(system, "/big")
    position = 0
    for capacity in (MIB, 1, 4095, 65537, MIB - 3, MIB):
        errno, data = worker.call(process, "fd_read", 4, capacity)
        assert errno == 0
        assert data == pattern(position, min(capacity, size - position))
        position += len(data)
    assert position == size  # the last read was short: it ended at end of file
    assert system.kernel.processes.get(process.pid).fds.get(4).file.offset == size
    assert worker.call(process, "fd_read", 4, MIB) == (0, b"")
    for offset, capacity in ((1_000_003, 777_777), (size - 100, 1000), (size, 10), (size + 5, 10)):
        errno, data = worker.call(process, "fd_pread", 4, capacity, offset)
        assert (errno, data) == (0, pattern(offset, max(0, min(capacity, size - offset))))
    assert worker.stored_replies == 8  # every read that returned bytes
    assert system.storage.lazy_reads is False


def test_reads_of_files_not_on_the_root_storage_are_copied(host: types.ModuleType) -> None:
    system, worker = boot(host, new_driver())
    write(system, "/tmp/scratch", pattern(0, 300_000))
    process = spawn(system, "/tmp/scratch", "/proc/uptime")
    assert worker.call(process, "fd_read", 4, MIB) == (0, pattern(0, 300_000))
    errno, uptime = worker.call(process, "fd_read", 5, 4096)
    assert errno == 0 and uptime.endswith(b"\n") and len(uptime.split()) == 2
    assert worker.stored_replies == 0


def test_other_calls_and_kernel_reads_get_bytes(host: types.ModuleType) -> None:
    system, worker = boot(host, new_driver())
    write(system, "/data", pattern(0, 5000))
    process = spawn(system, "/data")
    assert worker.call(process, "fd_read", 99, 100)[0] == wasi.EBADF  # failed: lazy_reads off
    assert system.storage.lazy_reads is False
    assert system.read_file("/data") == pattern(0, 5000)  # how exec and init load modules
    inode = system.kernel.vfs.resolve(None, system.kernel.vfs.root, "/data")
    assert type(OpenFile(inode, True, False).read(5000)) is bytes


def test_bytes_lost_to_a_crash_read_as_zeros(host: types.ModuleType) -> None:
    driver = new_driver()
    system, _ = boot(host, driver)
    write(system, "/lost", pattern(0, 100_000))
    system.root.sync()
    vfs = system.kernel.vfs
    file = system.storage.objects[f"data.{vfs.resolve(None, vfs.root, '/lost').ino}"]
    driver.durable[file] = driver.durable[file][:-40_000]  # a tail that never reached disk
    system, worker = boot(host, driver.restart())
    process = spawn(system, "/lost")
    assert worker.call(process, "fd_read", 4, MIB) == (0, pattern(0, 60_000) + bytes(40_000))


def test_a_reply_withheld_from_a_stopped_process_keeps_its_bytes(host: types.ModuleType) -> None:
    system, worker = boot(host, new_driver())
    write(system, "/first", pattern(0, 200_000))
    write(system, "/second", pattern(500, 300_000))
    stopped = spawn(system, "/first")
    other = spawn(system, "/second")
    system.kernel.send_signal(stopped, SIGSTOP)  # it was computing: its next call is held
    assert worker.post(stopped, "fd_read", 4, MIB) == -1
    assert worker.call(other, "fd_read", 4, MIB) == (0, pattern(500, 300_000))  # scratch reused
    write(system, "/first", bytes(200_000))  # the read happened before: its bytes stay
    system.kernel.send_signal(stopped, SIGCONT)
    channel = worker.channels[stopped.pid]
    (length,) = struct.unpack_from("<i", channel, 16)
    assert worker.answer(stopped, DATA_AT + length) == (0, pattern(0, 200_000))
