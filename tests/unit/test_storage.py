"""Storage backends: the object interface, crash simulation, and the host directory."""

from __future__ import annotations

import random

import pytest
from wasmux.fs.storage import (
    WRITEBACK_BYTES,
    DirectoryStorage,
    MemoryStorage,
    SimulatedCrash,
    Storage,
    StorageError,
    StorageFull,
)


@pytest.fixture(params=["memory", "directory"])
def storage(request: pytest.FixtureRequest, tmp_path) -> Storage:
    return MemoryStorage() if request.param == "memory" else DirectoryStorage(tmp_path / "s")


def test_object_read_write_truncate_size(storage: Storage) -> None:
    handle = storage.open("a", create=True)
    handle.write(0, b"hello")
    handle.write(8, b"world")
    assert handle.size() == 13
    assert handle.read(0, 100) == b"hello\0\0\0world"
    handle.truncate(3)
    assert handle.read(0, 100) == b"hel"
    handle.truncate(6)
    assert handle.read(0, 100) == b"hel\0\0\0"
    assert handle.read(10, 5) == b""
    handle.flush()
    handle.close()
    assert storage.open("a").read(0, 3) == b"hel"


def test_names_open_missing_and_delete(storage: Storage) -> None:
    with pytest.raises(FileNotFoundError):
        storage.open("missing")
    storage.open("x", create=True).close()
    storage.open("y", create=True).close()
    assert sorted(storage.names()) == ["x", "y"]
    storage.delete("x")
    storage.delete("never-there")
    assert storage.names() == ["y"]


def test_memory_handles_are_exclusive_like_opfs() -> None:
    storage = MemoryStorage()
    storage.open("a", create=True)
    with pytest.raises(StorageError):
        storage.open("a")


def test_memory_crash_keeps_flushed_bytes_and_a_prefix_of_the_rest() -> None:
    for seed in range(50):
        storage = MemoryStorage()
        handle = storage.open("a", create=True)
        handle.write(0, b"durable")
        handle.flush()
        handle.write(7, b"-one")
        handle.write(11, b"-two")
        storage.crash(random.Random(seed))
        content = storage.open("a").read(0, 100)
        assert content.startswith(b"durable")
        assert b"durable-one-two".startswith(content)


def test_memory_crash_loses_unflushed_creates_and_deletes_may_survive() -> None:
    outcomes = set()
    for seed in range(40):
        storage = MemoryStorage()
        handle = storage.open("old", create=True)
        handle.flush()
        handle.close()
        storage.open("new", create=True).close()
        storage.delete("old")
        storage.crash(random.Random(seed))
        outcomes.add(tuple(sorted(storage.names())))
    assert outcomes == {("old",), ("new", "old"), ("new",)}


def test_memory_armed_crash_stops_every_later_operation() -> None:
    storage = MemoryStorage()
    handle = storage.open("a", create=True)
    storage.arm_crash(1)
    handle.write(0, b"x")
    with pytest.raises(SimulatedCrash):
        handle.flush()
    with pytest.raises(SimulatedCrash):
        storage.delete("a")
    storage.crash(random.Random(0))
    storage.open("a").write(0, b"alive again")


def test_memory_capacity_raises_storage_full_and_changes_nothing() -> None:
    storage = MemoryStorage(capacity=10)
    handle = storage.open("a", create=True)
    handle.write(0, b"12345678")
    with pytest.raises(StorageFull):
        handle.write(6, b"abcdef")
    with pytest.raises(StorageFull):
        handle.truncate(11)
    assert handle.read(0, 100) == b"12345678"
    handle.write(0, b"ab")
    assert storage.usage()[0] == 8


def test_directory_storage_objects_are_host_files(tmp_path) -> None:
    storage = DirectoryStorage(tmp_path)
    handle = storage.open("data.7", create=True)
    handle.write(0, b"bytes")
    handle.flush()
    handle.close()
    assert (tmp_path / "data.7").read_bytes() == b"bytes"
    with pytest.raises(StorageError):
        storage.open("../escape", create=True)
    used, capacity = storage.usage()
    assert 0 < used <= capacity


def test_directory_storage_hands_long_write_streams_to_writeback(tmp_path) -> None:
    storage = DirectoryStorage(tmp_path)
    handle = storage.open("data.1", create=True)
    chunks = [bytes([index]) * 65536 for index in range(40)]  # 2.5 MiB, written backwards
    for index in reversed(range(len(chunks))):
        handle.write(index * 65536, chunks[index])
    assert handle.unstarted[1] - handle.unstarted[0] < WRITEBACK_BYTES
    handle.flush()
    assert handle.unstarted == (0, 0)
    assert handle.read(0, 40 * 65536) == b"".join(chunks)
