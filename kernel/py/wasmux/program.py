"""Finding the program a spawn runs: the real path, execute permission, #! scripts.

Layer: kernel core; imports the VFS helpers and file. `load` follows POSIX exec rules:
a missing file is ENOENT, a directory or a file without any execute bit is EACCES (the
shell reports 126), a file starting with "#!" runs its interpreter with the script's
path as an argument (interpreters nest at most INTERPRETER_DEPTH deep: ELOOP), and
anything else is handed to the host, which refuses a non-module with ENOEXEC.
"""

from __future__ import annotations

import posixpath
import weakref
from typing import TYPE_CHECKING

from .abi import wasi
from .errors import KernelError
from .file import OpenFile
from .fs.vfs import SYMLINK_LIMIT, is_directory, is_symlink, link_target, magic_target

if TYPE_CHECKING:
    from .file import Inode
    from .fs.vfs import VFS
    from .proc import Process

INTERPRETER_DEPTH = 4
INTERPRETER_LINE_MAX = 256

# Program files read before, with their contents' version then: every spawn of a shell
# reads the same 0.5 MB BusyBox. Only files that count their changes (`version`, tmpfs
# and persistent regular files) are kept; an entry goes with its inode.
_images: weakref.WeakKeyDictionary[Inode, tuple[int, bytes]] = weakref.WeakKeyDictionary()


def realpath(vfs: VFS, process: Process | None, path: str) -> str:
    """The absolute path of what `path` (absolute) names, with every symlink replaced by
    its target and '.', '..' removed; ENOENT, ENOTDIR or ELOOP as resolution would. A
    magic link (/proc/<pid>/fd/<n>) is replaced by its open file's path, taken as real
    (that file may have been unlinked since)."""
    budget = SYMLINK_LIMIT
    result = "/"
    names = [name for name in path.split("/") if name][::-1]
    while names:
        name = names.pop()
        if name == ".":
            continue
        if name == "..":
            result = posixpath.dirname(result)
            continue
        candidate = posixpath.join(result, name)
        inode = vfs.resolve(process, vfs.root, candidate, follow=False)
        target_file = magic_target(inode)
        if target_file is not None:
            result = target_file.path
            continue
        if is_symlink(inode):
            budget -= 1
            if budget < 0:
                raise KernelError(wasi.ELOOP)
            target = link_target(inode, process)
            if target.startswith("/"):
                result = "/"
            names.extend(reversed([part for part in target.split("/") if part]))
            continue
        if names and not is_directory(inode):
            raise KernelError(wasi.ENOTDIR)
        result = candidate
    return result


def load(vfs: VFS, caller: Process | None, path: str, cwd: str,
         argv: list[bytes], depth: int = 0) -> tuple[str, bytes, list[bytes]]:
    """(real path, file contents, argv) of the program `path` names (relative to `cwd`),
    with #! interpreters resolved; `caller` is who resolves /proc/self."""
    if not path:
        raise KernelError(wasi.ENOENT)
    absolute = posixpath.join(cwd, path)
    real = realpath(vfs, caller, absolute)
    inode = vfs.resolve(caller, vfs.root, absolute)
    if inode.filetype != wasi.FILETYPE_REGULAR_FILE:
        raise KernelError(wasi.EACCES, f"{path}: not a regular file")
    if not inode.mode & 0o111:
        raise KernelError(wasi.EACCES, f"{path}: not executable")
    data = _contents(inode, real)
    if not data.startswith(b"#!"):
        return real, data, argv
    if depth >= INTERPRETER_DEPTH:
        raise KernelError(wasi.ELOOP, "too many nested #! interpreters")
    line = data[2:INTERPRETER_LINE_MAX].split(b"\n", 1)[0].strip()
    words = line.split(None, 1)  # the interpreter and at most one argument, as Linux
    if not words:
        raise KernelError(wasi.ENOEXEC, f"{path}: empty #! line")
    return load(vfs, caller, words[0].decode(errors="replace"), cwd,
                [*words, path.encode(), *argv[1:]], depth + 1)


def _contents(inode: Inode, path: str) -> bytes:
    """The whole contents of the regular file `inode`, from _images when unchanged."""
    version = getattr(inode, "version", None)
    cached = _images.get(inode)
    if cached is not None and cached[0] == version:
        return cached[1]
    file = OpenFile(inode, readable=True, writable=False, path=path)
    try:
        data = inode.read(file, 0, inode.size)
    finally:
        file.unref()
    if version is not None:
        _images[inode] = (version, data)
    return data
