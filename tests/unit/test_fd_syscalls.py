"""fd_* syscalls through Kernel.submit: success paths and the errno of each failure.

The expected errnos are wasmtime 50's (observed with a C probe on its built-in WASI)
except where its preview1 differs from the spec; those tests say so.
"""

from __future__ import annotations

import pytest
from wasi_calls import Pending, call, open_fd
from wasmux.abi import wasi
from wasmux.dev.stream import HostStream
from wasmux.fdtable import Descriptor
from wasmux.file import OpenFile
from wasmux.fs.tmpfs import RegularFile
from wasmux.hosts.memory import MemoryHost
from wasmux.kernel import Kernel
from wasmux.proc import Process

ROOT = 3  # the preopened '/' of the test process
STDIN, STDOUT = 0, 1  # /dev/null read-only, the console write-only


@pytest.fixture
def fd(kernel: Kernel, process: Process) -> int:
    """/tmp/file opened read-write, holding b'hello world', offset at 0."""
    fd = open_fd(kernel, process, "/tmp/file")
    call(kernel, process, "fd_write", fd, b"hello world")
    call(kernel, process, "fd_seek", fd, 0, wasi.WHENCE_SET)
    return fd


@pytest.fixture
def console_in(kernel: Kernel, process: Process) -> int:
    return open_fd(kernel, process, "/dev/console", oflags=0, writable=False)


# --- byte I/O ---
def test_write_then_read_back_moves_the_offset(kernel: Kernel, process: Process, fd: int) -> None:
    assert call(kernel, process, "fd_read", fd, 5) == (0, (b"hello", 5))
    assert call(kernel, process, "fd_tell", fd) == (0, (5,))
    assert call(kernel, process, "fd_read", fd, 100) == (0, (b" world", 6))
    assert call(kernel, process, "fd_read", fd, 100) == (0, (b"", 0))


def test_write_to_stdout_reaches_the_host_console(kernel: Kernel, process: Process) -> None:
    assert call(kernel, process, "fd_write", STDOUT, b"hi\n") == (0, (3,))
    assert isinstance(kernel.host, MemoryHost)
    assert kernel.host.console_output == b"hi\r\n"


def test_append_mode_writes_at_end_whatever_the_offset(kernel: Kernel, process: Process,
                                                        fd: int) -> None:
    appender = open_fd(kernel, process, "/tmp/file", fdflags=wasi.FDFLAGS_APPEND)
    assert call(kernel, process, "fd_write", appender, b"!") == (0, (1,))
    call(kernel, process, "fd_seek", appender, 0, wasi.WHENCE_SET)
    call(kernel, process, "fd_write", appender, b"?")
    assert call(kernel, process, "fd_read", fd, 100) == (0, (b"hello world!?", 13))


def test_read_of_an_empty_console_parks_until_input_arrives(kernel: Kernel, process: Process,
                                                             console_in: int) -> None:
    pending = Pending(kernel, process, "fd_read", console_in, 10)
    assert pending.parked and not pending.done
    kernel.console.feed(b"ls\n")
    assert pending.result == (0, (b"ls\n", 3))


def test_nonblocking_read_of_an_empty_console_is_eagain(kernel: Kernel, process: Process,
                                                        console_in: int) -> None:
    assert call(kernel, process, "fd_fdstat_set_flags", console_in, wasi.FDFLAGS_NONBLOCK) == (0, ())
    assert call(kernel, process, "fd_read", console_in, 10) == (wasi.EAGAIN, ())


def test_parked_read_ends_with_eintr_when_interrupted(kernel: Kernel, process: Process,
                                                      console_in: int) -> None:
    pending = Pending(kernel, process, "fd_read", console_in, 10)
    kernel.interrupt(process)
    kernel.console.feed(b"late\n")
    assert pending.result == (wasi.EINTR, ())
    assert call(kernel, process, "fd_read", console_in, 10) == (0, (b"late\n", 5))


def test_pread_and_pwrite_leave_the_offset_alone(kernel: Kernel, process: Process, fd: int) -> None:
    assert call(kernel, process, "fd_pread", fd, 5, 6) == (0, (b"world", 5))
    assert call(kernel, process, "fd_pwrite", fd, b"W", 6) == (0, (1,))
    assert call(kernel, process, "fd_tell", fd) == (0, (0,))
    assert call(kernel, process, "fd_pread", fd, 100, 1000) == (0, (b"", 0))
    assert call(kernel, process, "fd_read", fd, 100) == (0, (b"hello World", 11))


