"""OPFSStorage: the Storage interface (fs/storage.py) over OPFS sync access handles.

Layer: below fs/persistent.py; imports fs/storage.py, wait.py and the standard library.
It never imports `js`: the browser's kernel worker hands it a driver (the JS object of
kernel/drivers/opfs.js, or a fake in tests) and a bytearray through which bytes move.

Why a pool: opening or creating an OPFS file is asynchronous, while the kernel is
synchronous. So the driver opens a sync access handle on every file of the store
before the kernel starts and keeps a pool of spare empty files, refilled in the
background. Files are named by the driver (`o.<n>`); the object's name lives in a
64-byte header at the start of its file (magic, CRC, length, UTF-8 name). A spare has
an empty name. Creating an object names a spare; deleting one clears its header and
returns the file to the pool once that is durable.

Durability, as the interface requires: an object's bytes are durable once its
flush() returned; a name change (create or delete) is durable at the next flush of any
object, because every flush first flushes the headers written since the last one. A
header torn by a crash fails its CRC and reads as a spare (its creation was not yet
durable, so losing it is allowed).

Stored ranges: while `lazy_reads` is on, an object read returns a StoredRange (which
driver file, from where, how many bytes) instead of the bytes. The Pyodide host turns
it on only while it runs a call whose outs are iovs_out (fd_read, fd_pread, receives):
such a call's result goes straight into its reply, and the kernel worker then reads the
range from OPFS straight into the calling process's buffers (its memory is shared with
the kernel worker) or else its channel, with no copy through Python. Everything else (exec loading a module, the journal, tests) gets bytes, and
bytes(range) reads a range here (a reply withheld from a stopped process).

Request bytes, the other way: a large write to a file of the root (fd_write, fd_pwrite)
reaches an object's write as a RequestBytes, the bytes still in the writing process's
channel or memory, and the kernel worker writes them into the driver file from there (no
copy through Python; hosts/pyodide.py decides, only for writes whose target is such a
file).

When the pool is empty, creating a `data.*` object parks the syscall (WouldBlock on
`spares_ready`, woken when the driver refills); the last RESERVE spares are kept for
the journal's own objects, whose creation cannot wait. Quota exhaustion
(QuotaExceededError, or the optional `capacity` used by tests) is StorageFull and leaves
the object as it was.

Driver contract (all synchronous; `file` is a driver file name; byte ranges are those
of the attached buffer `io`, starting at 0):
  files() -> list of file names     read(file, at, size) -> bytes read into io
  write(file, at, size) -> size, -1 quota exceeded, -2 other failure
  truncate(file, size) -> 0, -1, -2  size(file) -> int   flush(file) -> None
  take_spare() -> file name, or "" when the pool is empty;  spare_count() -> int
  recycle(files) -> None: these files are spares now (their empty header is durable)
  usage() -> [used, quota] (estimate, refreshed by the driver)
  number(file) -> int: the number by which the kernel worker finds a file when it reads
      a stored range (OPFSDriver.readInto)
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from typing import Any, cast

from ..errors import WouldBlock
from ..wait import WaitQueue
from .storage import StorageError, StorageFull, StorageObject

HEADER_SIZE = 64
MAGIC = b"WXO1"
_HEADER = struct.Struct("<4sIH")  # magic, crc32 of the name, name length
NAME_LIMIT = HEADER_SIZE - _HEADER.size
RESERVE = 4
QUOTA_EXCEEDED = -1


def encode_header(name: str) -> bytes:
    """The header of a file holding object `name` ('' for a spare)."""
    raw = name.encode()
    if len(raw) > NAME_LIMIT:
        raise StorageError(f"object name {name!r} is too long")
    header = _HEADER.pack(MAGIC, zlib.crc32(raw), len(raw)) + raw
    return header + bytes(HEADER_SIZE - len(header))


def decode_header(header: bytes) -> str:
    """The object name a header holds; '' for a spare, a torn or a foreign header."""
    if len(header) < HEADER_SIZE:
        return ""
    magic, crc, length = _HEADER.unpack_from(header)
    raw = header[_HEADER.size:_HEADER.size + length]
    if magic != MAGIC or length > NAME_LIMIT or zlib.crc32(raw) != crc:
        return ""
    try:
        return raw.decode()
    except UnicodeDecodeError:
        return ""


class StoredRange:
    """`length` bytes of driver file `file` from `position`, not read yet: an object
    read while the storage's `lazy_reads` is on (see the module docstring). Valid until
    the reply of the call that made it is encoded. Bytes the file turns out not to have
    read as zeros. Concatenation or bytes() reads it."""

    __slots__ = ("file", "length", "position", "storage")

    def __init__(self, storage: OPFSStorage, file: str, position: int, length: int) -> None:
        self.storage = storage
        self.file = file
        self.position = position
        self.length = length

    def __len__(self) -> int:
        return self.length

    def __bytes__(self) -> bytes:
        data = self.storage.read(self.file, self.position, self.length)
        return data + bytes(self.length - len(data))

    def __add__(self, other: bytes) -> bytes:
        return bytes(self) + other

    def __repr__(self) -> str:
        return f"StoredRange({self.file!r}, {self.position}, {self.length})"

    def number(self) -> int:
        """The driver's number of the file (for OPFSDriver.readInto)."""
        return self.storage.number(self.file)


