"""The persistent filesystem: tmpfs semantics that survive unmount, crashes and full disks."""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable

import pytest
from wasmux.abi import wasi
from wasmux.errors import KernelError
from wasmux.file import Inode, OpenFile
from wasmux.fs.persistent import PersistentFS
from wasmux.fs.storage import DirectoryStorage, MemoryStorage, Storage
from wasmux.fs.tmpfs import Directory


def ticking_clock() -> Callable[[], int]:
    counter = itertools.count(1_700_000_000_000_000_000, 1000)
    return lambda: next(counter)


def mount(storage: Storage) -> PersistentFS:
    return PersistentFS(7, ticking_clock(), storage)


def write_file(directory: Inode, name: str, data: bytes) -> Inode:
    """Create `name` and write `data` through an open file, then close it (a sync point)."""
    inode = directory.create_file(name, 0o644)
    file = OpenFile(inode, True, True)
    file.write(data)
    file.unref()
    return inode


def read_all(inode: Inode) -> bytes:
    return inode.read(OpenFile(inode, True, False), 0, inode.size)


def tree(fs: PersistentFS) -> list[tuple[object, ...]]:
    """Every path with its stat, mode and content (or symlink target)."""
    rows: list[tuple[object, ...]] = []

    def walk(directory: Directory, path: str) -> None:
        for name, inode in sorted(directory.list()):
            if inode.filetype == wasi.FILETYPE_SYMBOLIC_LINK:
                content: object = inode.readlink()
            elif inode.filetype == wasi.FILETYPE_REGULAR_FILE:
                content = read_all(inode)
            else:
                content = None
            rows.append((f"{path}/{name}", inode.stat(), inode.mode, content))
            if isinstance(inode, Directory):
                assert inode.parent is directory
                walk(inode, f"{path}/{name}")

    walk(fs.root, "")
    return rows


def build_sample_tree(fs: PersistentFS) -> None:
    etc = fs.root.create_directory("etc", 0o755)
    passwd = write_file(etc, "passwd", b"root:x:0:0::/root:/bin/sh\n")
    etc.link("passwd.link", passwd)
    fs.root.create_symlink("motd", "etc/motd")
    home = fs.root.create_directory("home", 0o700)
    write_file(home, "big", bytes(range(256)) * 1000)
    write_file(home, "gone", b"deleted soon")
    home.unlink("gone")
    home.create_directory("empty", 0o755)
    home.remove_directory("empty")
    fs.root.rename("home", etc, "home")
    passwd.set_mode(0o600)
    passwd.set_times(5, 6)


def test_reopen_gives_the_same_tree() -> None:
    storage = MemoryStorage()
    fs = mount(storage)
    build_sample_tree(fs)
    before = tree(fs)
    fs.unmount()
    again = mount(storage)
    assert tree(again) == before
    assert [name for name, _ in again.root.lookup("etc").list()] == [
        "passwd", "passwd.link", "home"]


def test_reopen_after_compaction_gives_the_same_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("wasmux.fs.persistent.COMPACT_BYTES", 0)
    storage = MemoryStorage()
    fs = mount(storage)
    build_sample_tree(fs)
    fs.sync()
    assert fs.journal.generation > 1
    before = tree(fs)
    fs.unmount()
    assert tree(mount(storage)) == before


def test_new_inodes_after_reopen_get_fresh_numbers() -> None:
    storage = MemoryStorage()
    fs = mount(storage)
    used = {write_file(fs.root, f"f{n}", b"x").ino for n in range(3)}
    fs.unmount()
    fs = mount(storage)
    assert write_file(fs.root, "new", b"y").ino not in used | {fs.root.ino}


def test_file_data_lives_in_one_object_per_inode() -> None:
    storage = MemoryStorage()
    fs = mount(storage)
    inode = write_file(fs.root, "a", b"contents")
    assert storage.blobs[f"data.{inode.ino}"].durable == b"contents"


