"""HostStream: a character device joining a kernel file to a byte stream of the host.

Layer: devices; imports file.py and wait.py. Output goes to a callback given at
construction (the host's console, or a real stdout on the native host); input is
whatever the host feeds with `feed()`, and `feed_eof()` marks its end. A read with
nothing buffered parks on `readable` (WouldBlock) until data or end of file arrives;
after end of file, reads return b'' once the buffer is drained, for good.
A stream built with write=None is read-only: writes fail with EBADF.

A stream is a terminal (the console, a host tty: the default) or not (a pipe or file
on the host side, captured output). A terminal is a character device that cannot seek,
so wasi-libc's isatty() is true; any other stream reports the file type wasmtime
reports for redirected stdio, UNKNOWN, so isatty() is false.
"""

from __future__ import annotations

from collections.abc import Callable

from ..abi import wasi
from ..errors import KernelError, WouldBlock
from ..file import POLLHUP, POLLIN, POLLOUT, FileSystem, OpenFile
from ..wait import WaitQueue
from .misc import CharacterDevice


class HostStream(CharacterDevice):
    seekable = False

    def __init__(self, fs: FileSystem, ino: int, write: Callable[[bytes], None] | None,
                 terminal: bool = True) -> None:
        super().__init__(fs, ino, 0o620 if write is not None else 0o440)
        if not terminal:
            self.filetype = wasi.FILETYPE_UNKNOWN
        self.output = write
        self.buffer = bytearray()
        self.eof = False
        self.readable = WaitQueue()

    # --- host side ---
    def feed(self, data: bytes) -> None:
        """Host input arrived: buffer it and wake readers."""
        if data:
            self.buffer += data
            self.readable.wake_all()

    def feed_eof(self) -> None:
        """The host input ended: readers get end of file once the buffer is drained."""
        self.eof = True
        self.readable.wake_all()

    # --- kernel side ---
    def read(self, file: OpenFile, offset: int, size: int) -> bytes:
        if not self.buffer:
            if self.eof or size == 0:
                return b""
            raise WouldBlock(self.readable)
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def write(self, file: OpenFile, offset: int, data: bytes) -> int:
        if self.output is None:
            raise KernelError(wasi.EBADF, "read-only stream")
        self.output(data)
        return len(data)

    def poll(self, file: OpenFile) -> tuple[int, int]:
        bits = POLLOUT if self.output is not None else 0
        if self.buffer:
            bits |= POLLIN
        elif self.eof:
            bits |= POLLIN | POLLHUP
        return (bits, len(self.buffer))

    def poll_queues(self) -> tuple[WaitQueue, ...]:
        return (self.readable,)
