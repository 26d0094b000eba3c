"""The VFS: mounts, path resolution, and the POSIX rules of namespace operations.

Layer: filesystem core; imports file.py and the filesystems it mounts by default
(tmpfs, devfs, procfs). This is the only code that crosses mount points: a directory
that has a filesystem mounted on it is replaced by that filesystem's root during
lookup, and '..' at a mounted root continues from the mountpoint's parent.

Resolution rules (Linux's): a path is resolved from the given directory, or from the
root when absolute; '.' and '..' are handled here ('..' at / stays /); symlinks are
followed in every non-final component and, when asked, in the final one, at most 40
times per resolution (then ELOOP); a trailing slash requires a directory and forces
following a final symlink; a component longer than 255 bytes or a path of 4096 bytes
or more fails with ENAMETOOLONG; an empty path with ENOENT.

The calling process is passed along because some links depend on it (/proc/self).
Magic links (procfs's /proc/<pid>/fd/<n>) carry an open file, `target_file`: following
one reaches that file's inode itself, whatever became of its path (unlinked, renamed,
a pipe), as on Linux; their text is only what readlink shows.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..abi import wasi
from ..errors import KernelError
from ..file import FileSystem, Inode, OpenFile
from ..tty import Tty
from .devfs import DevFS
from .procfs import ProcFS
from .tmpfs import TmpFS

if TYPE_CHECKING:
    from ..kernel import Kernel
    from ..proc import Process

SYMLINK_LIMIT = 40
NAME_MAX = 255
PATH_MAX = 4096
DEFAULT_UMASK = 0o022  # files the kernel itself creates (process None)


def is_directory(inode: Inode | None) -> bool:
    return inode is not None and inode.filetype == wasi.FILETYPE_DIRECTORY


def is_symlink(inode: Inode | None) -> bool:
    return inode is not None and inode.filetype == wasi.FILETYPE_SYMBOLIC_LINK


def link_target(inode: Inode, process: Process | None) -> str:
    """A symlink's target as `process` sees it (procfs links depend on the caller)."""
    per_caller = getattr(inode, "readlink_for", None)
    return per_caller(process) if per_caller is not None else inode.readlink()


def magic_target(inode: Inode) -> OpenFile | None:
    """The open file a magic link stands for; None for any other inode."""
    return getattr(inode, "target_file", None)


def _umask(process: Process | None) -> int:
    return process.umask if process is not None else DEFAULT_UMASK


@dataclass(slots=True)
class Lookup:
    """Where a path's final component lives: `parent` directory, `name` in it ('.' or
    '..' possible), the `inode` it names now (None when absent), and whether the path
    ended with a slash. `path`: when a final magic link was followed, the path its open
    file was opened with (what the file opened through it records)."""

    parent: Inode
    name: str
    inode: Inode | None
    trailing_slash: bool
    path: str = ""


