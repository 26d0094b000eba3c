"""fs/opfs.py (the OPFS Storage backend) on CPython over a fake of kernel/drivers/opfs.js:
names in headers, remount, crash keeping only flushed state, quota, the spare pool, and
reads answered with stored ranges while `lazy_reads` is on."""

from __future__ import annotations

import io
import tarfile
import time
from pathlib import Path

import pytest
from wasmux.abi import wasi
from wasmux.errors import KernelError, WouldBlock
from wasmux.file import OpenFile
from wasmux.fs.opfs import (
    HEADER_SIZE,
    RESERVE,
    OPFSStorage,
    StoredRange,
    decode_header,
    encode_header,
)
from wasmux.fs.persistent import PersistentFS
from wasmux.fs.storage import StorageFull

from .opfs_fake import FakeOPFSDriver

IMAGE = Path(__file__).resolve().parents[2] / "build" / "rootfs.tar.gz"


def mount(driver: FakeOPFSDriver, io_size: int = 4096) -> tuple[OPFSStorage, PersistentFS]:
    buffer = bytearray(io_size)
    driver.attach(buffer)
    storage = OPFSStorage(driver, buffer)
    return storage, PersistentFS(1, time.time_ns, storage)


def write_file(fs: PersistentFS, name: str, data: bytes) -> None:
    inode = fs.root.create_file(name, 0o644)
    file = OpenFile(inode, readable=False, writable=True)
    file.write(data)
    file.unref()


def read_file(fs: PersistentFS, path: str) -> bytes:
    inode = fs.root
    for part in path.split("/"):
        inode = inode.lookup(part)
    file = OpenFile(inode, readable=True, writable=False)
    try:
        return file.read(inode.size)
    finally:
        file.unref()


def test_header_roundtrip_and_torn_header_reads_as_spare() -> None:
    header = encode_header("data.17")
    assert len(header) == HEADER_SIZE and decode_header(header) == "data.17"
    torn = header[:10] + bytes(HEADER_SIZE - 10)
    assert decode_header(torn) == ""
    assert decode_header(encode_header("")) == ""


def test_files_survive_remount_with_chunked_io() -> None:
    driver = FakeOPFSDriver()
    driver.refill(16)
    _, fs = mount(driver, io_size=1000)
    payload = bytes(range(256)) * 40  # larger than the io buffer: chunked moves
    write_file(fs, "big", payload)
    fs.sync()
    _, again = mount(driver.restart())
    assert read_file(again, "big") == payload


@pytest.mark.skipif(not IMAGE.exists(), reason="build/rootfs.tar.gz is not built")
def test_rootfs_image_unpacks_and_remounts_byte_identical() -> None:
    from wasmux.fs.unpack import unpack
    driver = FakeOPFSDriver()
    driver.refill(64)
    _, fs = mount(driver)
    archive = IMAGE.read_bytes()
    unpack(fs.root, archive)
    fs.sync()
    _, again = mount(driver.restart())
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            if member.isreg():
                source = tar.extractfile(member)
                assert source is not None
                assert read_file(again, member.name.lstrip("./")) == source.read(), member.name


def test_crash_keeps_every_synced_file() -> None:
    driver = FakeOPFSDriver()
    driver.refill(16)
    _, fs = mount(driver)
    write_file(fs, "synced", b"kept")
    fs.sync()
    write_file(fs, "unsynced", b"maybe")  # close syncs it too (close-after-write contract)
    crashed = driver.restart()
    _, again = mount(crashed)
    assert read_file(again, "synced") == b"kept"


def test_deleted_objects_return_to_the_pool_after_a_flush() -> None:
    driver = FakeOPFSDriver()
    driver.refill(16)
    storage, _ = mount(driver)
    handle = storage.open("data.99", create=True)
    handle.write(0, b"x")
    handle.close()
    before = driver.spare_count()
    storage.delete("data.99")
    assert driver.spare_count() == before
    other = storage.open("data.100", create=True)
    assert driver.spare_count() == before - 1
    other.flush()
    other.close()
    assert driver.spare_count() == before


def test_quota_exhausted_is_enospc_and_leaves_the_file_intact() -> None:
    driver = FakeOPFSDriver(quota=64 * 1024)
    driver.refill(16)
    _, fs = mount(driver)
    write_file(fs, "small", b"safe")
    fs.sync()
    inode = fs.root.create_file("huge", 0o644)
    file = OpenFile(inode, readable=False, writable=True)
    with pytest.raises(KernelError) as error:
        file.write(bytes(128 * 1024))
    assert error.value.errno == wasi.ENOSPC
    file.unref()
    assert read_file(fs, "small") == b"safe"
    fs.sync()
    _, again = mount(driver.restart())
    assert read_file(again, "small") == b"safe"


def test_storage_full_leaves_object_size_unchanged() -> None:
    driver = FakeOPFSDriver(quota=4096)
    driver.refill(RESERVE + 8)
    storage, _ = mount(driver)
    handle = storage.open("data.5", create=True)
    handle.write(0, b"abc")
    with pytest.raises(StorageFull):
        handle.write(0, bytes(10_000))
    assert handle.size() == 3


def test_data_object_creation_parks_when_only_the_reserve_is_left() -> None:
    driver = FakeOPFSDriver()
    driver.refill(RESERVE + 4)
    storage, _ = mount(driver)
    while driver.spare_count() > RESERVE:
        storage.open(f"data.{driver.spare_count() + 100}", create=True).close()
    with pytest.raises(WouldBlock) as block:
        storage.open("data.1000", create=True)
    assert storage.spares_ready in block.value.queues
    storage.open("journal.9", create=True).close()  # the journal may use the reserve


def test_lazy_reads_are_stored_ranges_of_the_file_bytes() -> None:
    driver = FakeOPFSDriver()
    driver.refill(16)
    storage, fs = mount(driver, io_size=1000)  # bytes() of a range reads in chunks
    payload = bytes(range(251)) * 20
    write_file(fs, "f", payload)
    inode = fs.root.lookup("f")
    file = OpenFile(inode, readable=True, writable=False)
    storage.lazy_reads = True
    first = file.read(3001)
    assert type(first) is StoredRange and len(first) == 3001 and file.offset == 3001
    assert bytes(first) == payload[:3001]
    target = bytearray(3001)
    driver.read_into(first.number(), first.position, memoryview(target))
    assert target == payload[:3001] and first.file == storage.objects[f"data.{inode.ino}"]
    rest = file.read(5000)  # short: the file ends
    assert len(rest) == len(payload) - 3001 and bytes(rest) == payload[3001:]
    assert file.read(10) == b"" and file.offset == len(payload)
    middle = file.pread(777, 1234)
    assert bytes(middle) == payload[1234:2011] and file.offset == len(payload)
    storage.lazy_reads = False
    assert type(file.pread(10, 0)) is bytes
    file.unref()


def test_a_stored_range_past_the_end_of_its_file_reads_zeros() -> None:
    driver = FakeOPFSDriver()
    driver.refill(16)
    storage, fs = mount(driver)
    write_file(fs, "f", b"abcdef")
    fs.sync()
    inode = fs.root.lookup("f")
    object_file = storage.objects[f"data.{inode.ino}"]
    del driver.contents[object_file][HEADER_SIZE + 4:]  # lost behind the storage's back
    stored = StoredRange(storage, object_file, HEADER_SIZE + 2, 4)
    assert bytes(stored) == b"cd\0\0" and stored + b"!" == b"cd\0\0!"
    target = bytearray(b"xxxx")
    driver.read_into(stored.number(), stored.position, memoryview(target))
    assert target == b"cd\0\0"
