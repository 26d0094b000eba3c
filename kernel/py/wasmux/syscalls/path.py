"""Path syscalls (path_*) and fd_readdir: check the directory descriptor's rights, then
let the VFS resolve and apply POSIX rules. Also wasmux open and mkdir: path_open and
path_create_directory with a POSIX mode (and open with POSIX open flags).

Layer: syscall handlers; use the fd table and the VFS only. A path is resolved
relative to the directory descriptor `fd` (from the root when absolute). The new
descriptor of path_open gets the requested rights within the directory's inheriting
rights; it is readable with RIGHT_FD_READ and writable with RIGHT_FD_WRITE.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from ..abi import wasi
from ..errors import KernelError
from ..fdtable import Descriptor
from ..file import Inode, Stat
from . import syscall, wasmux_syscall
from .fd import resolve_times

if TYPE_CHECKING:
    from ..kernel import Kernel
    from ..proc import Process

FDFLAGS_ALL = (wasi.FDFLAGS_APPEND | wasi.FDFLAGS_DSYNC | wasi.FDFLAGS_NONBLOCK
               | wasi.FDFLAGS_RSYNC | wasi.FDFLAGS_SYNC)
# wasi-libc's <fcntl.h> open flags beyond the shifted oflags and the fdflags, and
# libwasmux's close-on-exec bit (wasi-libc's O_CLOEXEC is 0).
O_NOFOLLOW, O_EXEC, O_RDONLY, O_SEARCH, O_WRONLY = (
    0x01000000, 0x02000000, 0x04000000, 0x08000000, 0x10000000)
O_ACCMODE = O_EXEC | O_RDONLY | O_SEARCH | O_WRONLY
WASMUX_CLOEXEC = 0x80000
READ_RIGHTS = wasi.RIGHT_FD_READ | wasi.RIGHT_FD_READDIR
WRITE_RIGHTS = (wasi.RIGHT_FD_DATASYNC | wasi.RIGHT_FD_WRITE | wasi.RIGHT_FD_ALLOCATE
                | wasi.RIGHT_FD_FILESTAT_SET_SIZE)


def _at(process: Process, fd: int, rights: int) -> Inode:
    """The inode of directory descriptor `fd`; EBADF, or ENOTCAPABLE without `rights`."""
    return process.fds.get(fd, rights).file.inode


def _follow(flags: int) -> bool:
    return bool(flags & wasi.LOOKUPFLAGS_SYMLINK_FOLLOW)


def _normal_join(directory: str, path: str) -> str:
    """posixpath.normpath(posixpath.join(directory, path)) without their Python loops
    when the join is plainly normal already (shells open /dev/null for every
    redirection: 0.6 us saved)."""
    if path.startswith("/"):
        joined = path
    elif directory.endswith("/"):
        joined = directory + path
    else:
        joined = directory + "/" + path
    if joined.startswith("/") and "/." not in joined and "//" not in joined \
            and not joined.endswith("/"):
        return joined
    return posixpath.normpath(joined)


def _open(kernel: Kernel, process: Process, fd: int, dirflags: int, path: str, oflags: int,
          fs_rights_base: int, fs_rights_inheriting: int, fdflags: int, mode: int,
          cloexec: bool) -> int:
    """path_open's work, creating with permission bits `mode & ~umask`; the new fd."""
    needed = wasi.RIGHT_PATH_OPEN
    if oflags & wasi.OFLAGS_CREAT:
        needed |= wasi.RIGHT_PATH_CREATE_FILE
    if oflags & wasi.OFLAGS_TRUNC:
        needed |= wasi.RIGHT_PATH_FILESTAT_SET_SIZE
    directory = process.fds.get(fd, needed)
    if fdflags & ~FDFLAGS_ALL:
        raise KernelError(wasi.EINVAL, "unknown fdflags")
    rights_base = fs_rights_base & directory.rights_inheriting
    rights_inheriting = fs_rights_inheriting & directory.rights_inheriting
    recorded = _normal_join(directory.file.path or "/", path)
    file = kernel.vfs.open(process, directory.file.inode, path, oflags, _follow(dirflags),
                           bool(rights_base & wasi.RIGHT_FD_READ),
                           bool(rights_base & wasi.RIGHT_FD_WRITE), fdflags, recorded, mode)
    return process.fds.install(Descriptor(file, rights_base, rights_inheriting, cloexec))


@syscall("path_open")
def path_open(kernel: Kernel, process: Process, fd: int, dirflags: int, path: str,
              oflags: int, fs_rights_base: int, fs_rights_inheriting: int,
              fdflags: int) -> tuple[int]:
    return (_open(kernel, process, fd, dirflags, path, oflags, fs_rights_base,
                  fs_rights_inheriting, fdflags, 0o666, False),)


