"""hosts/pyodide.py's syscall path on CPython: `serve` and its replies, with fakes of the
`js` and `pyodide` modules, of kernel/drivers/opfs.js (opfs_fake.py) and of the kernel
worker's side of the bridge (FakeKernelWorker below, which copies replies into a channel
as kernel-worker.js `reply` does). Reads of files on the OPFS root must reach the
channel through a stored range, not through scratch; everything else keeps its bytes.
Large writes to files of the root go to OPFS from the channel (RequestBytes), failures
and a parked write included; large writes elsewhere have their data copied."""

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
from wasmux.fs.opfs import RESERVE
from wasmux.proc import Process
from wasmux.signals import SIGCONT, SIGSTOP

from .opfs_fake import FakeOPFSDriver

WASM_MAGIC = b"\0asm\x01\0\0\0"
MIB = 1 << 20
NUMBERS = {call.name: call.number for call in table.SYSCALLS if call.module == table.WASI}
CALLS = {call.number: call for call in table.SYSCALLS}
# kernel/channel.js
IN_LENGTH_AT = 12
LATER_AT = 56  # DATA_LATER
LATER_MIN = 64 * 1024  # kernel-worker.js LATER_MIN
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

    def __init__(self, driver: FakeOPFSDriver, host: types.ModuleType) -> None:
        self.driver = driver
        self.host = host
        self.system: Any = None
        self.channels: dict[int, bytearray] = {}
        self.stored_replies = 0  # replies that carried a stored range
        self.direct_writes = 0  # write_request calls
        self.data_requests = 0  # request_data calls

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

    def request_data(self, pid: int) -> None:
        self.data_requests += 1
        channel = self.channels[pid]
        (length,) = struct.unpack_from("<i", channel, IN_LENGTH_AT)
        self.system.scratch[DATA_AT:DATA_AT + length] = channel[DATA_AT:DATA_AT + length]

    def write_request(self, pid: int, number: int, at: int, length: int) -> int:
        self.direct_writes += 1
        channel = memoryview(self.channels[pid])[DATA_AT:DATA_AT + length]
        return self.driver.write_from(number, at, channel)

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
        """Put a request in scratch as process-worker.js and serveAll do (the data of a
        large write left in the channel); serve's answer."""
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
        later = call.number in self.host.LATER_CALL_NUMBERS and len(data) >= LATER_MIN
        struct.pack_into("<i", scratch, LATER_AT, int(later))
        channel = self.channels[process.pid]
        struct.pack_into("<i", channel, IN_LENGTH_AT, len(data))
        (channel if later else scratch)[DATA_AT:DATA_AT + len(data)] = data
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
    worker = FakeKernelWorker(driver, host)
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


def spawn_writer(system: Any, path: str) -> Process:
    """A process with `path` created (or emptied) and open for reading and writing as fd 4."""
    vfs = system.kernel.vfs
    fds = FdTable()
    file = vfs.open(None, vfs.root, path, wasi.OFLAGS_CREAT | wasi.OFLAGS_TRUNC, True, True,
                    True, 0, path)
    fds.install_at(4, Descriptor(file, wasi.RIGHTS_ALL, wasi.RIGHTS_ALL))
    return system.kernel.spawn(WASM_MAGIC, [b"writer"], [], fds)


def test_large_writes_to_a_root_file_go_to_opfs_from_the_channel(host: types.ModuleType) -> None:
    system, worker = boot(host, new_driver())
    process = spawn_writer(system, "/written")
    assert worker.call(process, "fd_write", 4, pattern(0, MIB))[0] == 0
    assert worker.call(process, "fd_write", 4, pattern(MIB, 100_000))[0] == 0
    assert worker.direct_writes == 2
    assert worker.call(process, "fd_write", 4, pattern(MIB + 100_000, 1000))[0] == 0  # small
    assert worker.call(process, "fd_pwrite", 4, pattern(5, LATER_MIN), 5)[0] == 0
    assert worker.direct_writes == 3 and worker.data_requests == 0
    assert system.kernel.processes.get(process.pid).fds.get(4).file.offset == MIB + 101_000
    assert system.read_file("/written") == pattern(0, MIB + 101_000)
    system.root.sync()  # and durable, through the same object
    system, worker = boot(host, worker.driver.restart())
    assert system.read_file("/written") == pattern(0, MIB + 101_000)


def test_large_writes_elsewhere_are_copied_into_scratch(host: types.ModuleType) -> None:
    system, worker = boot(host, new_driver())
    process = spawn_writer(system, "/tmp/written")
    assert worker.call(process, "fd_write", 4, pattern(0, 300_000))[0] == 0
    assert worker.call(process, "fd_pwrite", 4, pattern(7, 200_000), 7)[0] == 0
    assert (worker.direct_writes, worker.data_requests) == (0, 2)
    assert system.read_file("/tmp/written") == pattern(0, 300_000)
    assert worker.call(process, "fd_write", 99, pattern(0, 300_000))[0] == wasi.EBADF


@pytest.mark.parametrize(("code", "errno"), [(-1, wasi.ENOSPC), (-2, wasi.EIO)])
def test_a_channel_write_opfs_refuses_fails_and_changes_nothing(
        host: types.ModuleType, code: int, errno: int) -> None:
    driver = new_driver()
    system, worker = boot(host, driver)
    process = spawn_writer(system, "/written")
    assert worker.call(process, "fd_write", 4, pattern(0, 100_000))[0] == 0
    driver.fail_writes_from.append(code)  # as QuotaExceededError, or another failure
    assert worker.call(process, "fd_write", 4, pattern(100_000, 200_000))[0] == errno
    assert system.kernel.processes.get(process.pid).fds.get(4).file.offset == 100_000
    assert system.read_file("/written") == pattern(0, 100_000)
    assert worker.call(process, "fd_write", 4, pattern(100_000, 200_000))[0] == 0  # then works
    assert system.read_file("/written") == pattern(0, 300_000)


def test_a_large_write_parked_for_a_spare_file_writes_its_channel_later(
        host: types.ModuleType) -> None:
    """The data object is made at the first write; with only the journal's reserve of spare
    files left, the call parks, and its data waits in the channel until the pool refills."""
    driver = new_driver()
    system, worker = boot(host, driver)
    process = spawn_writer(system, "/written")
    del driver.spares[RESERVE:]
    assert worker.post(process, "fd_write", 4, pattern(0, 200_000)) == -1  # parked
    assert worker.direct_writes == 0
    driver.refill(8)
    system.storage.spares_refilled()  # the retry replies through bridge.deliver
    channel = worker.channels[process.pid]
    assert struct.unpack_from("<i", channel, 8)[0] == 0  # errno
    assert worker.direct_writes == 1
    assert system.read_file("/written") == pattern(0, 200_000)
