"""Working directory and file creation mask: chdir, fchdir, getcwd, umask.

Layer: syscall handlers; use the VFS to check directories. The working directory is
kept as a normalised absolute path string (lexical, as wasi-libc resolves relative
paths against its own copy, which libwasmux keeps in step); spawned processes inherit
it and the umask.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from ..abi import wasi
from ..errors import KernelError
from ..fs.vfs import is_directory
from . import wasmux_syscall

if TYPE_CHECKING:
    from ..kernel import Kernel
    from ..proc import Process


def _enter(kernel: Kernel, process: Process, path: str) -> tuple[()]:
    """Make the absolute `path` the cwd if it is a directory (ENOENT, ENOTDIR)."""
    path = posixpath.normpath(path)
    if path.startswith("//"):
        path = "/" + path.lstrip("/")
    if not is_directory(kernel.vfs.resolve(process, kernel.vfs.root, path)):
        raise KernelError(wasi.ENOTDIR)
    process.cwd = path
    return ()


@wasmux_syscall("chdir")
def chdir(kernel: Kernel, process: Process, path: str) -> tuple[()]:
    if not path:
        raise KernelError(wasi.ENOENT)
    return _enter(kernel, process, posixpath.join(process.cwd, path))


@wasmux_syscall("fchdir")
def fchdir(kernel: Kernel, process: Process, fd: int) -> tuple[()]:
    """The directory fd was opened with (its recorded path)."""
    file = process.fds.get(fd).file
    if not is_directory(file.inode):
        raise KernelError(wasi.ENOTDIR)
    return _enter(kernel, process, file.path or "/")


@wasmux_syscall("getcwd")
def getcwd(kernel: Kernel, process: Process, buf_len: int) -> tuple[bytes, int]:
    """The cwd without a terminating NUL; ERANGE if it does not fit in buf_len."""
    path = process.cwd.encode()
    if len(path) > buf_len:
        raise KernelError(wasi.ERANGE)
    return (path, len(path))


@wasmux_syscall("umask")
def umask(kernel: Kernel, process: Process, mask: int) -> tuple[int]:
    old = process.umask
    process.umask = mask & 0o777
    return (old,)
