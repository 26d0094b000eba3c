"""spawn and vfork on the memory host: program lookup, #! scripts, inheritance, file
actions, attributes, the process limit, and the vfork snapshot."""

from __future__ import annotations

import struct

import pytest
from wasi_calls import open_fd
from wasmux import signals
from wasmux.abi import wasi
from wasmux.errors import KernelError, ProcessExec
from wasmux.hosts.memory import WASM_MAGIC
from wasmux.kernel import Kernel
from wasmux.proc import RUNNING, ZOMBIE, Process
from wasmux_calls import call, install, number, packed, spawn

O_RDONLY, O_WRONLY, O_CREAT, O_TRUNC = 0x04000000, 0x10000000, 1 << 12, 8 << 12
SETPGROUP, SETSIGDEF, SETSIGMASK, SETSID = 2, 4, 8, 128


def action(kind: int, fd: int, arg1: int = 0, arg2: int = 0, path: str = "") -> bytes:
    data = path.encode()
    return struct.pack("<iiiiI", kind, fd, arg1, arg2, len(data)) + data


@pytest.fixture
def parent(kernel: Kernel, process: Process) -> Process:
    install(kernel, "/bin/prog")
    return process


def test_spawn_passes_argv_environ_and_inherits_cwd_umask_group(kernel: Kernel,
                                                                parent: Process) -> None:
    parent.cwd, parent.umask = "/tmp", 0o077
    errno, outs = call(kernel, parent, "spawn", "/bin/prog", packed("prog", "a"),
                       packed("X=1"), b"", 0, 0, 0, 0)
    assert errno == 0
    child = kernel.processes.get(outs[0])
    assert child is not None
    assert (child.argv, child.environ, child.cwd, child.umask) == \
        ([b"prog", b"a"], [b"X=1"], "/tmp", 0o077)
    assert (child.ppid, child.pgid, child.sid) == (parent.pid, parent.pgid, parent.sid)
    assert child.executable == "/bin/prog"


def test_relative_path_resolves_against_cwd_and_exe_is_the_real_path(
        kernel: Kernel, parent: Process) -> None:
    parent.cwd = "/bin"
    assert spawn(kernel, parent, "prog")[1].executable == "/bin/prog"  # type: ignore[union-attr]
    kernel.vfs.symlink(None, "/bin/prog", kernel.vfs.root, "/tmp/link")
    assert spawn(kernel, parent, "/tmp/link")[1].executable == "/bin/prog"  # type: ignore[union-attr]


def test_proc_self_exe_reruns_the_callers_program(kernel: Kernel, parent: Process) -> None:
    errno, child = spawn(kernel, parent, "/bin/prog")
    assert errno == 0 and child is not None
    errno, grandchild = spawn(kernel, child, "/proc/self/exe")
    assert errno == 0 and grandchild is not None
    assert grandchild.executable == "/bin/prog"
    assert kernel.vfs.readlink(child, kernel.vfs.root, "/proc/self/exe") == "/bin/prog"


@pytest.mark.parametrize("path,data,mode,expected", [
    ("/bin/missing", None, 0, wasi.ENOENT),
    ("/bin", None, 0, wasi.EACCES),
    ("/bin/plain", b"\0asm\x01\0\0\0", 0o644, wasi.EACCES),
    ("/bin/text", b"hello", 0o755, wasi.ENOEXEC),
    ("/bin/prog/x", None, 0, wasi.ENOTDIR),
])
def test_exec_errors_follow_posix(kernel: Kernel, parent: Process, path: str,
                                  data: bytes | None, mode: int, expected: int) -> None:
    if data is not None:
        install(kernel, path, data, mode)
    before = len(list(kernel.processes))
    assert spawn(kernel, parent, path)[0] == expected
    assert len(list(kernel.processes)) == before


def test_script_runs_its_interpreter_with_the_script_path(kernel: Kernel,
                                                          parent: Process) -> None:
    install(kernel, "/bin/script", b"#!/bin/prog -x\necho hi\n")
    errno, child = spawn(kernel, parent, "/bin/script", "script", "arg")
    assert errno == 0 and child is not None
    assert child.argv == [b"/bin/prog", b"-x", b"/bin/script", b"arg"]
    assert child.executable == "/bin/prog"


