"""Per-process file descriptor tables.

Layer: kernel core; imports file. A descriptor holds an `OpenFile` reference plus the
WASI rights and close-on-exec flag that belong to the descriptor itself. New
descriptors take the lowest free number.
"""

from __future__ import annotations

from dataclasses import dataclass

from .abi import wasi
from .errors import KernelError
from .file import OpenFile

FD_LIMIT = 1024


@dataclass(slots=True)
class Descriptor:
    file: OpenFile
    rights_base: int = wasi.RIGHTS_ALL
    rights_inheriting: int = wasi.RIGHTS_ALL
    cloexec: bool = False
    preopen: str | None = None  # the name fd_prestat_dir_name reports


class FdTable:
    __slots__ = ("entries", "limit")

    def __init__(self, limit: int = FD_LIMIT) -> None:
        self.entries: dict[int, Descriptor] = {}
        self.limit = limit

    def get(self, fd: int, rights: int = 0) -> Descriptor:
        """The descriptor `fd`; EBADF if closed, ENOTCAPABLE if it lacks `rights`."""
        entry = self.entries.get(fd)
        if entry is None:
            raise KernelError(wasi.EBADF)
        if entry.rights_base & rights != rights:
            raise KernelError(wasi.ENOTCAPABLE)
        return entry

    def install(self, entry: Descriptor, lowest: int = 0) -> int:
        """Takes over the caller's reference to entry.file; returns the new fd."""
        fd = lowest
        entries = self.entries
        while fd in entries:
            fd += 1
        if fd >= self.limit:
            entry.file.unref()
            raise KernelError(wasi.EMFILE)
        entries[fd] = entry
        return fd

    def install_at(self, fd: int, entry: Descriptor) -> None:
        """Put entry at fd, closing what was there (dup2 semantics)."""
        if not 0 <= fd < self.limit:
            entry.file.unref()
            raise KernelError(wasi.EBADF)
        old = self.entries.get(fd)
        self.entries[fd] = entry
        if old is not None:
            old.file.unref()

    def close(self, fd: int) -> None:
        entry = self.entries.pop(fd, None)
        if entry is None:
            raise KernelError(wasi.EBADF)
        entry.file.unref()

    def renumber(self, fd: int, to: int) -> None:
        """Move fd to `to`, closing what `to` held (WASI fd_renumber)."""
        entry = self.get(fd)
        self.get(to)
        if fd == to:
            return
        del self.entries[fd]
        self.install_at(to, entry)

    def inherit(self) -> FdTable:
        """A copy for a new process: shares the open files, skips close-on-exec ones."""
        table = FdTable(self.limit)
        for fd, entry in self.entries.items():
            if not entry.cloexec:
                table.entries[fd] = Descriptor(entry.file.ref(), entry.rights_base,
                                               entry.rights_inheriting, False, entry.preopen)
        return table

    def close_all(self) -> None:
        entries, self.entries = self.entries, {}
        for entry in entries.values():
            entry.file.unref()
