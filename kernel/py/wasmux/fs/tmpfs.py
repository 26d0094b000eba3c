"""tmpfs: a filesystem held in memory (directories, regular files, symlinks, hard links).

Layer: filesystem; imports file.py only. Inodes implement the contract of file.Inode
for a single filesystem: names never contain '/', and crossing mounts is the VFS's job.
Semantics follow POSIX (link counts, replace-on-rename, unlinked-but-open files keep
their data until the last open file description is released).

Reuse: a filesystem that persists (fs/persistent.py) can subclass `TmpFS` and these
inode classes. TmpFS creates inodes through `new_file`, `new_directory` and
`new_symlink`, and reports every change through the hook methods below (no-ops here),
called after the in-memory state changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..abi import wasi
from ..errors import KernelError
from ..file import FileSystem, Inode, OpenFile

FILE_SIZE_LIMIT = 1 << 31


class TmpFS(FileSystem):
    kind = "tmpfs"

    def __init__(self, dev: int, clock: Callable[[], int]) -> None:
        super().__init__(dev, clock)
        self.next_ino = 1
        self.root: Directory = self.new_directory(0o755, None)

    def allocate_ino(self) -> int:
        ino = self.next_ino
        self.next_ino += 1
        return ino

    # --- inode factories (subclasses return their own inode classes) ---
    def new_file(self, mode: int) -> RegularFile:
        return RegularFile(self, self.allocate_ino(), mode)

    def new_directory(self, mode: int, parent: Directory | None) -> Directory:
        return Directory(self, self.allocate_ino(), mode, parent)

    def new_symlink(self, target: str) -> Symlink:
        return Symlink(self, self.allocate_ino(), target)

    def new_socket(self, mode: int) -> SocketNode:
        return SocketNode(self, self.allocate_ino(), mode)

    # --- change hooks: called after the change, in the order changes happen ---
    def entry_added(self, directory: Directory, name: str, inode: Inode) -> None:
        """`name` in `directory` now refers to `inode` (newly created or hard-linked)."""

    def entry_removed(self, directory: Directory, name: str, inode: Inode) -> None:
        """`name` was removed from `directory` (inode.nlink already decremented)."""

    def entry_renamed(self, old_directory: Directory, old_name: str,
                      new_directory: Directory, new_name: str,
                      replaced: Inode | None) -> None:
        """An atomic rename; `replaced` is the inode the new name referred to before."""

    def metadata_changed(self, inode: Inode) -> None:
        """Mode or times of `inode` changed."""

    def data_written(self, inode: RegularFile, offset: int, length: int) -> None:
        """Bytes [offset, offset+length) of a regular file changed (size may have grown)."""

    def data_truncated(self, inode: RegularFile, size: int) -> None:
        """A regular file's size was set to `size`."""

    def inode_released(self, inode: Inode) -> None:
        """`inode` has no links and no open file descriptions left: it is gone."""

    def release_if_unused(self, inode: Inode) -> None:
        """Report `inode` released when its last link and last open file are gone."""
        if inode.nlink <= 0 and not (isinstance(inode, TmpInode) and inode.in_use()):
            self.inode_released(inode)


class TmpInode(Inode):
    """Common metadata behaviour: mode and time changes are reported to the filesystem."""

    fs: TmpFS

    def set_times(self, atim: int | None, mtim: int | None) -> None:
        super().set_times(atim, mtim)
        self.fs.metadata_changed(self)

    def set_mode(self, mode: int) -> None:
        super().set_mode(mode)
        self.fs.metadata_changed(self)

    def in_use(self) -> bool:
        """True while an open file description refers to this inode."""
        return False


