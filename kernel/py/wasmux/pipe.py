"""Pipes: a bounded FIFO byte buffer shared by a read end and a write end.

Layer: kernel core; imports file, errors, wait. A pipe is one `Pipe` inode on the
kernel's pipe filesystem (in no directory); its ends are two open file descriptions,
one readable, one writable, so dup and spawn share them as any open file. The inode
counts the descriptions of each kind to know when the last reader or writer is gone.

Semantics (Linux's): the buffer holds PIPE_CAPACITY bytes. A read takes what is
buffered (up to its size), parks while the buffer is empty and writers exist, and
returns b'' at end of file. A write of at most PIPE_BUF bytes is atomic: it parks until
all of it fits. A larger write that does not fit takes what fits once at least half the
capacity is free and returns that count (a partial write; the caller's libc writes the
rest), and parks before that. A blocking write on Linux does not return before all of
it is written, so a reader sees no difference, but the writer wakes once per half
buffer instead of once per PIPE_BUF drained (each wake is a thread switch). A
non-blocking large write takes whatever fits. A write with no reader left fails with
EPIPE; the syscall handler that sees EPIPE sends SIGPIPE to the writer (syscalls/fd.py
`broken_pipe`). Non-blocking ends get EAGAIN from OpenFile where these park.

Wake-ups: a write wakes readers; a read wakes writers (and POLLOUT pollers) when less
than PIPE_BUF was free before it or when it frees half the capacity: what a parked
writer can be waiting for.

File type: WASI has no FIFO type and wasi-libc's fstat maps only the WASI file types to
S_IF* bits, so a pipe reports FILETYPE_UNKNOWN (st_mode has no type bits: S_ISFIFO is
false, and so is isatty()), as wasmtime reports host pipes.

Speed: data moves as whole chunks through one bytearray (CPython deletes from its front
without copying the rest), never byte by byte.
"""

from __future__ import annotations

from collections.abc import Callable

from .abi import wasi
from .errors import KernelError, WouldBlock
from .file import POLLHUP, POLLIN, POLLOUT, FileSystem, Inode, OpenFile
from .wait import WaitQueue

PIPE_CAPACITY = 65536
PIPE_BUF = 4096
# Device number of the pipe filesystem: far above the mounted ones (counted from 1),
# so (dev, ino) of a pipe never equals a file's (sockets.py has the next one).
PIPEFS_DEV = 0xFFFF_0001


class PseudoFS(FileSystem):
    """A filesystem of inodes that are in no directory (pipes, sockets): it only
    numbers them. Subclasses name their kind and fixed device number."""

    kind = "pseudofs"
    device = 0

    def __init__(self, clock: Callable[[], int]) -> None:
        super().__init__(self.device, clock)
        self.next_ino = 1

    def allocate_ino(self) -> int:
        ino = self.next_ino
        self.next_ino += 1
        return ino


class PipeFS(PseudoFS):
    """The pipes' filesystem. `pipe_capacity`: the buffer of new pipes; a host whose
    syscalls cost microseconds sets more (Linux's F_SETPIPE_SZ allows up to 1 MiB): a
    writer then switches threads and regathers its data once per that many bytes."""

    kind = "pipefs"
    device = PIPEFS_DEV
    pipe_capacity = PIPE_CAPACITY


class Pipe(Inode):
    filetype = wasi.FILETYPE_UNKNOWN
    seekable = False

    def __init__(self, fs: PseudoFS, capacity: int = PIPE_CAPACITY) -> None:
        super().__init__(fs, fs.allocate_ino(), 0o600)
        self.buffer = bytearray()
        self.capacity = capacity
        self.readers = 0
        self.writers = 0
        self.readable = WaitQueue()  # woken when data arrives or the last writer leaves
        self.writable = WaitQueue()  # woken when room frees or the last reader leaves

    def read(self, file: OpenFile, offset: int, size: int) -> bytes:
        buffer = self.buffer
        if not buffer:
            if self.writers == 0 or size == 0:
                return b""
            raise WouldBlock(self.readable)
        if size >= len(buffer):
            data = bytes(buffer)
            buffer.clear()
        else:
            data = bytes(buffer[:size])
            del buffer[:size]
        room = self.capacity - len(buffer)
        before = room - len(data)
        if before < PIPE_BUF or before < self.capacity // 2 <= room:
            self.writable.wake_all()
        return data

    def write(self, file: OpenFile, offset: int, data: bytes) -> int:
        """Accepts all of a write that fits. Otherwise parks if it is of at most
        PIPE_BUF bytes (atomic), or while less than half the capacity is free (any
        room at all when non-blocking), and then takes what fits. EPIPE when no reader
        is left."""
        if self.readers == 0:
            raise KernelError(wasi.EPIPE, "no reader on the pipe")
        length = len(data)
        if length == 0:
            return 0
        room = self.capacity - len(self.buffer)
        if room < length and (length <= PIPE_BUF or room == 0 or (
                room < self.capacity // 2 and not file.flags & wasi.FDFLAGS_NONBLOCK)):
            raise WouldBlock(self.writable)
        if length > room:
            self.buffer += memoryview(data)[:room]
            length = room
        else:
            self.buffer += data
        self.readable.wake_all()
        return length

    def poll(self, file: OpenFile) -> tuple[int, int]:
        """The read end: POLLIN with data, POLLHUP once no writer is left. The write
        end: POLLOUT while PIPE_BUF bytes fit, POLLHUP once no reader is left."""
        bits = 0
        if file.readable:
            if self.buffer:
                bits |= POLLIN
            if self.writers == 0:
                bits |= POLLHUP
        if file.writable:
            if self.readers == 0:
                bits |= POLLHUP
            elif self.capacity - len(self.buffer) >= PIPE_BUF:
                bits |= POLLOUT
        return (bits, len(self.buffer))

    def poll_queues(self) -> tuple[WaitQueue, ...]:
        return (self.readable, self.writable)

    def opened(self, file: OpenFile) -> None:
        if file.readable:
            self.readers += 1
        if file.writable:
            self.writers += 1

    def released(self, file: OpenFile) -> None:
        """The last writer leaving wakes readers (end of file); the last reader leaving
        wakes writers (EPIPE) and drops the buffered data."""
        if file.readable:
            self.readers -= 1
            if self.readers == 0:
                self.buffer = bytearray()
                self.writable.wake_all()
        if file.writable:
            self.writers -= 1
            if self.writers == 0:
                self.readable.wake_all()


def make_pipe(fs: PseudoFS, flags: int = 0) -> tuple[OpenFile, OpenFile]:
    """A new pipe's (read end, write end), one reference each; `flags` are the
    FDFLAGS (NONBLOCK) both ends start with."""
    pipe = Pipe(fs, fs.pipe_capacity if isinstance(fs, PipeFS) else PIPE_CAPACITY)
    name = f"pipe:[{pipe.ino}]"
    return (OpenFile(pipe, readable=True, writable=False, flags=flags, path=name),
            OpenFile(pipe, readable=False, writable=True, flags=flags, path=name))
