"""Descriptor syscalls: byte I/O, seeking, flags, rights, metadata and preopens of an fd.

Layer: syscall handlers; call fdtable, file (OpenFile/Inode) and nothing deeper.
Checks come in POSIX order: a closed fd is EBADF; then the open mode, so a descriptor
not open for reading or writing refuses those calls with EBADF (ftruncate: EINVAL)
whatever its rights, as POSIX and wasmtime do; then the WASI rights (ENOTCAPABLE), which
bite when dropped with fd_fdstat_set_rights or not granted at path_open beyond the open
mode (wasmtime 50's preview1 ignores them). Where the spec leaves the errno open, the
answer is wasmtime's: seeking and flag changes on a directory fail with EBADF, and so do
advise, set_size and sync on anything but a regular file (directories may be synced
here, so a program can make a rename durable). Reading a directory is EISDIR as in
POSIX (wasmtime: EBADF), and fd_allocate is posix_fallocate (wasmtime: ENOTSUP).

`descriptor`, `data_file`, `regular_file` and `resolve_times` are shared with the other
handler modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import signals
from ..abi import wasi
from ..errors import KernelError
from ..fdtable import Descriptor
from ..file import OpenFile, Stat
from . import syscall

if TYPE_CHECKING:
    from ..kernel import Kernel
    from ..proc import Process

ADVICE_LAST = wasi.ADVICE_NOREUSE
FDFLAGS_ALL = (wasi.FDFLAGS_APPEND | wasi.FDFLAGS_DSYNC | wasi.FDFLAGS_NONBLOCK
               | wasi.FDFLAGS_RSYNC | wasi.FDFLAGS_SYNC)
FDFLAGS_CHANGEABLE = wasi.FDFLAGS_APPEND | wasi.FDFLAGS_NONBLOCK
FSTFLAGS_ALL = (wasi.FSTFLAGS_ATIM | wasi.FSTFLAGS_ATIM_NOW | wasi.FSTFLAGS_MTIM
                | wasi.FSTFLAGS_MTIM_NOW)
# rights whose calls need a descriptor open for writing (EBADF otherwise)
WRITE_MODE_RIGHTS = wasi.RIGHT_FD_WRITE | wasi.RIGHT_FD_ALLOCATE


def descriptor(process: Process, fd: int, rights: int = 0) -> Descriptor:
    """Descriptor `fd` for a call needing `rights`: EBADF if closed or if its open mode
    forbids the reading or writing those rights stand for, then ENOTCAPABLE if it lacks
    any of them."""
    entry = process.fds.get(fd)
    file = entry.file
    if rights & wasi.RIGHT_FD_READ and not file.readable:
        raise KernelError(wasi.EBADF, "not open for reading")
    if rights & WRITE_MODE_RIGHTS and not file.writable:
        raise KernelError(wasi.EBADF, "not open for writing")
    if entry.rights_base & rights != rights:
        raise KernelError(wasi.ENOTCAPABLE)
    return entry


def data_file(process: Process, fd: int, rights: int = 0) -> OpenFile:
    """The open file behind `fd` for byte I/O or seeking: `descriptor`'s errors, and EBADF
    for a directory."""
    file = descriptor(process, fd, rights).file
    if file.inode.filetype == wasi.FILETYPE_DIRECTORY:
        raise KernelError(wasi.EBADF, "a directory")
    return file


def regular_file(process: Process, fd: int, rights: int = 0,
                 directory_ok: bool = False) -> OpenFile:
    """The open file behind `fd`, which must be a regular file (or, with directory_ok,
    a directory): `descriptor`'s errors, then EBADF for any other file type."""
    file = descriptor(process, fd, rights).file
    filetype = file.inode.filetype
    if filetype != wasi.FILETYPE_REGULAR_FILE and not (
            directory_ok and filetype == wasi.FILETYPE_DIRECTORY):
        raise KernelError(wasi.EBADF, "not a regular file")
    return file


def resolve_times(now: int, atim: int, mtim: int, fst_flags: int) -> tuple[int | None, int | None]:
    """(atim, mtim) to set from fstflags, None meaning unchanged; EINVAL for unknown bits
    or a time given both explicitly and as NOW."""
    if fst_flags & ~FSTFLAGS_ALL:
        raise KernelError(wasi.EINVAL, "unknown fstflags")
    both_atim = wasi.FSTFLAGS_ATIM | wasi.FSTFLAGS_ATIM_NOW
    both_mtim = wasi.FSTFLAGS_MTIM | wasi.FSTFLAGS_MTIM_NOW
    if fst_flags & both_atim == both_atim or fst_flags & both_mtim == both_mtim:
        raise KernelError(wasi.EINVAL, "a time both given and NOW")

    def pick(given: int, set_flag: int, now_flag: int) -> int | None:
        if fst_flags & now_flag:
            return now
        return given if fst_flags & set_flag else None
    return (pick(atim, wasi.FSTFLAGS_ATIM, wasi.FSTFLAGS_ATIM_NOW),
            pick(mtim, wasi.FSTFLAGS_MTIM, wasi.FSTFLAGS_MTIM_NOW))