def test_script_with_missing_interpreter_is_enoent(kernel: Kernel, parent: Process) -> None:
    install(kernel, "/bin/script", b"#!/no/such\n")
    assert spawn(kernel, parent, "/bin/script")[0] == wasi.ENOENT


def test_file_actions_apply_in_order_and_cloexec_descriptors_are_dropped(
        kernel: Kernel, parent: Process) -> None:
    secret = open_fd(kernel, parent, "/tmp/secret")
    parent.fds.get(secret).cloexec = True
    actions = (action(3, 5, O_WRONLY | O_CREAT | O_TRUNC, 0o644, "out.txt")
               + action(2, secret, 6) + action(1, 0) + action(4, -1, path="/tmp"))
    parent.cwd = "/tmp"
    errno, child = spawn(kernel, parent, "/bin/prog", actions=actions)
    assert errno == 0 and child is not None
    assert child.cwd == "/tmp"
    assert sorted(child.fds.entries) == [1, 2, 3, 5, 6]
    assert child.fds.get(5).file.path == "/tmp/out.txt"
    assert child.fds.get(5).file.writable and not child.fds.get(5).file.readable
    assert child.fds.get(6).file is parent.fds.get(secret).file
    assert not child.fds.get(6).cloexec
    assert sorted(parent.fds.entries) == [0, 1, 2, 3, secret]


def test_open_file_action_creates_with_its_mode_less_the_umask(
        kernel: Kernel, parent: Process) -> None:
    parent.umask = 0o027
    actions = action(3, 5, O_WRONLY | O_CREAT | O_TRUNC, 0o764, "/tmp/made.txt")
    errno, child = spawn(kernel, parent, "/bin/prog", actions=actions)
    assert errno == 0 and child is not None
    assert child.fds.get(5).file.inode.mode & 0o7777 == 0o740


def test_failing_file_action_fails_the_spawn(kernel: Kernel, parent: Process) -> None:
    assert spawn(kernel, parent, "/bin/prog", actions=action(1, 42))[0] == wasi.EBADF
    assert spawn(kernel, parent, "/bin/prog",
                 actions=action(3, 4, O_RDONLY, 0, "/nope"))[0] == wasi.ENOENT
    assert spawn(kernel, parent, "/bin/prog", actions=action(4, -1, path="/bin/prog"))[0] \
        == wasi.ENOTDIR


def test_attributes_group_session_mask_and_defaults(kernel: Kernel, parent: Process) -> None:
    parent.actions[signals.SIGINT] = signals.Action(signals.IGNORE)
    parent.actions[signals.SIGQUIT] = signals.Action(signals.IGNORE)
    parent.actions[signals.SIGUSR1] = signals.Action(signals.CAUGHT)
    errno, child = spawn(kernel, parent, "/bin/prog", flags=SETPGROUP | SETSIGMASK | SETSIGDEF,
                         pgid=0, sigmask=signals.bit(signals.SIGTERM) | signals.bit(signals.SIGKILL),
                         sigdefault=signals.bit(signals.SIGQUIT))
    assert errno == 0 and child is not None
    assert child.pgid == child.pid and child.sid == parent.sid
    assert child.blocked == signals.bit(signals.SIGTERM)
    assert child.actions[signals.SIGINT].disposition == signals.IGNORE
    assert child.actions[signals.SIGQUIT].disposition == signals.DEFAULT
    assert child.actions[signals.SIGUSR1].disposition == signals.DEFAULT  # exec resets
    errno, sibling = spawn(kernel, parent, "/bin/prog", flags=SETPGROUP, pgid=child.pid)
    assert errno == 0 and sibling is not None and sibling.pgid == child.pid
    assert spawn(kernel, parent, "/bin/prog", flags=SETPGROUP, pgid=999)[0] == wasi.EPERM
    errno, leader = spawn(kernel, parent, "/bin/prog", flags=SETSID)
    assert errno == 0 and leader is not None and leader.sid == leader.pgid == leader.pid


def test_process_limit_is_eagain_and_frees_up(kernel: Kernel, parent: Process) -> None:
    kernel.processes.limit = 5
    children = []
    while True:
        errno, child = spawn(kernel, parent, "/bin/prog")
        if errno:
            break
        children.append(child)
    assert errno == wasi.EAGAIN and len(children) == 4
    assert call(kernel, parent, "vfork_begin")[0] == wasi.EAGAIN
    for child in children:
        kernel.send_signal(child, signals.SIGKILL)
        call(kernel, parent, "wait4", child.pid, 0)
    assert spawn(kernel, parent, "/bin/prog")[0] == 0


