"""wasmux open and mkdir on the memory host: a created file or directory gets the
caller's mode minus the umask at once (on every filesystem), open's flags are
wasi-libc's and decide the descriptor's rights, close-on-exec and symlink following."""

from __future__ import annotations

import pytest
from wasmux.abi import wasi
from wasmux.kernel import Kernel
from wasmux.proc import Process
from wasmux_calls import call

ROOT = 3
O_CREAT, O_EXCL = 0x1000, 0x4000
O_NOFOLLOW, O_EXEC, O_RDONLY, O_SEARCH, O_WRONLY = (
    0x01000000, 0x02000000, 0x04000000, 0x08000000, 0x10000000)
O_RDWR = O_RDONLY | O_WRONLY
WASMUX_CLOEXEC = 0x80000


def mode_of(kernel: Kernel, path: str) -> int:
    return kernel.vfs.resolve(None, kernel.vfs.root, path, False).mode


def test_open_creates_with_mode_minus_umask_on_every_filesystem(fs_kernel: Kernel,
                                                                fs_process: Process) -> None:
    assert call(fs_kernel, fs_process, "open", ROOT, "a", O_WRONLY | O_CREAT, 0o750)[0] == 0
    call(fs_kernel, fs_process, "umask", 0o077)
    assert call(fs_kernel, fs_process, "open", ROOT, "b", O_RDWR | O_CREAT | O_EXCL,
                0o4755)[0] == 0
    assert (mode_of(fs_kernel, "/a"), mode_of(fs_kernel, "/b")) == (0o750, 0o4700)


def test_open_of_an_existing_file_keeps_its_mode(kernel: Kernel, process: Process) -> None:
    call(kernel, process, "open", ROOT, "f", O_WRONLY | O_CREAT, 0o600)
    assert call(kernel, process, "open", ROOT, "f", O_WRONLY | O_CREAT, 0o777)[0] == 0
    assert call(kernel, process, "open", ROOT, "f", O_WRONLY | O_CREAT | O_EXCL,
                0o777)[0] == wasi.EEXIST
    assert mode_of(kernel, "/f") == 0o600


def test_mkdir_applies_mode_and_umask_keeping_only_the_sticky_bit(fs_kernel: Kernel,
                                                                  fs_process: Process) -> None:
    assert call(fs_kernel, fs_process, "mkdir", ROOT, "private", 0o700) == (0, ())
    assert call(fs_kernel, fs_process, "mkdir", ROOT, "shared", 0o3777) == (0, ())
    assert call(fs_kernel, fs_process, "mkdir", ROOT, "shared", 0o777)[0] == wasi.EEXIST
    assert mode_of(fs_kernel, "/private") == 0o700
    assert mode_of(fs_kernel, "/shared") == 0o1755


@pytest.mark.parametrize("access, readable, writable", [
    (O_RDONLY, True, False), (O_WRONLY, False, True), (O_RDWR, True, True),
    (O_SEARCH, False, False), (O_EXEC, False, False)])
def test_open_access_mode_gives_the_rights_wasi_libc_asks_for(
        kernel: Kernel, process: Process, access: int, readable: bool,
        writable: bool) -> None:
    errno, (fd,) = call(kernel, process, "open", ROOT, "f", access | O_CREAT, 0o644)
    assert errno == 0, wasi.errno_name(errno)
    rights = process.fds.get(fd).rights_base
    assert bool(rights & wasi.RIGHT_FD_READ) == readable
    assert bool(rights & wasi.RIGHT_FD_WRITE) == writable
    assert rights & wasi.RIGHT_PATH_OPEN


def test_open_rejects_an_access_mode_that_is_not_one(kernel: Kernel,
                                                     process: Process) -> None:
    assert call(kernel, process, "open", ROOT, "tmp", 0, 0)[0] == wasi.EINVAL
    assert call(kernel, process, "open", ROOT, "tmp", O_EXEC | O_RDONLY, 0)[0] == wasi.EINVAL


def test_open_close_on_exec_and_nofollow(kernel: Kernel, process: Process) -> None:
    errno, (fd,) = call(kernel, process, "open", ROOT, "f",
                        O_WRONLY | O_CREAT | WASMUX_CLOEXEC, 0o644)
    assert errno == 0 and process.fds.get(fd).cloexec
    errno, (fd,) = call(kernel, process, "open", ROOT, "f", O_RDONLY, 0)
    assert errno == 0 and not process.fds.get(fd).cloexec
    assert call(kernel, process, "path_symlink", "f", ROOT, "l")[0] == 0
    assert call(kernel, process, "open", ROOT, "l", O_RDONLY | O_NOFOLLOW, 0)[0] == wasi.ELOOP
    assert call(kernel, process, "open", ROOT, "l", O_RDONLY, 0)[0] == 0