def test_positional_io_on_a_stream_is_espipe(kernel: Kernel, process: Process,
                                            console_in: int) -> None:
    assert call(kernel, process, "fd_pread", console_in, 1, 0) == (wasi.ESPIPE, ())
    assert call(kernel, process, "fd_pwrite", STDOUT, b"x", 0) == (wasi.ESPIPE, ())


@pytest.mark.parametrize("name,args", [("fd_read", (10,)), ("fd_pread", (10, 0))])
def test_reading_a_directory_is_eisdir_as_in_posix(kernel: Kernel, process: Process, name: str,
                                                   args: tuple[object, ...]) -> None:
    assert call(kernel, process, name, ROOT, *args) == (wasi.EISDIR, ())


@pytest.mark.parametrize("name,args", [("fd_write", (b"x",)), ("fd_pwrite", (b"x", 0))])
def test_writing_a_directory_is_ebadf_as_in_wasmtime(kernel: Kernel, process: Process,
                                                     name: str, args: tuple[object, ...]) -> None:
    assert call(kernel, process, name, ROOT, *args) == (wasi.EBADF, ())


def test_io_against_the_open_mode_is_ebadf(kernel: Kernel, process: Process) -> None:
    assert call(kernel, process, "fd_write", STDIN, b"x") == (wasi.EBADF, ())
    assert call(kernel, process, "fd_read", STDOUT, 1) == (wasi.EBADF, ())


def test_open_mode_is_checked_before_rights(kernel: Kernel, process: Process) -> None:
    """A read-only fd lacks FD_WRITE too, yet answers EBADF (EINVAL for set_size), as
    POSIX and wasmtime do; likewise a write-only fd for reads."""
    reader = open_fd(kernel, process, "/tmp/r", writable=False,
                     rights=wasi.RIGHT_FD_READ | wasi.RIGHT_FD_SEEK)
    assert call(kernel, process, "fd_write", reader, b"x") == (wasi.EBADF, ())
    assert call(kernel, process, "fd_pwrite", reader, b"x", 0) == (wasi.EBADF, ())
    assert call(kernel, process, "fd_filestat_set_size", reader, 0) == (wasi.EINVAL, ())
    assert call(kernel, process, "fd_allocate", reader, 0, 1) == (wasi.EBADF, ())
    writer = open_fd(kernel, process, "/tmp/r", readable=False,
                     rights=wasi.RIGHT_FD_WRITE | wasi.RIGHT_FD_SEEK)
    assert call(kernel, process, "fd_read", writer, 1) == (wasi.EBADF, ())
    assert call(kernel, process, "fd_pread", writer, 1, 0) == (wasi.EBADF, ())
    assert call(kernel, process, "fd_write", writer, b"x") == (0, (1,))


# --- seeking ---
def test_seek_whences(kernel: Kernel, process: Process, fd: int) -> None:
    assert call(kernel, process, "fd_seek", fd, 3, wasi.WHENCE_SET) == (0, (3,))
    assert call(kernel, process, "fd_seek", fd, 2, wasi.WHENCE_CUR) == (0, (5,))
    assert call(kernel, process, "fd_seek", fd, -1, wasi.WHENCE_END) == (0, (10,))
    assert call(kernel, process, "fd_seek", fd, 5, wasi.WHENCE_END) == (0, (16,))


def test_seek_errors(kernel: Kernel, process: Process, fd: int) -> None:
    assert call(kernel, process, "fd_seek", fd, -100, wasi.WHENCE_CUR) == (wasi.EINVAL, ())
    assert call(kernel, process, "fd_seek", fd, 0, 3) == (wasi.EINVAL, ())
    assert call(kernel, process, "fd_seek", STDOUT, 0, wasi.WHENCE_SET) == (wasi.ESPIPE, ())
    assert call(kernel, process, "fd_tell", STDOUT) == (wasi.ESPIPE, ())
    assert call(kernel, process, "fd_seek", ROOT, 0, wasi.WHENCE_SET) == (wasi.EBADF, ())
    assert call(kernel, process, "fd_tell", ROOT) == (wasi.EBADF, ())
    assert call(kernel, process, "fd_tell", fd) == (0, (0,))


