"""Helpers for unit tests of the wasmux process calls on the memory host.

`call` runs a wasmux (or WASI, by name) syscall that must finish at once; `Pending`
submits one that may park and collects its late replies; `install` writes a program
file into the VFS; `packed` joins strings as the spawn calls take them.
"""

from __future__ import annotations

from wasi_calls import Pending, call, number  # noqa: F401 (re-exported for the tests)
from wasmux.abi import wasi
from wasmux.hosts.memory import WASM_MAGIC
from wasmux.kernel import Kernel
from wasmux.proc import Process


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
