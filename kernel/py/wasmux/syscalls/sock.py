"""Socket calls on an already open socket: accept, recv, send, shutdown.

Layer: syscall handlers; call the Inode socket methods (file.py). The type comes before
the rights: any file that is not a socket answers ENOTSOCK whatever its rights, as in
wasmtime; then the descriptor's open mode and rights are checked as for fd_* calls.
Flag arguments are checked first, before the socket sees them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..abi import wasi
from ..errors import KernelError
from ..fdtable import Descriptor
from . import syscall
from .fd import broken_pipe, descriptor

if TYPE_CHECKING:
    from ..kernel import Kernel
    from ..proc import Process

RIFLAGS_ALL = wasi.RIFLAGS_RECV_PEEK | wasi.RIFLAGS_RECV_WAITALL
SDFLAGS_ALL = wasi.SDFLAGS_RD | wasi.SDFLAGS_WR
SOCKET_TYPES = (wasi.FILETYPE_SOCKET_STREAM, wasi.FILETYPE_SOCKET_DGRAM)


def _socket(process: Process, fd: int, rights: int) -> Descriptor:
    """Descriptor `fd`, which must be a socket: EBADF if closed, ENOTSOCK for any other
    file, then the open mode and `rights` (EBADF, ENOTCAPABLE)."""
    if process.fds.get(fd).file.inode.filetype not in SOCKET_TYPES:
        raise KernelError(wasi.ENOTSOCK)
    return descriptor(process, fd, rights)


@syscall("sock_accept")
def sock_accept(kernel: Kernel, process: Process, fd: int, flags: int) -> tuple[int]:
    if flags & ~wasi.FDFLAGS_NONBLOCK:
        raise KernelError(wasi.EINVAL, "sock_accept takes only NONBLOCK")
    listener = _socket(process, fd, wasi.RIGHT_SOCK_ACCEPT)
    connection = listener.file.inode.sock_accept(listener.file, flags)
    inherited = listener.rights_inheriting
    return (process.fds.install(Descriptor(connection, inherited, inherited)),)


@syscall("sock_recv")
def sock_recv(kernel: Kernel, process: Process, fd: int, capacity: int,
              ri_flags: int) -> tuple[bytes, int, int]:
    if ri_flags & ~RIFLAGS_ALL:
        raise KernelError(wasi.EINVAL, "unknown riflags")
    file = _socket(process, fd, wasi.RIGHT_FD_READ).file
    data, ro_flags = file.inode.sock_recv(file, capacity, ri_flags)
    return (data, len(data), ro_flags)


@syscall("sock_send")
def sock_send(kernel: Kernel, process: Process, fd: int, data: bytes,
              si_flags: int) -> tuple[int]:
    if si_flags:
        raise KernelError(wasi.EINVAL, "sock_send takes no flags")
    file = _socket(process, fd, wasi.RIGHT_FD_WRITE).file
    try:
        return (file.inode.sock_send(file, data, si_flags),)
    except KernelError as error:
        broken_pipe(kernel, process, error)
        raise


@syscall("sock_shutdown")
def sock_shutdown(kernel: Kernel, process: Process, fd: int, how: int) -> tuple[()]:
    if how & ~SDFLAGS_ALL:
        raise KernelError(wasi.EINVAL, "unknown sdflags")
    file = _socket(process, fd, wasi.RIGHT_SOCK_SHUTDOWN).file
    file.inode.sock_shutdown(file, how)
    return ()
