"""Path resolution: '.', '..' across mounts, symlinks and loops, name limits, trailing
slashes, and the namespace rules that involve mounts (EXDEV, EBUSY)."""

from __future__ import annotations

import pytest
from wasmux.abi import wasi
from wasmux.errors import KernelError
from wasmux.kernel import Kernel


def errno_of(function, *args) -> int:  # type: ignore[no-untyped-def]
    with pytest.raises(KernelError) as caught:
        function(*args)
    return caught.value.errno


@pytest.fixture
def tree(kernel: Kernel) -> Kernel:
    """/a/b/c directories, /a/file, /tmp/t directory."""
    vfs, root = kernel.vfs, kernel.vfs.root
    for path in ("a", "a/b", "a/b/c", "/tmp/t"):
        vfs.make_directory(None, root, path)
    vfs.open(None, root, "a/file", wasi.OFLAGS_CREAT, True, False, True, 0, "/a/file").unref()
    return kernel


def resolve(kernel: Kernel, path: str, follow: bool = True):  # type: ignore[no-untyped-def]
    return kernel.vfs.resolve(None, kernel.vfs.root, path, follow)


def test_dot_and_dotdot_within_a_directory(tree: Kernel) -> None:
    assert resolve(tree, "a/./b/../b/c/.") is resolve(tree, "/a/b/c")
    assert resolve(tree, ".") is tree.vfs.root


def test_dotdot_at_root_stays_at_root(tree: Kernel) -> None:
    assert resolve(tree, "/../../..") is tree.vfs.root
    assert resolve(tree, "../a") is resolve(tree, "/a")


def test_mountpoint_is_replaced_by_mounted_root(tree: Kernel) -> None:
    tmp = resolve(tree, "/tmp")
    assert tmp is tree.vfs.mounts[1][1].root
    assert tmp.stat()[0] != tree.vfs.root.stat()[0]


def test_dotdot_at_mounted_root_goes_to_mountpoint_parent(tree: Kernel) -> None:
    assert resolve(tree, "/tmp/..") is tree.vfs.root
    assert resolve(tree, "/tmp/t/../../a") is resolve(tree, "/a")
    assert resolve(tree, "/proc/../dev/..") is tree.vfs.root
    assert tree.vfs.parent_of(resolve(tree, "/tmp")) is tree.vfs.root


def test_relative_symlink_resolved_from_its_directory(tree: Kernel) -> None:
    tree.vfs.symlink(None, "b/c", tree.vfs.root, "a/to_c")
    assert resolve(tree, "a/to_c") is resolve(tree, "a/b/c")
    assert resolve(tree, "a/to_c/..") is resolve(tree, "a/b")


def test_absolute_symlink_crosses_mounts(tree: Kernel) -> None:
    tree.vfs.symlink(None, "/dev", tree.vfs.root, "/tmp/devices")
    assert resolve(tree, "/tmp/devices/null") is resolve(tree, "/dev/null")


def test_final_symlink_followed_only_when_asked(tree: Kernel) -> None:
    tree.vfs.symlink(None, "file", tree.vfs.root, "a/link")
    assert resolve(tree, "a/link", follow=False).filetype == wasi.FILETYPE_SYMBOLIC_LINK
    assert resolve(tree, "a/link") is resolve(tree, "a/file")


def test_symlink_loop_is_eloop(tree: Kernel) -> None:
    vfs = tree.vfs
    vfs.symlink(None, "loop2", vfs.root, "loop1")
    vfs.symlink(None, "loop1", vfs.root, "loop2")
    assert errno_of(resolve, tree, "loop1") == wasi.ELOOP
    assert errno_of(resolve, tree, "loop1/x") == wasi.ELOOP
    assert resolve(tree, "loop1", follow=False).filetype == wasi.FILETYPE_SYMBOLIC_LINK


def test_forty_symlinks_resolve_and_forty_one_do_not(tree: Kernel) -> None:
    vfs = tree.vfs
    vfs.symlink(None, "a", vfs.root, "l0")
    for index in range(1, 41):
        vfs.symlink(None, f"l{index - 1}", vfs.root, f"l{index}")
    assert resolve(tree, "l39") is resolve(tree, "a")
    assert errno_of(resolve, tree, "l40") == wasi.ELOOP