def test_vfork_child_changes_stay_out_of_the_parent(kernel: Kernel, parent: Process) -> None:
    parent.cwd = "/tmp"
    stdout = parent.fds.get(1).file
    assert call(kernel, parent, "vfork_begin") == (0, ())
    assert call(kernel, parent, "fd_close", 1) == (0, ())
    assert call(kernel, parent, "chdir", "/bin") == (0, ())
    assert call(kernel, parent, "umask", 0o077) == (0, (0o022,))
    assert call(kernel, parent, "sigaction", signals.SIGINT, 1, signals.IGNORE, 0, 0)[0] == 0
    assert call(kernel, parent, "setpgid", 0, 0) == (0, ())
    errno, (pid,) = call(kernel, parent, "vfork_exec", "prog", packed("prog"), packed("A=b"))
    assert errno == 0
    child = kernel.processes.get(pid)
    assert child is not None and child.ppid == parent.pid
    assert (child.cwd, child.umask, child.pgid, child.environ) == ("/bin", 0o077, pid, [b"A=b"])
    assert 1 not in child.fds.entries
    assert child.actions[signals.SIGINT].disposition == signals.IGNORE
    assert parent.vfork is None
    assert (parent.cwd, parent.umask, parent.pgid) == ("/tmp", 0o022, parent.pid)
    assert parent.fds.get(1).file is stdout
    assert parent.actions[signals.SIGINT].disposition == signals.DEFAULT


def test_vfork_exec_failure_stays_in_the_child_then_exit_makes_a_zombie(
        kernel: Kernel, parent: Process) -> None:
    assert call(kernel, parent, "vfork_begin") == (0, ())
    assert call(kernel, parent, "vfork_exec", "/bin/none", packed("none"), b"")[0] == wasi.ENOENT
    assert parent.vfork is not None
    errno, (pid,) = call(kernel, parent, "vfork_exit", 127)
    assert errno == 0 and parent.vfork is None
    zombie = kernel.processes.get(pid)
    assert zombie is not None and zombie.state == ZOMBIE
    assert call(kernel, parent, "wait4", -1, 0) == (0, (pid, 127 << 8))


def test_signals_to_a_vfork_parent_wait_for_the_child_to_leave(kernel: Kernel,
                                                               parent: Process) -> None:
    parent.actions[signals.SIGUSR1] = signals.Action(signals.CAUGHT)
    assert call(kernel, parent, "vfork_begin") == (0, ())
    call(kernel, parent, "sigprocmask", 2, 0)
    kernel.send_signal(parent, signals.SIGUSR1)
    assert kernel.take_signal(parent) == 0
    call(kernel, parent, "vfork_exit", 0)
    assert kernel.take_signal(parent) == signals.SIGUSR1


def test_nested_vfork_child_runs_its_own_child_then_execs(kernel: Kernel,
                                                          parent: Process) -> None:
    """A pipeline element's $(...): the vfork child vforks, reads its child's pipe and
    waits for it, then execs; each phase gets its enclosing state back."""
    parent.cwd = "/tmp"
    assert call(kernel, parent, "vfork_begin") == (0, ())
    outer_pid = parent.vfork.child_pid
    assert call(kernel, parent, "chdir", "/bin") == (0, ())
    assert call(kernel, parent, "fd_close", 2) == (0, ())
    assert call(kernel, parent, "vfork_begin") == (0, ())
    inner_pid = parent.vfork.child_pid
    assert inner_pid != outer_pid
    assert call(kernel, parent, "getpid") == (0, (inner_pid,))
    assert call(kernel, parent, "getppid") == (0, (outer_pid,))
    assert call(kernel, parent, "chdir", "/") == (0, ())
    assert call(kernel, parent, "fd_close", 1) == (0, ())
    errno, (pid,) = call(kernel, parent, "vfork_exec", "bin/prog", packed("prog"), b"")
    assert errno == 0 and pid == inner_pid
    inner = kernel.processes.get(inner_pid)
    assert inner is not None and inner.cwd == "/" and 1 not in inner.fds.entries
    assert parent.vfork is not None and parent.vfork.child_pid == outer_pid
    assert parent.cwd == "/bin" and 1 in parent.fds.entries and 2 not in parent.fds.entries
    kernel.exit_process(inner, code=3)
    assert call(kernel, parent, "wait4", inner_pid, 0) == (0, (inner_pid, 3 << 8))
    errno, (pid,) = call(kernel, parent, "vfork_exec", "prog", packed("prog"), b"")
    assert errno == 0 and pid == outer_pid
    assert parent.vfork is None and parent.cwd == "/tmp" and 2 in parent.fds.entries


