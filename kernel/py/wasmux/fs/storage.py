"""Storage: the named byte objects the persistent filesystem keeps its state in.

Layer: below fs/persistent.py and fs/journal.py; imports only the standard library.
The interface is what OPFS sync access handles offer, so the browser backend maps onto
FileSystemSyncAccessHandle (read/write/truncate/getSize/flush/close) plus directory
handle operations (getFileHandle with create, removeEntry, entries). Everything is
synchronous. At most one handle per object name is open at a time (OPFS sync access
handles are exclusive); callers close a handle before opening the name again.

Durability model, for every backend: an object's bytes are durable once its
`flush()` returned. Creating or deleting a name becomes durable at the next `flush()`
of any object. Unflushed writes may be lost after a crash, in whole or in part.

Backends: `MemoryStorage` (tests; `crash()` simulates a kill by keeping flushed state
and a random prefix of what was not flushed, the last piece possibly torn) and
`DirectoryStorage` (a host directory; flush is fsync, plus an fsync of the directory
when names changed; written ranges are handed to the host's writeback as they grow,
so that fsync mostly finds the work done).
"""

from __future__ import annotations

import ctypes
import errno
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol


class StorageError(Exception):
    """A storage operation failed (the persistent filesystem reports EIO)."""


class StorageFull(StorageError):
    """No room for a write or an extension; nothing was changed (reported as ENOSPC)."""


class SimulatedCrash(Exception):
    """Raised by MemoryStorage once an armed crash point is reached (tests only)."""


class StorageObject(Protocol):
    def read(self, offset: int, size: int) -> bytes:
        """Up to `size` bytes at `offset`; fewer (or b'') at the end of the object."""
        ...

    def write(self, offset: int, data: bytes) -> None:
        """Write all of `data` at `offset` (zero-filling any gap); raises StorageFull
        leaving the object as it was."""
        ...

    def truncate(self, size: int) -> None:
        """Shrink, or extend with zeros (StorageFull leaves it as it was)."""
        ...

    def size(self) -> int: ...

    def flush(self) -> None:
        """Make every change to this object, and every name created or deleted so far,
        durable."""
        ...

    def close(self) -> None:
        """Release the handle; unflushed changes are not guaranteed durable."""
        ...


class Storage(Protocol):
    def open(self, name: str, create: bool = False) -> StorageObject:
        """Open object `name`; a missing name raises FileNotFoundError unless `create`."""
        ...

    def delete(self, name: str) -> None:
        """Remove object `name` (its handle must be closed); missing names are ignored."""
        ...

    def names(self) -> list[str]: ...

    def usage(self) -> tuple[int, int]:
        """(bytes used, bytes capacity) for statfs."""
        ...


# --- memory backend with crash simulation ---

@dataclass(eq=False)
class _MemoryBlob:
    data: bytearray = field(default_factory=bytearray)
    durable: bytes = b""
    # changes since the last flush: ("w", offset, data) or ("t", size, b"")
    pending: list[tuple[str, int, bytes]] = field(default_factory=list)
    open: bool = False


def _apply(buffer: bytearray, kind: str, position: int, data: bytes) -> None:
    if kind == "t":
        if position < len(buffer):
            del buffer[position:]
        else:
            buffer.extend(bytes(position - len(buffer)))
        return
    if position > len(buffer):
        buffer.extend(bytes(position - len(buffer)))
    buffer[position:position + len(data)] = data


class _MemoryHandle:
    def __init__(self, storage: MemoryStorage, blob: _MemoryBlob) -> None:
        self.storage = storage
        self.blob: _MemoryBlob | None = blob

    def _live(self) -> _MemoryBlob:
        if self.blob is None or not self.blob.open:
            raise StorageError("handle used after close or crash")
        return self.blob

    def read(self, offset: int, size: int) -> bytes:
        return bytes(self._live().data[offset:offset + size])

    def write(self, offset: int, data: bytes) -> None:
        blob = self._live()
        self.storage.tick()
        self.storage.reserve(blob, max(len(blob.data), offset + len(data)))
        data = bytes(data)
        _apply(blob.data, "w", offset, data)
        blob.pending.append(("w", offset, data))

    def truncate(self, size: int) -> None:
        blob = self._live()
        self.storage.tick()
        self.storage.reserve(blob, size)
        _apply(blob.data, "t", size, b"")
        blob.pending.append(("t", size, b""))

    def size(self) -> int:
        return len(self._live().data)

    def flush(self) -> None:
        blob = self._live()
        self.storage.tick()
        blob.durable = bytes(blob.data)
        blob.pending.clear()
        self.storage.flush_names()
        self.storage.flushes += 1

    def close(self) -> None:
        if self.blob is not None:
            self.blob.open = False
            self.blob = None


