"""Helpers for unit tests that drive the kernel through its syscalls, as a guest would.

`call` runs a syscall that must finish at once; `start` submits one that may park and
records the replies it gets later; `open_fd` opens a path straight through the VFS (so
the fd tests do not depend on path_open) and installs it in the process's table.
"""

from __future__ import annotations

from typing import Any

from wasmux.abi import wasi
from wasmux.abi.table import BY_NAME, WASI, WASMUX
from wasmux.fdtable import Descriptor, FdTable
from wasmux.hosts.memory import WASM_MAGIC
from wasmux.kernel import Kernel
from wasmux.proc import Process


def number(name: str) -> int:
    """The number of the syscall `name` (WASI's or the wasmux module's)."""
    return (BY_NAME.get((WASI, name)) or BY_NAME[(WASMUX, name)]).number


def call(kernel: Kernel, process: Process, name: str, *args: Any) -> tuple[int, tuple[Any, ...]]:
    """(errno, outs) of a call that must not park."""
    def unexpected(errno: int, outs: tuple[Any, ...]) -> None:
        raise AssertionError(f"{name} replied late")
    result = kernel.submit(process, number(name), args, unexpected)
    assert result is not None, f"{name} parked"
    return result


class Pending:
    """A submitted call: `result` is its (errno, outs) once it has completed."""

    def __init__(self, kernel: Kernel, process: Process, name: str, *args: Any) -> None:
        self.replies: list[tuple[int, tuple[Any, ...]]] = []
        immediate = kernel.submit(process, number(name), args, self._reply)
        self.parked = immediate is None
        if immediate is not None:
            self.replies.append(immediate)

    def _reply(self, errno: int, outs: tuple[Any, ...]) -> None:
        self.replies.append((errno, outs))

    @property
    def done(self) -> bool:
        return bool(self.replies)

    @property
    def result(self) -> tuple[int, tuple[Any, ...]]:
        assert len(self.replies) == 1, self.replies
        return self.replies[0]


def open_fd(kernel: Kernel, process: Process, path: str, oflags: int = wasi.OFLAGS_CREAT,
            readable: bool = True, writable: bool = True, fdflags: int = 0,
            rights: int = wasi.RIGHTS_ALL) -> int:
    vfs = kernel.vfs
    file = vfs.open(process, vfs.root, path, oflags, True, readable, writable, fdflags, path)
    return process.fds.install(Descriptor(file, rights, rights))


def spawn_test_process(kernel: Kernel, argv: list[bytes] | None = None) -> Process:
    """A process with 0 = /dev/null, 1 and 2 = console, 3 = preopened '/'."""
    vfs = kernel.vfs
    fds = FdTable()
    for fd, path, writable in ((0, "/dev/null", False), (1, "/dev/console", True),
                               (2, "/dev/console", True)):
        file = vfs.open(None, vfs.root, path, 0, True, not writable, writable, 0, path)
        fds.install_at(fd, Descriptor(file, wasi.RIGHTS_ALL, wasi.RIGHTS_ALL))
    fds.install_at(3, kernel.root_descriptor())
    return kernel.spawn(WASM_MAGIC, argv or [b"prog"], [], fds)
