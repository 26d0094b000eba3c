"""devfs devices: null, zero, full, random, and the console terminal (host output, fed
input, parking readers, end of file, poll) and host streams (read-only streams)."""

from __future__ import annotations

import pytest
from wasmux.abi import wasi
from wasmux.abi.table import BY_NAME, WASI
from wasmux.dev.stream import HostStream
from wasmux.errors import KernelError, WouldBlock
from wasmux.fdtable import Descriptor, FdTable
from wasmux.file import POLLHUP, POLLIN, POLLOUT, OpenFile
from wasmux.hosts.memory import WASM_MAGIC
from wasmux.kernel import Kernel


def open_device(kernel: Kernel, path: str, flags: int = 0) -> OpenFile:
    return kernel.vfs.open(None, kernel.vfs.root, path, 0, True, True, True, flags, path)


def test_dev_lists_the_standard_devices(kernel: Kernel) -> None:
    names = {name for name, _ in kernel.vfs.resolve(None, kernel.vfs.root, "/dev").list()}
    assert names == {"null", "zero", "full", "random", "urandom", "console", "tty", "ptmx",
                     "pts"}
    null = kernel.vfs.resolve(None, kernel.vfs.root, "/dev/null")
    assert null.stat()[2] == wasi.FILETYPE_CHARACTER_DEVICE


def test_null_reads_eof_and_swallows_writes(kernel: Kernel) -> None:
    null = open_device(kernel, "/dev/null")
    assert null.write(b"discarded") == 9
    assert null.read(100) == b""


def test_zero_reads_zeros(kernel: Kernel) -> None:
    assert open_device(kernel, "/dev/zero").read(7) == bytes(7)


def test_full_write_is_enospc(kernel: Kernel) -> None:
    full = open_device(kernel, "/dev/full")
    with pytest.raises(KernelError) as caught:
        full.write(b"x")
    assert caught.value.errno == wasi.ENOSPC
    assert full.read(3) == bytes(3)


def test_random_reads_from_the_host(kernel: Kernel) -> None:
    expected = kernel.host.__class__().random_bytes(16)
    assert open_device(kernel, "/dev/urandom").read(16) == expected
    assert len(open_device(kernel, "/dev/random").read(5)) == 5


def test_console_write_reaches_the_host(kernel: Kernel) -> None:
    open_device(kernel, "/dev/console").write(b"hello ")
    open_device(kernel, "/dev/console").write(b"world\n")
    assert kernel.host.console_output == b"hello world\r\n"


def test_console_is_the_kernel_console_and_tty_needs_a_controlling_terminal(
        kernel: Kernel) -> None:
    assert open_device(kernel, "/dev/console").inode is kernel.console
    with pytest.raises(KernelError) as caught:
        open_device(kernel, "/dev/tty")
    assert caught.value.errno == wasi.ENXIO


def test_console_read_parks_until_fed(kernel: Kernel) -> None:
    console = open_device(kernel, "/dev/console")
    with pytest.raises(WouldBlock) as caught:
        console.read(10)
    woken: list[bool] = []
    for queue in caught.value.queues:
        queue.add(lambda: woken.append(True))
    kernel.console.feed(b"typed\n")
    assert woken == [True]
    assert console.read(3) == b"typ"
    assert console.read(10) == b"ed\n"


def test_console_nonblocking_read_is_eagain(kernel: Kernel) -> None:
    console = open_device(kernel, "/dev/console", wasi.FDFLAGS_NONBLOCK)
    with pytest.raises(KernelError) as caught:
        console.read(10)
    assert caught.value.errno == wasi.EAGAIN


def test_stream_eof_after_buffered_data(kernel: Kernel) -> None:
    console = open_device(kernel, "/dev/console")
    kernel.console.feed(b"last")
    kernel.console.feed_eof()
    assert console.read(10) == b"last"
    assert console.read(10) == b""
    assert console.read(10) == b""


def test_stream_poll_reflects_readiness(kernel: Kernel) -> None:
    console = open_device(kernel, "/dev/console")
    assert kernel.console.poll(console) == (POLLOUT, 0)
    kernel.console.feed(b"ab")
    assert kernel.console.poll(console) == (POLLOUT, 0)
    kernel.console.feed(b"\n")
    assert kernel.console.poll(console) == (POLLOUT | POLLIN, 3)
    console.read(3)
    kernel.console.feed_eof()
    assert kernel.console.poll(console) == (POLLOUT | POLLIN | POLLHUP, 0)


def test_read_only_stream_rejects_writes(kernel: Kernel) -> None:
    devfs = kernel.vfs.devfs
    assert devfs is not None
    stdin = HostStream(devfs, devfs.allocate_ino(), None)
    file = OpenFile(stdin, readable=True, writable=True)
    with pytest.raises(KernelError) as caught:
        file.write(b"x")
    assert caught.value.errno == wasi.EBADF
    assert stdin.poll(file) == (0, 0)


def test_stream_is_not_seekable(kernel: Kernel) -> None:
    with pytest.raises(KernelError) as caught:
        open_device(kernel, "/dev/console").seek(0, wasi.WHENCE_SET)
    assert caught.value.errno == wasi.ESPIPE


def test_files_can_be_created_in_dev(kernel: Kernel) -> None:
    kernel.vfs.make_directory(None, kernel.vfs.root, "/dev/shm")
    assert kernel.vfs.resolve(None, kernel.vfs.root, "/dev/shm/").filetype == wasi.FILETYPE_DIRECTORY


def test_console_fd_read_parks_and_is_answered_when_fed(kernel: Kernel) -> None:
    fds = FdTable()
    fds.install_at(0, Descriptor(open_device(kernel, "/dev/console")))
    process = kernel.spawn(WASM_MAGIC, [b"reader"], [], fds)
    replies: list[tuple[int, tuple]] = []  # type: ignore[type-arg]
    number = BY_NAME[(WASI, "fd_read")].number
    assert kernel.submit(process, number, (0, 100),
                         lambda errno, outs: replies.append((errno, outs))) is None
    kernel.console.feed(b"line\n")
    assert replies == [(0, (b"line\n", 5))]
