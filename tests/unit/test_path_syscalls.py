"""Every path_* handler and fd_readdir through Kernel.submit: results and error cases
(errnos checked against wasmtime's built-in WASI where it defines them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from wasmux.abi import wasi
from wasmux.fdtable import Descriptor
from wasmux.kernel import Kernel
from wasmux.proc import Process

Call = Callable[..., tuple[int, tuple[Any, ...]]]
ROOT = 3
FOLLOW = wasi.LOOKUPFLAGS_SYMLINK_FOLLOW
ALL = wasi.RIGHTS_ALL
READ = wasi.RIGHT_FD_READ
CREAT, DIRECTORY, EXCL, TRUNC = (wasi.OFLAGS_CREAT, wasi.OFLAGS_DIRECTORY, wasi.OFLAGS_EXCL,
                                 wasi.OFLAGS_TRUNC)


def open_errno(call: Call, path: str, oflags: int = 0, rights: int = READ,
               dirflags: int = FOLLOW, fd: int = ROOT) -> int:
    return call("path_open", fd, dirflags, path, oflags, rights, rights, 0)[0]


def open_fd(call: Call, path: str, oflags: int = 0, rights: int = ALL, fdflags: int = 0) -> int:
    errno, outs = call("path_open", ROOT, FOLLOW, path, oflags, rights, rights, fdflags)
    assert errno == 0, wasi.errno_name(errno)
    return outs[0]


@pytest.fixture
def tree(call: Call) -> Call:
    """/dir (empty), /full/x, /file ("hello"), /link -> file, /dangling -> target."""
    assert call("path_create_directory", ROOT, "dir")[0] == 0
    assert call("path_create_directory", ROOT, "full")[0] == 0
    assert call("path_create_directory", ROOT, "full/x")[0] == 0
    fd = open_fd(call, "file", CREAT)
    assert call("fd_write", fd, b"hello") == (0, (5,))
    assert call("path_symlink", "file", ROOT, "link")[0] == 0
    assert call("path_symlink", "target", ROOT, "dangling")[0] == 0
    return call


# --- path_open ---
@pytest.mark.parametrize("path, oflags, rights, dirflags, errno", [
    ("missing", 0, READ, FOLLOW, wasi.ENOENT),
    ("missing/x", CREAT, READ, FOLLOW, wasi.ENOENT),
    ("file", CREAT | EXCL, READ, FOLLOW, wasi.EEXIST),
    ("file", DIRECTORY, READ, FOLLOW, wasi.ENOTDIR),
    ("file/", 0, READ, FOLLOW, wasi.ENOTDIR),
    ("dir", 0, wasi.RIGHT_FD_WRITE, FOLLOW, wasi.EISDIR),
    ("dir", CREAT, READ, FOLLOW, wasi.EISDIR),
    ("new/", CREAT, READ, FOLLOW, wasi.EISDIR),
    ("newdir", CREAT | DIRECTORY, READ, FOLLOW, wasi.EINVAL),
    ("link", 0, READ, 0, wasi.ELOOP),
    ("link", CREAT, READ, 0, wasi.ELOOP),
    ("dangling", CREAT | EXCL, READ, FOLLOW, wasi.EEXIST),
    ("dangling", 0, READ, FOLLOW, wasi.ENOENT),
])
def test_path_open_errors(tree: Call, path: str, oflags: int, rights: int, dirflags: int,
                          errno: int) -> None:
    assert open_errno(tree, path, oflags, rights, dirflags) == errno


def test_path_open_creates_with_umask(call: Call, process: Process) -> None:
    process.umask = 0o027
    fd = open_fd(call, "new", CREAT)
    assert process.fds.get(fd).file.inode.mode == 0o640


def test_path_open_creates_through_dangling_symlink(tree: Call) -> None:
    open_fd(tree, "dangling", CREAT)
    assert tree("path_filestat_get", ROOT, 0, "target")[0] == 0


def test_path_open_follows_symlink(tree: Call) -> None:
    fd = open_fd(tree, "link", rights=READ)
    assert tree("fd_read", fd, 10) == (0, (b"hello", 5))


def test_path_open_rights_are_requested_within_inheriting(call: Call, process: Process) -> None:
    fd = open_fd(call, "f", CREAT, rights=READ | wasi.RIGHT_FD_SEEK)
    entry = process.fds.get(fd)
    assert (entry.rights_base, entry.rights_inheriting) == (READ | wasi.RIGHT_FD_SEEK,) * 2
    assert entry.file.readable and not entry.file.writable
    assert call("fd_write", fd, b"x")[0] in (wasi.EBADF, wasi.ENOTCAPABLE)
    narrow = process.fds.install(Descriptor(process.fds.get(ROOT).file.ref(), ALL, READ))
    errno, (wide,) = call("path_open", narrow, 0, "f", 0, ALL, ALL, 0)
    assert errno == 0 and process.fds.get(wide).rights_base == READ


def test_path_open_checks_directory_rights(call: Call, process: Process) -> None:
    root = process.fds.get(ROOT).file
    no_open = process.fds.install(Descriptor(root.ref(), ALL & ~wasi.RIGHT_PATH_OPEN, ALL))
    no_create = process.fds.install(Descriptor(root.ref(), ALL & ~wasi.RIGHT_PATH_CREATE_FILE,
                                               ALL))
    assert open_errno(call, "dev", fd=no_open) == wasi.ENOTCAPABLE
    assert open_errno(call, "new", CREAT, fd=no_create) == wasi.ENOTCAPABLE
    assert open_errno(call, "dev", fd=99) == wasi.EBADF


def test_path_open_relative_to_a_file_is_enotdir(tree: Call) -> None:
    fd = open_fd(tree, "file")
    assert open_errno(tree, "x", fd=fd) == wasi.ENOTDIR


def test_path_open_records_path_and_flags(tree: Call, process: Process) -> None:
    dir_fd = open_fd(tree, "full", DIRECTORY, rights=ALL & ~wasi.RIGHT_FD_WRITE)
    errno, (fd,) = tree("path_open", dir_fd, 0, "x/../x", 0, READ, READ, 0)
    assert errno == 0 and process.fds.get(fd).file.path == "/full/x"
    appending = open_fd(tree, "file", fdflags=wasi.FDFLAGS_APPEND)
    assert process.fds.get(appending).file.flags == wasi.FDFLAGS_APPEND
    assert tree("path_open", ROOT, 0, "file", 0, READ, READ, 1 << 9)[0] == wasi.EINVAL


# --- create, remove, link, symlink, readlink ---
@pytest.mark.parametrize("path, errno", [
    ("dir", wasi.EEXIST), ("link", wasi.EEXIST), (".", wasi.EEXIST),
    ("missing/x", wasi.ENOENT), ("file/x", wasi.ENOTDIR), ("", wasi.ENOENT),
])
def test_path_create_directory_errors(tree: Call, path: str, errno: int) -> None:
    assert tree("path_create_directory", ROOT, path)[0] == errno


def test_path_create_directory_applies_umask(call: Call, kernel: Kernel,
                                             process: Process) -> None:
    process.umask = 0o077
    assert call("path_create_directory", ROOT, "private/")[0] == 0
    assert kernel.vfs.resolve(process, kernel.vfs.root, "private").mode == 0o700


@pytest.mark.parametrize("path, errno", [
    ("dir", wasi.EISDIR), ("missing", wasi.ENOENT), ("missing/", wasi.ENOENT),
    ("file/", wasi.ENOTDIR), (".", wasi.EISDIR),
])
def test_path_unlink_file_errors(tree: Call, path: str, errno: int) -> None:
    assert tree("path_unlink_file", ROOT, path)[0] == errno


def test_path_unlink_file_removes_symlink_not_target(tree: Call) -> None:
    assert tree("path_unlink_file", ROOT, "link")[0] == 0
    assert tree("path_filestat_get", ROOT, 0, "file")[0] == 0


@pytest.mark.parametrize("path, errno", [
    ("full", wasi.ENOTEMPTY), ("file", wasi.ENOTDIR), ("missing", wasi.ENOENT),
    (".", wasi.EINVAL), ("dir/.", wasi.EINVAL), ("full/x/..", wasi.ENOTEMPTY),
    ("link", wasi.ENOTDIR), ("tmp", wasi.EBUSY),
])
def test_path_remove_directory_errors(tree: Call, path: str, errno: int) -> None:
    assert tree("path_remove_directory", ROOT, path)[0] == errno


@pytest.mark.parametrize("old, new, errno", [
    ("dir", "dirlink", wasi.EPERM), ("file", "file", wasi.EEXIST),
    ("file", "hardlink/", wasi.ENOENT), ("missing", "x", wasi.ENOENT),
    ("file", "tmp/x", wasi.EXDEV), ("file", "missing/x", wasi.ENOENT),
])
def test_path_link_errors(tree: Call, old: str, new: str, errno: int) -> None:
    assert tree("path_link", ROOT, 0, old, ROOT, new)[0] == errno


def test_path_link_of_symlink_follows_only_when_asked(tree: Call) -> None:
    assert tree("path_link", ROOT, 0, "link", ROOT, "link2")[0] == 0
    assert tree("path_filestat_get", ROOT, 0, "link2")[1][0][2] == wasi.FILETYPE_SYMBOLIC_LINK
    assert tree("path_link", ROOT, FOLLOW, "link", ROOT, "file2")[0] == 0
    assert tree("path_filestat_get", ROOT, 0, "file")[1][0][3] == 2


@pytest.mark.parametrize("target, path, errno", [
    ("x", "link", wasi.EEXIST), ("x", "dangling", wasi.EEXIST), ("", "empty", wasi.ENOENT),
    ("x", "new/", wasi.ENOENT), ("x", "missing/new", wasi.ENOENT),
])
def test_path_symlink_errors(tree: Call, target: str, path: str, errno: int) -> None:
    assert tree("path_symlink", target, ROOT, path)[0] == errno


def test_path_readlink_returns_and_truncates_target(tree: Call) -> None:
    assert tree("path_readlink", ROOT, "link", 100) == (0, (b"file", 4))
    assert tree("path_readlink", ROOT, "link", 2) == (0, (b"fi", 2))
    assert tree("path_readlink", ROOT, "file", 100)[0] == wasi.EINVAL
    assert tree("path_readlink", ROOT, "missing", 100)[0] == wasi.ENOENT


# --- stat and times ---
def test_path_filestat_get_follows_when_asked(tree: Call, kernel: Kernel) -> None:
    followed = tree("path_filestat_get", ROOT, FOLLOW, "link")[1][0]
    assert followed[2] == wasi.FILETYPE_REGULAR_FILE and followed[4] == 5
    link = tree("path_filestat_get", ROOT, 0, "link")[1][0]
    assert link[2] == wasi.FILETYPE_SYMBOLIC_LINK and link[4] == 4
    assert tree("path_filestat_get", ROOT, 0, "file/")[0] == wasi.ENOTDIR
    assert tree("path_filestat_get", ROOT, FOLLOW, "dangling")[0] == wasi.ENOENT


def test_path_filestat_set_times_errors(tree: Call) -> None:
    both = wasi.FSTFLAGS_ATIM | wasi.FSTFLAGS_ATIM_NOW
    assert tree("path_filestat_set_times", ROOT, 0, "file", 0, 0, both)[0] == wasi.EINVAL
    assert tree("path_filestat_set_times", ROOT, 0, "missing", 0, 0, 0)[0] == wasi.ENOENT
    assert tree("path_filestat_set_times", ROOT, 0, "link", 5, 6,
                wasi.FSTFLAGS_ATIM | wasi.FSTFLAGS_MTIM)[0] == 0
    assert tree("path_filestat_get", ROOT, 0, "link")[1][0][5:7] == (5, 6)
    assert tree("path_filestat_get", ROOT, 0, "file")[1][0][5:7] != (5, 6)


def test_path_calls_check_rights(tree: Call, process: Process) -> None:
    none = process.fds.install(Descriptor(process.fds.get(ROOT).file.ref(), 0, 0))
    for name, args in [
        ("path_create_directory", (none, "x")), ("path_filestat_get", (none, 0, "file")),
        ("path_filestat_set_times", (none, 0, "file", 0, 0, 0)),
        ("path_link", (none, 0, "file", ROOT, "x")), ("path_link", (ROOT, 0, "file", none, "x")),
        ("path_readlink", (none, "link", 10)), ("path_remove_directory", (none, "dir")),
        ("path_rename", (none, "file", ROOT, "x")), ("path_rename", (ROOT, "file", none, "x")),
        ("path_symlink", ("x", none, "y")), ("path_unlink_file", (none, "file")),
        ("fd_readdir", (none, 100, 0)),
    ]:
        assert tree(name, *args)[0] == wasi.ENOTCAPABLE, name


# --- fd_readdir ---
def test_fd_readdir_records_match_wasmtime(tree: Call, kernel: Kernel) -> None:
    fd = open_fd(tree, "full", DIRECTORY, rights=ALL & ~wasi.RIGHT_FD_WRITE)
    errno, (data, used) = tree("fd_readdir", fd, 512, 0)
    full = kernel.vfs.resolve(None, kernel.vfs.root, "full")
    expected = b"".join([
        wasi.DIRENT.pack(1, full.ino, 1, wasi.FILETYPE_DIRECTORY) + b".",
        wasi.DIRENT.pack(2, kernel.vfs.root.ino, 2, wasi.FILETYPE_DIRECTORY) + b"..",
        wasi.DIRENT.pack(3, full.lookup("x").ino, 1, wasi.FILETYPE_DIRECTORY) + b"x",
    ])
    assert (errno, data, used) == (0, expected, len(expected))
    assert tree("fd_readdir", fd, 30, 0) == (0, (expected[:30], 30))
    assert tree("fd_readdir", fd, 512, 2) == (0, (expected[51:], 25))
    assert tree("fd_readdir", fd, 512, 3) == (0, (b"", 0))
    assert tree("fd_readdir", fd, 0, 0) == (0, (b"", 0))


def test_fd_readdir_dotdot_of_mounted_root_is_mountpoint_parent(call: Call,
                                                                kernel: Kernel) -> None:
    fd = open_fd(call, "tmp", DIRECTORY, rights=ALL & ~wasi.RIGHT_FD_WRITE)
    data = call("fd_readdir", fd, 512, 1)[1][0]
    assert wasi.DIRENT.unpack_from(data)[1] == kernel.vfs.root.ino


def test_fd_readdir_on_a_file_is_ebadf_as_in_wasmtime(tree: Call) -> None:
    assert tree("fd_readdir", open_fd(tree, "file"), 100, 0)[0] == wasi.EBADF