class RegularFile(TmpInode):
    filetype = wasi.FILETYPE_REGULAR_FILE

    def __init__(self, fs: TmpFS, ino: int, mode: int) -> None:
        super().__init__(fs, ino, mode)
        self.data = bytearray()
        self.open_count = 0
        self.version = 0  # counts changes of the contents (write, truncate)

    @property
    def size(self) -> int:
        return len(self.data)

    def read(self, file: OpenFile, offset: int, size: int) -> bytes:
        with memoryview(self.data) as view:  # one copy, not a bytearray slice then bytes
            return bytes(view[offset:offset + size])

    def write(self, file: OpenFile, offset: int, data: bytes) -> int:
        end = offset + len(data)
        if end > FILE_SIZE_LIMIT:
            raise KernelError(wasi.EFBIG, "file size limit")
        if offset > len(self.data):
            self.data.extend(bytes(offset - len(self.data)))
        self.data[offset:end] = data
        self.version += 1
        self.mtim = self.ctim = self.fs.clock()
        self.fs.data_written(self, offset, len(data))
        return len(data)

    def truncate(self, size: int) -> None:
        if size > FILE_SIZE_LIMIT:
            raise KernelError(wasi.EFBIG, "file size limit")
        if size < len(self.data):
            del self.data[size:]
        else:
            self.data.extend(bytes(size - len(self.data)))
        self.version += 1
        self.mtim = self.ctim = self.fs.clock()
        self.fs.data_truncated(self, size)

    def opened(self, file: OpenFile) -> None:
        self.open_count += 1

    def released(self, file: OpenFile) -> None:
        self.open_count -= 1
        self.fs.release_if_unused(self)

    def in_use(self) -> bool:
        return self.open_count > 0


class Symlink(TmpInode):
    filetype = wasi.FILETYPE_SYMBOLIC_LINK

    def __init__(self, fs: TmpFS, ino: int, target: str) -> None:
        super().__init__(fs, ino, 0o777)
        self.target = target

    @property
    def size(self) -> int:
        return len(self.target.encode())

    def readlink(self) -> str:
        return self.target


class SocketNode(TmpInode):
    """The name of an AF_UNIX socket (made by bind): `bound` is the socket it names
    while that socket is open (sockets.py sets it), None once it closed (a stale name
    connect refuses). Only the name persists; opening it is ENXIO (as on Linux)."""

    filetype = wasi.FILETYPE_SOCKET_STREAM

    def __init__(self, fs: TmpFS, ino: int, mode: int) -> None:
        super().__init__(fs, ino, mode)
        self.bound: object | None = None

    def opened(self, file: OpenFile) -> None:
        raise KernelError(wasi.ENXIO, "a socket is reached with connect, not open")


