"""Helpers for unit tests of the wasmux process calls on the memory host.

`call` runs a wasmux (or WASI, by name) syscall that must finish at once; `Pending`
submits one that may park and collects its late replies; `install` writes a program
file into the VFS; `packed` joins strings as the spawn calls take them.
"""

from __future__ import annotations

from typing import Any

from wasmux.abi import wasi
from wasmux.abi.table import BY_NAME, WASI, WASMUX
from wasmux.hosts.memory import WASM_MAGIC
from wasmux.kernel import Kernel
from wasmux.proc import Process


def number(name: str) -> int:
    call = BY_NAME.get((WASMUX, name)) or BY_NAME[(WASI, name)]
    return call.number


def call(kernel: Kernel, process: Process, name: str, *args: Any) -> tuple[int, tuple[Any, ...]]:
    """(errno, outs) of a call that must not park."""
    def late(errno: int, outs: tuple[Any, ...]) -> None:
        raise AssertionError(f"{name} replied late")
    result = kernel.submit(process, number(name), args, late)
    assert result is not None, f"{name} parked"
    return result


class Pending:
    """A submitted call; `replies` collects (errno, outs) as they come."""

    def __init__(self, kernel: Kernel, process: Process, name: str, *args: Any) -> None:
        self.replies: list[tuple[int, tuple[Any, ...]]] = []
        immediate = kernel.submit(process, number(name), args, self._reply)
        if immediate is not None:
            self.replies.append(immediate)

    def _reply(self, errno: int, outs: tuple[Any, ...]) -> None:
        self.replies.append((errno, outs))

    @property
    def result(self) -> tuple[int, tuple[Any, ...]]:
        assert len(self.replies) == 1, self.replies
        return self.replies[0]


def install(kernel: Kernel, path: str, data: bytes = WASM_MAGIC, mode: int = 0o755) -> None:
    """Create (or replace) the file `path` holding `data`, with `mode`, and its
    directory if missing."""
    vfs = kernel.vfs
    directory = path.rsplit("/", 1)[0] or "/"
    if vfs.lookup(None, vfs.root, directory).inode is None:
        vfs.make_directory(None, vfs.root, directory)
    file = vfs.open(None, vfs.root, path, wasi.OFLAGS_CREAT | wasi.OFLAGS_TRUNC, True,
                    False, True, 0, path)
    file.write(data)
    file.inode.set_mode(mode)
    file.unref()


def packed(*items: str) -> bytes:
    return b"".join(item.encode() + b"\0" for item in items)


def spawn(kernel: Kernel, parent: Process, path: str, *argv: str, actions: bytes = b"",
          flags: int = 0, pgid: int = 0, sigmask: int = 0,
          sigdefault: int = 0) -> tuple[int, Process | None]:
    """(errno, child) of the spawn syscall."""
    errno, outs = call(kernel, parent, "spawn", path, packed(*(argv or (path,))), b"",
                       actions, flags, pgid, sigmask, sigdefault)
    return errno, kernel.processes.get(outs[0]) if not errno else None
