"""AF_UNIX stream sockets through their syscalls: pairs, names in the VFS, listen/
connect/accept, end of file and errors at either end, SCM_RIGHTS, options and poll."""

from __future__ import annotations

import struct
from collections.abc import Callable

import pytest
from ipc_calls import Pending, call, ok
from wasmux import signals
from wasmux.abi import wasi
from wasmux.fdtable import Descriptor
from wasmux.fs.persistent import PersistentFS
from wasmux.fs.storage import MemoryStorage
from wasmux.fs.tmpfs import SocketNode
from wasmux.kernel import Kernel
from wasmux.proc import ZOMBIE, Process
from wasmux.sockets import SOCKET_BUFFER
from wasmux.syscalls.socket import (
    AF_INET,
    AF_UNIX,
    MSG_CMSG_CLOEXEC,
    MSG_CTRUNC,
    MSG_DONTWAIT,
    MSG_NOSIGNAL,
    MSG_PEEK,
    MSG_WAITALL,
    SO_ERROR,
    SO_RCVBUF,
    SO_TYPE,
    SOCK_CLOEXEC,
    SOCK_DGRAM,
    SOCK_NONBLOCK,
    SOCK_STREAM,
    SOL_SOCKET,
)

FD_READ = wasi.EVENTTYPE_FD_READ


def pair(kernel: Kernel, process: Process, kind: int = SOCK_STREAM) -> tuple[int, int]:
    first, second = ok(kernel, process, "socketpair", AF_UNIX, kind, 0)
    return first, second


def send(kernel: Kernel, process: Process, fd: int, data: bytes, fds: tuple[int, ...] = (),
         flags: int = 0) -> tuple[int, tuple[int, ...]]:
    return call(kernel, process, "sendmsg", fd, data, struct.pack(f"<{len(fds)}I", *fds), flags)


def receive(kernel: Kernel, process: Process, fd: int, size: int = 100, fds_room: int = 0,
            flags: int = 0) -> tuple[bytes, list[int], int]:
    data, length, packed, count, msg_flags = ok(kernel, process, "recvmsg", fd, size,
                                                4 * fds_room, flags)
    assert length == len(data)
    return data, list(struct.unpack(f"<{count}I", packed)), msg_flags


def listening(kernel: Kernel, process: Process, path: str = "/tmp/server") -> int:
    fd = ok(kernel, process, "socket", AF_UNIX, SOCK_STREAM, 0)[0]
    ok(kernel, process, "bind", fd, path)
    ok(kernel, process, "listen", fd, 4)
    return fd


def connected(kernel: Kernel, process: Process, path: str = "/tmp/server") -> int:
    fd = ok(kernel, process, "socket", AF_UNIX, SOCK_STREAM, 0)[0]
    ok(kernel, process, "connect", fd, path)
    return fd


def ignore_sigpipe(kernel: Kernel, process: Process) -> None:
    ok(kernel, process, "sigaction", signals.SIGPIPE, 1, signals.IGNORE, 0, 0)


def test_socketpair_carries_bytes_both_ways(kernel: Kernel, process: Process) -> None:
    a, b = pair(kernel, process)
    assert send(kernel, process, a, b"ping") == (0, (4,))
    assert receive(kernel, process, b) == (b"ping", [], 0)
    assert ok(kernel, process, "fd_write", b, b"pong") == (4,)
    assert ok(kernel, process, "fd_read", a, 10) == (b"pong", 4)
    assert ok(kernel, process, "sock_send", a, b"wasi", 0) == (4,)
    assert ok(kernel, process, "sock_recv", b, 10, 0) == (b"wasi", 4, 0)
    assert ok(kernel, process, "fd_filestat_get", a)[0][2] == wasi.FILETYPE_SOCKET_STREAM


def test_other_families_and_types_are_refused(kernel: Kernel, process: Process) -> None:
    assert call(kernel, process, "socket", AF_INET, SOCK_STREAM, 0)[0] == wasi.EAFNOSUPPORT
    assert call(kernel, process, "socket", AF_UNIX, SOCK_DGRAM, 0)[0] == wasi.EPROTONOSUPPORT
    assert call(kernel, process, "socketpair", AF_UNIX, SOCK_DGRAM, 0)[0] == wasi.EPROTONOSUPPORT
    assert call(kernel, process, "socket", AF_UNIX, SOCK_STREAM, 17)[0] == wasi.EPROTONOSUPPORT


def test_socket_type_flags(kernel: Kernel, process: Process) -> None:
    fd = ok(kernel, process, "socket", AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)[0]
    assert process.fds.get(fd).cloexec
    assert ok(kernel, process, "fd_fdstat_get", fd)[0][1] == wasi.FDFLAGS_NONBLOCK