class Directory(TmpInode):
    """A directory: `entries` maps names to inodes; `parent` is '..' (itself at the root).
    Link count is 2 plus one per subdirectory, as on Linux."""

    filetype = wasi.FILETYPE_DIRECTORY

    def __init__(self, fs: TmpFS, ino: int, mode: int, parent: Directory | None) -> None:
        super().__init__(fs, ino, mode)
        self.entries: dict[str, Inode] = {}
        self.parent = parent if parent is not None else self
        self.nlink = 2

    def lookup(self, name: str) -> Inode:
        if name == "..":
            return self.parent
        if name == ".":
            return self
        inode = self.entries.get(name)
        if inode is None:
            raise KernelError(wasi.ENOENT)
        return inode

    def find(self, name: str) -> Inode | None:
        if name == "..":
            return self.parent
        if name == ".":
            return self
        return self.entries.get(name)

    def list(self) -> Iterable[tuple[str, Inode]]:
        return list(self.entries.items())

    def create_file(self, name: str, mode: int) -> Inode:
        self._check_free(name)
        return self._attach(name, self.fs.new_file(mode & 0o7777))

    def create_directory(self, name: str, mode: int) -> Inode:
        self._check_free(name)
        directory = self.fs.new_directory(mode & 0o7777, self)
        self.nlink += 1
        return self._attach(name, directory)

    def create_symlink(self, name: str, target: str) -> Inode:
        self._check_free(name)
        return self._attach(name, self.fs.new_symlink(target))

    def create_socket(self, name: str, mode: int) -> Inode:
        self._check_free(name)
        return self._attach(name, self.fs.new_socket(mode & 0o7777))

    def link(self, name: str, inode: Inode) -> None:
        self._check_free(name)
        if inode.fs is not self.fs:
            raise KernelError(wasi.EXDEV)
        if inode.filetype == wasi.FILETYPE_DIRECTORY:
            raise KernelError(wasi.EPERM, "hard link to a directory")
        inode.nlink += 1
        inode.ctim = self.fs.clock()
        self._attach(name, inode)

    def unlink(self, name: str) -> None:
        inode = self.lookup_entry(name)
        if inode.filetype == wasi.FILETYPE_DIRECTORY:
            raise KernelError(wasi.EISDIR)
        self._detach(name, inode)

    def remove_directory(self, name: str) -> None:
        inode = self.lookup_entry(name)
        if not isinstance(inode, Directory):
            raise KernelError(wasi.ENOTDIR)
        if inode.entries:
            raise KernelError(wasi.ENOTEMPTY)
        self.nlink -= 1
        inode.nlink = 1
        self._detach(name, inode)

    def rename(self, old_name: str, new_parent: Inode, new_name: str) -> None:
        """Move `old_name` to `new_parent`/`new_name`, atomically replacing what is there
        (a directory only replaces an empty directory). The caller (VFS) has checked that
        a directory is not moved into its own subtree."""
        inode = self.lookup_entry(old_name)
        if not isinstance(new_parent, Directory) or new_parent.fs is not self.fs:
            raise KernelError(wasi.EXDEV)
        if new_parent.nlink == 0:
            raise KernelError(wasi.ENOENT, "directory was removed")
        replaced = new_parent.entries.get(new_name)
        if replaced is inode:
            return
        moving_directory = isinstance(inode, Directory)
        if replaced is not None:
            if isinstance(replaced, Directory):
                if not moving_directory:
                    raise KernelError(wasi.EISDIR)
                if replaced.entries:
                    raise KernelError(wasi.ENOTEMPTY)
            elif moving_directory:
                raise KernelError(wasi.ENOTDIR)
        now = self.fs.clock()
        del self.entries[old_name]
        new_parent.entries[new_name] = inode
        if moving_directory:
            assert isinstance(inode, Directory)
            inode.parent = new_parent
            self.nlink -= 1
            new_parent.nlink += 1
        inode.ctim = now
        self.mtim = self.ctim = new_parent.mtim = new_parent.ctim = now
        if replaced is not None:
            if isinstance(replaced, Directory):
                new_parent.nlink -= 1
                replaced.nlink = 1
            replaced.nlink -= 1
            replaced.ctim = now
        self.fs.entry_renamed(self, old_name, new_parent, new_name, replaced)
        if replaced is not None:
            self.fs.release_if_unused(replaced)

    # --- helpers ---
    def lookup_entry(self, name: str) -> Inode:
        """The inode named `name` here (never . or ..); ENOENT if absent."""
        inode = self.entries.get(name)
        if inode is None:
            raise KernelError(wasi.ENOENT)
        return inode

    def _check_free(self, name: str) -> None:
        if self.nlink == 0:
            raise KernelError(wasi.ENOENT, "directory was removed")
        if name in self.entries or name in (".", ".."):
            raise KernelError(wasi.EEXIST)

    def _attach(self, name: str, inode: Inode) -> Inode:
        self.entries[name] = inode
        self.mtim = self.ctim = self.fs.clock()
        self.fs.entry_added(self, name, inode)
        return inode

    def _detach(self, name: str, inode: Inode) -> None:
        del self.entries[name]
        now = self.fs.clock()
        self.mtim = self.ctim = inode.ctim = now
        inode.nlink -= 1
        self.fs.entry_removed(self, name, inode)
        self.fs.release_if_unused(inode)
