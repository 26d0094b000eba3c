"""program.load on every filesystem: the contents it hands out follow every change of
the program file (it keeps contents read before, keyed by the file's version)."""

from __future__ import annotations

from wasmux import program
from wasmux.file import OpenFile
from wasmux.kernel import Kernel


def _write(kernel: Kernel, path: str, data: bytes, truncate: bool = False) -> None:
    inode = kernel.vfs.resolve(None, kernel.vfs.root, path)
    file = OpenFile(inode, readable=False, writable=True, path=path)
    if truncate:
        inode.truncate(0)
    file.write(data)
    file.unref()


def test_load_sees_a_program_rewritten_in_place_with_the_same_size(fs_kernel: Kernel) -> None:
    vfs = fs_kernel.vfs
    vfs.root.create_file("prog", 0o755)
    _write(fs_kernel, "/prog", b"\0asm-one")
    assert program.load(vfs, None, "/prog", "/", [b"prog"])[1] == b"\0asm-one"
    assert program.load(vfs, None, "/prog", "/", [b"prog"])[1] == b"\0asm-one"
    _write(fs_kernel, "/prog", b"\0asm-two")
    assert program.load(vfs, None, "/prog", "/", [b"prog"])[1] == b"\0asm-two"
    _write(fs_kernel, "/prog", b"#!/bin/sh\n", truncate=True)
    vfs.make_directory(None, vfs.root, "/bin")
    vfs.root.find("bin").create_file("sh", 0o755)
    _write(fs_kernel, "/bin/sh", b"\0asm-sh")
    _, data, argv = program.load(vfs, None, "/prog", "/", [b"prog"])
    assert (data, argv) == (b"\0asm-sh", [b"/bin/sh", b"/prog"])


def test_find_answers_none_for_a_missing_name_and_the_inode_otherwise(fs_kernel: Kernel) -> None:
    root = fs_kernel.vfs.root
    assert root.find("missing") is None
    made = root.create_file("here", 0o644)
    assert root.find("here") is made
    assert root.find(".") is root
    assert fs_kernel.vfs.resolve(None, root, "/proc").find("no-such-pid") is None
