"""dup, dup3 and fcntl: numbering, shared open files, close-on-exec, status flags."""

from __future__ import annotations

from ipc_calls import call, ok
from wasi_calls import open_fd
from wasmux.abi import wasi
from wasmux.kernel import Kernel
from wasmux.proc import Process
from wasmux.syscalls.fdops import (
    CLOEXEC,
    F_DUPFD,
    F_DUPFD_CLOEXEC,
    F_GETFD,
    F_GETFL,
    F_SETFD,
    F_SETFL,
    FD_CLOEXEC,
    O_RDONLY,
    O_WRONLY,
)


def test_dup_takes_the_lowest_free_fd_and_shares_the_offset(kernel: Kernel,
                                                            process: Process) -> None:
    fd = open_fd(kernel, process, "/tmp/f")
    ok(kernel, process, "fd_close", 0)
    assert ok(kernel, process, "dup", fd) == (0,)
    ok(kernel, process, "fd_write", fd, b"abc")
    assert ok(kernel, process, "fd_tell", 0) == (3,)
    assert process.fds.get(0).file is process.fds.get(fd).file


def test_dup_of_a_closed_fd_is_ebadf(kernel: Kernel, process: Process) -> None:
    assert call(kernel, process, "dup", 77) == (wasi.EBADF, ())


def test_dup3_replaces_the_target(kernel: Kernel, process: Process) -> None:
    fd = open_fd(kernel, process, "/tmp/f")
    ok(kernel, process, "dup3", fd, 1, 0)
    ok(kernel, process, "fd_write", 1, b"to the file")
    assert ok(kernel, process, "fd_pread", fd, 100, 0) == (b"to the file", 11)
    assert ok(kernel, process, "fcntl", 1, F_GETFD, 0) == (0,)


def test_dup3_cloexec_and_errors(kernel: Kernel, process: Process) -> None:
    fd = open_fd(kernel, process, "/tmp/f")
    ok(kernel, process, "dup3", fd, 20, CLOEXEC)
    assert ok(kernel, process, "fcntl", 20, F_GETFD, 0) == (FD_CLOEXEC,)
    assert call(kernel, process, "dup3", fd, fd, 0) == (wasi.EINVAL, ())
    assert call(kernel, process, "dup3", fd, 21, 0x1) == (wasi.EINVAL, ())
    assert call(kernel, process, "dup3", 99, 21, 0) == (wasi.EBADF, ())
    assert call(kernel, process, "dup3", fd, 5000, 0) == (wasi.EBADF, ())


def test_f_dupfd_takes_the_lowest_at_or_above(kernel: Kernel, process: Process) -> None:
    fd = open_fd(kernel, process, "/tmp/f")
    assert ok(kernel, process, "fcntl", fd, F_DUPFD, 10) == (10,)
    assert ok(kernel, process, "fcntl", fd, F_DUPFD, 10) == (11,)
    assert ok(kernel, process, "fcntl", fd, F_GETFD, 0) == (0,)
    assert ok(kernel, process, "fcntl", fd, F_DUPFD_CLOEXEC, 10) == (12,)
    assert ok(kernel, process, "fcntl", 12, F_GETFD, 0) == (FD_CLOEXEC,)
    assert call(kernel, process, "fcntl", fd, F_DUPFD, -1) == (wasi.EINVAL, ())
    assert call(kernel, process, "fcntl", fd, F_DUPFD, 1 << 20) == (wasi.EINVAL, ())


def test_close_on_exec_is_per_descriptor_and_skipped_by_inherit(kernel: Kernel,
                                                                process: Process) -> None:
    fd = open_fd(kernel, process, "/tmp/f")
    copy = ok(kernel, process, "dup", fd)[0]
    ok(kernel, process, "fcntl", fd, F_SETFD, FD_CLOEXEC)
    assert ok(kernel, process, "fcntl", fd, F_GETFD, 0) == (FD_CLOEXEC,)
    assert ok(kernel, process, "fcntl", copy, F_GETFD, 0) == (0,)
    inherited = process.fds.inherit()
    assert fd not in inherited.entries and copy in inherited.entries
    inherited.close_all()
    ok(kernel, process, "fcntl", fd, F_SETFD, 0)
    assert ok(kernel, process, "fcntl", fd, F_GETFD, 0) == (0,)


def test_f_getfl_reports_access_mode_and_status_flags(kernel: Kernel, process: Process) -> None:
    both = open_fd(kernel, process, "/tmp/f", fdflags=wasi.FDFLAGS_APPEND)
    reading = open_fd(kernel, process, "/tmp/f", oflags=0, writable=False)
    writing = open_fd(kernel, process, "/tmp/f", oflags=0, readable=False)
    assert ok(kernel, process, "fcntl", both, F_GETFL, 0) == (
        O_RDONLY | O_WRONLY | wasi.FDFLAGS_APPEND,)
    assert ok(kernel, process, "fcntl", reading, F_GETFL, 0) == (O_RDONLY,)
    assert ok(kernel, process, "fcntl", writing, F_GETFL, 0) == (O_WRONLY,)


def test_f_setfl_changes_append_and_nonblock_for_every_duplicate(kernel: Kernel,
                                                                 process: Process) -> None:
    read_fd, _ = ok(kernel, process, "pipe2", 0)
    copy = ok(kernel, process, "dup", read_fd)[0]
    ok(kernel, process, "fcntl", read_fd, F_SETFL, wasi.FDFLAGS_NONBLOCK | O_WRONLY | 0x1000)
    assert ok(kernel, process, "fcntl", copy, F_GETFL, 0) == (O_RDONLY | wasi.FDFLAGS_NONBLOCK,)
    assert call(kernel, process, "fd_read", copy, 1) == (wasi.EAGAIN, ())
    ok(kernel, process, "fcntl", read_fd, F_SETFL, 0)
    assert ok(kernel, process, "fcntl", copy, F_GETFL, 0) == (O_RDONLY,)


def test_f_setfl_append_moves_writes_to_the_end(kernel: Kernel, process: Process) -> None:
    fd = open_fd(kernel, process, "/tmp/f")
    ok(kernel, process, "fd_write", fd, b"12345")
    ok(kernel, process, "fd_seek", fd, 0, wasi.WHENCE_SET)
    ok(kernel, process, "fcntl", fd, F_SETFL, wasi.FDFLAGS_APPEND)
    ok(kernel, process, "fd_write", fd, b"6")
    assert ok(kernel, process, "fd_pread", fd, 10, 0) == (b"123456", 6)


def test_unknown_command_is_einval_and_closed_fd_ebadf(kernel: Kernel, process: Process) -> None:
    fd = open_fd(kernel, process, "/tmp/f")
    assert call(kernel, process, "fcntl", fd, 5, 0) == (wasi.EINVAL, ())  # F_GETLK
    assert call(kernel, process, "fcntl", 99, F_GETFD, 0) == (wasi.EBADF, ())