def test_signals_wait_for_the_outermost_vfork_child_to_leave(kernel: Kernel,
                                                              parent: Process) -> None:
    parent.actions[signals.SIGUSR1] = signals.Action(signals.CAUGHT)
    call(kernel, parent, "vfork_begin")
    call(kernel, parent, "vfork_begin")
    kernel.send_signal(parent, signals.SIGUSR1)
    call(kernel, parent, "vfork_exit", 0)
    assert kernel.take_signal(parent) == 0
    call(kernel, parent, "vfork_exit", 0)
    assert kernel.take_signal(parent) == signals.SIGUSR1


def test_vfork_nesting_is_bounded_and_an_exit_releases_every_level(kernel: Kernel,
                                                                   parent: Process) -> None:
    for _ in range(16):
        assert call(kernel, parent, "vfork_begin") == (0, ())
    assert call(kernel, parent, "vfork_begin")[0] == wasi.EAGAIN
    assert len(kernel.processes.reserved) == 16
    kernel.exit_process(parent, code=0)
    assert not kernel.processes.reserved and parent.vfork is None


def test_execve_in_place_keeps_the_process_and_its_open_files(kernel: Kernel,
                                                               parent: Process) -> None:
    install(kernel, "/bin/other", WASM_MAGIC + b"other")
    errno, child = spawn(kernel, parent, "/bin/prog")
    assert errno == 0 and child is not None
    child.cwd, child.umask, child.blocked = "/tmp", 0o077, signals.bit(signals.SIGUSR2)
    child.actions[signals.SIGINT] = signals.Action(signals.IGNORE)
    child.actions[signals.SIGUSR1] = signals.Action(signals.CAUGHT)
    kernel.send_signal(child, signals.SIGUSR2)
    assert call(kernel, child, "fcntl", 1, 2, 1) == (0, (0,))  # F_SETFD FD_CLOEXEC
    identity = (child.pid, child.ppid, child.pgid, child.sid)
    with pytest.raises(ProcessExec):
        kernel.submit(child, number("execve"), ("/bin/other", packed("other", "x"),
                                                packed("K=v")), None)  # type: ignore[arg-type]
    assert kernel.host.execs == [child.pid]
    assert kernel.host.started[child.pid] == WASM_MAGIC + b"other"
    assert (child.pid, child.ppid, child.pgid, child.sid) == identity
    assert (child.argv, child.environ, child.executable) == ([b"other", b"x"], [b"K=v"],
                                                             "/bin/other")
    assert (child.cwd, child.umask, child.state) == ("/tmp", 0o077, RUNNING)
    assert 1 not in child.fds.entries and 2 in child.fds.entries
    assert child.actions[signals.SIGINT].disposition == signals.IGNORE
    assert child.actions[signals.SIGUSR1].disposition == signals.DEFAULT
    assert (child.blocked, child.pending) == ((signals.bit(signals.SIGUSR2),) * 2)


def test_failed_execve_changes_nothing(kernel: Kernel, parent: Process) -> None:
    install(kernel, "/bin/text", b"plain text")
    parent.actions[signals.SIGUSR1] = signals.Action(signals.CAUGHT)
    assert call(kernel, parent, "execve", "/bin/missing", packed("m"), b"")[0] == wasi.ENOENT
    assert call(kernel, parent, "execve", "/bin/text", packed("t"), b"")[0] == wasi.ENOEXEC
    assert parent.actions[signals.SIGUSR1].disposition == signals.CAUGHT
    assert parent.argv == [b"prog"] and not kernel.host.execs
    call(kernel, parent, "vfork_begin")
    assert call(kernel, parent, "execve", "/bin/prog", packed("p"), b"")[0] == wasi.EINVAL


