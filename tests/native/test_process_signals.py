"""Real programs (tests/native/process_programs/proctest.c, linked with libwasmux) on
the native host: vfork + exec, posix_spawn, waitpid statuses, kill, caught handlers,
sigsuspend, alarm, EINTR, stop and continue, orphans, the spawn storm."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from process_build import build, install, run, start
from wasmux import signals
from wasmux.hosts.native import NativeSystem
from wasmux.proc import ZOMBIE


@pytest.fixture(scope="module")
def proctest() -> bytes:
    return build("proctest").read_bytes()


@pytest.fixture
def system(proctest: bytes) -> Iterator[NativeSystem]:
    with NativeSystem() as native:
        install(native, "/bin/proctest", proctest)
        install(native, "/bin/true", proctest)
        install(native, "/bin/plain", proctest, mode=0o644)
        yield native


def test_vfork_exec_true_and_wait(system: NativeSystem) -> None:
    status, output = run(system, ["proctest", "vfork", "/bin/true"])
    assert (status, output) == (0, "pid ok exited 0\nparent stdout still works, cwd ok\n")


def test_vfork_child_redirection_reaches_only_the_child(system: NativeSystem) -> None:
    status, output = run(system, ["proctest", "vfork", "/bin/proctest", "hello", "vforked"])
    assert status == 0 and output.startswith("pid ok exited 0\n")
    assert run(system, ["proctest", "vfork", "/bin/proctest", "exit", "9"])[1] \
        .startswith("pid ok exited 9\n")


def test_vfork_exec_failure_exits_127(system: NativeSystem) -> None:
    assert run(system, ["proctest", "vfork", "/bin/missing"])[1].startswith("pid ok exited 127")
    assert run(system, ["proctest", "vfork", "/bin/plain"])[1].startswith("pid ok exited 127")


def test_nested_vfork_child_execs_after_reading_its_own_child(system: NativeSystem) -> None:
    assert run(system, ["proctest", "nested-vfork"]) == \
        (0, "hello from hello from inner\npid ok exited 0\n")


def test_vfork_child_chdir_leaves_the_parent_directory(system: NativeSystem) -> None:
    assert run(system, ["proctest", "vfork-chdir"]) == (0, "parent getcwd /\n")


def test_execve_in_place_keeps_pid_fds_cwd_and_ignored_signals(system: NativeSystem) -> None:
    status, output = run(system, ["proctest", "exec"])
    before, missing, after = output.splitlines()
    pid = before.split()[-1]
    assert status == 0 and missing == "missing: No such file or directory"
    assert after == (f"after pid {pid} cwd /tmp fd5 open fd4 closed SIGINT ignored "
                     "SIGUSR1 default")


def test_sa_restart_handlers_let_read_and_waitpid_go_on(system: NativeSystem) -> None:
    assert run(system, ["proctest", "restart"]) == \
        (0, "handler 10\nread 2 \nhandler 10\npid ok exited 7\n")
    assert run(system, ["proctest", "restart", "no-restart"]) == \
        (0, ("handler 10\nread -1 Interrupted system call\n"
             "handler 10\nwaitpid Interrupted system call\n"))


def test_the_preopened_root_is_out_of_the_way_of_program_fds(system: NativeSystem) -> None:
    expected = "open fds: 0 1 2; dup2(3, 9) -1 Bad file descriptor; open 3\n"
    assert run(system, ["proctest", "fds"]) == (0, expected)
    assert run(system, ["proctest", "vfork", "/bin/proctest", "fds"])[1] \
        .startswith("pid ok exited 0\n")
    with system.host.lock:
        vfs = system.kernel.vfs
        file = vfs.open(None, vfs.root, "/tmp/vfork-out", 0, True, True, False, 0, "")
        assert file.read(100) == expected.encode()
        file.unref()


def test_o_cloexec_is_a_real_bit_for_open_pipe2_and_dup3(system: NativeSystem) -> None:
    assert run(system, ["proctest", "cloexec"]) == \
        (0, "FD_CLOEXEC 1 1 1 1\nopen fds: 0 1 2; dup2(3, 9) -1 Bad file descriptor; open 3\n")


def test_a_caught_signal_is_delivered_at_lockless_calls(system: NativeSystem) -> None:
    assert run(system, ["proctest", "lockless-signal"]) == \
        (0, "handler 10\ndelivered during lockless calls: yes\n")


def test_a_caught_signal_reaches_a_loop_that_makes_no_syscall(system: NativeSystem) -> None:
    assert run(system, ["proctest", "busy-signal"], timeout=10) == \
        (0, "handler 10\nleft the loop\n")
    assert run(system, ["proctest", "busy-signal", "exit"], timeout=10) == (5, "")


def test_posix_spawn_with_open_and_chdir_actions(system: NativeSystem) -> None:
    assert run(system, ["proctest", "spawn"]) == (0, "pid ok exited 0\n")
    vfs = system.kernel.vfs
    with system.host.lock:
        inode = vfs.resolve(None, vfs.root, "/tmp/out")
    assert inode.size == len(b"hello from spawn\n")


def test_kill_term_of_a_sleeping_child_is_wifsignaled(system: NativeSystem) -> None:
    assert run(system, ["proctest", "kill"]) == \
        (0, "wnohang 0\npid ok signaled 15\nagain -1 No child process\n")


def test_caught_sigusr1_runs_the_handler(system: NativeSystem) -> None:
    assert run(system, ["proctest", "handler"]) == (0, "handler 10\nafter raise caught=10\n")


def test_sigsuspend_wakes_for_the_handler_and_restores_the_mask(system: NativeSystem) -> None:
    assert run(system, ["proctest", "sigsuspend"]) == \
        (0, "handler 10\nsigsuspend -1 Interrupted system call caught=10 still blocked=1\n")


def test_alarm_interrupts_a_blocked_read_with_eintr(system: NativeSystem) -> None:
    started = time.monotonic()
    status, output = run(system, ["proctest", "alarm-read"], stdin=None)
    assert (status, output) == (0, "handler 14\nread -1 Interrupted system call caught=14\n")
    assert time.monotonic() - started >= 0.9


def test_alarm_default_action_terminates(system: NativeSystem) -> None:
    assert run(system, ["proctest", "alarm-default"])[0] == 128 + signals.SIGALRM


def test_stopped_child_reported_then_continued_then_killed(system: NativeSystem) -> None:
    assert run(system, ["proctest", "stopchild"]) == \
        (0, "pid ok stopped 19\npid ok continued\npid ok signaled 9\n")


def test_sigstop_stops_a_busy_loop_and_sigkill_still_ends_it(system: NativeSystem) -> None:
    output = bytearray()
    ticker = start(system, "/bin/proctest", ["proctest", "tick"], output)
    spinner = start(system, "/bin/proctest", ["proctest", "spin"], bytearray())
    time.sleep(0.1)
    with system.host.lock:
        system.kernel.send_signal(ticker, signals.SIGTSTP)
        system.kernel.send_signal(spinner, signals.SIGSTOP)
    time.sleep(0.05)
    frozen = len(output)
    time.sleep(0.15)
    assert len(output) == frozen and frozen > 0
    with system.host.lock:
        system.kernel.send_signal(ticker, signals.SIGCONT)
    time.sleep(0.1)
    assert len(output) > frozen
    with system.host.lock:
        system.kernel.send_signal(ticker, signals.SIGTERM)
        system.kernel.send_signal(spinner, signals.SIGKILL)
    assert system.wait(ticker, timeout=10) == 128 + signals.SIGTERM
    assert system.wait(spinner, timeout=10) == 128 + signals.SIGKILL


def test_orphan_is_reparented_to_init_which_reaps_it(system: NativeSystem) -> None:
    output = bytearray()
    init = start(system, "/bin/proctest", ["proctest", "init"], output)
    assert init.pid == 1
    assert system.wait(init, timeout=20) == 0
    assert output.decode() == "orphan ppid 1\ninit reaped 2, then No child process\n"


def test_zombie_stays_until_waited(system: NativeSystem) -> None:
    status, _ = run(system, ["proctest", "true"])
    assert status == 0
    output = bytearray()
    parent = start(system, "/bin/proctest", ["proctest", "sleep", "300"], output)
    with system.host.lock:
        child = system.kernel.spawn_path(parent, "/bin/true", [b"true"], [], parent.fds.__class__(),
                                         "/")
    deadline = time.monotonic() + 10
    while child.state != ZOMBIE and time.monotonic() < deadline:
        time.sleep(0.01)
    assert child.state == ZOMBIE and system.kernel.processes.get(child.pid) is child
    assert system.wait(parent, timeout=10) == 0
    assert system.kernel.processes.get(child.pid) is None  # no init: reaped with its parent


def test_spawn_storm_hits_the_limit_and_everything_dies(system: NativeSystem) -> None:
    system.kernel.processes.limit = 24
    output = bytearray()
    storm = start(system, "/bin/proctest", ["proctest", "storm"], output)
    assert system.wait(storm, timeout=60) == 0
    assert output.decode() == ("spawned 23 then Resource temporarily unavailable\n"
                               "reaped 23 killed\n")
    assert run(system, ["proctest", "exit", "4"])[0] == 4


def test_cwd_is_kept_by_the_kernel_and_inherited(system: NativeSystem) -> None:
    assert run(system, ["proctest", "cwd"]) == (0, "getcwd /tmp\nchild getcwd /tmp\n")
