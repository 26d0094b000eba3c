"""AF_UNIX socket calls: socket, socketpair, bind, listen, accept4, connect, sendmsg,
recvmsg, getsockname, getpeername, getsockopt and setsockopt (the `wasmux` module).

Layer: syscall handlers; call sockets.py for the socket state, the VFS for socket
names, and fdtable. Constants are wasi-libc's, as a program passes them through
libwasmux (rootfs-build/libwasmux/src/socket.c): AF_UNIX 3, SOCK_STREAM 6 with
SOCK_NONBLOCK 0x4000 and SOCK_CLOEXEC 0x2000, SOL_SOCKET 0x7fffffff with Linux's SO_*
numbers, MSG_PEEK 1 and MSG_WAITALL 2 (WASI's riflags), and Linux's MSG_DONTWAIT,
MSG_NOSIGNAL, MSG_CMSG_CLOEXEC and MSG_CTRUNC. Addresses are socket paths, resolved
from the caller's working directory. Descriptors passed with SCM_RIGHTS travel as
arrays of little-endian u32. AF_INET/AF_INET6 and datagram sockets are refused with
EAFNOSUPPORT / EPROTONOSUPPORT. shutdown is WASI's sock_shutdown (syscalls/sock.py).
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from ..abi import wasi
from ..errors import KernelError
from ..fdtable import Descriptor
from ..file import Inode, OpenFile
from ..sockets import LISTENING, UnixSocket, new_socket, socket_pair
from . import wasmux_syscall
from .fd import broken_pipe, descriptor

if TYPE_CHECKING:
    from ..kernel import Kernel
    from ..proc import Process

AF_INET, AF_INET6, AF_UNIX = 1, 2, 3
SOCK_DGRAM, SOCK_STREAM = wasi.FILETYPE_SOCKET_DGRAM, wasi.FILETYPE_SOCKET_STREAM
SOCK_NONBLOCK, SOCK_CLOEXEC = 0x4000, 0x2000
SOL_SOCKET = 0x7FFFFFFF
SO_REUSEADDR, SO_TYPE, SO_ERROR, SO_SNDBUF, SO_RCVBUF, SO_KEEPALIVE = 2, 3, 4, 7, 8, 9
SO_ACCEPTCONN, SO_DOMAIN = 30, 39
MSG_PEEK, MSG_WAITALL = wasi.RIFLAGS_RECV_PEEK, wasi.RIFLAGS_RECV_WAITALL
MSG_CTRUNC, MSG_DONTWAIT, MSG_NOSIGNAL, MSG_CMSG_CLOEXEC = 0x8, 0x40, 0x4000, 0x40000000
SEND_FLAGS = MSG_DONTWAIT | MSG_NOSIGNAL
RECEIVE_FLAGS = MSG_PEEK | MSG_WAITALL | MSG_DONTWAIT | MSG_CMSG_CLOEXEC


def _socket_file(process: Process, fd: int) -> tuple[OpenFile, UnixSocket]:
    """fd's open file and socket: EBADF if closed, ENOTSOCK for any other file."""
    file = process.fds.get(fd).file
    inode = file.inode
    if not isinstance(inode, UnixSocket):
        raise KernelError(wasi.ENOTSOCK)
    return file, inode


def _type_flags(domain: int, kind: int, protocol: int) -> tuple[int, bool]:
    """(FDFLAGS, close-on-exec) for a new socket; the errors socket() gives."""
    if domain != AF_UNIX:
        if domain in (AF_INET, AF_INET6):
            raise KernelError(wasi.EAFNOSUPPORT, "only AF_UNIX sockets exist (no network)")
        raise KernelError(wasi.EAFNOSUPPORT, f"address family {domain} is not supported")
    base = kind & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)
    if base != SOCK_STREAM:
        raise KernelError(wasi.EPROTONOSUPPORT, "only SOCK_STREAM sockets are supported")
    if protocol not in (0, AF_UNIX):
        raise KernelError(wasi.EPROTONOSUPPORT, f"protocol {protocol} is not supported")
    return (wasi.FDFLAGS_NONBLOCK if kind & SOCK_NONBLOCK else 0, bool(kind & SOCK_CLOEXEC))


def _install(process: Process, file: OpenFile, cloexec: bool) -> int:
    return process.fds.install(Descriptor(file, cloexec=cloexec))


def _start(kernel: Kernel, process: Process, path: str) -> Inode:
    """The directory a socket path is resolved from: the working directory."""
    vfs = kernel.vfs
    return vfs.root if path.startswith("/") else vfs.resolve(process, vfs.root, process.cwd)


