"""A fake of kernel/drivers/opfs.js for testing fs/opfs.py on CPython: files are
bytearrays, spares are created on request, flushes are counted; `read_into` and
`write_from` stand for the kernel worker's read of a stored range and write from a
channel (OPFSDriver.readInto and writeFrom)."""

from __future__ import annotations


class FakeOPFSDriver:
    """The driver contract of fs/opfs.py, in memory; `quota` bytes over all files."""

    def __init__(self, quota: int | None = None) -> None:
        self.contents: dict[str, bytearray] = {}
        self.durable: dict[str, bytes] = {}
        self.spares: list[str] = []
        self.next = 0
        self.quota = quota
        self.io = bytearray()
        self.fail_writes_from: list[int] = []

    def attach(self, io: bytearray) -> None:
        self.io = io

    def refill(self, count: int = 8) -> None:
        for _ in range(count):
            name = f"o.{self.next}"
            self.next += 1
            self.contents[name] = bytearray()
            self.spares.append(name)

    def files(self) -> list[str]:
        return list(self.contents)

    def number(self, file: str) -> int:
        return int(file.removeprefix("o."))

    def read_into(self, number: int, at: int, target: memoryview) -> None:
        """OPFSDriver.readInto: bytes past the end of the file read as zeros."""
        data = self.contents[f"o.{number}"][at:at + len(target)]
        target[:len(data)] = data
        target[len(data):] = bytes(len(target) - len(data))

    def size(self, file: str) -> int:
        return len(self.contents[file])

    def flush(self, file: str) -> None:
        self.durable[file] = bytes(self.contents[file])

    def usage(self) -> list[int]:
        return [sum(map(len, self.contents.values())), self.quota or 1 << 30]

    def spare_count(self) -> int:
        return len(self.spares)

    def take_spare(self) -> str:
        return self.spares.pop(0) if self.spares else ""

    def recycle(self, files: list[str]) -> None:
        self.spares.extend(file for file in files if file not in self.spares)

    def _fits(self, file: str, new_size: int) -> bool:
        used = sum(map(len, self.contents.values())) - len(self.contents[file])
        return self.quota is None or used + new_size <= self.quota

    def read(self, file: str, at: int, size: int) -> int:
        data = self.contents[file][at:at + size]
        self.io[:len(data)] = data
        return len(data)

    def write(self, file: str, at: int, size: int) -> int:
        return self._write(file, at, self.io[:size])

    def write_from(self, number: int, at: int, data: bytes | memoryview) -> int:
        """OPFSDriver.writeFrom: `data` (a process's channel) into the file numbered
        `number`; `fail_writes_from` codes are answered first, one per call."""
        if self.fail_writes_from:
            return self.fail_writes_from.pop(0)
        return self._write(f"o.{number}", at, data)

    def _write(self, file: str, at: int, data: bytes | memoryview) -> int:
        content = self.contents[file]
        if not self._fits(file, max(len(content), at + len(data))):
            return -1
        if at > len(content):
            content.extend(bytes(at - len(content)))
        content[at:at + len(data)] = data
        return len(data)

    def truncate(self, file: str, size: int) -> int:
        if not self._fits(file, size):
            return -1
        content = self.contents[file]
        del content[size:]
        content.extend(bytes(size - len(content)))
        return 0

    def restart(self) -> FakeOPFSDriver:
        """The driver a new boot sees: durable contents only, no spares in the pool."""
        fresh = FakeOPFSDriver(self.quota)
        fresh.contents = {name: bytearray(self.durable.get(name, b"")) for name in self.contents}
        fresh.next = self.next
        return fresh