def test_dangling_symlink_is_enoent(tree: Kernel) -> None:
    tree.vfs.symlink(None, "nowhere", tree.vfs.root, "dangling")
    assert errno_of(resolve, tree, "dangling") == wasi.ENOENT
    assert errno_of(resolve, tree, "dangling/x") == wasi.ENOENT


def test_component_longer_than_255_bytes_is_enametoolong(tree: Kernel) -> None:
    assert errno_of(resolve, tree, "a/" + "x" * 255) == wasi.ENOENT
    assert errno_of(resolve, tree, "a/" + "x" * 256) == wasi.ENAMETOOLONG
    assert errno_of(resolve, tree, "é" * 128) == wasi.ENAMETOOLONG


def test_path_of_4096_bytes_is_enametoolong(tree: Kernel) -> None:
    assert resolve(tree, "./" * 2047 + "a") is resolve(tree, "a")  # 4095 bytes
    assert errno_of(resolve, tree, "/" * 4095 + "a") == wasi.ENAMETOOLONG


def test_file_as_directory_component_is_enotdir(tree: Kernel) -> None:
    assert errno_of(resolve, tree, "a/file/x") == wasi.ENOTDIR
    assert errno_of(resolve, tree, "a/file/..") == wasi.ENOTDIR


def test_trailing_slash_requires_a_directory(tree: Kernel) -> None:
    assert resolve(tree, "a/b/") is resolve(tree, "a/b")
    assert resolve(tree, "a/b//") is resolve(tree, "a/b")
    assert errno_of(resolve, tree, "a/file/") == wasi.ENOTDIR
    tree.vfs.make_directory(None, tree.vfs.root, "a/new/")
    assert resolve(tree, "a/new").filetype == wasi.FILETYPE_DIRECTORY


def test_trailing_slash_follows_final_symlink(tree: Kernel) -> None:
    tree.vfs.symlink(None, "b", tree.vfs.root, "a/to_b")
    assert resolve(tree, "a/to_b/", follow=False) is resolve(tree, "a/b")


def test_empty_path_is_enoent(tree: Kernel) -> None:
    assert errno_of(resolve, tree, "") == wasi.ENOENT


def test_relative_path_from_a_file_is_enotdir(tree: Kernel) -> None:
    file = resolve(tree, "a/file")
    assert errno_of(tree.vfs.resolve, None, file, "x") == wasi.ENOTDIR
    assert tree.vfs.resolve(None, file, "/a") is resolve(tree, "a")


def test_rename_across_filesystems_is_exdev(tree: Kernel) -> None:
    root = tree.vfs.root
    assert errno_of(tree.vfs.rename, None, root, "a/file", root, "tmp/file") == wasi.EXDEV
    assert errno_of(tree.vfs.link, None, root, "a/file", True, root, "tmp/file") == wasi.EXDEV


def test_rename_directory_into_its_own_subtree_is_einval(tree: Kernel) -> None:
    root = tree.vfs.root
    assert errno_of(tree.vfs.rename, None, root, "a", root, "a/b/c/a") == wasi.EINVAL
    assert errno_of(tree.vfs.rename, None, root, "a/b", root, "a/b/x") == wasi.EINVAL
    tree.vfs.rename(None, root, "a/b/c", root, "a/c")
    assert resolve(tree, "a/c").filetype == wasi.FILETYPE_DIRECTORY


def test_mountpoints_are_busy(tree: Kernel) -> None:
    root = tree.vfs.root
    assert errno_of(tree.vfs.rename, None, root, "tmp", root, "tmp2") == wasi.EBUSY
    assert errno_of(tree.vfs.rename, None, root, "a", root, "tmp") == wasi.EBUSY
    assert errno_of(tree.vfs.remove_directory, None, root, "proc") == wasi.EBUSY


def test_standard_mounts_are_listed_in_mount_order(kernel: Kernel) -> None:
    assert [(path, fs.kind) for path, fs in kernel.vfs.mounts] == [
        ("/", "tmpfs"), ("/tmp", "tmpfs"), ("/dev", "devtmpfs"), ("/proc", "proc")]
    devices = {fs.dev for _, fs in kernel.vfs.mounts}
    assert len(devices) == 4