def test_recv_parks_until_the_peer_sends(kernel: Kernel, process: Process) -> None:
    a, b = pair(kernel, process)
    pending = Pending(kernel, process, "recvmsg", b, 10, 0, 0)
    assert pending.parked
    send(kernel, process, a, b"late")
    assert pending.result == (0, (b"late", 4, b"", 0, 0))


def test_nonblocking_and_dontwait_answer_eagain(kernel: Kernel, process: Process) -> None:
    a, b = pair(kernel, process)
    assert call(kernel, process, "recvmsg", b, 10, 0, MSG_DONTWAIT) == (wasi.EAGAIN, ())
    ok(kernel, process, "fd_fdstat_set_flags", b, wasi.FDFLAGS_NONBLOCK)
    assert call(kernel, process, "sock_recv", b, 10, 0) == (wasi.EAGAIN, ())
    assert call(kernel, process, "fd_read", b, 10) == (wasi.EAGAIN, ())
    assert send(kernel, process, a, bytes(SOCKET_BUFFER + 10)) == (0, (SOCKET_BUFFER,))
    assert send(kernel, process, a, b"x", flags=MSG_DONTWAIT) == (wasi.EAGAIN, ())


def test_peek_and_waitall(kernel: Kernel, process: Process) -> None:
    a, b = pair(kernel, process)
    send(kernel, process, a, b"abc")
    assert receive(kernel, process, b, 2, flags=MSG_PEEK)[0] == b"ab"
    pending = Pending(kernel, process, "recvmsg", b, 5, 0, MSG_WAITALL)
    assert pending.parked
    send(kernel, process, a, b"de")
    assert pending.result[1][0] == b"abcde"


def test_eof_after_shutdown_wr_and_send_after_it_is_epipe(kernel: Kernel,
                                                          process: Process) -> None:
    ignore_sigpipe(kernel, process)
    a, b = pair(kernel, process)
    send(kernel, process, a, b"last")
    ok(kernel, process, "sock_shutdown", a, wasi.SDFLAGS_WR)
    assert receive(kernel, process, b) == (b"last", [], 0)
    assert receive(kernel, process, b) == (b"", [], 0)
    assert send(kernel, process, a, b"more")[0] == wasi.EPIPE
    assert send(kernel, process, b, b"other way") == (0, (9,))  # still open that way
    assert receive(kernel, process, a)[0] == b"other way"


def test_shutdown_rd_makes_the_peer_send_epipe(kernel: Kernel, process: Process) -> None:
    ignore_sigpipe(kernel, process)
    a, b = pair(kernel, process)
    ok(kernel, process, "sock_shutdown", b, wasi.SDFLAGS_RD)
    assert send(kernel, process, a, b"x")[0] == wasi.EPIPE
    assert receive(kernel, process, b) == (b"", [], 0)


def test_send_to_a_closed_peer_is_epipe_with_sigpipe(kernel: Kernel, process: Process) -> None:
    a, b = pair(kernel, process)
    ok(kernel, process, "fd_close", b)
    assert send(kernel, process, a, b"x", flags=MSG_NOSIGNAL)[0] == wasi.EPIPE
    assert process.state != ZOMBIE
    assert send(kernel, process, a, b"x")[0] == wasi.EPIPE
    assert process.exit_signal == signals.SIGPIPE


def test_sock_send_to_a_closed_peer_sends_sigpipe(kernel: Kernel, process: Process) -> None:
    a, b = pair(kernel, process)
    ok(kernel, process, "fd_close", b)
    assert call(kernel, process, "sock_send", a, b"x", 0)[0] == wasi.EPIPE
    assert process.exit_signal == signals.SIGPIPE


def test_close_with_unread_data_resets_the_peer(kernel: Kernel, process: Process) -> None:
    a, b = pair(kernel, process)
    send(kernel, process, b, b"queued for a")
    send(kernel, process, a, b"unread by b")
    ok(kernel, process, "fd_close", b)
    assert receive(kernel, process, a)[0] == b"queued for a"
    assert call(kernel, process, "recvmsg", a, 10, 0, 0) == (wasi.ECONNRESET, ())
    assert receive(kernel, process, a) == (b"", [], 0)


def test_unsupported_flags(kernel: Kernel, process: Process) -> None:
    a, _ = pair(kernel, process)
    assert send(kernel, process, a, b"x", flags=0x1)[0] == wasi.ENOTSUP  # MSG_OOB
    assert call(kernel, process, "recvmsg", a, 10, 0, 0x1000)[0] == wasi.EINVAL


