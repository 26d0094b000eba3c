"""ioctl: device control requests, with Linux's numbers (libwasmux passes them through).

Layer: syscall handlers; call fdtable and the inode's `ioctl`. `arg` holds the bytes of
the request's structure (or of an int passed by value); the handler returns the bytes
to copy back and the call's result. Requests that apply to every descriptor are
answered here: FIONBIO (O_NONBLOCK), FIOCLEX/FIONCLEX (close-on-exec) and FIONREAD on
anything but a terminal (bytes readable now, from the inode's poll). Everything else
goes to the inode: terminals and pseudo-terminal masters answer theirs, every other
file fails with ENOTTY.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from ..abi import wasi
from ..errors import KernelError
from . import wasmux_syscall

if TYPE_CHECKING:
    from ..kernel import Kernel
    from ..proc import Process

FIONREAD, FIONBIO, FIONCLEX, FIOCLEX = 0x541B, 0x5421, 0x5450, 0x5451
INT = struct.Struct("<i")


def _int_argument(arg: bytes) -> int:
    if len(arg) != INT.size:
        raise KernelError(wasi.EINVAL, f"ioctl argument is {len(arg)} bytes, not an int")
    return INT.unpack(arg)[0]


@wasmux_syscall("ioctl")
def ioctl(kernel: Kernel, process: Process, fd: int, request: int,
          arg: bytes) -> tuple[bytes, int]:
    entry = process.fds.get(fd)
    file = entry.file
    if request == FIONBIO:
        if _int_argument(arg):
            file.flags |= wasi.FDFLAGS_NONBLOCK
        else:
            file.flags &= ~wasi.FDFLAGS_NONBLOCK
        return (arg, 0)
    if request in (FIOCLEX, FIONCLEX):
        entry.cloexec = request == FIOCLEX
        return (arg, 0)
    try:
        return file.inode.ioctl(file, process, request, arg)
    except KernelError as error:
        if request != FIONREAD or error.errno != wasi.ENOTTY:
            raise
    if file.inode.filetype == wasi.FILETYPE_DIRECTORY:
        raise KernelError(wasi.ENOTTY, "FIONREAD on a directory")
    return (INT.pack(file.inode.poll(file)[1]), 0)
