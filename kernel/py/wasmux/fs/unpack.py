"""Unpack a rootfs image (a tar archive, gzip-compressed or not) into a directory.

Layer: filesystem; imports file.py and the standard library (tarfile and gzip exist in
Pyodide too, so the browser's first boot uses this as well as `wasmux mkroot`). It
works on one filesystem's inodes directly, below the VFS (mount points are not
crossed): run it on a root filesystem before the kernel mounts anything over it, or
on any directory inode.

Directories, regular files and symbolic links are supported, with their modes and
modification times; any other member (device, fifo, hard link) fails with ValueError
naming it. An existing directory is reused (its mode and time are set); any other
existing name fails with EEXIST, so an image goes into a fresh tree only.
"""

from __future__ import annotations

# gzip: tarfile imports it on first use, and the browser's kernel snapshot must hold it
# (importing from Pyodide's stdlib zip after a restore re-reads the zip: 0.2 s).
import gzip  # noqa: F401
import io
import posixpath
import tarfile

from ..abi import wasi
from ..errors import KernelError
from ..file import Inode, OpenFile


def _directory(root: Inode, parts: list[str]) -> Inode:
    """The directory at `parts` below `root`, which must exist."""
    directory = root
    for part in parts:
        directory = directory.lookup(part)
        if directory.filetype != wasi.FILETYPE_DIRECTORY:
            raise KernelError(wasi.ENOTDIR, "/".join(parts))
    return directory


def _existing(directory: Inode, name: str) -> Inode | None:
    try:
        return directory.lookup(name)
    except KernelError as error:
        if error.errno != wasi.ENOENT:
            raise
        return None


def _write(inode: Inode, data: bytes) -> None:
    file = OpenFile(inode, readable=False, writable=True)
    try:
        view = memoryview(data)
        while view:
            view = view[file.write(bytes(view[:1 << 20])):]
    finally:
        file.unref()


def regular_files(archive: bytes) -> int:
    """How many regular files the archive holds (each takes a storage object)."""
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:*") as tar:
        return sum(1 for member in tar if member.isreg())


def unpack(root: Inode, archive: bytes) -> int:
    """Create the archive's members below the directory `root`; returns how many."""
    count = 0
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:*") as tar:
        for member in tar:
            path = posixpath.normpath(member.name.lstrip("/"))
            if path == ".":
                continue
            parts = path.split("/")
            if ".." in parts:
                raise ValueError(f"image member {member.name!r} leaves the root")
            parent = _directory(root, parts[:-1])
            name = parts[-1]
            existing = _existing(parent, name)
            if member.isdir():
                if existing is None:
                    inode = parent.create_directory(name, member.mode)
                elif existing.filetype == wasi.FILETYPE_DIRECTORY:
                    inode = existing
                else:
                    raise KernelError(wasi.EEXIST, path)
            elif existing is not None:
                raise KernelError(wasi.EEXIST, path)
            elif member.isreg():
                inode = parent.create_file(name, member.mode)
                source = tar.extractfile(member)
                assert source is not None
                _write(inode, source.read())
            elif member.issym():
                inode = parent.create_symlink(name, member.linkname)
            else:
                raise ValueError(f"image member {member.name!r}: unsupported type "
                                 f"{member.type!r}")
            if not member.issym():
                inode.set_mode(member.mode)
            mtime = int(member.mtime) * 1_000_000_000
            inode.set_times(mtime, mtime)
            count += 1
    return count