class MemoryStorage:
    """Objects in memory. `crash()` drops what a kill may drop; `capacity` (bytes)
    makes writes past it raise StorageFull."""

    def __init__(self, capacity: int | None = None) -> None:
        self.capacity = capacity
        self.blobs: dict[str, _MemoryBlob] = {}
        self.durable_names: dict[str, _MemoryBlob] = {}
        self.name_changes: list[tuple[str, _MemoryBlob | None]] = []
        self.flushes = 0
        self.crash_countdown: int | None = None

    def arm_crash(self, operations: int) -> None:
        """Make the storage die (raise SimulatedCrash from then on) after `operations`
        more writes, truncates, flushes, creates or deletes; call crash() afterwards."""
        self.crash_countdown = operations

    def tick(self) -> None:
        if self.crash_countdown is not None:
            if self.crash_countdown <= 0:
                raise SimulatedCrash()
            self.crash_countdown -= 1

    def reserve(self, blob: _MemoryBlob, new_size: int) -> None:
        """Raise StorageFull if growing `blob` to `new_size` exceeds the capacity."""
        if self.capacity is None or new_size <= len(blob.data):
            return
        used = sum(len(other.data) for other in self.blobs.values())
        if used - len(blob.data) + new_size > self.capacity:
            raise StorageFull(f"{new_size - len(blob.data)} bytes do not fit")

    def flush_names(self) -> None:
        for name, blob in self.name_changes:
            if blob is None:
                self.durable_names.pop(name, None)
            else:
                self.durable_names[name] = blob
        self.name_changes.clear()

    def open(self, name: str, create: bool = False) -> StorageObject:
        blob = self.blobs.get(name)
        if blob is None:
            if not create:
                raise FileNotFoundError(name)
            self.tick()
            blob = self.blobs[name] = _MemoryBlob()
            self.name_changes.append((name, blob))
        if blob.open:
            raise StorageError(f"{name} is already open")
        blob.open = True
        return _MemoryHandle(self, blob)

    def delete(self, name: str) -> None:
        self.tick()
        blob = self.blobs.pop(name, None)
        if blob is not None:
            assert not blob.open, f"{name} deleted while open"
            self.name_changes.append((name, None))

    def names(self) -> list[str]:
        return list(self.blobs)

    def usage(self) -> tuple[int, int]:
        used = sum(len(blob.data) for blob in self.blobs.values())
        return used, self.capacity if self.capacity is not None else max(used, 1 << 30)

    def crash(self, rng: random.Random) -> None:
        """Simulate a kill: every handle dies; each object keeps its flushed bytes plus a
        random prefix of its unflushed changes, the last kept write possibly torn;
        a random prefix of unflushed name changes survives."""
        self.crash_countdown = None
        for blob in self.blobs.values():
            blob.open = False
        names = dict(self.durable_names)
        for name, changed in self.name_changes[:rng.randint(0, len(self.name_changes))]:
            if changed is None:
                names.pop(name, None)
            else:
                names[name] = changed
        survivors: dict[str, _MemoryBlob] = {}
        for name, blob in names.items():
            content = bytearray(blob.durable)
            kept = rng.randint(0, len(blob.pending))
            for kind, position, data in blob.pending[:kept]:
                _apply(content, kind, position, data)
            if kept < len(blob.pending) and rng.random() < 0.5:
                kind, position, data = blob.pending[kept]
                if kind == "w" and data:
                    _apply(content, kind, position, data[:rng.randint(0, len(data) - 1)])
            survivors[name] = _MemoryBlob(content, bytes(content))
        self.blobs = survivors
        self.durable_names = dict(survivors)
        self.name_changes = []


