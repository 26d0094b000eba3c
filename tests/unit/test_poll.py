"""poll_oneoff: clocks on the fake clock, files, the console stream, park/retry and EINTR."""

from __future__ import annotations

import pytest
from wasi_calls import Pending, call, open_fd
from wasmux.abi import wasi
from wasmux.hosts.memory import MemoryHost
from wasmux.kernel import Kernel
from wasmux.proc import Process

CLOCK, FD_READ, FD_WRITE = wasi.EVENTTYPE_CLOCK, wasi.EVENTTYPE_FD_READ, wasi.EVENTTYPE_FD_WRITE
ABSTIME = wasi.SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME
HANGUP = wasi.EVENTRWFLAGS_FD_READWRITE_HANGUP
ROOT, STDOUT = 3, 1


def clock(userdata: int, timeout: int, clock_id: int = wasi.CLOCK_MONOTONIC,
          flags: int = 0) -> tuple[int, int, int, int, int, int]:
    return (userdata, CLOCK, clock_id, timeout, 0, flags)


def on_fd(userdata: int, tag: int, fd: int) -> tuple[int, int, int, int, int, int]:
    return (userdata, tag, fd, 0, 0, 0)


def host(kernel: Kernel) -> MemoryHost:
    assert isinstance(kernel.host, MemoryHost)
    return kernel.host


@pytest.fixture
def console_in(kernel: Kernel, process: Process) -> int:
    return open_fd(kernel, process, "/dev/console", oflags=0, writable=False)


def test_no_subscriptions_is_einval(kernel: Kernel, process: Process) -> None:
    assert call(kernel, process, "poll_oneoff", []) == (wasi.EINVAL, ())


def test_relative_clock_parks_until_the_timeout(kernel: Kernel, process: Process) -> None:
    pending = Pending(kernel, process, "poll_oneoff", [clock(7, 1000)])
    assert pending.parked
    host(kernel).advance(999)
    assert not pending.done
    host(kernel).advance(1)
    assert pending.result == (0, ([(7, 0, CLOCK, 0, 0)], 1))


def test_zero_timeout_fires_at_once(kernel: Kernel, process: Process) -> None:
    assert call(kernel, process, "poll_oneoff", [clock(1, 0)]) == (0, ([(1, 0, CLOCK, 0, 0)], 1))


def test_retry_does_not_restart_a_relative_timeout(kernel: Kernel, process: Process,
                                                   console_in: int) -> None:
    pending = Pending(kernel, process, "poll_oneoff",
                      [on_fd(1, FD_READ, console_in), clock(2, 100)])
    host(kernel).advance(60)
    kernel.console.readable.wake_all()  # a spurious wake-up: the retry parks again
    assert not pending.done and process.parked is not None
    host(kernel).advance(40)
    assert pending.result == (0, ([(2, 0, CLOCK, 0, 0)], 1))


def test_absolute_monotonic_deadline(kernel: Kernel, process: Process) -> None:
    host(kernel).advance(500)
    assert call(kernel, process, "poll_oneoff", [clock(1, 400, flags=ABSTIME)]) == (
        0, ([(1, 0, CLOCK, 0, 0)], 1))
    pending = Pending(kernel, process, "poll_oneoff", [clock(2, 800, flags=ABSTIME)])
    host(kernel).advance(299)
    assert not pending.done
    host(kernel).advance(1)
    assert pending.result == (0, ([(2, 0, CLOCK, 0, 0)], 1))


def test_realtime_clocks_relative_and_absolute(kernel: Kernel, process: Process) -> None:
    at = kernel.host.realtime_ns() + 300
    pending = Pending(kernel, process, "poll_oneoff",
                      [clock(1, at, wasi.CLOCK_REALTIME, ABSTIME),
                       clock(2, 200, wasi.CLOCK_REALTIME)])
    host(kernel).advance(200)
    assert pending.result == (0, ([(2, 0, CLOCK, 0, 0)], 1))
    pending = Pending(kernel, process, "poll_oneoff",
                      [clock(1, at, wasi.CLOCK_REALTIME, ABSTIME)])
    host(kernel).advance(100)
    assert pending.result == (0, ([(1, 0, CLOCK, 0, 0)], 1))


def test_every_expired_clock_is_reported(kernel: Kernel, process: Process) -> None:
    host(kernel).advance(50)
    subscriptions = [clock(1, 10, flags=ABSTIME), clock(2, 20, flags=ABSTIME),
                     clock(3, 99, flags=ABSTIME)]
    assert call(kernel, process, "poll_oneoff", subscriptions) == (
        0, ([(1, 0, CLOCK, 0, 0), (2, 0, CLOCK, 0, 0)], 2))