# --- rights (wasmtime 50 does not enforce them; the spec does) ---
def test_missing_rights_are_enotcapable(kernel: Kernel, process: Process) -> None:
    fd = open_fd(kernel, process, "/tmp/r", rights=wasi.RIGHT_FD_READ)
    assert call(kernel, process, "fd_write", fd, b"x") == (wasi.ENOTCAPABLE, ())
    assert call(kernel, process, "fd_seek", fd, 1, wasi.WHENCE_SET) == (wasi.ENOTCAPABLE, ())
    assert call(kernel, process, "fd_tell", fd) == (wasi.ENOTCAPABLE, ())
    assert call(kernel, process, "fd_filestat_get", fd) == (wasi.ENOTCAPABLE, ())
    assert call(kernel, process, "fd_read", fd, 1) == (0, (b"", 0))


def test_seek_right_implies_tell(kernel: Kernel, process: Process) -> None:
    seeker = open_fd(kernel, process, "/tmp/s", rights=wasi.RIGHT_FD_SEEK)
    teller = open_fd(kernel, process, "/tmp/s", rights=wasi.RIGHT_FD_TELL)
    assert call(kernel, process, "fd_tell", seeker) == (0, (0,))
    assert call(kernel, process, "fd_tell", teller) == (0, (0,))
    assert call(kernel, process, "fd_seek", teller, 0, wasi.WHENCE_CUR) == (0, (0,))
    assert call(kernel, process, "fd_seek", teller, 0, wasi.WHENCE_SET) == (wasi.ENOTCAPABLE, ())


def test_rights_can_be_dropped_but_not_regained(kernel: Kernel, process: Process, fd: int) -> None:
    read_only = wasi.RIGHT_FD_READ
    assert call(kernel, process, "fd_fdstat_set_rights", fd, read_only, 0) == (0, ())
    assert call(kernel, process, "fd_fdstat_get", fd) == (
        0, ((wasi.FILETYPE_REGULAR_FILE, 0, read_only, 0),))
    assert call(kernel, process, "fd_write", fd, b"x") == (wasi.ENOTCAPABLE, ())
    assert call(kernel, process, "fd_fdstat_set_rights", fd,
                read_only | wasi.RIGHT_FD_WRITE, 0) == (wasi.ENOTCAPABLE, ())
    assert call(kernel, process, "fd_fdstat_set_rights", fd, read_only, 1) == (
        wasi.ENOTCAPABLE, ())


# --- descriptor state ---
def test_fdstat_reports_type_flags_and_rights(kernel: Kernel, process: Process) -> None:
    appender = open_fd(kernel, process, "/tmp/a", fdflags=wasi.FDFLAGS_APPEND)
    all_rights = wasi.RIGHTS_ALL
    assert call(kernel, process, "fd_fdstat_get", appender) == (
        0, ((wasi.FILETYPE_REGULAR_FILE, wasi.FDFLAGS_APPEND, all_rights, all_rights),))
    assert call(kernel, process, "fd_fdstat_get", ROOT)[1][0][0] == wasi.FILETYPE_DIRECTORY
    assert call(kernel, process, "fd_fdstat_get", STDOUT)[1][0][0] == (
        wasi.FILETYPE_CHARACTER_DEVICE)


def test_a_terminal_reports_no_seek_rights_so_isatty_sees_a_terminal(
        kernel: Kernel, process: Process) -> None:
    no_seek = wasi.RIGHTS_ALL & ~(wasi.RIGHT_FD_SEEK | wasi.RIGHT_FD_TELL | wasi.RIGHT_FD_READ)
    assert call(kernel, process, "fd_fdstat_get", STDOUT) == (
        0, ((wasi.FILETYPE_CHARACTER_DEVICE, 0, no_seek, wasi.RIGHTS_ALL),))


def test_reported_rights_follow_the_open_mode(kernel: Kernel, process: Process) -> None:
    """wasi-libc's fcntl(F_GETFL) derives O_RDONLY / O_WRONLY from FD_READ / FD_WRITE."""
    assert call(kernel, process, "fd_fdstat_get", STDIN)[1][0][2] == (
        wasi.RIGHTS_ALL & ~wasi.RIGHT_FD_WRITE)
    assert call(kernel, process, "fd_fdstat_get", STDOUT)[1][0][2] & wasi.RIGHT_FD_WRITE


def test_a_stream_that_is_no_terminal_reports_wasmtimes_piped_stdio_type(
        kernel: Kernel, process: Process) -> None:
    """wasmtime reports UNKNOWN for stdio redirected to a file or pipe: isatty() false."""
    devfs = kernel.vfs.devfs
    assert devfs is not None
    captured = HostStream(devfs, devfs.allocate_ino(), lambda data: None, terminal=False)
    fd = process.fds.install(Descriptor(OpenFile(captured, readable=False, writable=True)))
    assert call(kernel, process, "fd_fdstat_get", fd)[1][0][0] == wasi.FILETYPE_UNKNOWN
    assert call(kernel, process, "fd_filestat_get", fd)[1][0][2] == wasi.FILETYPE_UNKNOWN
    assert call(kernel, process, "fd_write", fd, b"x") == (0, (1,))


