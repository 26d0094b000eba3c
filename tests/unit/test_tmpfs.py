"""Filesystem semantics through the syscalls, run against every root filesystem kind
(`fs_call`): link counts, rename over an open file, unlink of an open file, sparse
writes, directory link counts, and readdir cookies resumed mid-listing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from wasmux.abi import wasi

Call = Callable[..., tuple[int, tuple[Any, ...]]]

ROOT = 3
FOLLOW = wasi.LOOKUPFLAGS_SYMLINK_FOLLOW
READ_ONLY = wasi.RIGHTS_ALL & ~wasi.RIGHT_FD_WRITE


def open_fd(call: Call, path: str, oflags: int = 0, rights: int = wasi.RIGHTS_ALL) -> int:
    errno, (fd,) = call("path_open", ROOT, FOLLOW, path, oflags, rights, rights, 0)
    assert errno == 0
    return fd


def ok(result: tuple[int, tuple]) -> tuple:  # type: ignore[type-arg]
    errno, outs = result
    assert errno == 0, wasi.errno_name(errno)
    return outs


def stat(call: Call, path: str, flags: int = FOLLOW) -> tuple[int, ...]:
    return ok(call("path_filestat_get", ROOT, flags, path))[0]


def write_file(call: Call, path: str, data: bytes) -> None:
    fd = open_fd(call, path, wasi.OFLAGS_CREAT | wasi.OFLAGS_TRUNC)
    ok(call("fd_write", fd, data))
    ok(call("fd_close", fd))


def read_fd(call: Call, fd: int, size: int = 100) -> bytes:
    return ok(call("fd_read", fd, size))[0]


def names(call: Call, fd: int, cookie: int = 0, size: int = 4096) -> list[str]:
    data = ok(call("fd_readdir", fd, size, cookie))[0]
    found, offset = [], 0
    while offset + wasi.DIRENT.size <= len(data):
        _, _, namlen, _ = wasi.DIRENT.unpack_from(data, offset)
        offset += wasi.DIRENT.size
        found.append(data[offset:offset + namlen].decode())
        offset += namlen
    return found


def test_hard_links_count_and_share_data(fs_call: Call) -> None:
    write_file(fs_call, "one", b"shared")
    assert stat(fs_call, "one")[3] == 1
    ok(fs_call("path_link", ROOT, 0, "one", ROOT, "two"))
    assert stat(fs_call, "one")[3] == stat(fs_call, "two")[3] == 2
    assert stat(fs_call, "one")[1] == stat(fs_call, "two")[1]
    ok(fs_call("path_unlink_file", ROOT, "one"))
    assert stat(fs_call, "two")[3] == 1
    assert read_fd(fs_call, open_fd(fs_call, "two")) == b"shared"


def test_directory_link_count_counts_subdirectories(fs_call: Call) -> None:
    ok(fs_call("path_create_directory", ROOT, "d"))
    ok(fs_call("path_create_directory", ROOT, "e"))
    assert stat(fs_call, "d")[3] == 2
    ok(fs_call("path_create_directory", ROOT, "d/sub"))
    write_file(fs_call, "d/file", b"")
    assert stat(fs_call, "d")[3] == 3
    ok(fs_call("path_rename", ROOT, "d/sub", ROOT, "e/sub"))
    assert (stat(fs_call, "d")[3], stat(fs_call, "e")[3]) == (2, 3)
    ok(fs_call("path_remove_directory", ROOT, "e/sub"))
    assert stat(fs_call, "e")[3] == 2


def test_unlink_of_open_file_keeps_data_readable(fs_call: Call) -> None:
    write_file(fs_call, "gone", b"still here")
    fd = open_fd(fs_call, "gone")
    ok(fs_call("path_unlink_file", ROOT, "gone"))
    assert fs_call("path_filestat_get", ROOT, 0, "gone")[0] == wasi.ENOENT
    assert read_fd(fs_call, fd) == b"still here"
    ok(fs_call("fd_write", fd, b"!"))
    ok(fs_call("fd_seek", fd, 0, wasi.WHENCE_SET))
    assert read_fd(fs_call, fd) == b"still here!"
    assert ok(fs_call("fd_filestat_get", fd))[0][3] == 0


def test_rename_over_open_file_replaces_it(fs_call: Call) -> None:
    write_file(fs_call, "old", b"old contents")
    write_file(fs_call, "new", b"new contents")
    fd = open_fd(fs_call, "old")
    ok(fs_call("path_rename", ROOT, "new", ROOT, "old"))
    assert read_fd(fs_call, fd) == b"old contents"
    assert read_fd(fs_call, open_fd(fs_call, "old")) == b"new contents"
    assert fs_call("path_filestat_get", ROOT, 0, "new")[0] == wasi.ENOENT


def test_rename_between_hard_links_of_one_file_does_nothing(fs_call: Call) -> None:
    write_file(fs_call, "a", b"x")
    ok(fs_call("path_link", ROOT, 0, "a", ROOT, "b"))
    ok(fs_call("path_rename", ROOT, "a", ROOT, "b"))
    assert stat(fs_call, "a")[3] == stat(fs_call, "b")[3] == 2


@pytest.mark.parametrize("source, target, errno", [
    ("dir", "file", wasi.ENOTDIR), ("file", "dir", wasi.EISDIR),
    ("dir", "full", wasi.ENOTEMPTY), ("missing", "x", wasi.ENOENT),
    ("file", "file2/", wasi.ENOTDIR), (".", "x", wasi.EBUSY),
    ("dir", "dir/inside", wasi.EINVAL),
])
def test_rename_errors(fs_call: Call, source: str, target: str, errno: int) -> None:
    for directory in ("dir", "full", "full/x", "empty"):
        ok(fs_call("path_create_directory", ROOT, directory))
    write_file(fs_call, "file", b"")
    assert fs_call("path_rename", ROOT, source, ROOT, target)[0] == errno


def test_rename_directory_over_empty_directory(fs_call: Call) -> None:
    ok(fs_call("path_create_directory", ROOT, "src"))
    write_file(fs_call, "src/inner", b"moved")
    ok(fs_call("path_create_directory", ROOT, "empty"))
    ok(fs_call("path_rename", ROOT, "src", ROOT, "empty"))
    assert read_fd(fs_call, open_fd(fs_call, "empty/inner")) == b"moved"
    assert fs_call("path_filestat_get", ROOT, 0, "src")[0] == wasi.ENOENT


def test_write_past_end_fills_with_zeros(fs_call: Call) -> None:
    fd = open_fd(fs_call, "sparse", wasi.OFLAGS_CREAT)
    ok(fs_call("fd_pwrite", fd, b"end", 5))
    assert ok(fs_call("fd_pread", fd, 100, 0))[0] == b"\0" * 5 + b"end"
    ok(fs_call("fd_filestat_set_size", fd, 2))
    ok(fs_call("fd_filestat_set_size", fd, 4))
    assert ok(fs_call("fd_pread", fd, 100, 0))[0] == b"\0" * 4


def test_open_trunc_empties_the_file(fs_call: Call) -> None:
    write_file(fs_call, "t", b"long contents")
    fd = open_fd(fs_call, "t", wasi.OFLAGS_TRUNC)
    assert stat(fs_call, "t")[4] == 0
    assert read_fd(fs_call, fd) == b""


def test_times_follow_writes_and_directory_changes(fs_call: Call, fs_kernel) -> None:  # type: ignore[no-untyped-def]
    write_file(fs_call, "f", b"1")
    before = stat(fs_call, "f")
    directory_before = stat(fs_call, ".")
    fs_kernel.host.advance(1_000_000)
    fd = open_fd(fs_call, "f")
    ok(fs_call("fd_write", fd, b"2"))
    after = stat(fs_call, "f")
    assert after[6] > before[6] and after[7] > before[7]
    write_file(fs_call, "g", b"")
    assert stat(fs_call, ".")[6] > directory_before[6]


def test_set_times_explicit_and_now(fs_call: Call, fs_kernel) -> None:  # type: ignore[no-untyped-def]
    write_file(fs_call, "f", b"")
    ok(fs_call("path_filestat_set_times", ROOT, FOLLOW, "f", 111, 222,
               wasi.FSTFLAGS_ATIM | wasi.FSTFLAGS_MTIM))
    assert stat(fs_call, "f")[5:7] == (111, 222)
    ok(fs_call("path_filestat_set_times", ROOT, FOLLOW, "f", 0, 0, wasi.FSTFLAGS_MTIM_NOW))
    assert stat(fs_call, "f")[5:7] == (111, fs_kernel.host.realtime_ns())


def test_readdir_lists_dot_entries_first_then_names(fs_call: Call) -> None:
    ok(fs_call("path_create_directory", ROOT, "d"))
    for name in ("x", "y", "z"):
        write_file(fs_call, f"d/{name}", b"")
    fd = open_fd(fs_call, "d", wasi.OFLAGS_DIRECTORY, READ_ONLY)
    listed = names(fs_call, fd)
    assert listed[:2] == [".", ".."] and sorted(listed[2:]) == ["x", "y", "z"]


def test_readdir_cookies_resume_mid_listing(fs_call: Call) -> None:
    ok(fs_call("path_create_directory", ROOT, "d"))
    for index in range(10):
        write_file(fs_call, f"d/entry{index}", b"")
    fd = open_fd(fs_call, "d", wasi.OFLAGS_DIRECTORY, READ_ONLY)
    everything = names(fs_call, fd)
    data, used = ok(fs_call("fd_readdir", fd, 100, 0))
    assert used == 100  # a full buffer: more to come
    offset, cookie = 0, 0
    while offset + wasi.DIRENT.size <= used:
        next_cookie, _, namlen, _ = wasi.DIRENT.unpack_from(data, offset)
        if offset + wasi.DIRENT.size + namlen > used:
            break  # the last record was cut short
        cookie, offset = next_cookie, offset + wasi.DIRENT.size + namlen
    assert 0 < cookie < len(everything)
    assert everything[:cookie] + names(fs_call, fd, cookie) == everything


def test_remove_directory_requires_empty(fs_call: Call) -> None:
    ok(fs_call("path_create_directory", ROOT, "d"))
    write_file(fs_call, "d/f", b"")
    assert fs_call("path_remove_directory", ROOT, "d")[0] == wasi.ENOTEMPTY
    ok(fs_call("path_unlink_file", ROOT, "d/f"))
    ok(fs_call("path_remove_directory", ROOT, "d"))


def test_open_directory_survives_its_removal(fs_call: Call) -> None:
    ok(fs_call("path_create_directory", ROOT, "d"))
    fd = open_fd(fs_call, "d", wasi.OFLAGS_DIRECTORY, READ_ONLY)
    ok(fs_call("path_remove_directory", ROOT, "d"))
    assert ok(fs_call("fd_filestat_get", fd))[0][3] == 0
    assert fs_call("path_open", fd, 0, "new", wasi.OFLAGS_CREAT, 0, 0, 0)[0] != 0
