"""The line discipline on the console: canonical editing, echo, output processing,
signals from the keyboard, non-canonical reads, window size, sessions and job control."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tty_helpers import SignalLog, join, make_leader, open_as, wasmux_call
from wasi_calls import Pending, call
from wasmux import signals
from wasmux.abi import wasi
from wasmux.abi.table import BY_NAME, WASMUX
from wasmux.hosts.memory import MemoryHost
from wasmux.kernel import Kernel
from wasmux.proc import Process
from wasmux.tty import (
    ECHO,
    ICANON,
    OPOST,
    TCGETS,
    TCSETS,
    TCSETSF,
    TIOCGPGRP,
    TIOCGWINSZ,
    TIOCNOTTY,
    TIOCSCTTY,
    TIOCSPGRP,
    TIOCSWINSZ,
    TOSTOP,
    VMIN,
    VTIME,
    WINSIZE,
    Termios,
)

INT = 4


@pytest.fixture
def log(kernel: Kernel) -> SignalLog:
    return SignalLog(kernel)


@pytest.fixture
def leader(process: Process) -> Process:
    return make_leader(process)


@pytest.fixture
def tty(kernel: Kernel, leader: Process) -> int:
    """The console opened by a session leader: its controlling terminal."""
    return open_as(kernel, leader, "/dev/console")


def output(kernel: Kernel) -> bytes:
    host = kernel.host
    assert isinstance(host, MemoryHost)
    data = bytes(host.console_output)
    host.console_output.clear()
    return data


def read(kernel: Kernel, process: Process, fd: int, size: int = 100) -> bytes:
    errno, outs = call(kernel, process, "fd_read", fd, size)
    assert errno == 0, wasi.errno_name(errno)
    return outs[0]


def get_termios(kernel: Kernel, process: Process, fd: int) -> Termios:
    errno, (data, _) = wasmux_call(kernel, process, "ioctl", fd, TCGETS, bytes(60))
    assert errno == 0
    return Termios.unpack(data)


def set_termios(kernel: Kernel, process: Process, fd: int,
                change: Callable[[Termios], None]) -> None:
    termios = get_termios(kernel, process, fd)
    change(termios)
    assert wasmux_call(kernel, process, "ioctl", fd, TCSETS, termios.pack())[0] == 0


def raw_mode(termios: Termios) -> None:
    termios.lflag &= ~(ICANON | ECHO)


def int_arg(value: int) -> bytes:
    return value.to_bytes(INT, "little", signed=True)


def test_erase_kill_and_word_erase_edit_the_line(kernel: Kernel, leader: Process, tty: int) -> None:
    kernel.console.feed(b"abc\x7fd\x08e\n")
    assert read(kernel, leader, tty) == b"abe\n"
    kernel.console.feed(b"hello\x15bye\n")
    assert read(kernel, leader, tty) == b"bye\n"
    kernel.console.feed(b"one two  \x17three\n")
    assert read(kernel, leader, tty) == b"one three\n"


def test_echo_shows_typing_and_erasing(kernel: Kernel, leader: Process, tty: int) -> None:
    kernel.console.feed(b"ab\x7fc\r")
    assert output(kernel) == b"ab\b \bc\r\n"
    kernel.console.feed(b"x\x03")
    assert output(kernel) == b"x^C"


def test_canonical_read_returns_one_line_at_a_time(kernel: Kernel, leader: Process,
                                                   tty: int) -> None:
    kernel.console.feed(b"first\nsecond\n")
    assert read(kernel, leader, tty, 3) == b"fir"
    assert read(kernel, leader, tty) == b"st\n"
    assert read(kernel, leader, tty) == b"second\n"
    pending = Pending(kernel, leader, "fd_read", tty, 100)
    assert pending.parked
    kernel.console.feed(b"par")
    assert not pending.done
    kernel.console.feed(b"tial\r")
    assert pending.result == (0, (b"partial\n", 8))


def test_eof_character_ends_input(kernel: Kernel, leader: Process, tty: int) -> None:
    kernel.console.feed(b"abc\x04")
    assert read(kernel, leader, tty) == b"abc"
    kernel.console.feed(b"\x04")
    assert read(kernel, leader, tty) == b""
    assert Pending(kernel, leader, "fd_read", tty, 10).parked


def test_output_processing_maps_newlines_until_opost_is_cleared(kernel: Kernel, leader: Process,
                                                               tty: int) -> None:
    assert call(kernel, leader, "fd_write", tty, b"a\nb") == (0, (3,))
    assert output(kernel) == b"a\r\nb"
    set_termios(kernel, leader, tty, lambda t: setattr(t, "oflag", t.oflag & ~OPOST))
    call(kernel, leader, "fd_write", tty, b"a\nb")
    assert output(kernel) == b"a\nb"


def test_default_termios_are_linux_cooked_mode(kernel: Kernel, leader: Process, tty: int) -> None:
    termios = get_termios(kernel, leader, tty)
    assert termios.lflag & ICANON and termios.lflag & ECHO
    assert termios.cc[VMIN] == 1 and termios.cc[VTIME] == 0
    assert len(termios.pack()) == 60


def test_interrupt_signals_the_foreground_group_and_flushes_input(
        kernel: Kernel, leader: Process, tty: int, log: SignalLog) -> None:
    kernel.console.feed(b"typed\x03")
    assert log.groups == [(leader.pgid, signals.SIGINT)]
    kernel.console.feed(b"\x1a\x1c")
    assert log.groups[1:] == [(leader.pgid, signals.SIGTSTP), (leader.pgid, signals.SIGQUIT)]
    kernel.console.feed(b"new\n")
    assert read(kernel, leader, tty) == b"new\n"


def test_raw_mode_reads_byte_at_a_time(kernel: Kernel, leader: Process, tty: int) -> None:
    set_termios(kernel, leader, tty, raw_mode)
    pending = Pending(kernel, leader, "fd_read", tty, 100)
    assert pending.parked
    kernel.console.feed(b"q")
    assert pending.result == (0, (b"q", 1))
    assert output(kernel) == b""  # no echo
    kernel.console.feed(b"\x7f\r")
    assert read(kernel, leader, tty) == b"\x7f\n"


def test_vmin_and_vtime(kernel: Kernel, leader: Process, tty: int) -> None:
    def polling(termios: Termios) -> None:
        raw_mode(termios)
        termios.cc[VMIN] = 0
    set_termios(kernel, leader, tty, polling)
    assert read(kernel, leader, tty) == b""
    set_termios(kernel, leader, tty, lambda t: t.cc.__setitem__(VTIME, 5))
    pending = Pending(kernel, leader, "fd_read", tty, 100)
    assert pending.parked
    assert isinstance(kernel.host, MemoryHost)
    kernel.host.advance(499_000_000)
    assert not pending.done
    kernel.host.advance(1_000_000)
    assert pending.result == (0, (b"", 0))

    def three_bytes(termios: Termios) -> None:
        termios.cc[VMIN], termios.cc[VTIME] = 3, 0
    set_termios(kernel, leader, tty, three_bytes)
    pending = Pending(kernel, leader, "fd_read", tty, 100)
    kernel.console.feed(b"ab")
    assert not pending.done
    kernel.console.feed(b"c")
    assert pending.result == (0, (b"abc", 3))


def test_window_size_change_sends_sigwinch(kernel: Kernel, leader: Process, tty: int,
                                           log: SignalLog) -> None:
    size = WINSIZE.pack(50, 132, 0, 0)
    assert wasmux_call(kernel, leader, "ioctl", tty, TIOCSWINSZ, size) == (0, (size, 0))
    assert wasmux_call(kernel, leader, "ioctl", tty, TIOCGWINSZ, bytes(8)) == (0, (size, 0))
    assert log.groups == [(leader.pgid, signals.SIGWINCH)]
    kernel.console.resize(50, 132)
    assert len(log.groups) == 1
    kernel.console.resize(10, 20)
    assert log.groups[-1] == (leader.pgid, signals.SIGWINCH)


def test_session_leader_acquires_the_console_and_dev_tty_opens_it(
        kernel: Kernel, leader: Process, tty: int, spawn: Callable[..., Process]) -> None:
    assert kernel.console.session == leader.sid
    assert leader.ctty is kernel.console
    assert wasmux_call(kernel, leader, "ioctl", tty, TIOCGPGRP, bytes(4)) == (
        0, (int_arg(leader.pgid), 0))
    assert kernel.vfs.devfs is not None
    fd = open_as(kernel, leader, "/dev/tty")
    assert leader.fds.get(fd).file.inode is kernel.console
    stranger = make_leader(spawn())
    assert wasmux_call(kernel, stranger, "ioctl", 1, TIOCGPGRP, bytes(4))[0] == wasi.ENOTTY
    assert wasmux_call(kernel, stranger, "ioctl", 1, TIOCSCTTY, int_arg(0))[0] == wasi.EPERM
    assert wasmux_call(kernel, stranger, "ioctl", 1, TIOCSCTTY, int_arg(1))[0] == 0
    assert kernel.console.session == stranger.sid and leader.ctty is None


def test_foreground_group_moves_within_the_session(kernel: Kernel, leader: Process, tty: int,
                                                    spawn: Callable[..., Process]) -> None:
    job = join(spawn(), leader, pgid=0)
    job.pgid = job.pid
    assert wasmux_call(kernel, leader, "ioctl", tty, TIOCSPGRP, int_arg(job.pgid))[0] == 0
    assert kernel.console.foreground == job.pgid
    outsider = make_leader(spawn())
    assert wasmux_call(kernel, job, "ioctl", 1, TIOCSPGRP, int_arg(outsider.pgid))[0] \
        == wasi.EPERM


def test_background_read_stops_the_group_until_it_is_in_front(
        kernel: Kernel, leader: Process, tty: int, spawn: Callable[..., Process],
        log: SignalLog) -> None:
    job = join(spawn(), leader, pgid=0)
    job.pgid = job.pid
    job_fd = open_as(kernel, job, "/dev/tty")
    pending = Pending(kernel, job, "fd_read", job_fd, 10)
    assert pending.parked
    assert log.groups == [(job.pgid, signals.SIGTTIN)]
    kernel.console.feed(b"for the job\n")
    assert not pending.done
    wasmux_call(kernel, leader, "ioctl", tty, TIOCSPGRP, int_arg(job.pgid))
    assert pending.result == (0, (b"for the jo", 10))


def test_background_read_ignoring_sigttin_fails_with_eio(
        kernel: Kernel, leader: Process, tty: int, spawn: Callable[..., Process],
        log: SignalLog) -> None:
    job = join(spawn(), leader, pgid=0)
    job.pgid = job.pid
    job.actions[signals.SIGTTIN].disposition = signals.IGNORE
    job_fd = open_as(kernel, job, "/dev/tty")
    assert call(kernel, job, "fd_read", job_fd, 10) == (wasi.EIO, ())
    assert log.groups == []


def test_background_writes_stop_only_under_tostop(
        kernel: Kernel, leader: Process, tty: int, spawn: Callable[..., Process],
        log: SignalLog) -> None:
    job = join(spawn(), leader, pgid=0)
    job.pgid = job.pid
    job_fd = open_as(kernel, job, "/dev/tty")
    assert call(kernel, job, "fd_write", job_fd, b"ok") == (0, (2,))
    set_termios(kernel, leader, tty, lambda t: setattr(t, "lflag", t.lflag | TOSTOP))
    assert Pending(kernel, job, "fd_write", job_fd, b"no").parked
    assert log.groups == [(job.pgid, signals.SIGTTOU)]


def test_background_tcsetattr_gets_sigttou(kernel: Kernel, leader: Process, tty: int,
                                           spawn: Callable[..., Process],
                                           log: SignalLog) -> None:
    job = join(spawn(), leader, pgid=0)
    job.pgid = job.pid
    job_fd = open_as(kernel, job, "/dev/tty")
    termios = get_termios(kernel, job, job_fd).pack()
    result = kernel.submit(job, BY_NAME[(WASMUX, "ioctl")].number,
                           (job_fd, TCSETSF, termios), lambda errno, outs: None)
    assert result is None
    assert log.groups == [(job.pgid, signals.SIGTTOU)]


def test_leader_giving_up_the_terminal_hangs_up_the_foreground(
        kernel: Kernel, leader: Process, tty: int, log: SignalLog) -> None:
    assert wasmux_call(kernel, leader, "ioctl", tty, TIOCNOTTY, b"")[0] == 0
    assert log.groups == [(leader.pgid, signals.SIGHUP), (leader.pgid, signals.SIGCONT)]
    assert kernel.console.session is None and leader.ctty is None


def test_a_dead_leaders_terminal_goes_to_the_next_session(
        kernel: Kernel, leader: Process, tty: int, spawn: Callable[..., Process]) -> None:
    kernel.exit_process(leader, code=0)
    successor = make_leader(spawn())
    open_as(kernel, successor, "/dev/console")
    assert kernel.console.session == successor.sid
