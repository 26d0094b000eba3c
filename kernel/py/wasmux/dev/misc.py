"""The memory character devices: /dev/null, /dev/zero, /dev/full, /dev/random, /dev/urandom.

Layer: devices; imports file.py. They are always ready (never block), have size 0 and
accept seeks that mean nothing, as on Linux.
"""

from __future__ import annotations

from collections.abc import Callable

from ..abi import wasi
from ..errors import KernelError
from ..file import FileSystem, Inode, OpenFile

RANDOM_READ_LIMIT = 1 << 20


class CharacterDevice(Inode):
    """Base of device inodes. A device starts unlinked (nlink 0) until a filesystem
    links it into a directory."""

    filetype = wasi.FILETYPE_CHARACTER_DEVICE

    def __init__(self, fs: FileSystem, ino: int, mode: int = 0o666) -> None:
        super().__init__(fs, ino, mode)
        self.nlink = 0


class NullDevice(CharacterDevice):
    """Reads end of file at once; writes are discarded."""

    def read(self, file: OpenFile, offset: int, size: int) -> bytes:
        return b""

    def write(self, file: OpenFile, offset: int, data: bytes) -> int:
        return len(data)


class ZeroDevice(NullDevice):
    """Reads zero bytes without end; writes are discarded."""

    def read(self, file: OpenFile, offset: int, size: int) -> bytes:
        return bytes(size)


class FullDevice(ZeroDevice):
    """Reads like /dev/zero; every write fails with ENOSPC."""

    def write(self, file: OpenFile, offset: int, data: bytes) -> int:
        raise KernelError(wasi.ENOSPC)


class RandomDevice(NullDevice):
    """Reads bytes from the host's random source (at most 1 MiB per read); writes are
    discarded (they would only add entropy)."""

    def __init__(self, fs: FileSystem, ino: int, random_bytes: Callable[[int], bytes]) -> None:
        super().__init__(fs, ino)
        self.random_bytes = random_bytes

    def read(self, file: OpenFile, offset: int, size: int) -> bytes:
        return self.random_bytes(min(size, RANDOM_READ_LIMIT))