@wasmux_syscall("open")
def open_(kernel: Kernel, process: Process, fd: int, path: str, flags: int,
          mode: int) -> tuple[int]:
    """openat(fd, path, flags, mode) with wasi-libc's open flags: the rights are those
    its openat asks for (all but reading and writing ones the access mode excludes)."""
    access = flags & O_ACCMODE
    if access not in (O_RDONLY, O_WRONLY, O_RDONLY | O_WRONLY, O_EXEC, O_SEARCH):
        raise KernelError(wasi.EINVAL, "invalid access mode")
    rights = wasi.RIGHTS_ALL & ~(READ_RIGHTS | WRITE_RIGHTS)
    if access & O_RDONLY:
        rights |= READ_RIGHTS
    if access & O_WRONLY:
        rights |= WRITE_RIGHTS
    inheriting = process.fds.get(fd).rights_inheriting
    dirflags = 0 if flags & O_NOFOLLOW else wasi.LOOKUPFLAGS_SYMLINK_FOLLOW
    return (_open(kernel, process, fd, dirflags, path, (flags >> 12) & 0xF, rights,
                  inheriting, flags & 0xFFF, mode, bool(flags & WASMUX_CLOEXEC)),)


@syscall("path_create_directory")
def path_create_directory(kernel: Kernel, process: Process, fd: int, path: str) -> tuple[()]:
    kernel.vfs.make_directory(process, _at(process, fd, wasi.RIGHT_PATH_CREATE_DIRECTORY), path)
    return ()


@wasmux_syscall("mkdir")
def mkdir(kernel: Kernel, process: Process, fd: int, path: str, mode: int) -> tuple[()]:
    kernel.vfs.make_directory(process, _at(process, fd, wasi.RIGHT_PATH_CREATE_DIRECTORY), path,
                              mode)
    return ()


@syscall("path_filestat_get")
def path_filestat_get(kernel: Kernel, process: Process, fd: int, flags: int,
                      path: str) -> tuple[Stat]:
    start = _at(process, fd, wasi.RIGHT_PATH_FILESTAT_GET)
    return (kernel.vfs.resolve(process, start, path, _follow(flags)).stat(),)


@syscall("path_filestat_set_times")
def path_filestat_set_times(kernel: Kernel, process: Process, fd: int, flags: int, path: str,
                            atim: int, mtim: int, fst_flags: int) -> tuple[()]:
    start = _at(process, fd, wasi.RIGHT_PATH_FILESTAT_SET_TIMES)
    times = resolve_times(kernel.host.realtime_ns(), atim, mtim, fst_flags)
    kernel.vfs.resolve(process, start, path, _follow(flags)).set_times(*times)
    return ()


@syscall("path_link")
def path_link(kernel: Kernel, process: Process, old_fd: int, old_flags: int, old_path: str,
              new_fd: int, new_path: str) -> tuple[()]:
    old_start = _at(process, old_fd, wasi.RIGHT_PATH_LINK_SOURCE)
    new_start = _at(process, new_fd, wasi.RIGHT_PATH_LINK_TARGET)
    kernel.vfs.link(process, old_start, old_path, _follow(old_flags), new_start, new_path)
    return ()


@syscall("path_readlink")
def path_readlink(kernel: Kernel, process: Process, fd: int, path: str,
                  buf_len: int) -> tuple[bytes, int]:
    target = kernel.vfs.readlink(process, _at(process, fd, wasi.RIGHT_PATH_READLINK), path)
    data = target.encode()[:buf_len]
    return (data, len(data))


@syscall("path_remove_directory")
def path_remove_directory(kernel: Kernel, process: Process, fd: int, path: str) -> tuple[()]:
    kernel.vfs.remove_directory(process, _at(process, fd, wasi.RIGHT_PATH_REMOVE_DIRECTORY),
                                path)
    return ()


@syscall("path_rename")
def path_rename(kernel: Kernel, process: Process, fd: int, old_path: str, new_fd: int,
                new_path: str) -> tuple[()]:
    old_start = _at(process, fd, wasi.RIGHT_PATH_RENAME_SOURCE)
    new_start = _at(process, new_fd, wasi.RIGHT_PATH_RENAME_TARGET)
    kernel.vfs.rename(process, old_start, old_path, new_start, new_path)
    return ()


@syscall("path_symlink")
def path_symlink(kernel: Kernel, process: Process, old_path: str, fd: int,
                 new_path: str) -> tuple[()]:
    kernel.vfs.symlink(process, old_path, _at(process, fd, wasi.RIGHT_PATH_SYMLINK), new_path)
    return ()


@syscall("path_unlink_file")
def path_unlink_file(kernel: Kernel, process: Process, fd: int, path: str) -> tuple[()]:
    kernel.vfs.unlink(process, _at(process, fd, wasi.RIGHT_PATH_UNLINK_FILE), path)
    return ()


@syscall("fd_readdir")
def fd_readdir(kernel: Kernel, process: Process, fd: int, buf_len: int,
               cookie: int) -> tuple[bytes, int]:
    """Directory entries from index `cookie` on, '.' and '..' first; each record's d_next
    is the index after it. A full buffer (bufused == buf_len) means 'call again': the
    last record may be cut short. A file that is not a directory is EBADF (as in
    wasmtime)."""
    directory = _at(process, fd, wasi.RIGHT_FD_READDIR)
    if directory.filetype != wasi.FILETYPE_DIRECTORY:
        raise KernelError(wasi.EBADF, "not a directory")
    entries = [(".", directory), ("..", kernel.vfs.parent_of(directory)), *directory.list()]
    records = bytearray()
    for index in range(cookie, len(entries)):
        if len(records) >= buf_len:
            break
        name, inode = entries[index]
        encoded = name.encode()
        records += wasi.DIRENT.pack(index + 1, inode.ino, len(encoded), inode.filetype)
        records += encoded
    data = bytes(records[:buf_len])
    return (data, len(data))