@wasmux_syscall("socket")
def socket(kernel: Kernel, process: Process, domain: int, kind: int,
           protocol: int) -> tuple[int]:
    flags, cloexec = _type_flags(domain, kind, protocol)
    return (_install(process, new_socket(kernel.sockfs, flags), cloexec),)


@wasmux_syscall("socketpair")
def socketpair(kernel: Kernel, process: Process, domain: int, kind: int,
               protocol: int) -> tuple[int, int]:
    flags, cloexec = _type_flags(domain, kind, protocol)
    first, second = socket_pair(kernel.sockfs, flags)
    try:
        first_fd = _install(process, first, cloexec)
    except KernelError:
        second.unref()
        raise
    try:
        return (first_fd, _install(process, second, cloexec))
    except KernelError:
        process.fds.close(first_fd)
        raise


@wasmux_syscall("bind")
def bind(kernel: Kernel, process: Process, fd: int, path: str) -> tuple[()]:
    """Create the socket's name at `path`: EADDRINUSE if anything is there (a symlink
    is not followed), EINVAL if the socket is already bound."""
    _, sock = _socket_file(process, fd)
    sock.check_unbound()
    found = kernel.vfs.lookup(process, _start(kernel, process, path), path, follow=False)
    if found.inode is not None or found.name in (".", ".."):
        raise KernelError(wasi.EADDRINUSE, f"{path} exists")
    if found.trailing_slash:
        raise KernelError(wasi.ENOENT, "a socket name cannot end with /")
    sock.bind(found.parent.create_socket(found.name, 0o777 & ~process.umask), path)
    return ()


@wasmux_syscall("listen")
def listen(kernel: Kernel, process: Process, fd: int, backlog: int) -> tuple[()]:
    _socket_file(process, fd)[1].listen(backlog)
    return ()


@wasmux_syscall("connect")
def connect(kernel: Kernel, process: Process, fd: int, path: str) -> tuple[()]:
    """ENOENT if nothing is at `path`; ECONNREFUSED if it is not a socket somebody
    listens on."""
    file, sock = _socket_file(process, fd)
    node = kernel.vfs.resolve(process, _start(kernel, process, path), path)
    bound = getattr(node, "bound", None) if node.filetype == wasi.FILETYPE_SOCKET_STREAM else None
    sock.connect(file, bound if isinstance(bound, UnixSocket) else None)
    return ()


@wasmux_syscall("accept4")
def accept4(kernel: Kernel, process: Process, fd: int, flags: int,
            address_len: int) -> tuple[int, bytes, int]:
    """The new connection's fd and the peer's address (its bound path, usually empty);
    flags: SOCK_NONBLOCK, SOCK_CLOEXEC."""
    if flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC):
        raise KernelError(wasi.EINVAL, "accept4 takes SOCK_NONBLOCK and SOCK_CLOEXEC")
    file, sock = _socket_file(process, fd)
    connection = sock.accept(file, wasi.FDFLAGS_NONBLOCK if flags & SOCK_NONBLOCK else 0)
    assert isinstance(connection.inode, UnixSocket)
    address = connection.inode.peer.name.encode() if connection.inode.peer else b""
    return (_install(process, connection, bool(flags & SOCK_CLOEXEC)), address, len(address))


@wasmux_syscall("sendmsg")
def sendmsg(kernel: Kernel, process: Process, fd: int, data: bytes, fds: bytes,
            flags: int) -> tuple[int]:
    """Send data with the descriptors listed in `fds` (SCM_RIGHTS); EINVAL for
    descriptors without data. EPIPE brings SIGPIPE unless MSG_NOSIGNAL."""
    if flags & ~SEND_FLAGS:
        raise KernelError(wasi.ENOTSUP, f"send flags {flags & ~SEND_FLAGS:#x} are not supported")
    if len(fds) % 4:
        raise KernelError(wasi.EINVAL, "descriptor array of partial entries")
    file, sock = _socket_file(process, fd)
    descriptor(process, fd, wasi.RIGHT_FD_WRITE)
    numbers = struct.unpack(f"<{len(fds) // 4}I", fds)
    if numbers and not data:
        raise KernelError(wasi.EINVAL, "descriptors need at least one byte of data")
    passed = [process.fds.get(number) for number in numbers]
    files = [Descriptor(entry.file.ref(), entry.rights_base, entry.rights_inheriting)
             for entry in passed]
    try:
        sent = sock.send(file, data, files, dontwait=bool(flags & MSG_DONTWAIT))
    except BaseException as error:  # the stream took nothing: drop our references
        for entry in files:
            entry.file.unref()
        if isinstance(error, KernelError) and not flags & MSG_NOSIGNAL:
            broken_pipe(kernel, process, error)
        raise
    return (sent,)