def test_the_earliest_deadline_wakes_the_poll(kernel: Kernel, process: Process) -> None:
    pending = Pending(kernel, process, "poll_oneoff", [clock(1, 30), clock(2, 20)])
    host(kernel).advance(50)
    assert pending.result == (0, ([(2, 0, CLOCK, 0, 0)], 1))


@pytest.mark.parametrize("subscription", [
    clock(1, 10, wasi.CLOCK_PROCESS_CPUTIME_ID), clock(1, 10, wasi.CLOCK_THREAD_CPUTIME_ID),
    clock(1, 10, 9), (1, 3, 0, 0, 0, 0)])
def test_unsupported_clock_or_type_is_einval(kernel: Kernel, process: Process,
                                             subscription: tuple[int, ...]) -> None:
    assert call(kernel, process, "poll_oneoff", [subscription]) == (wasi.EINVAL, ())


def test_bad_descriptor_yields_an_error_event_beside_the_others(kernel: Kernel,
                                                                process: Process) -> None:
    """wasmtime fails the whole call with EBADF; the spec (and poll()'s POLLNVAL) reports
    it in the subscription's own event."""
    assert call(kernel, process, "poll_oneoff", [clock(1, 0), on_fd(2, FD_READ, 77)]) == (
        0, ([(1, 0, CLOCK, 0, 0), (2, wasi.EBADF, FD_READ, 0, 0)], 2))
    assert call(kernel, process, "poll_oneoff", [on_fd(2, FD_READ, ROOT)]) == (
        0, ([(2, wasi.EBADF, FD_READ, 0, 0)], 1))


def test_bad_descriptor_answers_at_once_though_others_would_wait(kernel: Kernel,
                                                                  process: Process) -> None:
    assert call(kernel, process, "poll_oneoff", [clock(1, 10**9), on_fd(2, FD_WRITE, 77)]) == (
        0, ([(2, wasi.EBADF, FD_WRITE, 0, 0)], 1))


def test_descriptor_without_the_right_is_an_enotcapable_event(kernel: Kernel,
                                                              process: Process) -> None:
    fd = open_fd(kernel, process, "/tmp/f", rights=wasi.RIGHT_FD_WRITE)
    assert call(kernel, process, "poll_oneoff", [on_fd(1, FD_READ, fd)]) == (
        0, ([(1, wasi.ENOTCAPABLE, FD_READ, 0, 0)], 1))


def test_regular_file_is_ready_with_bytes_to_end_of_file(kernel: Kernel,
                                                         process: Process) -> None:
    fd = open_fd(kernel, process, "/tmp/f")
    call(kernel, process, "fd_write", fd, b"0123456789")
    call(kernel, process, "fd_seek", fd, 4, wasi.WHENCE_SET)
    assert call(kernel, process, "poll_oneoff",
                [on_fd(1, FD_READ, fd), on_fd(2, FD_WRITE, fd), clock(3, 10)]) == (
        0, ([(1, 0, FD_READ, 6, 0), (2, 0, FD_WRITE, 0, 0)], 2))


def test_console_becomes_readable_when_fed(kernel: Kernel, process: Process,
                                           console_in: int) -> None:
    pending = Pending(kernel, process, "poll_oneoff",
                      [on_fd(1, FD_READ, console_in), clock(2, 10**9)])
    assert pending.parked
    kernel.console.feed(b"abc\n")
    assert pending.result == (0, ([(1, 0, FD_READ, 4, 0)], 1))
    assert call(kernel, process, "fd_read", console_in, 10) == (0, (b"abc\n", 4))


def test_console_end_of_input_is_a_hangup(kernel: Kernel, process: Process,
                                          console_in: int) -> None:
    pending = Pending(kernel, process, "poll_oneoff", [on_fd(1, FD_READ, console_in)])
    kernel.console.feed_eof()
    assert pending.result == (0, ([(1, 0, FD_READ, 0, HANGUP)], 1))


def test_console_is_always_writable(kernel: Kernel, process: Process, console_in: int) -> None:
    assert call(kernel, process, "poll_oneoff",
                [on_fd(1, FD_READ, console_in), on_fd(2, FD_WRITE, STDOUT)]) == (
        0, ([(2, 0, FD_WRITE, 0, 0)], 1))


def test_interrupt_ends_a_parked_poll_with_eintr(kernel: Kernel, process: Process,
                                                 console_in: int) -> None:
    pending = Pending(kernel, process, "poll_oneoff",
                      [on_fd(1, FD_READ, console_in), clock(2, 1000)])
    kernel.interrupt(process)
    host(kernel).advance(2000)
    kernel.console.feed(b"x")
    assert pending.result == (wasi.EINTR, ())
    assert process.parked is None