def test_calls_on_files_that_are_not_sockets(kernel: Kernel, process: Process) -> None:
    assert call(kernel, process, "listen", 1, 5) == (wasi.ENOTSOCK, ())
    assert call(kernel, process, "recvmsg", 99, 10, 0, 0) == (wasi.EBADF, ())


# --- names, listen, connect, accept ---
def test_server_and_client_over_a_path(kernel: Kernel, process: Process,
                                       spawn: Callable[..., Process]) -> None:
    server = listening(kernel, process)
    assert ok(kernel, process, "path_filestat_get", 3, 0, "tmp/server")[0][2] == (
        wasi.FILETYPE_SOCKET_STREAM)
    client_process = spawn()
    client = connected(kernel, client_process)  # completes before accept
    newfd, address, length = ok(kernel, process, "accept4", server, 0, 108)
    assert (address, length) == (b"", 0)  # the client has no name
    send(kernel, client_process, client, b"request")
    assert receive(kernel, process, newfd)[0] == b"request"
    send(kernel, process, newfd, b"reply")
    assert receive(kernel, client_process, client)[0] == b"reply"
    assert ok(kernel, process, "getsockname", newfd, 108) == (b"/tmp/server", 11)
    assert ok(kernel, client_process, "getpeername", client, 108) == (b"/tmp/server", 11)
    assert ok(kernel, client_process, "getsockname", client, 108) == (b"", 0)
    assert ok(kernel, process, "getpeername", newfd, 108) == (b"", 0)


def test_accept_parks_until_a_client_connects(kernel: Kernel, process: Process,
                                              spawn: Callable[..., Process]) -> None:
    server = listening(kernel, process)
    pending = Pending(kernel, process, "accept4", server, SOCK_CLOEXEC, 108)
    assert pending.parked
    connected(kernel, spawn())
    errno, (newfd, _, _) = pending.result
    assert errno == 0 and process.fds.get(newfd).cloexec


def test_nonblocking_accept_is_eagain(kernel: Kernel, process: Process) -> None:
    server = listening(kernel, process)
    ok(kernel, process, "fd_fdstat_set_flags", server, wasi.FDFLAGS_NONBLOCK)
    assert call(kernel, process, "accept4", server, 0, 108) == (wasi.EAGAIN, ())
    assert call(kernel, process, "sock_accept", server, 0) == (wasi.EAGAIN, ())


def test_wasi_sock_accept(kernel: Kernel, process: Process) -> None:
    server = listening(kernel, process)
    client = connected(kernel, process)
    newfd = ok(kernel, process, "sock_accept", server, wasi.FDFLAGS_NONBLOCK)[0]
    send(kernel, process, client, b"hi")
    assert ok(kernel, process, "fd_read", newfd, 10) == (b"hi", 2)
    assert call(kernel, process, "fd_read", newfd, 10) == (wasi.EAGAIN, ())


def test_connect_errors(kernel: Kernel, process: Process) -> None:
    fd = ok(kernel, process, "socket", AF_UNIX, SOCK_STREAM, 0)[0]
    assert call(kernel, process, "connect", fd, "/tmp/nothing") == (wasi.ENOENT, ())
    ok(kernel, process, "path_create_directory", 3, "tmp/dir")
    assert call(kernel, process, "connect", fd, "/tmp/dir") == (wasi.ECONNREFUSED, ())
    bound = ok(kernel, process, "socket", AF_UNIX, SOCK_STREAM, 0)[0]
    ok(kernel, process, "bind", bound, "/tmp/quiet")
    assert call(kernel, process, "connect", fd, "/tmp/quiet") == (wasi.ECONNREFUSED, ())
    a, _ = pair(kernel, process)
    assert call(kernel, process, "connect", a, "/tmp/quiet") == (wasi.EISCONN, ())
    assert call(kernel, process, "recvmsg", fd, 10, 0, 0) == (wasi.ENOTCONN, ())
    assert call(kernel, process, "sock_shutdown", fd, wasi.SDFLAGS_WR) == (wasi.ENOTCONN, ())
    assert call(kernel, process, "getpeername", fd, 108) == (wasi.ENOTCONN, ())


def test_bind_errors(kernel: Kernel, process: Process) -> None:
    fd = ok(kernel, process, "socket", AF_UNIX, SOCK_STREAM, 0)[0]
    ok(kernel, process, "bind", fd, "/tmp/s")
    other = ok(kernel, process, "socket", AF_UNIX, SOCK_STREAM, 0)[0]
    assert call(kernel, process, "bind", other, "/tmp/s") == (wasi.EADDRINUSE, ())
    assert call(kernel, process, "bind", fd, "/tmp/t") == (wasi.EINVAL, ())
    assert call(kernel, process, "bind", other, "/tmp/no/such") == (wasi.ENOENT, ())
    assert call(kernel, process, "listen", other, 1) == (wasi.EINVAL, ())  # unbound