class RequestBytes:
    """The `length` bytes a write request of process `pid` carries, left in its channel or
    its memory (see the module docstring): `write_into(number, at)` has the kernel worker
    write them into the driver file numbered `number` from `at` and returns the count, or
    the driver's failure code. Valid while that call is in flight (parked included: the
    process waits, its buffers untouched). Typed as the bytes it stands for: only a write
    whose target is a file of the root gets one, and nothing on that path keeps it."""

    __slots__ = ("length", "pid", "writer")

    def __init__(self, writer: Callable[[int, int, int, int], int], pid: int,
                 length: int) -> None:
        self.writer = writer
        self.pid = pid
        self.length = length

    def __len__(self) -> int:
        return self.length

    def __repr__(self) -> str:
        return f"RequestBytes(pid {self.pid}, {self.length})"

    def write_into(self, number: int, at: int) -> int:
        return int(self.writer(self.pid, number, at, self.length))


class OPFSObject:
    """An open object: its bytes start HEADER_SIZE bytes into the driver file."""

    def __init__(self, storage: OPFSStorage, name: str, file: str) -> None:
        self.storage = storage
        self.name = name
        self.file: str | None = file

    def _file(self) -> str:
        if self.file is None:
            raise StorageError(f"{self.name}: handle used after close")
        return self.file

    def read(self, offset: int, size: int) -> bytes:
        """The bytes; while the storage's `lazy_reads` is on, a StoredRange in their
        place (typed as the bytes it stands for: only a call whose result goes straight
        into its reply sees one, see the module docstring)."""
        storage = self.storage
        if storage.lazy_reads:
            return cast(bytes, storage.stored_range(self._file(), HEADER_SIZE + offset, size))
        return storage.read(self._file(), HEADER_SIZE + offset, size)

    def write(self, offset: int, data: bytes) -> None:
        self.storage.write(self._file(), HEADER_SIZE + offset, data)

    def truncate(self, size: int) -> None:
        self.storage.truncate(self._file(), HEADER_SIZE + size)

    def size(self) -> int:
        return self.storage.driver.size(self._file()) - HEADER_SIZE

    def flush(self) -> None:
        self.storage.flush(self._file())

    def close(self) -> None:
        if self.file is not None:
            self.storage.opened.discard(self.name)
            self.file = None


