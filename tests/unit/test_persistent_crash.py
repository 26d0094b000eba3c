"""Crash tests for the persistent filesystem: seeded random operations, kills at random
moments (between operations and in the middle of storage calls, compaction included),
then a remount that must give a consistent tree holding everything synced before.

The model: metadata (names, inode numbers, types, link counts, modes, symlink targets)
after each operation is recorded; a recovered tree must equal one of the states from
the last completed sync point on. A file's content must be what it was at its last
sync unless it was written or truncated since.
"""

from __future__ import annotations

import itertools
import random

import pytest
from wasmux.abi import wasi
from wasmux.errors import KernelError
from wasmux.file import Inode, OpenFile
from wasmux.fs.persistent import PersistentFile, PersistentFS
from wasmux.fs.storage import MemoryStorage, SimulatedCrash
from wasmux.fs.tmpfs import Directory

Shape = tuple[tuple[object, ...], ...]
NAMES = ["a", "b", "c", "d", "e"]


def shape(fs: PersistentFS) -> Shape:
    """The metadata the journal must keep exact (sizes and times are written lazily)."""
    rows = []

    def walk(directory: Directory, path: str) -> None:
        for name, inode in sorted(directory.list()):
            target = inode.readlink() if inode.filetype == wasi.FILETYPE_SYMBOLIC_LINK else ""
            rows.append((f"{path}/{name}", inode.ino, inode.filetype, inode.nlink, inode.mode,
                         target))
            if isinstance(inode, Directory):
                walk(inode, f"{path}/{name}")

    walk(fs.root, "")
    return tuple(rows)


def everything(fs: PersistentFS) -> list[Inode]:
    found: list[Inode] = []
    pending: list[Inode] = [fs.root]
    while pending:
        inode = pending.pop()
        found.append(inode)
        if isinstance(inode, Directory):
            pending.extend(child for _, child in inode.list())
    return found


def content(inode: Inode) -> bytes:
    return inode.read(OpenFile(inode, True, False), 0, inode.size)


def check_consistent(fs: PersistentFS, storage: MemoryStorage) -> None:
    """Link counts match the entries, '..' is right, and data objects belong to files."""
    references: dict[int, int] = {}
    files: set[int] = set()
    for inode in everything(fs):
        if isinstance(inode, Directory):
            subdirectories = 0
            for _, child in inode.list():
                references[child.ino] = references.get(child.ino, 0) + 1
                if isinstance(child, Directory):
                    assert child.parent is inode
                    subdirectories += 1
            assert inode.nlink == 2 + subdirectories
        else:
            files.add(inode.ino)
    for inode in everything(fs):
        if not isinstance(inode, Directory):
            assert inode.nlink == references[inode.ino]
    for name in storage.names():
        if name.startswith("data."):
            assert int(name[5:]) in files, f"orphan object {name}"


