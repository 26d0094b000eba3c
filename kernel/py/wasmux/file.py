"""Inodes, open file descriptions and filesystems: the objects the VFS and handlers share.

Layer: kernel core. `Inode` is a file's identity, metadata and data, owned by a
`FileSystem`. `OpenFile` is an open file description (offset, status flags, reference
count) shared across dup and spawn. Every Inode operation has an errno default, so a
new file type implements only what it has: an unimplemented ioctl-like operation
fails, never silently succeeds.

Blocking: a stream inode (pipe, tty, device) whose read or write cannot proceed raises
`WouldBlock(queue)`; `OpenFile` turns that into EAGAIN for O_NONBLOCK descriptions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from .abi import wasi
from .errors import KernelError, WouldBlock
from .wait import WaitQueue

if TYPE_CHECKING:
    from .proc import Process

# poll readiness bits returned by Inode.poll
POLLIN = 1
POLLOUT = 2
POLLHUP = 4

# Stat tuple, in wasi.FILESTAT field order: dev ino filetype nlink size atim mtim ctim
Stat = tuple[int, int, int, int, int, int, int, int]


class FileSystem:
    """A mounted tree. `root` is its root directory inode; `dev` its device number
    (unique per mount); `clock()` gives realtime nanoseconds for timestamps."""

    kind = "none"

    def __init__(self, dev: int, clock: Callable[[], int]) -> None:
        self.dev = dev
        self.clock = clock
        self.root: Inode

    def sync(self) -> None:
        """Make every change so far durable (no-op for volatile filesystems)."""

    def statfs(self) -> tuple[int, int, int]:
        """(block size, total blocks, free blocks) for df; volatile filesystems report
        what they hold."""
        return (4096, 0, 0)


class Inode:
    """One file. Subclasses override what their file type supports.

    Contracts:
    - Directories answer lookup('..') (a filesystem root answers itself; the VFS
      handles crossing mount points) and list() yields (name, inode) without . and ..
    - read() at or past end of file returns b''; a stream with no data yet raises
      WouldBlock(queue); a stream whose writers are gone returns b''.
    - poll() returns (ready bits, bytes readable) and never blocks.
    """

    filetype = wasi.FILETYPE_UNKNOWN
    seekable = True

    def __init__(self, fs: FileSystem, ino: int, mode: int) -> None:
        now = fs.clock()
        self.fs = fs
        self.ino = ino
        self.mode = mode
        self.nlink = 1
        self.atim = now
        self.mtim = now
        self.ctim = now

    # --- metadata ---
    @property
    def size(self) -> int:
        return 0

    def stat(self) -> Stat:
        return (self.fs.dev, self.ino, self.filetype, self.nlink, self.size,
                self.atim, self.mtim, self.ctim)

    def set_times(self, atim: int | None, mtim: int | None) -> None:
        if atim is not None:
            self.atim = atim
        if mtim is not None:
            self.mtim = mtim
        self.ctim = self.fs.clock()

    def set_mode(self, mode: int) -> None:
        self.mode = mode & 0o7777
        self.ctim = self.fs.clock()

    # --- data ---
    def read(self, file: OpenFile, offset: int, size: int) -> bytes:
        raise KernelError(wasi.EISDIR if self.filetype == wasi.FILETYPE_DIRECTORY else wasi.EINVAL)

    def write(self, file: OpenFile, offset: int, data: bytes) -> int:
        raise KernelError(wasi.EISDIR if self.filetype == wasi.FILETYPE_DIRECTORY else wasi.EINVAL)

    def truncate(self, size: int) -> None:
        raise KernelError(wasi.EISDIR if self.filetype == wasi.FILETYPE_DIRECTORY else wasi.EINVAL)

    def allocate(self, offset: int, length: int) -> None:
        if offset + length > self.size:
            self.truncate(offset + length)

    def sync(self) -> None:
        """Make this file's data and metadata durable (no-op where nothing persists)."""

    def poll(self, file: OpenFile) -> tuple[int, int]:
        """Readiness now: (POLLIN|POLLOUT|POLLHUP bits, bytes readable)."""
        return (POLLIN | POLLOUT, max(0, self.size - file.offset))

    def poll_queues(self) -> tuple[WaitQueue, ...]:
        """Queues woken when poll()'s answer may change; () for always-ready files."""
        return ()

    def open(self, process: Process | None, readable: bool, writable: bool, flags: int,
             path: str) -> OpenFile:
        """A new open file description on this inode for `process` (None: the kernel
        itself). Devices may hand out another inode's (/dev/tty, /dev/ptmx) or act on
        the opener (a terminal becoming its session's controlling terminal)."""
        return OpenFile(self, readable, writable, flags, path)

    def check_job_control(self, process: Process, writing: bool) -> None:
        """Called with the caller before fd_read and fd_write: a terminal stops
        background process groups here; other files let everyone through."""

    def ioctl(self, file: OpenFile, process: Process, request: int,
              arg: bytes) -> tuple[bytes, int]:
        """Device control: (argument bytes written back, result). An unimplemented
        request fails with ENOTTY."""
        raise KernelError(wasi.ENOTTY, f"ioctl {request:#x}: not a terminal")

    def opened(self, file: OpenFile) -> None:
        """Called when an open file description on this inode is created."""

    def released(self, file: OpenFile) -> None:
        """Called when the last reference to an open file description is dropped."""

    # --- directories ---
    def lookup(self, name: str) -> Inode:
        raise KernelError(wasi.ENOTDIR)

    def find(self, name: str) -> Inode | None:
        """lookup(), but None when `name` is absent (ENOENT): path resolution asks this,
        so a missing name costs no exception. Directories with a cheap test override it."""
        try:
            return self.lookup(name)
        except KernelError as error:
            if error.errno == wasi.ENOENT:
                return None
            raise

    def list(self) -> Iterable[tuple[str, Inode]]:
        raise KernelError(wasi.ENOTDIR)

    def create_file(self, name: str, mode: int) -> Inode:
        raise KernelError(wasi.ENOTDIR)

    def create_directory(self, name: str, mode: int) -> Inode:
        raise KernelError(wasi.ENOTDIR)

    def create_symlink(self, name: str, target: str) -> Inode:
        raise KernelError(wasi.ENOTDIR)

    def create_socket(self, name: str, mode: int) -> Inode:
        """A socket's name (bind): an inode of type SOCKET_STREAM whose `bound`
        attribute the socket layer sets."""
        raise KernelError(wasi.ENOTDIR)

    def link(self, name: str, inode: Inode) -> None:
        raise KernelError(wasi.ENOTDIR)

    def unlink(self, name: str) -> None:
        raise KernelError(wasi.ENOTDIR)

    def remove_directory(self, name: str) -> None:
        raise KernelError(wasi.ENOTDIR)

    def rename(self, old_name: str, new_parent: Inode, new_name: str) -> None:
        raise KernelError(wasi.ENOTDIR)

    # --- symbolic links ---
    def readlink(self) -> str:
        raise KernelError(wasi.EINVAL)

    # --- sockets: every file that is not a socket answers ENOTSOCK ---
    def sock_accept(self, file: OpenFile, flags: int) -> OpenFile:
        """A new open file description (one reference) for the next connection."""
        raise KernelError(wasi.ENOTSOCK)

    def sock_recv(self, file: OpenFile, size: int, flags: int) -> tuple[bytes, int]:
        """(data, roflags): at most `size` bytes; RIFLAGS_* in `flags`."""
        raise KernelError(wasi.ENOTSOCK)

    def sock_send(self, file: OpenFile, data: bytes, flags: int) -> int:
        """Bytes accepted from `data`."""
        raise KernelError(wasi.ENOTSOCK)

    def sock_shutdown(self, file: OpenFile, how: int) -> None:
        """Shut down the reading and/or writing side (SDFLAGS_RD, SDFLAGS_WR)."""
        raise KernelError(wasi.ENOTSOCK)


