"""The ioctl call: requests every descriptor answers, terminals' requests, and ENOTTY for
files that are not terminals or requests nobody knows."""

from __future__ import annotations

from tty_helpers import open_as, wasmux_call
from wasi_calls import call, open_fd
from wasmux.abi import wasi
from wasmux.kernel import Kernel
from wasmux.proc import Process
from wasmux.syscalls.ioctl import FIOCLEX, FIONBIO, FIONREAD
from wasmux.tty import TCGETS, TCSETS, TIOCGWINSZ


def test_terminal_requests_on_a_regular_file_are_enotty(kernel: Kernel, process: Process) -> None:
    fd = open_fd(kernel, process, "/tmp/file")
    assert wasmux_call(kernel, process, "ioctl", fd, TCGETS, bytes(60)) == (wasi.ENOTTY, ())
    assert wasmux_call(kernel, process, "ioctl", 0, TIOCGWINSZ, bytes(8)) == (wasi.ENOTTY, ())


def test_unknown_request_on_a_terminal_is_enotty(kernel: Kernel, process: Process) -> None:
    assert wasmux_call(kernel, process, "ioctl", 1, 0x54FF, b"") == (wasi.ENOTTY, ())


def test_closed_descriptor_is_ebadf(kernel: Kernel, process: Process) -> None:
    assert wasmux_call(kernel, process, "ioctl", 99, TCGETS, bytes(60)) == (wasi.EBADF, ())


def test_tcsets_with_a_wrong_size_is_einval(kernel: Kernel, process: Process) -> None:
    assert wasmux_call(kernel, process, "ioctl", 1, TCSETS, bytes(36)) == (wasi.EINVAL, ())


def test_fionbio_sets_and_clears_nonblocking(kernel: Kernel, process: Process) -> None:
    fd = open_as(kernel, process, "/dev/console")
    assert wasmux_call(kernel, process, "ioctl", fd, FIONBIO, (1).to_bytes(4, "little"))[0] == 0
    assert call(kernel, process, "fd_read", fd, 10) == (wasi.EAGAIN, ())
    wasmux_call(kernel, process, "ioctl", fd, FIONBIO, bytes(4))
    assert not process.fds.get(fd).file.nonblocking


def test_fioclex_marks_close_on_exec(kernel: Kernel, process: Process) -> None:
    assert wasmux_call(kernel, process, "ioctl", 1, FIOCLEX, b"")[0] == 0
    assert process.fds.get(1).cloexec


def test_fionread_counts_readable_bytes(kernel: Kernel, process: Process) -> None:
    fd = open_fd(kernel, process, "/tmp/file")
    call(kernel, process, "fd_write", fd, b"12345")
    call(kernel, process, "fd_seek", fd, 1, wasi.WHENCE_SET)
    assert wasmux_call(kernel, process, "ioctl", fd, FIONREAD, bytes(4)) == (
        0, ((4).to_bytes(4, "little"), 0))
    console = open_as(kernel, process, "/dev/console")
    kernel.console.feed(b"half")
    assert wasmux_call(kernel, process, "ioctl", console, FIONREAD, bytes(4))[1][0] == bytes(4)
    kernel.console.feed(b"\n")
    assert wasmux_call(kernel, process, "ioctl", console, FIONREAD, bytes(4))[1][0] == (
        (5).to_bytes(4, "little"))