@wasmux_syscall("recvmsg")
def recvmsg(kernel: Kernel, process: Process, fd: int, capacity: int, fds_size: int,
            flags: int) -> tuple[bytes, int, bytes, int, int]:
    """(data, its length, received descriptors as u32s, their count, msg_flags). Passed
    descriptors that do not fit in fds_size bytes are closed and MSG_CTRUNC is set."""
    if flags & ~RECEIVE_FLAGS:
        raise KernelError(wasi.EINVAL, f"receive flags {flags & ~RECEIVE_FLAGS:#x} are "
                          "not supported")
    file, sock = _socket_file(process, fd)
    descriptor(process, fd, wasi.RIGHT_FD_READ)
    data, files = sock.receive(file, capacity, peek=bool(flags & MSG_PEEK),
                               wait_all=bool(flags & MSG_WAITALL),
                               dontwait=bool(flags & MSG_DONTWAIT))
    cloexec = bool(flags & MSG_CMSG_CLOEXEC)
    numbers: list[int] = []
    msg_flags = 0
    for entry in files:
        if len(numbers) < fds_size // 4:
            entry.cloexec = cloexec
            try:
                numbers.append(process.fds.install(entry))
                continue
            except KernelError:
                pass  # install released it: the table is full
        else:
            entry.file.unref()
        msg_flags |= MSG_CTRUNC
    return (data, len(data), struct.pack(f"<{len(numbers)}I", *numbers), len(numbers),
            msg_flags)


def _address(sock: UnixSocket, peer: bool) -> bytes:
    if not peer:
        return sock.name.encode()
    if sock.peer is None:
        raise KernelError(wasi.ENOTCONN)
    return sock.peer.name.encode()


@wasmux_syscall("getsockname")
def getsockname(kernel: Kernel, process: Process, fd: int,
                address_len: int) -> tuple[bytes, int]:
    """The bound path (empty when unbound); the length is the whole path's."""
    address = _address(_socket_file(process, fd)[1], peer=False)
    return (address, len(address))


@wasmux_syscall("getpeername")
def getpeername(kernel: Kernel, process: Process, fd: int,
                address_len: int) -> tuple[bytes, int]:
    """The peer's bound path (empty when it has none); ENOTCONN unless connected."""
    address = _address(_socket_file(process, fd)[1], peer=True)
    return (address, len(address))


@wasmux_syscall("getsockopt")
def getsockopt(kernel: Kernel, process: Process, fd: int, level: int, name: int,
               value_len: int) -> tuple[bytes, int]:
    """SOL_SOCKET options as an int: SO_TYPE, SO_ERROR (clears it), SO_RCVBUF,
    SO_SNDBUF, SO_ACCEPTCONN, SO_DOMAIN; others are ENOPROTOOPT."""
    sock = _socket_file(process, fd)[1]
    if level != SOL_SOCKET:
        raise KernelError(wasi.ENOPROTOOPT, f"option level {level:#x} is not supported")
    if name == SO_TYPE:
        value = SOCK_STREAM
    elif name == SO_ERROR:
        value = sock.take_error()
    elif name in (SO_RCVBUF, SO_SNDBUF):
        value = sock.buffer_size(receiving=name == SO_RCVBUF)
    elif name == SO_ACCEPTCONN:
        value = int(sock.state == LISTENING)
    elif name == SO_DOMAIN:
        value = AF_UNIX
    else:
        raise KernelError(wasi.ENOPROTOOPT, f"socket option {name} is not supported")
    return (struct.pack("<i", value), 4)


@wasmux_syscall("setsockopt")
def setsockopt(kernel: Kernel, process: Process, fd: int, level: int, name: int,
               value: bytes) -> tuple[()]:
    """SO_RCVBUF and SO_SNDBUF set the buffer sizes; SO_REUSEADDR and SO_KEEPALIVE are
    accepted and change nothing (as for AF_UNIX on Linux); others are ENOPROTOOPT."""
    sock = _socket_file(process, fd)[1]
    if level != SOL_SOCKET:
        raise KernelError(wasi.ENOPROTOOPT, f"option level {level:#x} is not supported")
    if name not in (SO_RCVBUF, SO_SNDBUF, SO_REUSEADDR, SO_KEEPALIVE):
        raise KernelError(wasi.ENOPROTOOPT, f"socket option {name} is not supported")
    if len(value) < 4:
        raise KernelError(wasi.EINVAL, "option value shorter than an int")
    if name in (SO_RCVBUF, SO_SNDBUF):
        sock.set_buffer_size(name == SO_RCVBUF, struct.unpack_from("<i", value)[0])
    return ()