class OpenFile:
    """An open file description: shared by every fd that dup'ed or inherited it."""

    __slots__ = ("inode", "offset", "flags", "readable", "writable", "refcount", "path")

    def __init__(self, inode: Inode, readable: bool, writable: bool, flags: int = 0,
                 path: str = "") -> None:
        self.inode = inode
        self.offset = 0
        self.flags = flags  # wasi FDFLAGS_* (append, nonblock, sync...)
        self.readable = readable
        self.writable = writable
        self.refcount = 1
        self.path = path  # as opened, for /proc/<pid>/fd and tracing
        inode.opened(self)

    @property
    def nonblocking(self) -> bool:
        return bool(self.flags & wasi.FDFLAGS_NONBLOCK)

    def read(self, size: int) -> bytes:
        if not self.readable:
            raise KernelError(wasi.EBADF)
        inode = self.inode
        try:
            data = inode.read(self, self.offset, size)
        except WouldBlock:
            if self.flags & wasi.FDFLAGS_NONBLOCK:
                raise KernelError(wasi.EAGAIN) from None
            raise
        if inode.seekable:
            self.offset += len(data)
        return data

    def write(self, data: bytes) -> int:
        if not self.writable:
            raise KernelError(wasi.EBADF)
        inode = self.inode
        if inode.seekable and self.flags & wasi.FDFLAGS_APPEND:
            self.offset = inode.size
        try:
            written = inode.write(self, self.offset, data)
        except WouldBlock:
            if self.flags & wasi.FDFLAGS_NONBLOCK:
                raise KernelError(wasi.EAGAIN) from None
            raise
        if inode.seekable:
            self.offset += written
        return written

    def pread(self, size: int, offset: int) -> bytes:
        if not self.inode.seekable:
            raise KernelError(wasi.ESPIPE)
        if not self.readable:
            raise KernelError(wasi.EBADF)
        return self.inode.read(self, offset, size)

    def pwrite(self, data: bytes, offset: int) -> int:
        if not self.inode.seekable:
            raise KernelError(wasi.ESPIPE)
        if not self.writable:
            raise KernelError(wasi.EBADF)
        return self.inode.write(self, offset, data)

    def seek(self, offset: int, whence: int) -> int:
        if not self.inode.seekable:
            raise KernelError(wasi.ESPIPE)
        if whence == wasi.WHENCE_SET:
            position = offset
        elif whence == wasi.WHENCE_CUR:
            position = self.offset + offset
        elif whence == wasi.WHENCE_END:
            position = self.inode.size + offset
        else:
            raise KernelError(wasi.EINVAL)
        if position < 0:
            raise KernelError(wasi.EINVAL)
        self.offset = position
        return position

    def ref(self) -> OpenFile:
        self.refcount += 1
        return self

    def unref(self) -> None:
        """Drop one reference; the last one releases the inode's per-open state."""
        self.refcount -= 1
        assert self.refcount >= 0
        if self.refcount == 0:
            self.inode.released(self)