def test_set_flags_changes_append_and_nonblock_only(kernel: Kernel, process: Process,
                                                    fd: int) -> None:
    assert call(kernel, process, "fd_fdstat_set_flags", fd, wasi.FDFLAGS_APPEND) == (0, ())
    call(kernel, process, "fd_write", fd, b"!")
    assert call(kernel, process, "fd_pread", fd, 100, 0) == (0, (b"hello world!", 12))
    assert call(kernel, process, "fd_fdstat_set_flags", fd, wasi.FDFLAGS_NONBLOCK) == (0, ())
    assert call(kernel, process, "fd_fdstat_get", fd)[1][0][1] == wasi.FDFLAGS_NONBLOCK
    for flags in (wasi.FDFLAGS_SYNC, wasi.FDFLAGS_DSYNC, wasi.FDFLAGS_RSYNC, 0x100):
        assert call(kernel, process, "fd_fdstat_set_flags", fd, flags) == (wasi.EINVAL, ())
    assert call(kernel, process, "fd_fdstat_set_flags", ROOT, 0) == (wasi.EBADF, ())


def test_set_flags_keeps_a_sync_flag_given_at_open(kernel: Kernel, process: Process) -> None:
    fd = open_fd(kernel, process, "/tmp/s", fdflags=wasi.FDFLAGS_SYNC)
    assert call(kernel, process, "fd_fdstat_set_flags", fd,
                wasi.FDFLAGS_SYNC | wasi.FDFLAGS_NONBLOCK) == (0, ())
    assert call(kernel, process, "fd_fdstat_set_flags", fd, 0) == (wasi.EINVAL, ())


def test_renumber_closes_the_target(kernel: Kernel, process: Process, fd: int) -> None:
    other = open_fd(kernel, process, "/tmp/other")
    inode = process.fds.get(other).file.inode
    assert isinstance(inode, RegularFile) and inode.open_count == 1
    assert call(kernel, process, "fd_renumber", fd, other) == (0, ())
    assert inode.open_count == 0
    assert call(kernel, process, "fd_read", other, 5) == (0, (b"hello", 5))


def test_renumber_errors(kernel: Kernel, process: Process, fd: int) -> None:
    assert call(kernel, process, "fd_renumber", fd, 50) == (wasi.EBADF, ())
    assert call(kernel, process, "fd_renumber", 50, fd) == (wasi.EBADF, ())
    assert call(kernel, process, "fd_renumber", fd, fd) == (0, ())
    assert call(kernel, process, "fd_read", fd, 5) == (0, (b"hello", 5))


def test_renumbered_preopen_stays_a_preopen(kernel: Kernel, process: Process, fd: int) -> None:
    assert call(kernel, process, "fd_renumber", ROOT, fd) == (0, ())
    assert call(kernel, process, "fd_prestat_get", fd) == (0, ((wasi.PREOPENTYPE_DIR, 1),))


def test_close_releases_the_last_reference(kernel: Kernel, process: Process, fd: int) -> None:
    inode = process.fds.get(fd).file.inode
    assert isinstance(inode, RegularFile) and inode.open_count == 1
    assert call(kernel, process, "fd_close", fd) == (0, ())
    assert inode.open_count == 0
    assert call(kernel, process, "fd_close", fd) == (wasi.EBADF, ())


def test_closing_the_preopen_is_allowed(kernel: Kernel, process: Process) -> None:
    assert call(kernel, process, "fd_close", ROOT) == (0, ())
    assert call(kernel, process, "fd_prestat_get", ROOT) == (wasi.EBADF, ())


# --- hints, space, durability ---
def test_advise(kernel: Kernel, process: Process, fd: int) -> None:
    assert call(kernel, process, "fd_advise", fd, 0, 10, wasi.ADVICE_WILLNEED) == (0, ())
    assert call(kernel, process, "fd_advise", fd, 0, 10, 6) == (wasi.EINVAL, ())
    assert call(kernel, process, "fd_advise", ROOT, 0, 10, wasi.ADVICE_NORMAL) == (wasi.EBADF, ())
    assert call(kernel, process, "fd_advise", STDOUT, 0, 0, wasi.ADVICE_NORMAL) == (
        wasi.EBADF, ())


