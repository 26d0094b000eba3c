"""Working directory and umask on the memory host: chdir rules, fchdir, getcwd, and
inheritance by spawned processes."""

from __future__ import annotations

from wasi_calls import open_fd
from wasmux.abi import wasi
from wasmux.kernel import Kernel
from wasmux.proc import Process
from wasmux_calls import call, install, spawn


def test_chdir_relative_dotdot_and_errors(kernel: Kernel, process: Process) -> None:
    kernel.vfs.make_directory(None, kernel.vfs.root, "/tmp/a")
    assert call(kernel, process, "getcwd", 256) == (0, (b"/", 1))
    assert call(kernel, process, "chdir", "tmp/a") == (0, ())
    assert call(kernel, process, "getcwd", 256) == (0, (b"/tmp/a", 6))
    assert call(kernel, process, "chdir", "../..//dev/") == (0, ())
    assert process.cwd == "/dev"
    assert call(kernel, process, "chdir", "/nope")[0] == wasi.ENOENT
    assert call(kernel, process, "chdir", "/dev/null")[0] == wasi.ENOTDIR
    assert call(kernel, process, "chdir", "")[0] == wasi.ENOENT
    assert process.cwd == "/dev"


def test_getcwd_too_small_is_erange(kernel: Kernel, process: Process) -> None:
    process.cwd = "/tmp"
    assert call(kernel, process, "getcwd", 3)[0] == wasi.ERANGE
    assert call(kernel, process, "getcwd", 4) == (0, (b"/tmp", 4))


def test_fchdir_uses_the_directory_the_fd_names(kernel: Kernel, process: Process) -> None:
    directory = open_fd(kernel, process, "/tmp", oflags=wasi.OFLAGS_DIRECTORY, writable=False)
    regular = open_fd(kernel, process, "/tmp/file")
    assert call(kernel, process, "fchdir", directory) == (0, ())
    assert process.cwd == "/tmp"
    assert call(kernel, process, "fchdir", regular)[0] == wasi.ENOTDIR
    assert call(kernel, process, "fchdir", 99)[0] == wasi.EBADF


def test_umask_returns_the_old_mask_and_applies_to_new_files(kernel: Kernel,
                                                             process: Process) -> None:
    assert call(kernel, process, "umask", 0o1077) == (0, (0o022,))
    assert call(kernel, process, "umask", 0o077) == (0, (0o077,))
    fd = open_fd(kernel, process, "/tmp/private")
    assert process.fds.get(fd).file.inode.mode & 0o777 == 0o600


def test_children_inherit_cwd_and_umask(kernel: Kernel, process: Process) -> None:
    install(kernel, "/bin/prog")
    call(kernel, process, "chdir", "/tmp")
    call(kernel, process, "umask", 0o027)
    errno, child = spawn(kernel, process, "/bin/prog")
    assert errno == 0 and child is not None
    assert (child.cwd, child.umask) == ("/tmp", 0o027)
    assert call(kernel, child, "getcwd", 64) == (0, (b"/tmp", 4))