def broken_pipe(kernel: Kernel, process: Process, error: KernelError) -> None:
    """A write that failed with EPIPE (no reader left) also sends SIGPIPE to the writer;
    the caller re-raises the error."""
    if error.errno == wasi.EPIPE:
        kernel.send_signal(process, signals.SIGPIPE)


# --- byte I/O ---
@syscall("fd_read")
def fd_read(kernel: Kernel, process: Process, fd: int, capacity: int) -> tuple[bytes, int]:
    """A directory is EISDIR (its inode refuses reads), as in POSIX."""
    file = descriptor(process, fd, wasi.RIGHT_FD_READ).file
    file.inode.check_job_control(process, False)
    data = file.read(capacity)
    return (data, len(data))


@syscall("fd_write")
def fd_write(kernel: Kernel, process: Process, fd: int, data: bytes) -> tuple[int]:
    file = data_file(process, fd, wasi.RIGHT_FD_WRITE)
    file.inode.check_job_control(process, True)
    try:
        return (file.write(data),)
    except KernelError as error:
        broken_pipe(kernel, process, error)
        raise


@syscall("fd_pread")
def fd_pread(kernel: Kernel, process: Process, fd: int, capacity: int,
             offset: int) -> tuple[bytes, int]:
    file = descriptor(process, fd, wasi.RIGHT_FD_READ | wasi.RIGHT_FD_SEEK).file
    data = file.pread(capacity, offset)
    return (data, len(data))


@syscall("fd_pwrite")
def fd_pwrite(kernel: Kernel, process: Process, fd: int, data: bytes,
              offset: int) -> tuple[int]:
    file = data_file(process, fd, wasi.RIGHT_FD_WRITE | wasi.RIGHT_FD_SEEK)
    try:
        return (file.pwrite(data, offset),)
    except KernelError as error:
        broken_pipe(kernel, process, error)
        raise


# --- position ---
def _tell_right(process: Process, fd: int) -> int:
    """The right that lets a caller read the offset: fd_tell's, or fd_seek's (which
    implies it)."""
    if process.fds.get(fd).rights_base & wasi.RIGHT_FD_SEEK:
        return wasi.RIGHT_FD_SEEK
    return wasi.RIGHT_FD_TELL


@syscall("fd_seek")
def fd_seek(kernel: Kernel, process: Process, fd: int, offset: int,
            whence: int) -> tuple[int]:
    only_tells = offset == 0 and whence == wasi.WHENCE_CUR
    rights = _tell_right(process, fd) if only_tells else wasi.RIGHT_FD_SEEK
    return (data_file(process, fd, rights).seek(offset, whence),)


@syscall("fd_tell")
def fd_tell(kernel: Kernel, process: Process, fd: int) -> tuple[int]:
    return (data_file(process, fd, _tell_right(process, fd)).seek(0, wasi.WHENCE_CUR),)


# --- hints, space and durability (regular files) ---
@syscall("fd_advise")
def fd_advise(kernel: Kernel, process: Process, fd: int, offset: int, length: int,
              advice: int) -> tuple[()]:
    if advice > ADVICE_LAST:
        raise KernelError(wasi.EINVAL, "unknown advice")
    regular_file(process, fd, wasi.RIGHT_FD_ADVISE)
    return ()


@syscall("fd_allocate")
def fd_allocate(kernel: Kernel, process: Process, fd: int, offset: int,
                length: int) -> tuple[()]:
    """posix_fallocate: EINVAL for an empty range, `descriptor`'s errors (EBADF unless
    open for writing), ESPIPE on a stream, ENODEV on any other file that is not a regular
    file; then the file grows to cover the range (EFBIG past the size limit)."""
    if length == 0:
        raise KernelError(wasi.EINVAL, "empty range")
    inode = descriptor(process, fd, wasi.RIGHT_FD_ALLOCATE).file.inode
    if not inode.seekable:
        raise KernelError(wasi.ESPIPE, "a stream")
    if inode.filetype != wasi.FILETYPE_REGULAR_FILE:
        raise KernelError(wasi.ENODEV, "not a regular file")
    inode.allocate(offset, length)
    return ()


@syscall("fd_datasync")
def fd_datasync(kernel: Kernel, process: Process, fd: int) -> tuple[()]:
    regular_file(process, fd, wasi.RIGHT_FD_DATASYNC, directory_ok=True).inode.sync()
    return ()


@syscall("fd_sync")
def fd_sync(kernel: Kernel, process: Process, fd: int) -> tuple[()]:
    regular_file(process, fd, wasi.RIGHT_FD_SYNC, directory_ok=True).inode.sync()
    return ()


