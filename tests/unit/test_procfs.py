"""procfs: /proc/self per caller, cmdline, comm, status, fd links (magic: opening one
reopens the descriptor's file), mounts, uptime, listing, vanished processes, and
read-only refusal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from ipc_calls import ok
from wasmux import signals
from wasmux.abi import wasi
from wasmux.errors import KernelError, ProcessExec
from wasmux.kernel import Kernel
from wasmux.proc import Process
from wasmux.syscalls.socket import AF_UNIX, SOCK_STREAM
from wasmux_calls import install

Call = Callable[..., tuple[int, tuple[Any, ...]]]
Spawn = Callable[..., Process]
ROOT = 3
FOLLOW = wasi.LOOKUPFLAGS_SYMLINK_FOLLOW


def read(call: Call, path: str) -> bytes:
    errno, (fd,) = call("path_open", ROOT, FOLLOW, path, 0, wasi.RIGHT_FD_READ, 0, 0)
    assert errno == 0, wasi.errno_name(errno)
    data = b""
    while chunk := call("fd_read", fd, 7)[1][0]:
        data += chunk
    return data


def test_proc_self_is_the_callers_pid(kernel: Kernel, process: Process, call: Call, spawn: Spawn) -> None:
    other = spawn([b"other"])
    assert call("path_readlink", ROOT, "proc/self", 100)[1][0] == str(process.pid).encode()
    assert kernel.vfs.readlink(other, kernel.vfs.root, "/proc/self") == str(other.pid)
    assert read(call, "/proc/self/cmdline") == b"prog\0"


def test_cmdline_is_nul_separated_argv(kernel: Kernel, call: Call, spawn: Spawn) -> None:
    other = spawn([b"/bin/ls", b"-l", b""])
    assert read(call, f"/proc/{other.pid}/cmdline") == b"/bin/ls\0-l\0\0"


def test_comm_names_the_file_exec_d_and_a_script_not_its_interpreter(
        kernel: Kernel, process: Process, call: Call) -> None:
    install(kernel, "/bin/interpreter")
    install(kernel, "/tmp/A-LONG-SCRIPT-NAME.sh", b"#!/bin/interpreter\n")
    kernel.vfs.symlink(None, "/bin/interpreter", kernel.vfs.root, "/bin/sh")
    script = kernel.spawn_path(process, "/tmp/A-LONG-SCRIPT-NAME.sh", [b"x"], [],
                               process.fds.inherit(), "/")
    shell = kernel.spawn_path(process, "sh", [b"x"], [], process.fds.inherit(), "/bin")
    assert read(call, f"/proc/{script.pid}/comm") == b"A-LONG-SCRIPT-N\n"  # 15 bytes
    assert read(call, f"/proc/{shell.pid}/comm") == b"sh\n"
    assert read(call, f"/proc/{shell.pid}/stat").split()[1] == b"(sh)"
    assert read(call, f"/proc/{shell.pid}/status").startswith(b"Name:\tsh\n")
    with pytest.raises(ProcessExec):
        kernel.exec_path(shell, "/bin/interpreter", [b"y"], [])
    assert read(call, f"/proc/{shell.pid}/comm") == b"interpreter\n"


def test_a_process_renames_itself_through_comm(kernel: Kernel, process: Process,
                                               call: Call, spawn: Spawn) -> None:
    errno, (fd,) = call("path_open", ROOT, FOLLOW, "proc/self/comm", wasi.OFLAGS_TRUNC,
                        wasi.RIGHTS_ALL, 0, 0)
    assert errno == 0
    assert call("fd_write", fd, b"renamed-beyond-fifteen\0x") == (0, (24,))
    assert read(call, "/proc/self/comm") == b"renamed-beyond-\n"
    other = spawn([b"/bin/other"])
    assert read(call, f"/proc/{other.pid}/comm") == b"other\n"
    assert call("path_open", ROOT, FOLLOW, f"proc/{other.pid}/comm", 0, wasi.RIGHTS_ALL, 0,
                0)[0] == wasi.EINVAL


def test_status_lines_like_linux(kernel: Kernel, process: Process, call: Call) -> None:
    child = kernel.spawn(b"\0asm\x01\0\0\0", [b"/bin/child"], [], process.fds.inherit(),
                         parent=process)
    lines = read(call, f"/proc/{child.pid}/status").decode().splitlines()
    assert lines[0] == "Name:\tchild"
    assert "State:\tR (running)" in lines
    assert f"Pid:\t{child.pid}" in lines and f"PPid:\t{process.pid}" in lines
    assert "SigIgn:\t0000000000000000" in lines
    child.actions[signals.SIGINT] = signals.Action(signals.IGNORE)
    child.actions[signals.SIGUSR1] = signals.Action(signals.CAUGHT)
    child.blocked = signals.bit(signals.SIGTERM)
    lines = read(call, f"/proc/{child.pid}/status").decode().splitlines()
    assert {"SigBlk:\t0000000000004000", "SigIgn:\t0000000000000002",
            "SigCgt:\t0000000000000200"} <= set(lines)
    kernel.exit_process(child, code=3)
    assert "State:\tZ (zombie)" in read(call, f"/proc/{child.pid}/status").decode()


def test_fd_directory_links_to_opened_paths(call: Call, process: Process) -> None:
    errno, (fd,) = call("path_open", ROOT, FOLLOW, "tmp/./x", wasi.OFLAGS_CREAT,
                        wasi.RIGHTS_ALL, 0, 0)
    assert errno == 0
    links = read(call, "/proc/self/fd/0")  # reading follows the link: /dev/null
    assert links == b""
    targets = {n: call("path_readlink", ROOT, f"proc/self/fd/{n}", 100)[1][0]
               for n in (0, 1, 3, fd)}
    assert targets == {0: b"/dev/null", 1: b"/dev/console", 3: b"/", fd: b"/tmp/x"}
    assert call("path_readlink", ROOT, "proc/self/fd/77", 100)[0] == wasi.ENOENT


def test_opening_an_fd_link_reopens_the_file_even_unlinked_or_renamed(
        call: Call) -> None:
    _, (fd,) = call("path_open", ROOT, FOLLOW, "tmp/a", wasi.OFLAGS_CREAT, wasi.RIGHTS_ALL,
                    0, 0)
    call("fd_write", fd, b"data")
    assert call("path_rename", ROOT, "tmp/a", ROOT, "tmp/b")[0] == 0
    errno, (renamed,) = call("path_open", ROOT, FOLLOW, f"proc/self/fd/{fd}", 0,
                             wasi.RIGHT_FD_READ, 0, 0)
    assert errno == 0 and call("fd_read", renamed, 10)[1][0] == b"data"  # its own offset
    assert call("path_unlink_file", ROOT, "tmp/b")[0] == 0
    errno, (unlinked,) = call("path_open", ROOT, FOLLOW, f"proc/self/fd/{fd}",
                              wasi.OFLAGS_CREAT | wasi.OFLAGS_TRUNC, wasi.RIGHTS_ALL, 0, 0)
    assert errno == 0 and call("fd_write", unlinked, b"new")[0] == 0
    assert call("fd_pread", fd, 10, 0)[1][0] == b"new"
    assert call("path_filestat_get", ROOT, 0, "tmp/a")[0] == wasi.ENOENT  # nothing created
    assert call("path_readlink", ROOT, f"proc/self/fd/{unlinked}", 100)[1][0] == b"/tmp/a"


def test_an_fd_link_reopens_a_pipe_and_refuses_a_socket(kernel: Kernel, process: Process,
                                                        call: Call) -> None:
    read_end, write_end = ok(kernel, process, "pipe2", 0)
    errno, (writer,) = call("path_open", ROOT, FOLLOW, f"/proc/{process.pid}/fd/{write_end}",
                            wasi.OFLAGS_TRUNC, wasi.RIGHT_FD_WRITE, 0, 0)
    assert errno == 0 and call("fd_write", writer, b"through the link")[0] == 0
    assert call("fd_read", read_end, 100)[1][0] == b"through the link"
    assert call("path_readlink", ROOT, f"proc/self/fd/{writer}", 100)[1][0].startswith(b"pipe:[")
    first, _ = ok(kernel, process, "socketpair", AF_UNIX, SOCK_STREAM, 0)
    assert call("path_open", ROOT, FOLLOW, f"proc/self/fd/{first}", 0, wasi.RIGHTS_ALL, 0,
                0)[0] == wasi.ENXIO


def test_a_program_runs_through_its_fd_link_after_being_unlinked(
        kernel: Kernel, process: Process, call: Call) -> None:
    install(kernel, "/tmp/prog")
    _, (fd,) = call("path_open", ROOT, FOLLOW, "tmp/prog", 0, wasi.RIGHT_FD_READ, 0, 0)
    assert call("path_unlink_file", ROOT, "tmp/prog")[0] == 0
    child = kernel.spawn_path(process, f"/proc/self/fd/{fd}", [b"prog"], [],
                              process.fds.inherit(), "/")
    assert child.executable == "/tmp/prog" and child.comm == str(fd).encode()


def test_mounts_in_linux_format(call: Call) -> None:
    assert read(call, "/proc/mounts") == (b"tmpfs / tmpfs rw 0 0\ntmpfs /tmp tmpfs rw 0 0\n"
                                          b"devtmpfs /dev devtmpfs rw 0 0\nproc /proc proc rw 0 0\n")


def test_uptime_counts_from_boot(kernel: Kernel, call: Call) -> None:
    kernel.host.advance(12_345_000_000)
    assert read(call, "/proc/uptime") == b"12.35 12.35\n"  # idle: no CPU time is measured


def test_process_stat_has_linux_fields(kernel: Kernel, process: Process, call: Call) -> None:
    fields = read(call, f"/proc/{process.pid}/stat").split()
    assert len(fields) == 52
    assert fields[0] == str(process.pid).encode() and fields[1].startswith(b"(")
    assert fields[2] in (b"R", b"S") and fields[3] == str(process.ppid).encode()


def test_meminfo_and_loadavg_for_free_and_top(kernel: Kernel, call: Call) -> None:
    assert read(call, "/proc/meminfo").startswith(b"MemTotal:         1048576 kB\n")
    assert read(call, "/proc/loadavg").startswith(b"0.00 0.00 0.00 ")
    assert read(call, "/proc/stat").startswith(b"cpu  0 0 0 ")


def test_proc_lists_processes_and_fixed_entries(kernel: Kernel, process: Process,
                                                call: Call, spawn: Spawn) -> None:
    other = spawn()
    names = [name for name, _ in kernel.vfs.resolve(process, kernel.vfs.root, "/proc").list()]
    assert names == ["self", "mounts", "uptime", "stat", "meminfo", "loadavg", str(process.pid),
                     str(other.pid)]
    fd_names = [name for name, _ in
                kernel.vfs.resolve(process, kernel.vfs.root, "/proc/self/fd").list()]
    assert fd_names == ["0", "1", "2"]  # fd 3, the preopened root, is not listed


def test_reaped_process_vanishes(kernel: Kernel, call: Call, spawn: Spawn) -> None:
    other = spawn()
    path = f"/proc/{other.pid}/status"
    assert call("path_filestat_get", ROOT, FOLLOW, path)[0] == 0
    kernel.exit_process(other, code=0)
    kernel.reap(other)
    assert call("path_filestat_get", ROOT, FOLLOW, path)[0] == wasi.ENOENT
    assert call("path_filestat_get", ROOT, FOLLOW, "/proc/0")[0] == wasi.ENOENT
    assert call("path_filestat_get", ROOT, FOLLOW, "/proc/01")[0] == wasi.ENOENT


def test_proc_is_read_only(call: Call) -> None:
    assert call("path_create_directory", ROOT, "proc/x")[0] == wasi.EACCES
    assert call("path_open", ROOT, 0, "proc/new", wasi.OFLAGS_CREAT, wasi.RIGHTS_ALL, 0,
                0)[0] == wasi.EACCES
    assert call("path_unlink_file", ROOT, "proc/mounts")[0] == wasi.EACCES
    _, (fd,) = call("path_open", ROOT, FOLLOW, "proc/mounts", 0, wasi.RIGHTS_ALL, 0, 0)
    assert call("fd_write", fd, b"x")[0] == wasi.EACCES


def test_proc_self_without_a_caller_is_enoent(kernel: Kernel) -> None:
    with pytest.raises(KernelError) as caught:
        kernel.vfs.resolve(None, kernel.vfs.root, "/proc/self/status")
    assert caught.value.errno == wasi.ENOENT
