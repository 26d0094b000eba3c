"""The persistent filesystem behind `/`: tmpfs semantics, kept in a Storage.

Layer: filesystem; imports file.py, fs/tmpfs.py, fs/journal.py, fs/storage.py.
The tree lives in memory exactly as in tmpfs (this module subclasses it); what
persists is:
- file contents: one storage object `data.<ino>` per regular file, written in place
  and read back from storage (created at first use; at most OPEN_OBJECTS handles are
  kept open, a dirty one is flushed before it is closed);
- all metadata: tmpfs's change hooks append physical redo records (the resulting
  entries and inode attributes) to the journal (fs/journal.py), so replay never
  re-derives POSIX rules, and every record alone takes one consistent tree to another.

Durability contract: after `inode.sync()` (fsync, and close of a file written through
that description) returns, the file's data and every metadata change made before are
durable; `FileSystem.sync()` makes everything durable and is cheap when nothing
changed (hosts call it periodically to bound what a crash loses). A crash at any other
moment leaves a consistent tree: a prefix of the journal's records.

Ordering rule that keeps crashes from showing garbage: a file's size and times are
journaled only at a sync point and only once its data object has been flushed, so a
recovered size never covers bytes that were not durable. Objects of released inodes
are deleted only once the record that freed them is durable; on mount, objects of no
live file are deleted, and an object longer than its file is cut back when opened.

Storage errors: StorageFull becomes ENOSPC for the call that needed the room (the
in-memory state is unchanged for writes and truncates); other StorageErrors are EIO.
File data never takes the journal's last JOURNAL_ROOM bytes, so unlinking a file on a
full store still commits, which deletes its object and frees its room. The storage's
usage is asked once per ROOM_GRANT bytes of growth (and after every commit), not at
every write: the room found beyond a write's needs is granted to the next ones.
A failed sync loses nothing in memory: the changes stay pending and the next sync
retries. Close never fails (a refused close-time sync is left to the next one).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..abi import wasi
from ..errors import KernelError
from ..file import Inode, OpenFile
from .journal import Journal
from .storage import Storage, StorageError, StorageFull, StorageObject
from .tmpfs import FILE_SIZE_LIMIT, Directory, RegularFile, SocketNode, Symlink, TmpFS

OPEN_OBJECTS = 64  # data objects kept open (OPFS sync access handles) at once
COMPACT_BYTES = 1 << 20  # compact once the log is past this and past the checkpoint
JOURNAL_ROOM = 64 * 1024  # storage file data may not use (at most 1/16 of the capacity)
ROOM_GRANT = 1 << 20  # growth make_room admits without asking the storage's usage again

# inode attributes as journaled: [ino, kind, mode, nlink, atim, mtim, ctim, target]
Attributes = list[Any]
KINDS = {wasi.FILETYPE_REGULAR_FILE: "f", wasi.FILETYPE_DIRECTORY: "d",
         wasi.FILETYPE_SYMBOLIC_LINK: "l", wasi.FILETYPE_SOCKET_STREAM: "s"}


class _storage_errors:  # lower case: used like a function, `with _storage_errors():`
    """Turn storage failures into the errno the failing call reports. A class, not a
    @contextmanager generator: it wraps every read and write (2 us less per call)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: object) -> None:
        if error is None:
            return
        if isinstance(error, StorageFull):
            raise KernelError(wasi.ENOSPC, str(error)) from error
        if isinstance(error, StorageError):
            raise KernelError(wasi.EIO, str(error)) from error


