"""Pipes through pipe2 and the fd calls: order, parking, end of file, EPIPE and SIGPIPE,
capacity, atomic and partial writes, non-blocking ends, poll, and two processes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from ipc_calls import Pending, call, ok
from wasmux import signals
from wasmux.abi import wasi
from wasmux.fdtable import Descriptor
from wasmux.kernel import Kernel
from wasmux.pipe import PIPE_BUF, PIPE_CAPACITY
from wasmux.proc import ZOMBIE, Process
from wasmux.syscalls.fdops import CLOEXEC

FD_READ, FD_WRITE = wasi.EVENTTYPE_FD_READ, wasi.EVENTTYPE_FD_WRITE
HANGUP = wasi.EVENTRWFLAGS_FD_READWRITE_HANGUP


def make_pipe(kernel: Kernel, process: Process, flags: int = 0) -> tuple[int, int]:
    read_fd, write_fd = ok(kernel, process, "pipe2", flags)
    return read_fd, write_fd


def test_bytes_come_out_in_order(kernel: Kernel, process: Process) -> None:
    read_fd, write_fd = make_pipe(kernel, process)
    assert ok(kernel, process, "fd_write", write_fd, b"hello ") == (6,)
    assert ok(kernel, process, "fd_write", write_fd, b"world") == (5,)
    assert ok(kernel, process, "fd_read", read_fd, 8) == (b"hello wo", 8)
    assert ok(kernel, process, "fd_read", read_fd, 100) == (b"rld", 3)


def test_read_parks_until_a_write(kernel: Kernel, process: Process,
                                  spawn: Callable[..., Process]) -> None:
    read_fd, write_fd = make_pipe(kernel, process)
    reader = spawn()
    reader_fd = reader.fds.install(Descriptor(process.fds.get(read_fd).file.ref()))
    pending = Pending(kernel, reader, "fd_read", reader_fd, 10)
    assert pending.parked
    ok(kernel, process, "fd_write", write_fd, b"data")
    assert pending.result == (0, (b"data", 4))


def test_eof_after_the_last_writer_closes(kernel: Kernel, process: Process) -> None:
    read_fd, write_fd = make_pipe(kernel, process)
    copy = ok(kernel, process, "dup", write_fd)[0]
    ok(kernel, process, "fd_write", write_fd, b"x")
    ok(kernel, process, "fd_close", write_fd)
    assert ok(kernel, process, "fd_read", read_fd, 10) == (b"x", 1)
    pending = Pending(kernel, process, "fd_read", read_fd, 10)
    assert pending.parked  # a duplicate of the write end is still open
    ok(kernel, process, "fd_close", copy)
    assert pending.result == (0, (b"", 0))
    assert ok(kernel, process, "fd_read", read_fd, 10) == (b"", 0)


def test_write_without_reader_is_epipe_and_sigpipe_kills(kernel: Kernel,
                                                         process: Process) -> None:
    read_fd, write_fd = make_pipe(kernel, process)
    ok(kernel, process, "fd_close", read_fd)
    assert call(kernel, process, "fd_write", write_fd, b"x")[0] == wasi.EPIPE
    assert process.state == ZOMBIE
    assert process.exit_signal == signals.SIGPIPE


def test_write_without_reader_with_sigpipe_ignored_is_only_epipe(kernel: Kernel,
                                                                 process: Process) -> None:
    ok(kernel, process, "sigaction", signals.SIGPIPE, 1, signals.IGNORE, 0, 0)
    read_fd, write_fd = make_pipe(kernel, process)
    ok(kernel, process, "fd_close", read_fd)
    assert call(kernel, process, "fd_write", write_fd, b"x") == (wasi.EPIPE, ())
    assert process.state != ZOMBIE


def test_parked_writer_gets_epipe_when_the_reader_leaves(kernel: Kernel, process: Process,
                                                         spawn: Callable[..., Process]) -> None:
    read_fd, write_fd = make_pipe(kernel, process)
    ok(kernel, process, "sigaction", signals.SIGPIPE, 1, signals.IGNORE, 0, 0)
    ok(kernel, process, "fd_write", write_fd, bytes(PIPE_CAPACITY))
    pending = Pending(kernel, process, "fd_write", write_fd, b"more")
    assert pending.parked
    ok(kernel, process, "fd_close", read_fd)
    assert pending.result == (wasi.EPIPE, ())


def test_small_write_is_atomic_and_parks_until_it_fits(kernel: Kernel, process: Process,
                                                       spawn: Callable[..., Process]) -> None:
    read_fd, write_fd = make_pipe(kernel, process)
    ok(kernel, process, "fd_write", write_fd, bytes(PIPE_CAPACITY - 100))
    pending = Pending(kernel, process, "fd_write", write_fd, b"y" * 200)
    assert pending.parked
    reader = spawn()
    reader_fd = reader.fds.install(Descriptor(process.fds.get(read_fd).file.ref()))
    ok(kernel, reader, "fd_read", reader_fd, 50)
    assert not pending.done  # 150 bytes free: still not all 200
    ok(kernel, reader, "fd_read", reader_fd, 50)
    assert pending.result == (0, (200,))


def test_large_write_is_partial_up_to_the_capacity(kernel: Kernel, process: Process) -> None:
    read_fd, write_fd = make_pipe(kernel, process)
    data = bytes(range(256)) * 1024  # 256 KiB
    assert ok(kernel, process, "fd_write", write_fd, data) == (PIPE_CAPACITY,)
    received = ok(kernel, process, "fd_read", read_fd, 1 << 20)[0]
    assert received == data[:PIPE_CAPACITY]
    ok(kernel, process, "fd_write", write_fd, bytes(PIPE_CAPACITY // 2))
    assert ok(kernel, process, "fd_write", write_fd, data) == (PIPE_CAPACITY // 2,)


def test_large_write_parks_until_half_the_pipe_is_free(kernel: Kernel, process: Process,
                                                       spawn: Callable[..., Process]) -> None:
    read_fd, write_fd = make_pipe(kernel, process)
    ok(kernel, process, "fd_write", write_fd, bytes(PIPE_CAPACITY - 10))
    pending = Pending(kernel, process, "fd_write", write_fd, b"z" * (2 * PIPE_BUF))
    assert pending.parked  # 10 bytes free: a large write waits rather than trickle in
    reader = spawn()
    reader_fd = reader.fds.install(Descriptor(process.fds.get(read_fd).file.ref()))
    ok(kernel, reader, "fd_read", reader_fd, PIPE_BUF)
    assert not pending.done
    ok(kernel, reader, "fd_read", reader_fd, PIPE_CAPACITY // 2 - PIPE_BUF - 10)
    assert pending.result == (0, (2 * PIPE_BUF,))


def test_nonblocking_large_write_takes_what_fits(kernel: Kernel, process: Process) -> None:
    _, write_fd = make_pipe(kernel, process, wasi.FDFLAGS_NONBLOCK)
    ok(kernel, process, "fd_write", write_fd, bytes(PIPE_CAPACITY - 10))
    assert ok(kernel, process, "fd_write", write_fd, bytes(2 * PIPE_BUF)) == (10,)


def test_megabytes_flow_through_in_order(kernel: Kernel, process: Process) -> None:
    read_fd, write_fd = make_pipe(kernel, process)
    data = bytes(range(251)) * 8000  # about 2 MB
    sent, received = 0, bytearray()
    while len(received) < len(data):
        if sent < len(data):
            sent += ok(kernel, process, "fd_write", write_fd, data[sent:sent + 65536])[0]
        received += ok(kernel, process, "fd_read", read_fd, 32768)[0]
    assert received == data


def test_nonblocking_ends_answer_eagain(kernel: Kernel, process: Process) -> None:
    read_fd, write_fd = make_pipe(kernel, process, wasi.FDFLAGS_NONBLOCK)
    assert call(kernel, process, "fd_read", read_fd, 10) == (wasi.EAGAIN, ())
    ok(kernel, process, "fd_write", write_fd, bytes(PIPE_CAPACITY))
    assert call(kernel, process, "fd_write", write_fd, b"x") == (wasi.EAGAIN, ())
    assert ok(kernel, process, "fd_fdstat_get", write_fd)[0][1] == wasi.FDFLAGS_NONBLOCK


def test_pipe2_flags(kernel: Kernel, process: Process) -> None:
    read_fd, write_fd = make_pipe(kernel, process, CLOEXEC)
    assert process.fds.get(read_fd).cloexec and process.fds.get(write_fd).cloexec
    assert call(kernel, process, "pipe2", 0x1000) == (wasi.EINVAL, ())


def test_pipe_is_a_stream_of_unknown_type(kernel: Kernel, process: Process) -> None:
    read_fd, write_fd = make_pipe(kernel, process)
    stat = ok(kernel, process, "fd_filestat_get", read_fd)[0]
    assert stat[2] == wasi.FILETYPE_UNKNOWN
    assert call(kernel, process, "fd_seek", read_fd, 0, wasi.WHENCE_SET)[0] == wasi.ESPIPE
    _, _, rights, _ = ok(kernel, process, "fd_fdstat_get", read_fd)[0]
    assert rights & wasi.RIGHT_FD_READ and not rights & wasi.RIGHT_FD_WRITE
    assert not ok(kernel, process, "fd_fdstat_get", write_fd)[0][2] & wasi.RIGHT_FD_READ
    assert call(kernel, process, "fd_read", write_fd, 1)[0] == wasi.EBADF


def test_poll_read_end_parks_then_reports_bytes(kernel: Kernel, process: Process,
                                                spawn: Callable[..., Process]) -> None:
    read_fd, write_fd = make_pipe(kernel, process)
    poller = spawn()
    fd = poller.fds.install(Descriptor(process.fds.get(read_fd).file.ref()))
    pending = Pending(kernel, poller, "poll_oneoff", [(7, FD_READ, fd, 0, 0, 0)])
    assert pending.parked
    ok(kernel, process, "fd_write", write_fd, b"abc")
    assert pending.result == (0, ([(7, 0, FD_READ, 3, 0)], 1))


def test_poll_write_end_ready_then_full_then_hangup(kernel: Kernel, process: Process) -> None:
    read_fd, write_fd = make_pipe(kernel, process)
    subscription = [(1, FD_WRITE, write_fd, 0, 0, 0)]
    assert ok(kernel, process, "poll_oneoff", subscription) == ([(1, 0, FD_WRITE, 0, 0)], 1)
    ok(kernel, process, "fd_write", write_fd, bytes(PIPE_CAPACITY - PIPE_BUF + 1))
    pending = Pending(kernel, process, "poll_oneoff", subscription)
    assert pending.parked
    ok(kernel, process, "fd_close", read_fd)
    assert pending.result == (0, ([(1, 0, FD_WRITE, 0, HANGUP)], 1))


def test_poll_read_end_hangs_up_when_writers_leave(kernel: Kernel, process: Process) -> None:
    read_fd, write_fd = make_pipe(kernel, process)
    ok(kernel, process, "fd_write", write_fd, b"zz")
    ok(kernel, process, "fd_close", write_fd)
    assert ok(kernel, process, "poll_oneoff", [(3, FD_READ, read_fd, 0, 0, 0)]) == (
        [(3, 0, FD_READ, 2, HANGUP)], 1)


def test_pipe_between_parent_and_inherited_child(kernel: Kernel, process: Process) -> None:
    read_fd, write_fd = make_pipe(kernel, process)
    ok(kernel, process, "fcntl", read_fd, 2, 1)  # F_SETFD FD_CLOEXEC: the child lacks it
    child_fds = process.fds.inherit()
    assert read_fd not in child_fds.entries
    child = kernel.spawn(b"\0asm\x01\0\0\0", [b"child"], [], child_fds, parent=process)
    ok(kernel, process, "fd_close", write_fd)
    ok(kernel, child, "fd_write", write_fd, b"from the child")
    pending = Pending(kernel, process, "fd_read", read_fd, 100)
    assert pending.result == (0, (b"from the child", 14))
    kernel.exit_process(child, 0)
    assert ok(kernel, process, "fd_read", read_fd, 100) == (b"", 0)


@pytest.mark.parametrize("name", ["fd_pwrite"])
def test_positioned_write_on_a_pipe_is_espipe(kernel: Kernel, process: Process, name: str) -> None:
    _, write_fd = make_pipe(kernel, process)
    assert call(kernel, process, name, write_fd, b"x", 0) == (wasi.ESPIPE, ())