# --- host directory backend ---

WRITEBACK_BYTES = 1 << 20  # written bytes after which the host starts writing them back


def _start_writeback() -> Callable[[int, int, int], None] | None:
    """Linux's sync_file_range(fd, offset, length, SYNC_FILE_RANGE_WRITE): start writing
    a range back without waiting, so a later fsync finds most of it done. None where
    the C library lacks it."""
    try:
        function = ctypes.CDLL(None, use_errno=True).sync_file_range
    except (AttributeError, OSError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    return lambda fd, offset, length: function(fd, offset, length, 2)


START_WRITEBACK = _start_writeback()


class _FileHandle:
    """An object file. Written ranges are handed to the host's writeback every
    WRITEBACK_BYTES, so the fsync of a long stream of writes (close of a written file
    is one) only waits for the tail instead of all of it."""

    def __init__(self, storage: DirectoryStorage, fd: int) -> None:
        self.storage = storage
        self.fd = fd
        self.length = os.fstat(fd).st_size  # kept here: this handle is the only writer
        self.unstarted = (0, 0)  # (start, end) of the writes not handed to writeback

    def read(self, offset: int, size: int) -> bytes:
        return os.pread(self.fd, size, offset)

    def write(self, offset: int, data: bytes) -> None:
        old_size = self.length
        view = memoryview(data)
        start, end = offset, offset + len(data)
        try:
            while view:
                written = os.pwrite(self.fd, view, offset)
                view = view[written:]
                offset += written
        except OSError as error:
            if os.fstat(self.fd).st_size > old_size:
                os.ftruncate(self.fd, old_size)
            raise _storage_error(error) from error
        self.length = max(old_size, end)
        if START_WRITEBACK is not None:
            if self.unstarted[0] < self.unstarted[1]:
                start, end = min(start, self.unstarted[0]), max(end, self.unstarted[1])
            if end - start < WRITEBACK_BYTES:
                self.unstarted = (start, end)
            else:
                START_WRITEBACK(self.fd, start, end - start)
                self.unstarted = (0, 0)

    def truncate(self, size: int) -> None:
        try:
            os.ftruncate(self.fd, size)
        except OSError as error:
            raise _storage_error(error) from error
        self.length = size

    def size(self) -> int:
        return self.length

    def flush(self) -> None:
        os.fsync(self.fd)
        self.unstarted = (0, 0)
        self.storage.sync_directory()

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def _storage_error(error: OSError) -> StorageError:
    if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return StorageFull(str(error))
    return StorageError(str(error))


class DirectoryStorage:
    """Objects are files in one host directory (created if missing)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        os.makedirs(self.path, exist_ok=True)
        self.names_dirty = False

    def _path(self, name: str) -> str:
        if not name or "/" in name or name in (".", ".."):
            raise StorageError(f"bad object name {name!r}")
        return os.path.join(self.path, name)

    def sync_directory(self) -> None:
        """fsync the directory if names were created or deleted since the last time."""
        if self.names_dirty:
            directory = os.open(self.path, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
            self.names_dirty = False

    def open(self, name: str, create: bool = False) -> StorageObject:
        path = self._path(name)
        flags = os.O_RDWR | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(path, flags)
        except FileNotFoundError:
            if not create:
                raise
            try:
                fd = os.open(path, flags | os.O_CREAT, 0o600)
            except OSError as error:
                raise _storage_error(error) from error
            self.names_dirty = True
        return _FileHandle(self, fd)

    def delete(self, name: str) -> None:
        try:
            os.unlink(self._path(name))
        except FileNotFoundError:
            return
        self.names_dirty = True

    def names(self) -> list[str]:
        return os.listdir(self.path)

    def usage(self) -> tuple[int, int]:
        stat = os.statvfs(self.path)
        total = stat.f_blocks * stat.f_frsize
        return total - stat.f_bavail * stat.f_frsize, total