class PersistentFile(RegularFile):
    """A regular file whose bytes live in storage object `data.<ino>`."""

    fs: PersistentFS

    def __init__(self, fs: PersistentFS, ino: int, mode: int) -> None:
        super().__init__(fs, ino, mode)
        self.length = 0

    @property
    def size(self) -> int:
        return self.length

    def read(self, file: OpenFile, offset: int, size: int) -> bytes:
        wanted = min(size, self.length - offset)
        if wanted <= 0:
            return b""
        with _storage_errors():
            data = self.fs.data_object(self).read(offset, wanted)
        if len(data) < wanted:  # bytes lost to a crash read as zeros
            data += bytes(wanted - len(data))
        return data

    def write(self, file: OpenFile, offset: int, data: bytes) -> int:
        end = offset + len(data)
        if end > FILE_SIZE_LIMIT:
            raise KernelError(wasi.EFBIG, "file size limit")
        with _storage_errors():
            self.fs.make_room(end - self.length)
            self.fs.data_object(self).write(offset, data)
        self.length = max(self.length, end)
        self.version += 1
        self.mtim = self.ctim = self.fs.clock()
        self.fs.data_changed(self)
        return len(data)

    def truncate(self, size: int) -> None:
        if size > FILE_SIZE_LIMIT:
            raise KernelError(wasi.EFBIG, "file size limit")
        with _storage_errors():
            self.fs.make_room(size - self.length)
            self.fs.data_object(self).truncate(size)
        self.length = size
        self.version += 1
        self.mtim = self.ctim = self.fs.clock()
        self.fs.data_changed(self)

    def sync(self) -> None:
        with _storage_errors():
            self.fs.commit((self,))

    def released(self, file: OpenFile) -> None:
        """Close after write is a sync point (before the inode may be released). Release
        never fails: if storage refuses, the changes stay pending for the next sync."""
        if (file.writable and self.nlink > 0 and not self.fs.syncs_deferred
                and self.fs.unsynced(self)):
            try:
                self.sync()
            except KernelError:
                pass
        super().released(file)


class PersistentDirectory(Directory):
    """A tmpfs directory whose fsync commits the journal (renames become durable)."""

    fs: PersistentFS

    def sync(self) -> None:
        with _storage_errors():
            self.fs.commit(())