def test_a_new_image_finds_the_root_preopened_before_the_first_free_fd(
        kernel: Kernel, parent: Process) -> None:
    """libwasmux moves the root to a high close-on-exec fd: children get a new one."""
    errno, (high,) = call(kernel, parent, "fcntl", 3, 1030, 1000)  # F_DUPFD_CLOEXEC
    assert errno == 0 and parent.fds.get(high).preopen == "/"
    assert call(kernel, parent, "fd_close", 3) == (0, ())
    assert call(kernel, parent, "dup3", 1, 4, 0) == (0, ())
    errno, child = spawn(kernel, parent, "/bin/prog")
    assert errno == 0 and child is not None
    assert sorted(child.fds.entries) == [0, 1, 2, 3, 4]
    assert child.fds.get(3).preopen == "/" and child.fds.get(4).preopen is None
    names = [name for name, _ in kernel.vfs.resolve(child, kernel.vfs.root,
                                                     "/proc/self/fd").list()]
    assert names == ["0", "1", "2", "4"]


def test_exec_outside_vfork_is_einval(kernel: Kernel, parent: Process) -> None:
    assert call(kernel, parent, "vfork_exec", "/bin/prog", packed("p"), b"")[0] == wasi.EINVAL
    assert call(kernel, parent, "vfork_exit", 0)[0] == wasi.EINVAL


def test_spawn_path_is_the_kernel_entry_other_subsystems_use(kernel: Kernel,
                                                             parent: Process) -> None:
    child = kernel.spawn_path(parent, "/bin/prog", [b"prog"], [], parent.fds.__class__(),
                              "/", pgid=0)
    assert child.pgid == child.pid and child.executable == "/bin/prog"
    with pytest.raises(KernelError) as error:
        kernel.spawn_path(parent, "/bin/nothing", [b"x"], [], parent.fds.__class__(), "/")
    assert error.value.errno == wasi.ENOENT


def test_process_group_and_session_rules(kernel: Kernel, parent: Process) -> None:
    errno, child = spawn(kernel, parent, "/bin/prog")
    assert errno == 0 and child is not None
    assert call(kernel, parent, "setsid")[0] == wasi.EPERM  # already a group leader
    assert call(kernel, parent, "setpgid", 0, 0)[0] == wasi.EPERM  # session leader
    assert call(kernel, parent, "setpgid", child.pid, 0) == (0, ())
    assert call(kernel, parent, "getpgid", child.pid) == (0, (child.pid,))
    assert call(kernel, parent, "setpgid", child.pid, 4242)[0] == wasi.EPERM
    assert call(kernel, parent, "setpgid", 999, 0)[0] == wasi.ESRCH
    assert call(kernel, child, "setsid")[0] == wasi.EPERM  # now leads a group
    errno, other = spawn(kernel, parent, "/bin/prog")
    assert errno == 0 and other is not None
    assert call(kernel, other, "setpgid", 0, child.pid) == (0, ())
    assert call(kernel, other, "setpgid", 0, 0) == (0, ())
    errno, third = spawn(kernel, parent, "/bin/prog")
    assert errno == 0 and third is not None
    assert call(kernel, third, "setsid") == (0, (third.pid,))
    assert call(kernel, parent, "getsid", third.pid) == (0, (third.pid,))
    assert call(kernel, parent, "setpgid", third.pid, 0)[0] == wasi.EPERM  # other session
    assert call(kernel, third, "getsid", 0) == (0, (third.pid,))
    assert call(kernel, parent, "getpgid", 999)[0] == wasi.ESRCH


def test_setpgid_in_a_vfork_child_moves_the_child_to_be(kernel: Kernel,
                                                        parent: Process) -> None:
    errno, helper = spawn(kernel, parent, "/bin/prog")
    assert errno == 0 and helper is not None
    call(kernel, helper, "vfork_begin")
    child_pid = helper.vfork.child_pid
    assert call(kernel, helper, "setpgid", 0, 0) == (0, ())
    assert call(kernel, helper, "getpgid", 0) == (0, (child_pid,))
    errno, (pid,) = call(kernel, helper, "vfork_exit", 0)
    assert pid == child_pid and helper.pgid == parent.pgid