class OPFSStorage:
    """Named objects in the driver's files (see the module docstring)."""

    def __init__(self, driver: Any, io: bytearray, capacity: int | None = None) -> None:
        self.driver = driver
        self.io = io
        self.capacity = capacity
        self.spares_ready = WaitQueue()
        self.objects: dict[str, str] = {}  # object name -> driver file
        self.opened: set[str] = set()
        self.unflushed_headers: set[str] = set()  # driver files
        self.released: list[str] = []  # deleted: spares once their header is durable
        self.sizes: dict[str, int] = {}
        self.numbers: dict[str, int] = {}  # driver files -> driver.number(file), cached
        self.lazy_reads = False  # object reads return StoredRanges (module docstring)
        spares: list[str] = []
        for file in driver.files():
            self.sizes[file] = int(driver.size(file))
            name = decode_header(self.read(file, 0, HEADER_SIZE))
            if name and name not in self.objects:
                self.objects[name] = file
            else:
                spares.append(file)
        driver.recycle(spares)

    # --- Storage ---
    def open(self, name: str, create: bool = False) -> StorageObject:
        if name in self.opened:
            raise StorageError(f"{name} is already open")
        file = self.objects.get(name)
        if file is None:
            if not create:
                raise FileNotFoundError(name)
            file = self._spare(name)
            self.truncate(file, HEADER_SIZE)
            self.write(file, 0, encode_header(name))
            self.unflushed_headers.add(file)
            self.objects[name] = file
        self.opened.add(name)
        return OPFSObject(self, name, file)

    def delete(self, name: str) -> None:
        file = self.objects.pop(name, None)
        if file is None:
            return
        assert name not in self.opened, f"{name} deleted while open"
        self.write(file, 0, encode_header(""))
        self.truncate(file, HEADER_SIZE)
        self.unflushed_headers.add(file)
        self.released.append(file)

    def names(self) -> list[str]:
        return list(self.objects)

    def usage(self) -> tuple[int, int]:
        used = sum(self.sizes.values())
        if self.capacity is not None:
            return used, self.capacity
        _, quota = self.driver.usage()
        return used, max(int(quota), used)

    def spares_refilled(self) -> None:
        """The driver added spare files: wake syscalls parked on creating an object."""
        self.spares_ready.wake_all()

    # --- byte moves through the attached buffer, and stored ranges ---
    def stored_range(self, file: str, at: int, size: int) -> bytes | StoredRange:
        """Up to `size` bytes of `file` at `at`, as a range not read yet (b'' at the end)."""
        length = min(size, self.sizes[file] - at)
        if length <= 0:
            return b""
        return StoredRange(self, file, at, length)

    def number(self, file: str) -> int:
        number = self.numbers.get(file)
        if number is None:
            number = self.numbers[file] = int(self.driver.number(file))
        return number

    def read(self, file: str, at: int, size: int) -> bytes:
        chunks = []
        limit = len(self.io)
        while size > 0:
            count = int(self.driver.read(file, at, min(size, limit)))
            if count <= 0:
                break
            with memoryview(self.io) as view:
                chunks.append(bytes(view[:count]))  # one copy, not two
            at += count
            size -= count
        return b"".join(chunks)

    def write(self, file: str, at: int, data: bytes) -> None:
        old_size = self.sizes[file]
        new_size = max(old_size, at + len(data))
        self._reserve(old_size, new_size)
        if type(data) is RequestBytes:
            self._check_write(data.write_into(self.number(file), at), file, old_size, data)
            self.sizes[file] = new_size
            return
        view = memoryview(data)
        position = at
        limit = len(self.io)
        while view:
            step = min(len(view), limit)
            self.io[:step] = view[:step]
            self._check_write(int(self.driver.write(file, position, step)), file, old_size,
                              data)
            view = view[step:]
            position += step
        self.sizes[file] = new_size

    def _check_write(self, result: int, file: str, old_size: int, data: bytes) -> None:
        """A failed write (result < 0) leaves the file at its old size and raises."""
        if result < 0:
            if int(self.driver.size(file)) > old_size:
                self.driver.truncate(file, old_size)
            self._fail(result, f"writing {len(data)} bytes")

    def truncate(self, file: str, size: int) -> None:
        self._reserve(self.sizes[file], size)
        result = int(self.driver.truncate(file, size))
        if result < 0:
            self._fail(result, f"extending to {size} bytes")
        self.sizes[file] = size

    def flush(self, file: str) -> None:
        """Flush `file` after every header changed since the last flush."""
        for other in self.unflushed_headers:
            self.driver.flush(other)
        self.unflushed_headers.clear()
        self.driver.flush(file)
        self._recycle()

    def _recycle(self) -> None:
        """Deleted files whose cleared header is now durable go back to the pool."""
        if self.released:
            self.driver.recycle(self.released)
            self.released = []

    def _reserve(self, old_size: int, new_size: int) -> None:
        if self.capacity is None or new_size <= old_size:
            return
        if sum(self.sizes.values()) - old_size + new_size > self.capacity:
            raise StorageFull(f"{new_size - old_size} bytes do not fit in the quota")

    @staticmethod
    def _fail(result: int, what: str) -> None:
        if result == QUOTA_EXCEEDED:
            raise StorageFull(f"OPFS quota exceeded {what}")
        raise StorageError(f"OPFS failure {what}")

    def _spare(self, name: str) -> str:
        """A spare file for a new object; parks a data object's creation when only the
        reserve is left."""
        if name.startswith("data.") and int(self.driver.spare_count()) <= RESERVE:
            raise WouldBlock(self.spares_ready)
        file = str(self.driver.take_spare())
        if not file:
            raise StorageError("no spare OPFS file is ready")
        self.sizes.setdefault(file, int(self.driver.size(file)))
        return file