class PersistentFS(TmpFS):
    """tmpfs kept in `storage`: mounting replays what a previous instance left."""

    kind = "persistent"

    def __init__(self, dev: int, clock: Callable[[], int], storage: Storage) -> None:
        self.storage = storage
        self.journal = Journal(storage)
        self.objects: OrderedDict[int, StorageObject] = OrderedDict()
        self.dirty_data: dict[int, PersistentFile] = {}  # unflushed object writes
        self.dirty_size: dict[int, PersistentFile] = {}  # size/times not journaled
        self.doomed: list[int] = []  # objects to delete once the journal is durable
        self.room = 0  # growth known to fit without asking the storage (<= ROOM_GRANT)
        self.syncs_deferred = 0  # deferred_sync blocks open
        super().__init__(dev, clock)
        self._mount()

    # --- inode factories ---
    def new_file(self, mode: int) -> PersistentFile:
        return PersistentFile(self, self.allocate_ino(), mode)

    def new_directory(self, mode: int, parent: Directory | None) -> Directory:
        return PersistentDirectory(self, self.allocate_ino(), mode, parent)

    # --- data objects ---
    def data_object(self, inode: PersistentFile) -> StorageObject:
        """The open object holding `inode`'s bytes, created and cut to size on first use."""
        handle = self.objects.get(inode.ino)
        if handle is not None:
            self.objects.move_to_end(inode.ino)
            return handle
        if len(self.objects) >= OPEN_OBJECTS:
            self._close_object(next(iter(self.objects)))
        handle = self.storage.open(f"data.{inode.ino}", create=True)
        if handle.size() > inode.length:
            handle.truncate(inode.length)
        self.objects[inode.ino] = handle
        return handle

    def _close_object(self, ino: int) -> None:
        """Close an object's handle, flushing it first when it holds unflushed writes."""
        handle = self.objects[ino]
        if ino in self.dirty_data:
            handle.flush()
            del self.dirty_data[ino]
        del self.objects[ino]
        handle.close()

    def data_changed(self, inode: PersistentFile) -> None:
        self.dirty_data[inode.ino] = inode
        self.dirty_size[inode.ino] = inode

    def unsynced(self, inode: PersistentFile) -> bool:
        return inode.ino in self.dirty_data or inode.ino in self.dirty_size

    # --- sync points ---
    def commit(self, files: tuple[PersistentFile, ...]) -> None:
        """Flush `files`' data, journal the sizes of every file whose data is durable,
        then flush the journal once. Raises StorageError (nothing is lost in memory)."""
        for inode in files:
            if inode.ino in self.dirty_data:
                self.objects[inode.ino].flush()
                del self.dirty_data[inode.ino]
        for ino, inode in list(self.dirty_size.items()):
            if ino not in self.dirty_data:
                if inode.nlink > 0:
                    self.journal.append(["size", ino, inode.length, inode.mtim, inode.ctim])
                del self.dirty_size[ino]
        self.journal.commit()
        self.room = 0  # the journal grew, deletions freed room: ask again
        self._delete_doomed()
        if self.journal.log_bytes > max(COMPACT_BYTES, self.journal.checkpoint_bytes):
            self._compact()

    def _compact(self) -> None:
        """Flush all data, then fold the log into a new checkpoint. Running out of room
        here fails nothing: the old checkpoint and log stay valid and are retried."""
        for inode in list(self.dirty_data.values()):
            self.objects[inode.ino].flush()
            del self.dirty_data[inode.ino]
        try:
            self.journal.checkpoint(self._state())
        except StorageFull:
            return
        self.dirty_size.clear()
        self._delete_doomed()

    @contextmanager
    def deferred_sync(self) -> Iterator[None]:
        """A bulk load whose completion the caller records once it synced (unpacking an
        image, then one sync): inside, closing a written file is no sync point. A crash
        inside may lose any of the block's writes, never the tree's consistency."""
        self.syncs_deferred += 1
        try:
            yield
        finally:
            self.syncs_deferred -= 1

    def sync(self) -> None:
        """Make everything durable (cheap when nothing changed; hosts call it
        periodically to bound what a crash can lose)."""
        with _storage_errors():
            self.commit(tuple(self.dirty_data.values()))

    def statfs(self) -> tuple[int, int, int]:
        used, capacity = self.storage.usage()
        return (4096, capacity // 4096, max(0, capacity - used) // 4096)

    def unmount(self) -> None:
        """Sync and release every storage handle (the storage can be mounted again)."""
        self.sync()
        for ino in list(self.objects):
            self._close_object(ino)
        self.journal.close()

    def make_room(self, growth: int) -> None:
        """Raise StorageFull unless file data may grow by `growth` bytes and still leave
        the journal its room (so an unlink can commit on a full store). Commits pending
        unlinks first when that frees enough (unlink frees room at once on Unix)."""
        if growth <= 0:
            return
        if growth <= self.room:
            self.room -= growth
            return
        for attempt in range(2):
            used, capacity = self.storage.usage()
            free = capacity - min(JOURNAL_ROOM, capacity // 16) - used
            if growth <= free:
                self.room = min(free - growth, ROOM_GRANT)
                return
            if attempt or not self.doomed:
                break
            self.commit(())
        raise StorageFull(f"{growth} bytes of file data do not fit")

    def _delete_doomed(self) -> None:
        for ino in self.doomed:
            self.storage.delete(f"data.{ino}")
        self.doomed.clear()

    # --- tmpfs change hooks: each appends one redo record ---
    def entry_added(self, directory: Directory, name: str, inode: Inode) -> None:
        self.journal.append(["add", directory.ino, name, _attributes(inode),
                             _attributes(directory)])

    def entry_removed(self, directory: Directory, name: str, inode: Inode) -> None:
        self.journal.append(["del", directory.ino, name, _attributes(inode),
                             _attributes(directory)])

    def entry_renamed(self, old_directory: Directory, old_name: str,
                      new_directory: Directory, new_name: str,
                      replaced: Inode | None) -> None:
        moved = new_directory.entries[new_name]
        self.journal.append(["mv", old_directory.ino, old_name, new_directory.ino, new_name,
                             _attributes(moved), _attributes(old_directory),
                             _attributes(new_directory),
                             None if replaced is None else _attributes(replaced)])

    def metadata_changed(self, inode: Inode) -> None:
        if inode.nlink > 0:
            self.journal.append(["attr", _attributes(inode)])

    def inode_released(self, inode: Inode) -> None:
        """A file's object goes once the record that freed the inode is durable."""
        if not isinstance(inode, PersistentFile):
            return
        self.dirty_data.pop(inode.ino, None)
        self.dirty_size.pop(inode.ino, None)
        handle = self.objects.pop(inode.ino, None)
        if handle is not None:
            handle.close()
        self.doomed.append(inode.ino)
        if not self.journal.pending:
            self._delete_doomed()

    # --- mount: checkpoint + replay ---
    def _mount(self) -> None:
        state, records = self.journal.load()
        if state is None:  # fresh storage: the empty tree is the first checkpoint
            self.journal.checkpoint(self._state())
            return
        inodes: dict[int, Inode] = {}
        for row in state["inodes"]:
            inode = self._restore(inodes, row[:8])
            if isinstance(inode, PersistentFile):
                inode.length = row[8]
        for directory_ino, entries in state["entries"]:
            directory = inodes[directory_ino]
            for name, ino in entries:
                self._enter(directory, name, inodes[ino])
        self.root = inodes[state["root"]]  # type: ignore[assignment]
        self.next_ino = state["next_ino"]
        for record in records:
            self._redo(inodes, record)
        self.next_ino = max(self.next_ino, max(inodes) + 1)
        for name in self.storage.names():
            if name.startswith("data.") and not isinstance(inodes.get(int(name[5:])),
                                                           PersistentFile):
                self.storage.delete(name)

    def _redo(self, inodes: dict[int, Inode], record: list[Any]) -> None:
        """Apply one journal record to the tree being mounted."""
        operation = record[0]
        if operation == "add":
            _, directory_ino, name, attributes, directory_attributes = record
            self._enter(inodes[directory_ino], name, self._restore(inodes, attributes))
            self._restore(inodes, directory_attributes)
        elif operation == "del":
            _, directory_ino, name, attributes, directory_attributes = record
            del inodes[directory_ino].entries[name]  # type: ignore[attr-defined]
            self._restore(inodes, attributes)
            self._restore(inodes, directory_attributes)
        elif operation == "mv":
            _, old_ino, old_name, new_ino, new_name, moved, old, new, replaced = record
            inode = inodes[old_ino].entries.pop(old_name)  # type: ignore[attr-defined]
            self._enter(inodes[new_ino], new_name, inode)
            for attributes in (moved, old, new, replaced):
                if attributes is not None:
                    self._restore(inodes, attributes)
        elif operation == "attr":
            self._restore(inodes, record[1])
        elif operation == "size":
            _, ino, length, mtim, ctim = record
            inode = inodes[ino]
            assert isinstance(inode, PersistentFile)
            inode.length, inode.mtim, inode.ctim = length, mtim, ctim
        else:
            raise AssertionError(f"unknown journal record {operation!r}")

    def _restore(self, inodes: dict[int, Inode], attributes: Attributes) -> Inode:
        """Create or update the inode `attributes` describe; forget it at nlink 0."""
        ino, kind, mode, nlink, atim, mtim, ctim, target = attributes
        inode = inodes.get(ino)
        if inode is None:
            if kind == "f":
                inode = PersistentFile(self, ino, mode)
            elif kind == "d":
                inode = PersistentDirectory(self, ino, mode, None)
            elif kind == "s":
                inode = SocketNode(self, ino, mode)
            else:
                inode = Symlink(self, ino, target)
            inodes[ino] = inode
        inode.mode, inode.nlink, inode.atim, inode.mtim, inode.ctim = (
            mode, nlink, atim, mtim, ctim)
        if nlink <= 0:
            del inodes[ino]
        return inode

    @staticmethod
    def _enter(directory: Inode, name: str, inode: Inode) -> None:
        assert isinstance(directory, Directory)
        directory.entries[name] = inode
        if isinstance(inode, Directory):
            inode.parent = directory

    def _state(self) -> dict[str, Any]:
        """The whole tree as a checkpoint: every linked inode (file sizes included, so
        callers flush all data first) and every directory's entries."""
        rows: list[list[Any]] = []
        entries: list[list[Any]] = []
        seen = {self.root.ino}
        pending: list[Inode] = [self.root]
        while pending:
            inode = pending.pop()
            rows.append(_attributes(inode) + [inode.size if isinstance(inode, PersistentFile)
                                              else 0])
            if isinstance(inode, Directory):
                entries.append([inode.ino, [[name, child.ino]
                                            for name, child in inode.entries.items()]])
                for child in inode.entries.values():
                    if child.ino not in seen:
                        seen.add(child.ino)
                        pending.append(child)
        return {"root": self.root.ino, "next_ino": self.next_ino, "inodes": rows,
                "entries": entries}


def _attributes(inode: Inode) -> Attributes:
    return [inode.ino, KINDS[inode.filetype], inode.mode, inode.nlink, inode.atim,
            inode.mtim, inode.ctim, inode.readlink() if isinstance(inode, Symlink) else ""]
