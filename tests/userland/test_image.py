"""The rootfs image: deterministic bytes, the base system's layout, a stamp that matches
the archive, and unpacking into a filesystem (what mkroot and the browser do)."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from pathlib import Path

import image
from userland_support import BuiltImage  # type: ignore[import-not-found]
from wasmux.abi import wasi
from wasmux.file import OpenFile
from wasmux.fs.tmpfs import TmpFS
from wasmux.fs.unpack import regular_files, unpack


def _members(archive: Path) -> list[tarfile.TarInfo]:
    with tarfile.open(archive) as tar:
        return tar.getmembers()


def test_same_inputs_give_identical_bytes(tmp_path: Path) -> None:
    busybox, init = tmp_path / "busybox.wasm", tmp_path / "init.wasm"
    busybox.write_bytes(b"\0asm busybox")
    init.write_bytes(b"\0asm init")
    first = image.write(tmp_path / "one", busybox, ["sh", "ls", "[", "busybox"], init)
    second = image.write(tmp_path / "two", busybox, ["[", "ls", "sh"], init)
    assert first.archive.read_bytes() == second.archive.read_bytes()
    assert first.stamp.read_text() == second.stamp.read_text()
    busybox.write_bytes(b"\0asm busybox, changed")
    third = image.write(tmp_path / "three", busybox, ["sh", "ls", "["], init)
    assert third.version != first.version


def test_entries_are_sorted_with_fixed_times_and_owner(tmp_path: Path) -> None:
    busybox, init = tmp_path / "busybox.wasm", tmp_path / "init.wasm"
    busybox.write_bytes(b"b")
    init.write_bytes(b"i")
    made = image.write(tmp_path, busybox, ["sh", "cat"], init)
    members = _members(made.archive)
    names = [member.name for member in members]
    assert names == sorted(names, key=lambda name: name.split("/"))
    assert {member.mtime for member in members} == {image.MTIME}
    assert {(member.uid, member.gid, member.uname) for member in members} == {(0, 0, "root")}
    header = made.archive.read_bytes()[:10]
    assert header[4:8] == b"\0\0\0\0", "gzip header carries no time"


def test_stamp_describes_the_archive(built_image: BuiltImage) -> None:
    stamp = json.loads(built_image.stamp.read_text())
    data = built_image.archive.read_bytes()
    assert stamp["file"] == built_image.archive.name == "rootfs.tar.gz"
    assert stamp["size"] == len(data)
    assert stamp["sha256"] == hashlib.sha256(data).hexdigest()
    assert stamp["content"] == hashlib.sha256(gzip.decompress(data)).hexdigest()
    assert stamp["version"] == f"{image.HUMAN_VERSION}+{stamp['content'][:12]}"
    assert stamp["entries"] == len(_members(built_image.archive))
    assert stamp["files"] == regular_files(data)


def test_rebuilding_the_real_image_is_byte_identical(built_image: BuiltImage,
                                                     tmp_path: Path) -> None:
    again = image.write(tmp_path, built_image.busybox.module, built_image.busybox.applets,
                        built_image.init)
    assert again.archive.read_bytes() == built_image.archive.read_bytes()


def test_base_system_layout(built_image: BuiltImage) -> None:
    members = {member.name: member for member in _members(built_image.archive)}
    assert members["bin/busybox"].isreg() and members["bin/busybox"].mode == 0o755
    assert members["sbin/init"].isreg() and members["sbin/init"].mode == 0o755
    for applet in built_image.busybox.applets:
        if applet != "busybox":
            assert members[f"bin/{applet}"].issym()
            assert members[f"bin/{applet}"].linkname == "busybox"
    assert members["bin/sh"].linkname == "busybox"
    for directory in ("root", "home/user", "tmp", "var", "usr/bin", "dev", "proc", "etc"):
        assert members[directory].isdir(), directory
    assert members["tmp"].mode == 0o1777
    for name in ("passwd", "group", "profile", "hostname", "motd", "rc", "os-release"):
        assert members[f"etc/{name}"].isreg(), name
    with tarfile.open(built_image.archive) as tar:
        passwd = tar.extractfile("etc/passwd").read().decode()  # type: ignore[union-attr]
    assert "root:x:0:0:root:/root:/bin/sh" in passwd
    assert "user:x:1000:1000:" in passwd and ":/home/user:" in passwd


def test_unpack_recreates_the_tree(built_image: BuiltImage) -> None:
    fs = TmpFS(1, lambda: 0)
    archive = built_image.archive.read_bytes()
    count = unpack(fs.root, archive)
    members = _members(built_image.archive)
    assert count == len(members)
    assert regular_files(archive) == sum(member.isreg() for member in members) > 0
    bin_directory = fs.root.lookup("bin")
    assert bin_directory.lookup("sh").readlink() == "busybox"
    busybox = bin_directory.lookup("busybox")
    assert busybox.mode == 0o755
    assert busybox.mtim == image.MTIME * 1_000_000_000
    assert busybox.size == built_image.busybox.module.stat().st_size
    passwd = fs.root.lookup("etc").lookup("passwd")
    file = OpenFile(passwd, readable=True, writable=False)
    assert file.read(4096).startswith(b"root:x:0:0:")
    file.unref()
    assert fs.root.lookup("tmp").mode == 0o1777
    assert fs.root.lookup("home").lookup("user").filetype == wasi.FILETYPE_DIRECTORY


def test_unpack_refuses_to_overwrite_a_file() -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("f")
        tar.addfile(info, io.BytesIO(b""))
    fs = TmpFS(1, lambda: 0)
    unpack(fs.root, buffer.getvalue())
    try:
        unpack(fs.root, buffer.getvalue())
    except Exception as error:  # noqa: BLE001
        assert getattr(error, "errno", None) == wasi.EEXIST
    else:
        raise AssertionError("unpacking over an existing file succeeded")