def test_relative_path_resolves_from_the_working_directory(kernel: Kernel,
                                                           process: Process) -> None:
    ok(kernel, process, "chdir", "/tmp")
    server = listening(kernel, process, "here")
    client = connected(kernel, process, "/tmp/here")
    assert ok(kernel, process, "accept4", server, 0, 108)[0] > client


def test_closed_listener_leaves_a_stale_name(kernel: Kernel, process: Process) -> None:
    server = listening(kernel, process)
    waiting = connected(kernel, process)
    ok(kernel, process, "fd_close", server)
    assert receive(kernel, process, waiting) == (b"", [], 0)  # never accepted: closed
    fd = ok(kernel, process, "socket", AF_UNIX, SOCK_STREAM, 0)[0]
    assert call(kernel, process, "connect", fd, "/tmp/server") == (wasi.ECONNREFUSED, ())
    ok(kernel, process, "path_unlink_file", 3, "tmp/server")
    listening(kernel, process)  # the name is free again


def test_opening_a_socket_name_is_enxio(kernel: Kernel, process: Process) -> None:
    listening(kernel, process)
    assert call(kernel, process, "path_open", 3, 0, "tmp/server", 0, wasi.RIGHTS_ALL,
                wasi.RIGHTS_ALL, 0) == (wasi.ENXIO, ())


def test_backlog_full_parks_connect(kernel: Kernel, process: Process,
                                    spawn: Callable[..., Process]) -> None:
    server = ok(kernel, process, "socket", AF_UNIX, SOCK_STREAM, 0)[0]
    ok(kernel, process, "bind", server, "/tmp/one")
    ok(kernel, process, "listen", server, 1)
    connected(kernel, process, "/tmp/one")
    client = spawn()
    late = ok(kernel, client, "socket", AF_UNIX, SOCK_STREAM, 0)[0]
    pending = Pending(kernel, client, "connect", late, "/tmp/one")
    assert pending.parked
    ok(kernel, process, "accept4", server, 0, 0)
    assert pending.result == (0, ())


def test_socket_names_work_on_every_filesystem(fs_kernel: Kernel, fs_process: Process) -> None:
    server = listening(fs_kernel, fs_process, "/sock")
    assert ok(fs_kernel, fs_process, "path_filestat_get", 3, 0, "sock")[0][2] == (
        wasi.FILETYPE_SOCKET_STREAM)
    client = connected(fs_kernel, fs_process, "/sock")
    assert ok(fs_kernel, fs_process, "accept4", server, 0, 0)[0] > client


def test_a_socket_name_survives_a_remount_as_a_stale_name() -> None:
    storage = MemoryStorage()
    filesystem = PersistentFS(1, lambda: 0, storage)
    filesystem.root.create_socket("sock", 0o755)
    filesystem.unmount()
    remounted = PersistentFS(1, lambda: 0, storage).root.lookup("sock")
    assert isinstance(remounted, SocketNode) and remounted.bound is None
    assert remounted.mode == 0o755


# --- SCM_RIGHTS ---
def test_descriptor_passing_over_a_socketpair(kernel: Kernel, process: Process,
                                              spawn: Callable[..., Process]) -> None:
    a, b = pair(kernel, process)
    receiver = spawn()
    receiver_b = receiver.fds.install(Descriptor(process.fds.get(b).file.ref()))
    read_fd, write_fd = ok(kernel, process, "pipe2", 0)
    assert send(kernel, process, a, b"take this", (write_fd,)) == (0, (9,))
    ok(kernel, process, "fd_close", write_fd)  # in flight: the pipe stays open
    data, fds, flags = receive(kernel, receiver, receiver_b, 100, fds_room=4)
    assert (data, len(fds), flags) == (b"take this", 1, 0)
    ok(kernel, receiver, "fd_write", fds[0], b"through the passed fd")
    assert ok(kernel, process, "fd_read", read_fd, 100)[0] == b"through the passed fd"
    ok(kernel, receiver, "fd_close", fds[0])
    assert ok(kernel, process, "fd_read", read_fd, 100) == (b"", 0)


