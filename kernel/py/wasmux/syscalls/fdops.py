"""Descriptor calls beyond WASI: pipe2, dup, dup3 and fcntl.

Layer: syscall handlers; call fdtable, file and pipe. Flag values are the ones
libwasmux passes unchanged from a program (rootfs-build/libwasmux/src/fd.c and
<wasmux/fd.h>): O_NONBLOCK and O_APPEND are wasi-libc's, which are WASI's fdflags;
wasi-libc's O_CLOEXEC is 0, so close-on-exec at creation is the bit CLOEXEC (Linux's
O_CLOEXEC value, WASMUX_CLOEXEC in <wasmux/fd.h>); fcntl commands are wasi-libc's
F_GETFD 1, F_SETFD 2, F_GETFL 3, F_SETFL 4 with FD_CLOEXEC 1, plus Linux's F_DUPFD 0 and
F_DUPFD_CLOEXEC 1030. F_GETFL reports the access mode in wasi-libc's numbering
(O_RDONLY, O_WRONLY, both for O_RDWR) with the status flags.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..abi import wasi
from ..errors import KernelError
from ..fdtable import Descriptor
from ..pipe import make_pipe
from . import wasmux_syscall

if TYPE_CHECKING:
    from ..kernel import Kernel
    from ..proc import Process

CLOEXEC = 0x80000
F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_DUPFD_CLOEXEC = 0, 1, 2, 3, 4, 1030
FD_CLOEXEC = 1
O_RDONLY, O_WRONLY = 0x04000000, 0x10000000
STATUS_FLAGS = (wasi.FDFLAGS_APPEND | wasi.FDFLAGS_DSYNC | wasi.FDFLAGS_NONBLOCK
                | wasi.FDFLAGS_RSYNC | wasi.FDFLAGS_SYNC)
SETTABLE_FLAGS = wasi.FDFLAGS_APPEND | wasi.FDFLAGS_NONBLOCK


def duplicate(entry: Descriptor, cloexec: bool = False) -> Descriptor:
    """A new descriptor sharing `entry`'s open file and rights (one more reference); a
    copy of a preopened directory is one too (libwasmux moves the root this way)."""
    return Descriptor(entry.file.ref(), entry.rights_base, entry.rights_inheriting, cloexec,
                      entry.preopen)


@wasmux_syscall("pipe2")
def pipe2(kernel: Kernel, process: Process, flags: int) -> tuple[int, int]:
    """flags: O_NONBLOCK (both ends) and CLOEXEC; anything else is EINVAL."""
    if flags & ~(wasi.FDFLAGS_NONBLOCK | CLOEXEC):
        raise KernelError(wasi.EINVAL, "pipe2 takes only O_NONBLOCK and O_CLOEXEC")
    cloexec = bool(flags & CLOEXEC)
    read_end, write_end = make_pipe(kernel.pipefs, flags & wasi.FDFLAGS_NONBLOCK)
    fds = process.fds
    try:
        read_fd = fds.install(Descriptor(read_end, cloexec=cloexec))
    except KernelError:
        write_end.unref()
        raise
    try:
        write_fd = fds.install(Descriptor(write_end, cloexec=cloexec))
    except KernelError:
        fds.close(read_fd)
        raise
    return (read_fd, write_fd)


@wasmux_syscall("dup")
def dup(kernel: Kernel, process: Process, fd: int) -> tuple[int]:
    """The lowest free descriptor, sharing fd's open file; close-on-exec clear."""
    return (process.fds.install(duplicate(process.fds.get(fd))),)


@wasmux_syscall("dup3")
def dup3(kernel: Kernel, process: Process, fd: int, newfd: int, flags: int) -> tuple[()]:
    """Make newfd share fd's open file, closing what newfd held; EINVAL when they are
    equal or for flags other than CLOEXEC, EBADF for newfd out of range."""
    if flags & ~CLOEXEC:
        raise KernelError(wasi.EINVAL, "dup3 takes only O_CLOEXEC")
    if fd == newfd:
        raise KernelError(wasi.EINVAL, "dup3 onto the same descriptor")
    entry = process.fds.get(fd)
    process.fds.install_at(newfd, duplicate(entry, bool(flags & CLOEXEC)))
    return ()


@wasmux_syscall("fcntl")
def fcntl(kernel: Kernel, process: Process, fd: int, command: int, argument: int) -> tuple[int]:
    """F_DUPFD(_CLOEXEC), F_GETFD/F_SETFD, F_GETFL/F_SETFL (only O_APPEND and O_NONBLOCK
    change); other commands (locks, owners) are EINVAL."""
    fds = process.fds
    entry = fds.get(fd)
    if command in (F_DUPFD, F_DUPFD_CLOEXEC):
        if not 0 <= argument < fds.limit:
            raise KernelError(wasi.EINVAL, "F_DUPFD lower bound out of range")
        copy = duplicate(entry, command == F_DUPFD_CLOEXEC)
        return (fds.install(copy, lowest=argument),)
    if command == F_GETFD:
        return (FD_CLOEXEC if entry.cloexec else 0,)
    if command == F_SETFD:
        entry.cloexec = bool(argument & FD_CLOEXEC)
        return (0,)
    file = entry.file
    if command == F_GETFL:
        mode = (O_RDONLY if file.readable else 0) | (O_WRONLY if file.writable else 0)
        return (mode | file.flags & STATUS_FLAGS,)
    if command == F_SETFL:
        file.flags = file.flags & ~SETTABLE_FLAGS | argument & SETTABLE_FLAGS
        return (0,)
    raise KernelError(wasi.EINVAL, f"fcntl command {command} is not supported")