def test_unlinked_open_file_keeps_data_until_last_close() -> None:
    storage = MemoryStorage()
    fs = mount(storage)
    inode = write_file(fs.root, "tmp", b"still here")
    file = OpenFile(inode, True, True)
    fs.root.unlink("tmp")
    fs.sync()
    assert file.pread(100, 0) == b"still here"
    file.pwrite(b"STILL", 0)
    assert file.pread(100, 0) == b"STILL here"
    assert f"data.{inode.ino}" in storage.names()
    file.unref()
    assert f"data.{inode.ino}" not in storage.names()


def test_orphaned_objects_are_removed_at_mount() -> None:
    storage = MemoryStorage()
    fs = mount(storage)
    inode = write_file(fs.root, "tmp", b"open at the crash")
    OpenFile(inode, True, False)
    fs.root.unlink("tmp")
    fs.sync()
    storage.crash(random.Random(0))
    mount(storage)
    assert f"data.{inode.ino}" not in storage.names()


def test_crash_after_unsynced_unlink_keeps_the_file_whole_or_gone() -> None:
    for seed in range(30):
        storage = MemoryStorage()
        fs = mount(storage)
        write_file(fs.root, "f", b"synced data")
        fs.root.unlink("f")
        storage.crash(random.Random(seed))
        rows = tree(mount(storage))
        assert [row[3] for row in rows] in ([], [b"synced data"])


def test_close_after_write_is_a_sync_point() -> None:
    storage = MemoryStorage()
    fs = mount(storage)
    directory = fs.root.create_directory("d", 0o755)
    inode = directory.create_file("f", 0o644)
    file = OpenFile(inode, True, True)
    file.write(b"x" * 1000)
    flushes = storage.flushes
    file.unref()
    assert storage.flushes == flushes + 2  # data object, then journal
    storage.crash(random.Random(1))
    again = mount(storage)
    assert read_all(again.root.lookup("d").lookup("f")) == b"x" * 1000


def test_deferred_sync_makes_a_bulk_load_one_sync_point() -> None:
    storage = MemoryStorage()
    fs = mount(storage)
    flushes = storage.flushes
    with fs.deferred_sync():
        for number in range(5):
            write_file(fs.root, f"f{number}", b"bulk %d" % number)
        assert storage.flushes == flushes  # no close was a sync point
    fs.sync()
    storage.crash(random.Random(2))
    again = mount(storage)
    assert [read_all(again.root.lookup(f"f{number}")) for number in range(5)] == \
        [b"bulk %d" % number for number in range(5)]
    write_file(again.root, "after", b"synced on close again")
    storage.crash(random.Random(3))
    assert read_all(mount(storage).root.lookup("after")) == b"synced on close again"


def test_small_metadata_operations_share_one_flush() -> None:
    storage = MemoryStorage()
    fs = mount(storage)
    flushes = storage.flushes
    for number in range(200):
        fs.root.create_directory(f"d{number}", 0o755).create_symlink("l", "target")
    assert storage.flushes == flushes
    fs.sync()
    fs.sync()
    assert storage.flushes == flushes + 1


def test_fsync_of_directory_makes_renames_durable() -> None:
    storage = MemoryStorage()
    fs = mount(storage)
    write_file(fs.root, "old", b"data")
    fs.root.rename("old", fs.root, "new")
    fs.root.sync()
    storage.crash(random.Random(2))
    assert [name for name, _ in mount(storage).root.list()] == ["new"]