def test_receive_stops_at_the_next_message_with_descriptors(kernel: Kernel,
                                                            process: Process) -> None:
    a, b = pair(kernel, process)
    send(kernel, process, a, b"plain ")
    send(kernel, process, a, b"first", (1,))
    send(kernel, process, a, b"second", (2,))
    assert receive(kernel, process, b, 100, fds_room=4)[:2] == (b"plain ", [])
    data, fds, _ = receive(kernel, process, b, 100, fds_room=4)
    assert data == b"first" and len(fds) == 1
    data, fds, _ = receive(kernel, process, b, 100, fds_room=4, flags=MSG_CMSG_CLOEXEC)
    assert data == b"second" and process.fds.get(fds[0]).cloexec


def test_descriptors_beyond_the_room_are_closed_with_ctrunc(kernel: Kernel,
                                                            process: Process) -> None:
    a, b = pair(kernel, process)
    read_fd, write_fd = ok(kernel, process, "pipe2", 0)
    send(kernel, process, a, b"x", (write_fd, write_fd))
    ok(kernel, process, "fd_close", write_fd)
    data, fds, flags = receive(kernel, process, b, 10, fds_room=1)
    assert (data, len(fds), flags) == (b"x", 1, MSG_CTRUNC)
    ok(kernel, process, "fd_close", fds[0])
    assert ok(kernel, process, "fd_read", read_fd, 10) == (b"", 0)  # both copies gone


def test_descriptors_need_data_and_must_be_open(kernel: Kernel, process: Process) -> None:
    a, _ = pair(kernel, process)
    assert send(kernel, process, a, b"", (1,))[0] == wasi.EINVAL
    assert send(kernel, process, a, b"x", (99,))[0] == wasi.EBADF


def test_descriptors_in_flight_are_released_with_the_socket(kernel: Kernel,
                                                            process: Process) -> None:
    a, b = pair(kernel, process)
    read_fd, write_fd = ok(kernel, process, "pipe2", 0)
    send(kernel, process, a, b"x", (write_fd,))
    ok(kernel, process, "fd_close", write_fd)
    ok(kernel, process, "fd_close", b)
    assert ok(kernel, process, "fd_read", read_fd, 10) == (b"", 0)


def test_plain_read_drops_passed_descriptors(kernel: Kernel, process: Process) -> None:
    a, b = pair(kernel, process)
    before = len(process.fds.entries)
    send(kernel, process, a, b"x", (1,))
    assert ok(kernel, process, "fd_read", b, 10) == (b"x", 1)
    assert len(process.fds.entries) == before


# --- options and poll ---
def test_socket_options(kernel: Kernel, process: Process) -> None:
    a, b = pair(kernel, process)

    def get(name: int) -> int:
        value, used = ok(kernel, process, "getsockopt", a, SOL_SOCKET, name, 4)
        assert used == 4
        return int(struct.unpack("<i", value)[0])
    assert get(SO_TYPE) == SOCK_STREAM
    assert get(SO_ERROR) == 0
    assert get(SO_RCVBUF) == SOCKET_BUFFER
    ok(kernel, process, "setsockopt", a, SOL_SOCKET, SO_RCVBUF, struct.pack("<i", 8192))
    assert get(SO_RCVBUF) == 8192
    assert send(kernel, process, b, bytes(10000)) == (0, (8192,))
    assert call(kernel, process, "getsockopt", a, SOL_SOCKET, 12345, 4)[0] == wasi.ENOPROTOOPT
    assert call(kernel, process, "setsockopt", a, 6, 1, b"\0" * 4)[0] == wasi.ENOPROTOOPT


def test_so_error_reports_a_reset_once(kernel: Kernel, process: Process) -> None:
    a, b = pair(kernel, process)
    send(kernel, process, a, b"unread")
    ok(kernel, process, "fd_close", b)
    value = ok(kernel, process, "getsockopt", a, SOL_SOCKET, SO_ERROR, 4)[0]
    assert struct.unpack("<i", value)[0] == wasi.ECONNRESET
    assert receive(kernel, process, a) == (b"", [], 0)


@pytest.mark.parametrize("event", ["data", "connection"])
def test_poll_wakes_on_data_and_connections(kernel: Kernel, process: Process,
                                            spawn: Callable[..., Process], event: str) -> None:
    other = spawn()
    if event == "data":
        a, watched = pair(kernel, process)
    else:
        watched = listening(kernel, process)
    pending = Pending(kernel, process, "poll_oneoff", [(5, FD_READ, watched, 0, 0, 0)])
    assert pending.parked
    if event == "data":
        send(kernel, process, a, b"wake")
    else:
        connected(kernel, other)
    errno, (events, count) = pending.result
    assert errno == 0 and count == 1 and events[0][:3] == (5, 0, FD_READ)