class Model:
    """Drives random operations on a mounted PersistentFS and knows what must survive."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.storage = MemoryStorage()
        self.clock = itertools.count(1_700_000_000_000_000_000, 1000).__next__
        self.crashes = 0
        self.mount()

    def mount(self) -> None:
        self.fs = PersistentFS(3, self.clock, self.storage)
        check_consistent(self.fs, self.storage)
        self.shapes = [shape(self.fs)]
        self.synced_shape = 0
        self.synced: dict[int, bytes] = {inode.ino: content(inode)
                                          for inode in everything(self.fs)
                                          if isinstance(inode, PersistentFile)}
        self.open_files: list[OpenFile] = []

    def crash_and_remount(self) -> None:
        self.crashes += 1
        self.shapes.append(shape(self.fs))  # an interrupted operation may have landed
        self.storage.crash(self.rng)
        durable = self.shapes[self.synced_shape:]
        synced = self.synced
        self.mount()
        assert self.shapes[0] in durable, "recovered tree is not a state since the last sync"
        for inode in everything(self.fs):
            if inode.ino in synced:
                assert content(inode) == synced[inode.ino], f"inode {inode.ino} lost data"

    def synced_now(self, files: list[Inode]) -> None:
        self.synced_shape = len(self.shapes) - 1
        for inode in files:
            if inode.nlink > 0:
                self.synced[inode.ino] = content(inode)

    def modified(self, inode: Inode) -> None:
        self.synced.pop(inode.ino, None)

    def pick(self, kind: type | None = None) -> tuple[Directory, str, Inode] | None:
        """A random (directory, name, inode) entry, of `kind` if given."""
        entries = [(directory, name, inode) for directory in everything(self.fs)
                   if isinstance(directory, Directory) for name, inode in directory.list()
                   if kind is None or isinstance(inode, kind)]
        return self.rng.choice(entries) if entries else None

    def directory(self) -> Directory:
        return self.rng.choice([inode for inode in everything(self.fs)
                                if isinstance(inode, Directory)])

    def step(self) -> None:
        rng = self.rng
        operation = rng.choice(["create", "create", "mkdir", "symlink", "open", "open",
                                "write", "write", "write", "close", "close", "fsync", "sync",
                                "unlink", "rmdir", "rename", "rename", "link", "chmod",
                                "truncate"])
        try:
            getattr(self, "do_" + operation)()
        except KernelError:
            pass
        self.shapes.append(shape(self.fs))

    def do_create(self) -> None:
        inode = self.directory().create_file(self.rng.choice(NAMES), 0o644)
        self.synced[inode.ino] = b""

    def do_mkdir(self) -> None:
        self.directory().create_directory(self.rng.choice(NAMES), 0o755)

    def do_symlink(self) -> None:
        self.directory().create_symlink(self.rng.choice(NAMES), "t" * self.rng.randint(1, 9))

    def do_open(self) -> None:
        entry = self.pick(PersistentFile)
        if entry and len(self.open_files) < 4:
            self.open_files.append(OpenFile(entry[2], True, True))

    def do_write(self) -> None:
        if self.open_files:
            file = self.rng.choice(self.open_files)
            self.modified(file.inode)
            size = self.rng.choice([1, 10, 100, 5000])
            file.pwrite(self.rng.randbytes(size), self.rng.randint(0, 6000))

    def do_truncate(self) -> None:
        if self.open_files:
            inode = self.rng.choice(self.open_files).inode
            self.modified(inode)
            inode.truncate(self.rng.randint(0, 7000))

    def do_close(self) -> None:
        if self.open_files:
            file = self.open_files.pop(self.rng.randrange(len(self.open_files)))
            syncs = file.inode.nlink > 0 and self.fs.unsynced(file.inode)
            file.unref()
            if syncs:
                self.synced_now([file.inode])

    def do_fsync(self) -> None:
        if self.open_files:
            inode = self.rng.choice(self.open_files).inode
            inode.sync()
            self.synced_now([inode])

    def do_sync(self) -> None:
        self.fs.sync()
        self.synced_now([inode for inode in everything(self.fs)
                         if isinstance(inode, PersistentFile)])

    def do_unlink(self) -> None:
        entry = self.pick()
        if entry and not isinstance(entry[2], Directory):
            entry[0].unlink(entry[1])

    def do_rmdir(self) -> None:
        entry = self.pick(Directory)
        if entry:
            entry[0].remove_directory(entry[1])

    def do_rename(self) -> None:
        entry = self.pick()
        target = self.directory()
        if entry is None:
            return
        ancestor: Directory = target
        while ancestor is not self.fs.root:  # the VFS refuses moves into a subtree
            if ancestor is entry[2]:
                return
            ancestor = ancestor.parent
        entry[0].rename(entry[1], target, self.rng.choice(NAMES))

    def do_link(self) -> None:
        entry = self.pick(PersistentFile)
        if entry:
            self.directory().link(self.rng.choice(NAMES), entry[2])

    def do_chmod(self) -> None:
        entry = self.pick()
        if entry:
            entry[2].set_mode(self.rng.choice([0o600, 0o644, 0o755]))


def run(seed: int, operations: int) -> Model:
    model = Model(seed)
    for _ in range(operations):
        chance = model.rng.random()
        if chance < 0.03:
            model.crash_and_remount()
            continue
        if chance < 0.08:
            model.storage.arm_crash(model.rng.randint(0, 6))
        try:
            model.step()
        except SimulatedCrash:
            model.crash_and_remount()
    model.crash_and_remount()
    return model


@pytest.mark.parametrize("seed", range(16))
def test_random_operations_survive_crashes(seed: int) -> None:
    assert run(seed, 300).crashes > 5


@pytest.mark.parametrize("seed", range(16))
def test_crashes_with_frequent_compaction_early_log_writes_and_few_open_objects(
        seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("wasmux.fs.persistent.COMPACT_BYTES", 1500)
    monkeypatch.setattr("wasmux.fs.persistent.OPEN_OBJECTS", 2)
    monkeypatch.setattr("wasmux.fs.journal.WRITE_OUT_BYTES", 400)
    model = run(100 + seed, 300)
    assert model.fs.journal.generation > 2