def test_allocate_extends_the_file_as_posix_fallocate(kernel: Kernel, process: Process,
                                                      fd: int) -> None:
    """wasmtime answers ENOTSUP; posix_fallocate grows the file, never shrinks it."""
    assert call(kernel, process, "fd_allocate", fd, 10, 6) == (0, ())
    assert call(kernel, process, "fd_read", fd, 100) == (0, (b"hello world\0\0\0\0\0", 16))
    assert call(kernel, process, "fd_allocate", fd, 0, 4) == (0, ())
    assert call(kernel, process, "fd_filestat_get", fd)[1][0][4] == 16


def test_allocate_errors(kernel: Kernel, process: Process, fd: int) -> None:
    null = open_fd(kernel, process, "/dev/null", oflags=0)
    assert call(kernel, process, "fd_allocate", fd, 0, 0) == (wasi.EINVAL, ())
    assert call(kernel, process, "fd_allocate", ROOT, 0, 1) == (wasi.EBADF, ())
    assert call(kernel, process, "fd_allocate", STDOUT, 0, 1) == (wasi.ESPIPE, ())
    assert call(kernel, process, "fd_allocate", null, 0, 1) == (wasi.ENODEV, ())
    assert call(kernel, process, "fd_allocate", fd, 1 << 62, 1) == (wasi.EFBIG, ())
    assert call(kernel, process, "fd_fdstat_set_rights", fd,
                wasi.RIGHTS_ALL & ~wasi.RIGHT_FD_ALLOCATE, 0) == (0, ())
    assert call(kernel, process, "fd_allocate", fd, 0, 1) == (wasi.ENOTCAPABLE, ())