# --- descriptor state ---
@syscall("fd_close")
def fd_close(kernel: Kernel, process: Process, fd: int) -> tuple[()]:
    process.fds.close(fd)
    return ()


@syscall("fd_renumber")
def fd_renumber(kernel: Kernel, process: Process, fd: int, to: int) -> tuple[()]:
    process.fds.renumber(fd, to)
    return ()


@syscall("fd_fdstat_get")
def fd_fdstat_get(kernel: Kernel, process: Process,
                  fd: int) -> tuple[tuple[int, int, int, int]]:
    """The descriptor's rights less those its file cannot use: read and write outside
    its open mode (wasi-libc's fcntl(F_GETFL) derives the access mode from them), seek
    and tell on a file that cannot seek (wasi-libc's isatty() is true only for a
    character device without them)."""
    entry = process.fds.get(fd)
    file = entry.file
    rights = entry.rights_base
    if not file.readable:
        rights &= ~wasi.RIGHT_FD_READ
    if not file.writable:
        rights &= ~wasi.RIGHT_FD_WRITE
    if not file.inode.seekable:
        rights &= ~(wasi.RIGHT_FD_SEEK | wasi.RIGHT_FD_TELL)
    return ((file.inode.filetype, file.flags, rights, entry.rights_inheriting),)


@syscall("fd_fdstat_set_flags")
def fd_fdstat_set_flags(kernel: Kernel, process: Process, fd: int, flags: int) -> tuple[()]:
    """Only APPEND and NONBLOCK change; asking to change a sync flag is EINVAL."""
    file = data_file(process, fd, wasi.RIGHT_FD_FDSTAT_SET_FLAGS)
    if flags & ~FDFLAGS_ALL or (flags ^ file.flags) & ~FDFLAGS_CHANGEABLE:
        raise KernelError(wasi.EINVAL, "only APPEND and NONBLOCK can change")
    file.flags = flags
    return ()


@syscall("fd_fdstat_set_rights")
def fd_fdstat_set_rights(kernel: Kernel, process: Process, fd: int, fs_rights_base: int,
                         fs_rights_inheriting: int) -> tuple[()]:
    """Rights can only be dropped (wasmtime 50 answers ENOTSUP to every call)."""
    entry = process.fds.get(fd)
    if (fs_rights_base & ~entry.rights_base
            or fs_rights_inheriting & ~entry.rights_inheriting):
        raise KernelError(wasi.ENOTCAPABLE, "rights can only be dropped")
    entry.rights_base = fs_rights_base
    entry.rights_inheriting = fs_rights_inheriting
    return ()


# --- metadata ---
@syscall("fd_filestat_get")
def fd_filestat_get(kernel: Kernel, process: Process, fd: int) -> tuple[Stat]:
    return (process.fds.get(fd, wasi.RIGHT_FD_FILESTAT_GET).file.inode.stat(),)


@syscall("fd_filestat_set_size")
def fd_filestat_set_size(kernel: Kernel, process: Process, fd: int, size: int) -> tuple[()]:
    """ftruncate: EBADF unless a regular file, EINVAL unless open for writing (as Linux
    and wasmtime), then the right."""
    file = regular_file(process, fd)
    if not file.writable:
        raise KernelError(wasi.EINVAL, "not open for writing")
    descriptor(process, fd, wasi.RIGHT_FD_FILESTAT_SET_SIZE)
    file.inode.truncate(size)
    return ()


@syscall("fd_filestat_set_times")
def fd_filestat_set_times(kernel: Kernel, process: Process, fd: int, atim: int, mtim: int,
                          fst_flags: int) -> tuple[()]:
    inode = process.fds.get(fd, wasi.RIGHT_FD_FILESTAT_SET_TIMES).file.inode
    inode.set_times(*resolve_times(inode.fs.clock(), atim, mtim, fst_flags))
    return ()


# --- preopens ---
@syscall("fd_prestat_get")
def fd_prestat_get(kernel: Kernel, process: Process, fd: int) -> tuple[tuple[int, int]]:
    name = process.fds.get(fd).preopen
    if name is None:
        raise KernelError(wasi.EBADF, "not a preopened directory")
    return ((wasi.PREOPENTYPE_DIR, len(name.encode())),)


@syscall("fd_prestat_dir_name")
def fd_prestat_dir_name(kernel: Kernel, process: Process, fd: int,
                        path_len: int) -> tuple[bytes]:
    name = process.fds.get(fd).preopen
    if name is None:
        raise KernelError(wasi.ENOTDIR, "not a preopened directory")
    encoded = name.encode()
    if path_len < len(encoded):
        raise KernelError(wasi.ENAMETOOLONG, "buffer shorter than the name")
    return (encoded,)