class VFS:
    def __init__(self, kernel: Kernel, root: FileSystem) -> None:
        self.kernel = kernel
        self.root_fs = root
        self.mounts: list[tuple[str, FileSystem]] = [("/", root)]
        self._covering: dict[Inode, FileSystem] = {}  # mountpoint -> filesystem on it
        self._mountpoint: dict[FileSystem, Inode] = {}  # filesystem -> its mountpoint
        self.devfs: DevFS | None = None

    @property
    def root(self) -> Inode:
        return self.root_fs.root

    # --- mounts ---
    def next_dev(self) -> int:
        """A device number no mounted filesystem uses."""
        return max(fs.dev for _, fs in self.mounts) + 1

    def mount(self, path: str, fs: FileSystem) -> None:
        """Mount `fs` on the directory `path` (absolute), hiding what was there."""
        if any(mounted is fs for _, mounted in self.mounts):
            raise KernelError(wasi.EBUSY, "filesystem already mounted")
        target = self.resolve(None, self.root, path)
        if not is_directory(target):
            raise KernelError(wasi.ENOTDIR)
        self._covering[target] = fs
        self._mountpoint[fs] = target
        self.mounts.append((posixpath.normpath(path), fs))

    def mount_standard(self) -> None:
        """Mount tmpfs on /tmp, devfs on /dev and procfs on /proc, creating the
        mountpoints in the root filesystem when missing."""
        host = self.kernel.host
        clock = host.realtime_ns
        for name, mode in (("tmp", 0o1777), ("dev", 0o755), ("proc", 0o555)):
            try:
                self.root.lookup(name)
            except KernelError as error:
                if error.errno != wasi.ENOENT:
                    raise
                self.root.create_directory(name, mode)
        self.mount("/tmp", TmpFS(self.next_dev(), clock))
        self.devfs = DevFS(self.next_dev(), clock, self.kernel)
        self.mount("/dev", self.devfs)
        self.mount("/proc", ProcFS(self.next_dev(), clock, self.kernel))

    @property
    def console(self) -> Tty:
        """The kernel console device (/dev/console), once mount_standard() ran."""
        assert self.devfs is not None, "mount_standard() was not called"
        return self.devfs.console

    def is_mount_root(self, inode: Inode) -> bool:
        """True for the root of any mounted filesystem (including /)."""
        return inode is inode.fs.root and (inode.fs is self.root_fs or inode.fs in self._mountpoint)

    # --- resolution ---
    def lookup(self, process: Process | None, start: Inode, path: str,
               follow: bool = True) -> Lookup:
        """Resolve all but the final component of `path` (relative to directory `start`)
        and look the final one up; a final symlink is followed when `follow` is set or
        the path ends with a slash."""
        return self._lookup(process, start, path, follow, [SYMLINK_LIMIT])

    def resolve(self, process: Process | None, start: Inode, path: str,
                follow: bool = True) -> Inode:
        """The inode `path` names: ENOENT if absent, ENOTDIR if a trailing slash follows
        something other than a directory."""
        found = self.lookup(process, start, path, follow)
        if found.inode is None:
            raise KernelError(wasi.ENOENT)
        if found.trailing_slash and not is_directory(found.inode):
            raise KernelError(wasi.ENOTDIR)
        return found.inode

    def parent_of(self, directory: Inode) -> Inode:
        """'..' of a directory, crossing mount points."""
        parent = self._child(directory, "..")
        assert parent is not None
        return parent

    def _lookup(self, process: Process | None, start: Inode, path: str, follow: bool,
                budget: list[int]) -> Lookup:
        if not path:
            raise KernelError(wasi.ENOENT)
        if len(path) >= PATH_MAX // 4 and len(path.encode()) >= PATH_MAX:  # <= 4 bytes a char
            raise KernelError(wasi.ENAMETOOLONG)
        if "\0" in path:
            raise KernelError(wasi.EINVAL, "NUL byte in path")
        directory = self.root if path.startswith("/") else start
        if not is_directory(directory):
            raise KernelError(wasi.ENOTDIR)
        names = path.split("/")
        if "" in names:  # a leading, trailing or doubled slash
            names = [name for name in names if name]
        if not names:
            return Lookup(directory, ".", directory, False)
        trailing_slash = path.endswith("/")
        for name in names[:-1]:
            directory = self._step(process, directory, name, budget)
        final = names[-1]
        inode = self._child(directory, final)
        if is_symlink(inode) and (follow or trailing_slash):
            assert inode is not None
            target_file = magic_target(inode)
            if target_file is not None:
                return Lookup(directory, final, target_file.inode, trailing_slash,
                              target_file.path)
            target = self._follow(process, inode, budget)
            found = self._lookup(process, directory, target, True, budget)
            found.trailing_slash = found.trailing_slash or trailing_slash
            return found
        return Lookup(directory, final, inode, trailing_slash)

    def _step(self, process: Process | None, directory: Inode, name: str,
              budget: list[int]) -> Inode:
        """Move to the directory `name` of a non-final component, following symlinks."""
        inode = self._child(directory, name)
        if is_symlink(inode):
            assert inode is not None
            target_file = magic_target(inode)
            if target_file is not None:
                inode = target_file.inode
            else:
                target = self._follow(process, inode, budget)
                inode = self._lookup(process, directory, target, True, budget).inode
        if inode is None:
            raise KernelError(wasi.ENOENT)
        if not is_directory(inode):
            raise KernelError(wasi.ENOTDIR)
        return inode

    def _follow(self, process: Process | None, link: Inode, budget: list[int]) -> str:
        budget[0] -= 1
        if budget[0] < 0:
            raise KernelError(wasi.ELOOP)
        target = link_target(link, process)
        if not target:
            raise KernelError(wasi.ENOENT)
        return target

    def _child(self, directory: Inode, name: str) -> Inode | None:
        """`name` in `directory` with mounts crossed; None when absent."""
        if len(name) > NAME_MAX // 4 and len(name.encode()) > NAME_MAX:  # <= 4 bytes a char
            raise KernelError(wasi.ENAMETOOLONG)
        if name == ".":
            return directory
        if name == "..":
            while directory is directory.fs.root and directory.fs in self._mountpoint:
                directory = self._mountpoint[directory.fs]
            inode = directory.lookup("..")
        else:
            found = directory.find(name)
            if found is None:
                return None
            inode = found
        while inode in self._covering:
            inode = self._covering[inode].root
        return inode

    # --- namespace operations (POSIX rules shared by every filesystem) ---
    def open(self, process: Process | None, start: Inode, path: str, oflags: int,
             follow: bool, readable: bool, writable: bool, fdflags: int,
             recorded_path: str, mode: int = 0o666) -> OpenFile:
        """Open (and maybe create or truncate) a file: path_open's semantics. A dangling
        final symlink is created through unless O_EXCL; a created file gets the
        permission bits `mode & ~umask`."""
        create = bool(oflags & wasi.OFLAGS_CREAT)
        exclusive = create and bool(oflags & wasi.OFLAGS_EXCL)
        found = self.lookup(process, start, path, follow and not exclusive)
        inode = found.inode
        if inode is None:
            if not create:
                raise KernelError(wasi.ENOENT)
            if found.trailing_slash:
                raise KernelError(wasi.EISDIR)
            if oflags & wasi.OFLAGS_DIRECTORY:
                raise KernelError(wasi.EINVAL, "O_CREAT with O_DIRECTORY")
            inode = found.parent.create_file(found.name, mode & 0o7777 & ~_umask(process))
        else:
            if exclusive:
                raise KernelError(wasi.EEXIST)
            if is_symlink(inode):
                raise KernelError(wasi.ELOOP, "final symlink not followed")
            directory = is_directory(inode)
            if (oflags & wasi.OFLAGS_DIRECTORY or found.trailing_slash) and not directory:
                raise KernelError(wasi.ENOTDIR)
            if directory and (writable or create or oflags & wasi.OFLAGS_TRUNC):
                raise KernelError(wasi.EISDIR)
            if oflags & wasi.OFLAGS_TRUNC and inode.filetype == wasi.FILETYPE_REGULAR_FILE:
                inode.truncate(0)
        return inode.open(process, readable, writable, fdflags, found.path or recorded_path)

    def readlink(self, process: Process | None, start: Inode, path: str) -> str:
        """The target of the symlink `path` (EINVAL if it is not a symlink)."""
        inode = self.resolve(process, start, path, follow=False)
        if not is_symlink(inode):
            raise KernelError(wasi.EINVAL, "not a symlink")
        return link_target(inode, process)

    def make_directory(self, process: Process | None, start: Inode, path: str,
                       mode: int = 0o777) -> Inode:
        """Create the directory `path` with the permission bits `mode & ~umask` (the
        sticky bit kept, set-id bits dropped, as Linux's mkdir)."""
        found = self.lookup(process, start, path, follow=False)
        if found.inode is not None or found.name in (".", ".."):
            raise KernelError(wasi.EEXIST)
        return found.parent.create_directory(found.name, mode & 0o1777 & ~_umask(process))

    def symlink(self, process: Process | None, target: str, start: Inode, path: str) -> None:
        """Create the symlink `path` pointing at `target` (stored as given)."""
        found = self.lookup(process, start, path, follow=False)
        if found.inode is not None or found.name in (".", ".."):
            raise KernelError(wasi.EEXIST)
        if found.trailing_slash:
            raise KernelError(wasi.ENOENT)
        if not target:
            raise KernelError(wasi.ENOENT, "empty symlink target")
        found.parent.create_symlink(found.name, target)

    def link(self, process: Process | None, old_start: Inode, old_path: str, follow: bool,
             new_start: Inode, new_path: str) -> None:
        """Hard-link an existing non-directory at a new name in the same filesystem."""
        inode = self.resolve(process, old_start, old_path, follow)
        found = self.lookup(process, new_start, new_path, follow=False)
        if found.inode is not None or found.name in (".", ".."):
            raise KernelError(wasi.EEXIST)
        if is_directory(inode):
            raise KernelError(wasi.EPERM, "hard link to a directory")
        if found.trailing_slash:
            raise KernelError(wasi.ENOENT)
        if found.parent.fs is not inode.fs:
            raise KernelError(wasi.EXDEV)
        found.parent.link(found.name, inode)

    def unlink(self, process: Process | None, start: Inode, path: str) -> None:
        found = self.lookup(process, start, path, follow=False)
        if found.name in (".", ".."):
            raise KernelError(wasi.EISDIR)
        if found.inode is None:
            raise KernelError(wasi.ENOENT)
        if is_directory(found.inode):
            raise KernelError(wasi.EISDIR)
        if found.trailing_slash:
            raise KernelError(wasi.ENOTDIR)
        found.parent.unlink(found.name)

    def remove_directory(self, process: Process | None, start: Inode, path: str) -> None:
        found = self.lookup(process, start, path, follow=False)
        if found.name == ".":
            raise KernelError(wasi.EINVAL)
        if found.name == "..":
            raise KernelError(wasi.ENOTEMPTY)
        if found.inode is None:
            raise KernelError(wasi.ENOENT)
        if not is_directory(found.inode):
            raise KernelError(wasi.ENOTDIR)
        if self.is_mount_root(found.inode):
            raise KernelError(wasi.EBUSY, "mount point")
        found.parent.remove_directory(found.name)

    def rename(self, process: Process | None, old_start: Inode, old_path: str,
               new_start: Inode, new_path: str) -> None:
        """POSIX rename: replaces the target atomically; EXDEV across filesystems;
        EINVAL when moving a directory into its own subtree."""
        old = self.lookup(process, old_start, old_path, follow=False)
        new = self.lookup(process, new_start, new_path, follow=False)
        inode = old.inode
        if inode is None:
            raise KernelError(wasi.ENOENT)
        if old.name in (".", "..") or new.name in (".", ".."):
            raise KernelError(wasi.EBUSY)
        moving_directory = is_directory(inode)
        if not moving_directory and (old.trailing_slash or new.trailing_slash):
            raise KernelError(wasi.ENOTDIR)
        if self.is_mount_root(inode) or (new.inode is not None and self.is_mount_root(new.inode)):
            raise KernelError(wasi.EBUSY, "mount point")
        if old.parent.fs is not new.parent.fs:
            raise KernelError(wasi.EXDEV)
        if new.inode is inode:
            return
        if moving_directory and self._within(new.parent, inode):
            raise KernelError(wasi.EINVAL, "directory moved into itself")
        old.parent.rename(old.name, new.parent, new.name)

    @staticmethod
    def _within(directory: Inode, ancestor: Inode) -> bool:
        """True if `directory` is `ancestor` or below it (same filesystem)."""
        while directory is not ancestor:
            parent = directory.lookup("..")
            if parent is directory:
                return False
            directory = parent
        return True
