"""Pseudo-terminals: /dev/ptmx and /dev/pts/N, locking, the round trip through the line
discipline, hang-up when the master closes, EIO when every slave closed."""

from __future__ import annotations

import pytest
from tty_helpers import SignalLog, make_leader, open_as, wasmux_call
from wasi_calls import Pending, call
from wasmux import signals
from wasmux.abi import wasi
from wasmux.dev.pty import TIOCGPTN, TIOCSPTLCK
from wasmux.errors import KernelError
from wasmux.kernel import Kernel
from wasmux.proc import Process
from wasmux.tty import ECHO, ICANON, TCGETS, TCSETS, TIOCGWINSZ, TIOCSWINSZ, WINSIZE, Termios


def ptsname(kernel: Kernel, process: Process, master: int) -> str:
    errno, (number, _) = wasmux_call(kernel, process, "ioctl", master, TIOCGPTN, bytes(4))
    assert errno == 0
    return f"/dev/pts/{int.from_bytes(number, 'little')}"


def unlock(kernel: Kernel, process: Process, master: int) -> None:
    assert wasmux_call(kernel, process, "ioctl", master, TIOCSPTLCK, bytes(4))[0] == 0


@pytest.fixture
def master(kernel: Kernel, process: Process) -> int:
    return open_as(kernel, process, "/dev/ptmx")


@pytest.fixture
def slave(kernel: Kernel, process: Process, master: int) -> int:
    unlock(kernel, process, master)
    return open_as(kernel, process, ptsname(kernel, process, master))


def read(kernel: Kernel, process: Process, fd: int, size: int = 100) -> bytes:
    errno, outs = call(kernel, process, "fd_read", fd, size)
    assert errno == 0, wasi.errno_name(errno)
    return outs[0]


def test_each_ptmx_open_makes_a_numbered_locked_slave(kernel: Kernel, process: Process,
                                                      master: int) -> None:
    assert ptsname(kernel, process, master) == "/dev/pts/0"
    second = open_as(kernel, process, "/dev/ptmx")
    assert ptsname(kernel, process, second) == "/dev/pts/1"
    names = {name for name, _ in kernel.vfs.resolve(None, kernel.vfs.root, "/dev/pts").list()}
    assert names == {"0", "1"}
    with pytest.raises(KernelError) as caught:
        open_as(kernel, process, "/dev/pts/0")
    assert caught.value.errno == wasi.EIO
    unlock(kernel, process, master)
    open_as(kernel, process, "/dev/pts/0")


def test_master_writes_are_typed_and_slave_output_is_processed(
        kernel: Kernel, process: Process, master: int, slave: int) -> None:
    assert call(kernel, process, "fd_write", master, b"ls -l\r") == (0, (6,))
    assert read(kernel, process, slave) == b"ls -l\n"
    assert read(kernel, process, master) == b"ls -l\r\n"  # the echo
    call(kernel, process, "fd_write", slave, b"total 0\n")
    assert read(kernel, process, master) == b"total 0\r\n"


def test_master_read_parks_until_the_slave_writes(kernel: Kernel, process: Process,
                                                  master: int, slave: int) -> None:
    pending = Pending(kernel, process, "fd_read", master, 100)
    assert pending.parked
    call(kernel, process, "fd_write", slave, b"x")
    assert pending.result == (0, (b"x", 1))


def test_raw_mode_set_through_the_master(kernel: Kernel, process: Process, master: int,
                                         slave: int) -> None:
    _, (data, _) = wasmux_call(kernel, process, "ioctl", master, TCGETS, bytes(60))
    termios = Termios.unpack(data)
    termios.lflag &= ~(ICANON | ECHO)
    assert wasmux_call(kernel, process, "ioctl", master, TCSETS, termios.pack())[0] == 0
    call(kernel, process, "fd_write", master, b"j")
    assert read(kernel, process, slave) == b"j"
    assert Pending(kernel, process, "fd_read", master, 10).parked  # nothing echoed


def test_window_size_through_the_master_signals_the_slave_foreground(
        kernel: Kernel, process: Process, master: int) -> None:
    log = SignalLog(kernel)
    make_leader(process)
    unlock(kernel, process, master)
    slave = open_as(kernel, process, ptsname(kernel, process, master))
    size = WINSIZE.pack(30, 100, 0, 0)
    assert wasmux_call(kernel, process, "ioctl", master, TIOCSWINSZ, size)[0] == 0
    assert wasmux_call(kernel, process, "ioctl", slave, TIOCGWINSZ, bytes(8)) == (0, (size, 0))
    assert log.groups == [(process.pgid, signals.SIGWINCH)]


def test_master_close_hangs_up_the_slave(kernel: Kernel, process: Process, master: int) -> None:
    log = SignalLog(kernel)
    make_leader(process)
    unlock(kernel, process, master)
    slave = open_as(kernel, process, ptsname(kernel, process, master))
    pending = Pending(kernel, process, "fd_read", slave, 10)
    assert pending.parked
    assert call(kernel, process, "fd_close", master) == (0, ())
    assert pending.result == (0, (b"", 0))
    assert call(kernel, process, "fd_write", slave, b"x") == (wasi.EIO, ())
    assert log.groups == [(process.pgid, signals.SIGHUP), (process.pgid, signals.SIGCONT)]
    names = {name for name, _ in kernel.vfs.resolve(None, kernel.vfs.root, "/dev/pts").list()}
    assert names == set()


def test_master_read_after_the_slave_closed_is_eio(kernel: Kernel, process: Process,
                                                   master: int, slave: int) -> None:
    call(kernel, process, "fd_write", slave, b"last")
    call(kernel, process, "fd_close", slave)
    assert read(kernel, process, master) == b"last"
    assert call(kernel, process, "fd_read", master, 10) == (wasi.EIO, ())


def test_master_write_waits_when_the_slave_input_is_full(kernel: Kernel, process: Process,
                                                         master: int, slave: int) -> None:
    _, (data, _) = wasmux_call(kernel, process, "ioctl", master, TCGETS, bytes(60))
    termios = Termios.unpack(data)
    termios.lflag &= ~(ICANON | ECHO)
    wasmux_call(kernel, process, "ioctl", master, TCSETS, termios.pack())
    assert call(kernel, process, "fd_write", master, bytes(5000)) == (0, (4096,))
    pending = Pending(kernel, process, "fd_write", master, b"more")
    assert pending.parked
    assert len(read(kernel, process, slave, 10)) == 10
    assert pending.result == (0, (4,))
