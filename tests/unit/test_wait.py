"""wait4 on the memory host: statuses as <sys/wait.h> decodes them, pid selectors,
WNOHANG, WUNTRACED, WCONTINUED, parking, EINTR, orphans and zombies."""

from __future__ import annotations

import pytest
from wasmux import signals
from wasmux.abi import wasi
from wasmux.kernel import Kernel
from wasmux.proc import ZOMBIE, Process
from wasmux_calls import Pending, call, install, spawn

WNOHANG, WUNTRACED, WCONTINUED = 1, 2, 8


def wexitstatus(status: int) -> int:
    return (status >> 8) & 0xFF


def wifsignaled(status: int) -> bool:
    return ((status & 0xFFFF) - 1) & 0xFFFFFFFF < 0xFF


@pytest.fixture
def parent(kernel: Kernel, process: Process) -> Process:
    install(kernel, "/bin/prog")
    return process


def child_of(kernel: Kernel, parent: Process, **options: int) -> Process:
    errno, child = spawn(kernel, parent, "/bin/prog", **options)
    assert errno == 0 and child is not None
    return child


def test_exit_code_and_signal_statuses(kernel: Kernel, parent: Process) -> None:
    exiting, killed = child_of(kernel, parent), child_of(kernel, parent)
    kernel.exit_process(exiting, code=3)
    kernel.send_signal(killed, signals.SIGTERM)
    errno, (pid, status) = call(kernel, parent, "wait4", exiting.pid, 0)
    assert (errno, pid, wexitstatus(status), wifsignaled(status)) == (0, exiting.pid, 3, False)
    errno, (pid, status) = call(kernel, parent, "wait4", -1, 0)
    assert (pid, status & 0x7F, wifsignaled(status)) == (killed.pid, signals.SIGTERM, True)
    assert kernel.processes.get(exiting.pid) is None
    assert call(kernel, parent, "wait4", -1, 0)[0] == wasi.ECHILD


def test_wnohang_and_echild(kernel: Kernel, parent: Process) -> None:
    assert call(kernel, parent, "wait4", -1, WNOHANG)[0] == wasi.ECHILD
    child = child_of(kernel, parent)
    assert call(kernel, parent, "wait4", -1, WNOHANG) == (0, (0, 0))
    assert call(kernel, parent, "wait4", child.pid + 100, 0)[0] == wasi.ECHILD


def test_blocking_wait_parks_until_the_child_exits(kernel: Kernel, parent: Process) -> None:
    child = child_of(kernel, parent)
    waiting = Pending(kernel, parent, "wait4", child.pid, 0)
    assert waiting.replies == []
    kernel.exit_process(child, code=0)
    assert waiting.result == (0, (child.pid, 0))


def test_caught_signal_ends_a_wait_with_eintr(kernel: Kernel, parent: Process) -> None:
    child_of(kernel, parent)
    call(kernel, parent, "sigaction", signals.SIGUSR1, 1, signals.CAUGHT, 0, 0)
    waiting = Pending(kernel, parent, "wait4", -1, 0)
    kernel.send_signal(parent, signals.SIGUSR1)
    assert waiting.result == (wasi.EINTR, ())
    assert kernel.take_signal(parent) == signals.SIGUSR1


def test_group_selectors(kernel: Kernel, parent: Process) -> None:
    same = child_of(kernel, parent)
    other = child_of(kernel, parent, flags=2, pgid=0)
    kernel.exit_process(other, code=1)
    assert call(kernel, parent, "wait4", 0, WNOHANG) == (0, (0, 0))
    assert call(kernel, parent, "wait4", -other.pid, 0) == (0, (other.pid, 1 << 8))
    kernel.exit_process(same, code=2)
    assert call(kernel, parent, "wait4", 0, 0) == (0, (same.pid, 2 << 8))


def test_stopped_and_continued_children_are_reported_once(kernel: Kernel,
                                                          parent: Process) -> None:
    child = child_of(kernel, parent)
    kernel.send_signal(child, signals.SIGTSTP)
    assert child.stopped
    assert call(kernel, parent, "wait4", -1, WNOHANG) == (0, (0, 0))
    assert call(kernel, parent, "wait4", -1, WUNTRACED) == \
        (0, (child.pid, (signals.SIGTSTP << 8) | 0x7F))
    assert call(kernel, parent, "wait4", -1, WUNTRACED | WNOHANG) == (0, (0, 0))
    kernel.send_signal(child, signals.SIGCONT)
    assert not child.stopped
    assert call(kernel, parent, "wait4", -1, WCONTINUED) == (0, (child.pid, 0xFFFF))
    assert kernel.host.stops == [(child.pid, True), (child.pid, False)]  # type: ignore[attr-defined]


def test_orphans_go_to_init_which_is_told_of_zombies(kernel: Kernel, parent: Process) -> None:
    assert parent.pid == 1
    middle = child_of(kernel, parent)
    running, dead = child_of(kernel, middle), child_of(kernel, middle)
    kernel.exit_process(dead, code=5)
    call(kernel, parent, "sigaction", signals.SIGCHLD, 1, signals.CAUGHT, 0, 0)
    kernel.exit_process(middle, code=0)
    assert running.ppid == dead.ppid == 1
    assert call(kernel, running, "getppid") == (0, (1,))
    assert parent.pending & signals.bit(signals.SIGCHLD)
    waited = {call(kernel, parent, "wait4", -1, 0)[1] for _ in range(2)}
    assert waited == {(middle.pid, 0), (dead.pid, 5 << 8)}


def test_without_init_orphans_are_reaped_when_they_end(kernel: Kernel, parent: Process) -> None:
    middle = child_of(kernel, parent)
    running, dead = child_of(kernel, middle), child_of(kernel, middle)
    kernel.exit_process(dead, code=0)
    kernel.exit_process(parent, code=0)  # init itself ends
    kernel.exit_process(middle, code=0)
    assert kernel.processes.get(dead.pid) is None
    assert running.ppid == 0
    kernel.exit_process(running, code=0)
    assert kernel.processes.get(running.pid) is None


def test_ignoring_sigchld_leaves_no_zombies(kernel: Kernel, parent: Process) -> None:
    call(kernel, parent, "sigaction", signals.SIGCHLD, 1, signals.IGNORE, 0, 0)
    child = child_of(kernel, parent)
    waiting = Pending(kernel, parent, "wait4", -1, 0)
    kernel.exit_process(child, code=0)
    assert kernel.processes.get(child.pid) is None
    assert waiting.result == (wasi.ECHILD, ())


def test_sigchld_is_sent_on_exit_and_stop_unless_nocldstop(kernel: Kernel,
                                                           parent: Process) -> None:
    call(kernel, parent, "sigaction", signals.SIGCHLD, 1, signals.CAUGHT,
         signals.SA_NOCLDSTOP, 0)
    child = child_of(kernel, parent)
    kernel.send_signal(child, signals.SIGSTOP)
    assert kernel.take_signal(parent) == 0
    kernel.send_signal(child, signals.SIGKILL)
    assert child.state == ZOMBIE
    assert kernel.take_signal(parent) == signals.SIGCHLD
