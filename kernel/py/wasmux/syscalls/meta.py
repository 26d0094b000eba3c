"""File metadata WASI lacks: stat and fstat with the POSIX mode, chmod, fchmod, statfs.

Layer: syscall handlers; use the fd table and the VFS only. A path is resolved relative
to the directory descriptor `fd`, following a final symlink when flags has
LOOKUPFLAGS_SYMLINK_FOLLOW. The mode returned is a full st_mode: the S_IF* type bits
from the inode's file type and the permission bits the filesystem stores.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..abi import wasi
from ..errors import KernelError
from ..file import Inode, Stat
from . import wasmux_syscall

if TYPE_CHECKING:
    from ..kernel import Kernel
    from ..proc import Process

S_IFIFO, S_IFCHR, S_IFDIR, S_IFBLK = 0o010000, 0o020000, 0o040000, 0o060000
S_IFREG, S_IFLNK, S_IFSOCK = 0o100000, 0o120000, 0o140000
# The files of unknown WASI type are pipes and host streams: FIFOs to POSIX.
TYPE_BITS = {
    wasi.FILETYPE_UNKNOWN: S_IFIFO, wasi.FILETYPE_BLOCK_DEVICE: S_IFBLK,
    wasi.FILETYPE_CHARACTER_DEVICE: S_IFCHR, wasi.FILETYPE_DIRECTORY: S_IFDIR,
    wasi.FILETYPE_REGULAR_FILE: S_IFREG, wasi.FILETYPE_SOCKET_DGRAM: S_IFSOCK,
    wasi.FILETYPE_SOCKET_STREAM: S_IFSOCK, wasi.FILETYPE_SYMBOLIC_LINK: S_IFLNK,
}


def st_mode(inode: Inode) -> int:
    """The POSIX st_mode of `inode`."""
    return TYPE_BITS[inode.filetype] | (inode.mode & 0o7777)


def _resolve(kernel: Kernel, process: Process, fd: int, path: str, follow: bool) -> Inode:
    """The inode at `path` from directory descriptor `fd`; `fd` itself for an empty path."""
    start = process.fds.get(fd).file.inode
    if not path:
        return start
    return kernel.vfs.resolve(process, start, path, follow)


@wasmux_syscall("stat")
def stat(kernel: Kernel, process: Process, fd: int, path: str,
         flags: int) -> tuple[Stat, int]:
    if not path:
        raise KernelError(wasi.ENOENT, "empty path")
    inode = _resolve(kernel, process, fd, path, bool(flags & wasi.LOOKUPFLAGS_SYMLINK_FOLLOW))
    return (inode.stat(), st_mode(inode))


@wasmux_syscall("fstat")
def fstat(kernel: Kernel, process: Process, fd: int) -> tuple[Stat, int]:
    inode = process.fds.get(fd).file.inode
    return (inode.stat(), st_mode(inode))


@wasmux_syscall("chmod")
def chmod(kernel: Kernel, process: Process, fd: int, path: str, mode: int,
          flags: int) -> tuple[()]:
    """ENOTSUP for a symlink itself (Linux's fchmodat with AT_SYMLINK_NOFOLLOW)."""
    if not path:
        raise KernelError(wasi.ENOENT, "empty path")
    inode = _resolve(kernel, process, fd, path, bool(flags & wasi.LOOKUPFLAGS_SYMLINK_FOLLOW))
    if inode.filetype == wasi.FILETYPE_SYMBOLIC_LINK:
        raise KernelError(wasi.ENOTSUP, "the mode of a symbolic link cannot change")
    inode.set_mode(mode & 0o7777)
    return ()


@wasmux_syscall("fchmod")
def fchmod(kernel: Kernel, process: Process, fd: int, mode: int) -> tuple[()]:
    process.fds.get(fd).file.inode.set_mode(mode & 0o7777)
    return ()


@wasmux_syscall("statfs")
def statfs(kernel: Kernel, process: Process, fd: int, path: str) -> tuple[int, int, int]:
    """(block size, blocks, free blocks) of the filesystem holding `path` (or `fd`)."""
    return _resolve(kernel, process, fd, path, True).fs.statfs()