def test_storage_full_is_enospc_and_corrupts_nothing() -> None:
    storage = MemoryStorage(capacity=64 * 1024)
    fs = mount(storage)
    kept = write_file(fs.root, "kept", b"k" * 1000)
    inode = fs.root.create_file("huge", 0o644)
    file = OpenFile(inode, True, True)
    file.write(b"a" * 4096)
    with pytest.raises(KernelError) as error:
        file.write(b"b" * 100_000)
    assert error.value.errno == wasi.ENOSPC
    assert inode.size == 4096 and file.offset == 4096
    with pytest.raises(KernelError) as error:
        inode.truncate(1 << 20)
    assert error.value.errno == wasi.ENOSPC
    assert inode.size == 4096
    file.unref()
    assert read_all(kept) == b"k" * 1000
    before = tree(fs)
    fs.unmount()
    assert tree(mount(storage)) == before


def test_unlinking_a_file_frees_its_room_for_the_next_write() -> None:
    storage = MemoryStorage(capacity=256 * 1024)
    fs = mount(storage)
    inode = fs.root.create_file("fill", 0o644)
    file = OpenFile(inode, True, True)
    for chunk in (8192, 64, 1):  # every byte, so the unlink's record finds no room either
        with pytest.raises(KernelError) as error:
            while True:
                file.write(bytes(chunk))
        assert error.value.errno == wasi.ENOSPC
    size = inode.size - 8192  # the journal grew by a few records meanwhile
    file.unref()
    fs.root.unlink("fill")
    after = write_file(fs.root, "after", b"a" * size)
    assert read_all(after) == b"a" * size
    before = tree(fs)
    fs.unmount()
    assert tree(mount(storage)) == before


def test_full_journal_fails_sync_with_enospc_until_space_is_freed() -> None:
    storage = MemoryStorage(capacity=32 * 1024)
    fs = mount(storage)
    filler = fs.root.create_file("filler", 0o644)
    file = OpenFile(filler, True, True)
    with pytest.raises(KernelError):
        while True:
            file.write(bytes(1024))
    for number in range(50):
        fs.root.create_directory(f"directory{number}", 0o755)
    with pytest.raises(KernelError) as error:
        fs.sync()
    assert error.value.errno == wasi.ENOSPC
    filler.truncate(0)
    fs.sync()
    before = tree(fs)
    storage.crash(random.Random(3))
    assert tree(mount(storage)) == before


def test_statfs_reports_storage_usage() -> None:
    storage = MemoryStorage(capacity=1 << 20)
    fs = mount(storage)
    free_before = fs.statfs()[2]
    write_file(fs.root, "f", bytes(100_000))
    block_size, total, free = fs.statfs()
    assert (block_size, total) == (4096, 256)
    assert free < free_before - 20


def test_directory_storage_round_trip(tmp_path) -> None:
    fs = mount(DirectoryStorage(tmp_path))
    build_sample_tree(fs)
    before = tree(fs)
    fs.unmount()
    assert tree(mount(DirectoryStorage(tmp_path))) == before


def test_directory_storage_keeps_synced_state_when_the_process_dies(tmp_path) -> None:
    fs = mount(DirectoryStorage(tmp_path))
    build_sample_tree(fs)
    write_file(fs.root, "closed", b"close after write syncs")
    before = tree(fs)
    fs.root.create_directory("unsynced", 0o755)
    OpenFile(fs.root.create_file("open", 0o644), True, True).write(b"never synced")
    # no unmount: the old instance is simply abandoned, buffered records are lost
    assert tree(mount(DirectoryStorage(tmp_path))) == before


def test_large_writes_are_fast_on_directory_storage(tmp_path) -> None:
    """64 KiB writes must not each cost a journal flush (target: hundreds of MB/s)."""
    fs = mount(DirectoryStorage(tmp_path))
    file = OpenFile(fs.root.create_file("big", 0o644), True, True)
    chunk = bytes(64 * 1024)
    count = 512
    start = time.perf_counter()
    for _ in range(count):
        file.write(chunk)
    file.unref()
    seconds = time.perf_counter() - start
    assert fs.root.lookup("big").size == count * len(chunk)
    assert count * len(chunk) / seconds > 50e6, f"{count * len(chunk) / seconds / 1e6:.0f} MB/s"