@pytest.mark.parametrize("name", ["fd_sync", "fd_datasync"])
def test_sync_reaches_the_inode(kernel: Kernel, process: Process, fd: int, name: str,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    synced = []
    for target in (fd, ROOT):
        inode = process.fds.get(target).file.inode
        monkeypatch.setattr(inode, "sync", lambda inode=inode: synced.append(inode))
        assert call(kernel, process, name, target) == (0, ())
    assert len(synced) == 2
    assert call(kernel, process, name, STDOUT) == (wasi.EBADF, ())


# --- metadata ---
def test_filestat_get(kernel: Kernel, process: Process, fd: int) -> None:
    errno, (stat,) = call(kernel, process, "fd_filestat_get", fd)
    assert errno == 0 and stat == process.fds.get(fd).file.inode.stat()
    assert stat[2] == wasi.FILETYPE_REGULAR_FILE and stat[4] == 11


def test_set_size_truncates_and_extends(kernel: Kernel, process: Process, fd: int) -> None:
    assert call(kernel, process, "fd_filestat_set_size", fd, 5) == (0, ())
    assert call(kernel, process, "fd_read", fd, 100) == (0, (b"hello", 5))
    assert call(kernel, process, "fd_filestat_set_size", fd, 7) == (0, ())
    assert call(kernel, process, "fd_pread", fd, 100, 0) == (0, (b"hello\0\0", 7))


def test_set_size_errors(kernel: Kernel, process: Process) -> None:
    reader = open_fd(kernel, process, "/tmp/file", writable=False)
    assert call(kernel, process, "fd_filestat_set_size", reader, 0) == (wasi.EINVAL, ())
    assert call(kernel, process, "fd_filestat_set_size", ROOT, 0) == (wasi.EBADF, ())
    assert call(kernel, process, "fd_filestat_set_size", STDOUT, 0) == (wasi.EBADF, ())


def test_set_times_explicit_and_now(kernel: Kernel, process: Process, fd: int) -> None:
    inode = process.fds.get(fd).file.inode
    flags = wasi.FSTFLAGS_ATIM | wasi.FSTFLAGS_MTIM
    assert call(kernel, process, "fd_filestat_set_times", fd, 1000, 2000, flags) == (0, ())
    assert (inode.atim, inode.mtim) == (1000, 2000)
    assert isinstance(kernel.host, MemoryHost)
    kernel.host.advance(5)
    assert call(kernel, process, "fd_filestat_set_times", fd, 0, 0, wasi.FSTFLAGS_MTIM_NOW) == (
        0, ())
    assert (inode.atim, inode.mtim) == (1000, kernel.host.realtime_ns())


@pytest.mark.parametrize("flags", [wasi.FSTFLAGS_ATIM | wasi.FSTFLAGS_ATIM_NOW,
                                   wasi.FSTFLAGS_MTIM | wasi.FSTFLAGS_MTIM_NOW, 0x10])
def test_set_times_rejects_contradictory_flags(kernel: Kernel, process: Process, fd: int,
                                               flags: int) -> None:
    assert call(kernel, process, "fd_filestat_set_times", fd, 1, 1, flags) == (wasi.EINVAL, ())


# --- preopens ---
def test_prestat_of_the_root_preopen(kernel: Kernel, process: Process, fd: int) -> None:
    assert call(kernel, process, "fd_prestat_get", ROOT) == (0, ((wasi.PREOPENTYPE_DIR, 1),))
    assert call(kernel, process, "fd_prestat_dir_name", ROOT, 1) == (0, (b"/",))
    assert call(kernel, process, "fd_prestat_dir_name", ROOT, 8) == (0, (b"/",))


def test_prestat_errors(kernel: Kernel, process: Process, fd: int) -> None:
    assert call(kernel, process, "fd_prestat_get", fd) == (wasi.EBADF, ())
    assert call(kernel, process, "fd_prestat_get", STDIN) == (wasi.EBADF, ())
    assert call(kernel, process, "fd_prestat_dir_name", ROOT, 0) == (wasi.ENAMETOOLONG, ())
    assert call(kernel, process, "fd_prestat_dir_name", fd, 8) == (wasi.ENOTDIR, ())


# --- every fd call on a closed descriptor ---
@pytest.mark.parametrize("name,args", [
    ("fd_read", (1,)), ("fd_write", (b"x",)), ("fd_pread", (1, 0)), ("fd_pwrite", (b"x", 0)),
    ("fd_seek", (0, 0)), ("fd_tell", ()), ("fd_advise", (0, 0, 0)), ("fd_allocate", (0, 1)),
    ("fd_close", ()), ("fd_datasync", ()), ("fd_sync", ()), ("fd_fdstat_get", ()),
    ("fd_fdstat_set_flags", (0,)), ("fd_fdstat_set_rights", (0, 0)), ("fd_filestat_get", ()),
    ("fd_filestat_set_size", (0,)), ("fd_filestat_set_times", (0, 0, 0)),
    ("fd_prestat_get", ()), ("fd_prestat_dir_name", (8,)), ("fd_renumber", (0,)),
    ("sock_accept", (0,)), ("sock_recv", (8, 0)), ("sock_send", (b"x", 0)),
    ("sock_shutdown", (wasi.SDFLAGS_RD,)),
])
def test_closed_descriptor_is_ebadf(kernel: Kernel, process: Process, name: str,
                                    args: tuple[object, ...]) -> None:
    assert call(kernel, process, name, 77, *args) == (wasi.EBADF, ())


# --- sockets: none yet, so every file answers ENOTSOCK ---
@pytest.mark.parametrize("name,args", [("sock_accept", (0,)), ("sock_recv", (8, 0)),
                                       ("sock_send", (b"x", 0)),
                                       ("sock_shutdown", (wasi.SDFLAGS_WR,))])
def test_socket_calls_on_a_file_are_enotsock(kernel: Kernel, process: Process, fd: int,
                                             name: str, args: tuple[object, ...]) -> None:
    assert call(kernel, process, name, fd, *args) == (wasi.ENOTSOCK, ())


@pytest.mark.parametrize("name,args", [("sock_accept", (0,)), ("sock_recv", (8, 0)),
                                       ("sock_send", (b"x", 0)),
                                       ("sock_shutdown", (wasi.SDFLAGS_WR,))])
def test_socket_calls_check_the_type_before_the_rights(
        kernel: Kernel, process: Process, name: str, args: tuple[object, ...]) -> None:
    no_rights = open_fd(kernel, process, "/tmp/f", rights=0)
    assert call(kernel, process, name, no_rights, *args) == (wasi.ENOTSOCK, ())
    assert call(kernel, process, name, ROOT, *args) == (wasi.ENOTSOCK, ())


@pytest.mark.parametrize("name,args", [("sock_accept", (1,)), ("sock_recv", (8, 4)),
                                       ("sock_send", (b"x", 1)), ("sock_shutdown", (4,))])
def test_socket_calls_reject_unknown_flags(kernel: Kernel, process: Process, fd: int,
                                           name: str, args: tuple[object, ...]) -> None:
    assert call(kernel, process, name, fd, *args) == (wasi.EINVAL, ())
