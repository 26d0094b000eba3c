"""AF_UNIX stream sockets: socket inodes, connections, and descriptors passed in flight.

Layer: kernel core; imports file, fdtable, errors, wait and pipe (for the pseudo-file
system). A socket is a `UnixSocket` inode on the kernel's socket filesystem; the open
file descriptions on it come from socket(), socketpair() and accept(). Its name in the
VFS is a separate inode (a tmpfs `SocketNode` made by bind) whose `bound` attribute
points back at the socket while it is open; connect() looks the path up and queues a
new server-side socket on the listener's backlog, already connected to the client
(as Linux does, connect completes before accept).

A connection is two `Stream`s, one per direction, each a bounded byte buffer
(SOCKET_BUFFER, settable with SO_RCVBUF/SO_SNDBUF) plus the descriptors sent with
SCM_RIGHTS, kept at the stream position of the first byte of the message that carried
them: a receive that reaches such a position stops before it, and the next one starts
with it and collects the descriptors. Sending descriptors needs at least one data byte.

Ends (Linux's rules): shutdown(SHUT_WR) or close gives the peer end of file after the
buffered data; shutdown(SHUT_RD) or close makes the peer's sends fail with EPIPE (the
handler adds SIGPIPE unless MSG_NOSIGNAL); closing with unread data received makes the
peer's next receive on an empty buffer fail once with ECONNRESET (also SO_ERROR).
Sends are partial when the buffer is nearly full, as pipes' large writes are.
Descriptors still in flight when a socket closes are released; a socket sent over
itself and never received is not collected (no garbage collector, unlike Linux).
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from .abi import wasi
from .errors import KernelError, WouldBlock
from .fdtable import Descriptor
from .file import POLLHUP, POLLIN, POLLOUT, Inode, OpenFile
from .pipe import PseudoFS
from .wait import WaitQueue

if TYPE_CHECKING:
    from .proc import Process

SOCKET_BUFFER = 65536
BUFFER_MIN = 4096
BUFFER_MAX = 4 << 20
BACKLOG_MAX = 128
SOCKFS_DEV = 0xFFFF_0002

UNCONNECTED = "unconnected"
LISTENING = "listening"
CONNECTED = "connected"


class SocketFS(PseudoFS):
    """The pseudo-filesystem sockets live on."""

    kind = "sockfs"
    device = SOCKFS_DEV


class Stream:
    """One direction of a connection: bytes sent and not yet received, with the
    descriptors passed along them."""

    __slots__ = (
        "capacity",
        "consumed",
        "data",
        "read_closed",
        "readable",
        "rights",
        "writable",
        "write_closed",
    )

    def __init__(self, capacity: int = SOCKET_BUFFER) -> None:
        self.data = bytearray()
        self.capacity = capacity
        self.consumed = 0  # bytes received so far: the stream position of data[0]
        self.rights: deque[tuple[int, list[Descriptor]]] = deque()
        self.write_closed = False  # the sender is done: end of file after the data
        self.read_closed = False  # the receiver is gone or shut reading: EPIPE to senders
        self.readable = WaitQueue()
        self.writable = WaitQueue()

    def send(self, data: bytes, files: list[Descriptor]) -> int:
        """Append what fits of `data` (the stream takes over `files`, attached to its
        first byte); parks while the buffer is full. EPIPE once the receiver is gone."""
        if self.read_closed:
            raise KernelError(wasi.EPIPE, "the peer no longer receives")
        room = self.capacity - len(self.data)
        if room <= 0:
            raise WouldBlock(self.writable)
        if files:
            self.rights.append((self.consumed + len(self.data), files))
        if len(data) > room:
            self.data += memoryview(data)[:room]
            sent = room
        else:
            self.data += data
            sent = len(data)
        self.readable.wake_all()
        return sent

    def receive(self, size: int, peek: bool, wait_all: bool) -> tuple[bytes, list[Descriptor]]:
        """Up to `size` bytes, never past the start of another message's descriptors,
        and the descriptors of the message starting here (duplicated when peeking).
        Parks while empty (with wait_all: while short of `size` and not full) unless at
        end of file."""
        data = self.data
        ended = self.write_closed or self.read_closed
        if not data:
            if ended or size == 0:
                return (b"", [])
            raise WouldBlock(self.readable)
        files: list[Descriptor] = []
        limit = size
        rights = self.rights
        if rights:
            position, attached = rights[0]
            if position == self.consumed:
                files = attached
                boundary = rights[1][0] if len(rights) > 1 else None
            else:
                boundary = position
            if boundary is not None:
                limit = min(limit, boundary - self.consumed)
        if wait_all and len(data) < limit and not ended and len(data) < self.capacity:
            raise WouldBlock(self.readable)
        taken = min(limit, len(data))
        chunk = bytes(data[:taken])
        if peek:
            return (chunk, [Descriptor(entry.file.ref(), entry.rights_base,
                                       entry.rights_inheriting) for entry in files])
        del data[:taken]
        self.consumed += taken
        if files:
            rights.popleft()
        self.writable.wake_all()
        return (chunk, files)

    def close_reading(self) -> None:
        """The receiver is gone: senders get EPIPE, buffered data and descriptors go."""
        self.read_closed = True
        self.data = bytearray()
        while self.rights:
            for entry in self.rights.popleft()[1]:
                entry.file.unref()
        self.readable.wake_all()
        self.writable.wake_all()

    def close_writing(self) -> None:
        """The sender is done: the receiver reads end of file after the data."""
        self.write_closed = True
        self.readable.wake_all()
        self.writable.wake_all()


def _drop(files: list[Descriptor]) -> None:
    for entry in files:
        entry.file.unref()


class UnixSocket(Inode):
    filetype = wasi.FILETYPE_SOCKET_STREAM
    seekable = False

    def __init__(self, fs: PseudoFS) -> None:
        super().__init__(fs, fs.allocate_ino(), 0o777)
        self.state = UNCONNECTED
        self.name = ""  # the path bound, or the listener's for an accepted socket
        self.peer_name = ""
        self.node: Any = None  # the SocketNode bind created
        self.rx: Stream | None = None
        self.tx: Stream | None = None
        self.peer: UnixSocket | None = None
        self.backlog: deque[UnixSocket] = deque()
        self.backlog_limit = 0
        self.incoming = WaitQueue()  # a listener's: a connection arrived or it closed
        self.error = 0  # the pending error SO_ERROR reports (ECONNRESET)
        self.receive_buffer = SOCKET_BUFFER
        self.send_buffer = SOCKET_BUFFER
        self.open_count = 0

    # --- naming and connecting ---
    def check_unbound(self) -> None:
        """EINVAL unless this socket can still be bound."""
        if self.name or self.node is not None:
            raise KernelError(wasi.EINVAL, "socket already bound")
        if self.state != UNCONNECTED:
            raise KernelError(wasi.EINVAL, "socket already connected or listening")

    def bind(self, node: Any, path: str) -> None:
        """Take the name `path`, whose socket inode `node` bind just created."""
        self.check_unbound()
        node.bound = self
        self.node = node
        self.name = path

    def listen(self, backlog: int) -> None:
        """Accept connections, at most `backlog` waiting (clamped to 1..BACKLOG_MAX)."""
        if self.state == CONNECTED:
            raise KernelError(wasi.EINVAL, "socket is connected")
        if self.node is None:
            raise KernelError(wasi.EINVAL, "listen needs a bound socket")
        self.state = LISTENING
        self.backlog_limit = max(1, min(backlog, BACKLOG_MAX))

    def connect(self, file: OpenFile, listener: UnixSocket | None) -> None:
        """Connect to `listener` (the socket bound to the path, if any): ECONNREFUSED
        unless it listens; parks (EAGAIN when non-blocking) while its backlog is full."""
        if self.state == CONNECTED:
            raise KernelError(wasi.EISCONN)
        if self.state == LISTENING:
            raise KernelError(wasi.EINVAL, "socket is listening")
        if listener is None or listener.state != LISTENING:
            raise KernelError(wasi.ECONNREFUSED, "nothing listens on that socket")
        if len(listener.backlog) >= listener.backlog_limit:
            raise _wait(file, False, listener.incoming)
        server = UnixSocket(self.fs)  # type: ignore[arg-type]
        server.name = listener.name
        server.receive_buffer, server.send_buffer = (listener.receive_buffer,
                                                     listener.send_buffer)
        connect_pair(self, server)
        self.peer_name = listener.name
        listener.backlog.append(server)
        listener.incoming.wake_all()

    def accept(self, file: OpenFile, flags: int) -> OpenFile:
        """An open file (FDFLAGS `flags`) for the oldest waiting connection; parks (EAGAIN
        when non-blocking) while there is none."""
        if self.state != LISTENING:
            raise KernelError(wasi.EINVAL, "socket is not listening")
        if not self.backlog:
            raise _wait(file, False, self.incoming)
        server = self.backlog.popleft()
        self.incoming.wake_all()  # a connect waiting for room
        return OpenFile(server, readable=True, writable=True, flags=flags,
                        path=f"socket:[{server.ino}]")

    # --- data ---
    def send(self, file: OpenFile, data: bytes, files: list[Descriptor],
             dontwait: bool = False) -> int:
        """Bytes of `data` sent (the stream takes over `files` when any byte is).
        ENOTCONN unless connected; EPIPE after shutdown(SHUT_WR) or once the peer
        stopped receiving."""
        tx = self._connected().tx
        assert tx is not None
        if tx.write_closed:
            raise KernelError(wasi.EPIPE, "socket shut down for writing")
        if not data:
            _drop(files)
            return 0
        try:
            return tx.send(data, files)
        except WouldBlock as block:
            raise _wait(file, dontwait, *block.queues) from None

    def receive(self, file: OpenFile, size: int, peek: bool = False, wait_all: bool = False,
                dontwait: bool = False) -> tuple[bytes, list[Descriptor]]:
        """(data, descriptors passed with it); b'' at end of file. ENOTCONN unless
        connected; a pending ECONNRESET is reported once the buffer is drained."""
        rx = self._connected().rx
        assert rx is not None
        try:
            data, files = rx.receive(size, peek, wait_all)
        except WouldBlock as block:
            raise _wait(file, dontwait, *block.queues) from None
        if not data and size and self.error:
            error, self.error = self.error, 0
            raise KernelError(error, "the peer closed with data unread")
        return (data, files)

    def shutdown(self, how: int) -> None:
        """SDFLAGS_RD: the peer's sends fail with EPIPE, reads end after the buffered
        data; SDFLAGS_WR: the peer reads end of file. ENOTCONN unless connected."""
        self._connected()
        assert self.rx is not None and self.tx is not None
        if how & wasi.SDFLAGS_RD:
            self.rx.read_closed = True
            self.rx.readable.wake_all()
            self.rx.writable.wake_all()
        if how & wasi.SDFLAGS_WR:
            self.tx.close_writing()

    def buffer_size(self, receiving: bool) -> int:
        """SO_RCVBUF / SO_SNDBUF: the capacity of the receiving or sending stream."""
        stream = self.rx if receiving else self.tx
        if stream is not None:
            return stream.capacity
        return self.receive_buffer if receiving else self.send_buffer

    def set_buffer_size(self, receiving: bool, size: int) -> None:
        """Set the receiving or sending stream's capacity, clamped to
        BUFFER_MIN..BUFFER_MAX (a connection made later starts with it)."""
        size = max(BUFFER_MIN, min(size, BUFFER_MAX))
        if receiving:
            self.receive_buffer = size
        else:
            self.send_buffer = size
        stream = self.rx if receiving else self.tx
        if stream is not None:
            stream.capacity = size
            stream.writable.wake_all()

    def take_error(self) -> int:
        """The pending error (0 if none), cleared: SO_ERROR."""
        error, self.error = self.error, 0
        return error

    def _connected(self) -> UnixSocket:
        if self.state != CONNECTED:
            raise KernelError(wasi.ENOTCONN)
        return self

    def _close(self) -> None:
        """The last open file is gone: unname, refuse pending connections, end both
        directions (ECONNRESET to the peer if data it sent is lost)."""
        node = self.node
        if node is not None and node.bound is self:
            node.bound = None
        if self.state == LISTENING:
            while self.backlog:
                self.backlog.popleft()._close()
            self.incoming.wake_all()
        elif self.state == CONNECTED:
            assert self.rx is not None and self.tx is not None and self.peer is not None
            if self.rx.data:
                self.peer.error = wasi.ECONNRESET
            self.rx.close_reading()
            self.tx.close_writing()
        self.state = UNCONNECTED

    # --- the Inode interface: read/write are recv/send without flags ---
    def read(self, file: OpenFile, offset: int, size: int) -> bytes:
        """A plain read discards descriptors passed with the data (as Linux does)."""
        data, files = self.receive(file, size)
        _drop(files)
        return data

    def write(self, file: OpenFile, offset: int, data: bytes) -> int:
        return self.send(file, data, [])

    def poll(self, file: OpenFile) -> tuple[int, int]:
        """Listening: POLLIN with a connection waiting. Connected: POLLIN with data, at
        end of file or with an error pending; POLLOUT while a send would not park;
        POLLHUP once both directions are over. Unconnected: POLLOUT|POLLHUP (Linux)."""
        if self.state == LISTENING:
            return (POLLIN if self.backlog else 0, 0)
        rx, tx = self.rx, self.tx
        if self.state != CONNECTED or rx is None or tx is None:
            return (POLLOUT | POLLHUP, 0)
        bits = 0
        reading_over = rx.write_closed or rx.read_closed
        writing_over = tx.read_closed or tx.write_closed
        if rx.data or reading_over or self.error:
            bits |= POLLIN
        if writing_over or len(tx.data) < tx.capacity:
            bits |= POLLOUT
        if reading_over and writing_over:
            bits |= POLLHUP
        return (bits, len(rx.data))

    def poll_queues(self) -> tuple[WaitQueue, ...]:
        if self.rx is not None and self.tx is not None:
            return (self.rx.readable, self.tx.writable)
        return (self.incoming,)

    def open(self, process: Process | None, readable: bool, writable: bool, flags: int,
             path: str) -> OpenFile:
        """A socket is not opened again through a path (its /proc/<pid>/fd link): ENXIO,
        as on Linux."""
        raise KernelError(wasi.ENXIO, "a socket cannot be opened")

    def opened(self, file: OpenFile) -> None:
        self.open_count += 1

    def released(self, file: OpenFile) -> None:
        self.open_count -= 1
        if self.open_count == 0:
            self._close()

    # --- WASI's sock_* calls ---
    def sock_accept(self, file: OpenFile, flags: int) -> OpenFile:
        return self.accept(file, flags)

    def sock_recv(self, file: OpenFile, size: int, flags: int) -> tuple[bytes, int]:
        data, files = self.receive(file, size, peek=bool(flags & wasi.RIFLAGS_RECV_PEEK),
                                   wait_all=bool(flags & wasi.RIFLAGS_RECV_WAITALL))
        _drop(files)
        return (data, 0)

    def sock_send(self, file: OpenFile, data: bytes, flags: int) -> int:
        return self.send(file, data, [])

    def sock_shutdown(self, file: OpenFile, how: int) -> None:
        self.shutdown(how)


def _wait(file: OpenFile, dontwait: bool, *queues: WaitQueue) -> Exception:
    """What a call that must wait raises: WouldBlock on `queues`, or EAGAIN for a
    non-blocking file or call."""
    if dontwait or file.nonblocking:
        return KernelError(wasi.EAGAIN)
    return WouldBlock(*queues)


def connect_pair(first: UnixSocket, second: UnixSocket) -> None:
    """Join two unconnected sockets with a stream each way."""
    first.rx = second.tx = Stream(max(first.receive_buffer, second.send_buffer))
    second.rx = first.tx = Stream(max(second.receive_buffer, first.send_buffer))
    first.peer, second.peer = second, first
    first.state = second.state = CONNECTED


def new_socket(fs: PseudoFS, flags: int) -> OpenFile:
    """An unconnected socket's open file (one reference), FDFLAGS `flags`."""
    socket = UnixSocket(fs)
    return OpenFile(socket, readable=True, writable=True, flags=flags,
                    path=f"socket:[{socket.ino}]")


def socket_pair(fs: PseudoFS, flags: int) -> tuple[OpenFile, OpenFile]:
    """Two connected sockets' open files, FDFLAGS `flags`."""
    first, second = new_socket(fs, flags), new_socket(fs, flags)
    assert isinstance(first.inode, UnixSocket) and isinstance(second.inode, UnixSocket)
    connect_pair(first.inode, second.inode)
    return (first, second)

