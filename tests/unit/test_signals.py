"""Signals on the memory host: kill targets and errors, default actions, caught and
blocked signals, sigaction rules, sigsuspend, alarm, stop and continue."""

from __future__ import annotations

import pytest
from wasmux import signals
from wasmux.abi import wasi
from wasmux.errors import RESTART, ProcessExit
from wasmux.kernel import Kernel
from wasmux.proc import ZOMBIE, Process
from wasmux_calls import Pending, call, install, spawn

SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK = 0, 1, 2


@pytest.fixture
def child(kernel: Kernel, process: Process) -> Process:
    install(kernel, "/bin/prog")
    errno, child = spawn(kernel, process, "/bin/prog")
    assert errno == 0 and child is not None
    return child


def catch(kernel: Kernel, process: Process, sig: int) -> None:
    assert call(kernel, process, "sigaction", sig, 1, signals.CAUGHT, 0, 0)[0] == 0


def test_kill_errors_and_signal_zero(kernel: Kernel, process: Process, child: Process) -> None:
    assert call(kernel, process, "kill", 999, signals.SIGTERM)[0] == wasi.ESRCH
    assert call(kernel, process, "kill", child.pid, 65)[0] == wasi.EINVAL
    assert call(kernel, process, "kill", child.pid, 0) == (0, ())
    assert call(kernel, process, "kill", -999, 0)[0] == wasi.ESRCH
    assert child.state != ZOMBIE


def test_default_term_kills_at_once(kernel: Kernel, process: Process, child: Process) -> None:
    assert call(kernel, process, "kill", child.pid, signals.SIGTERM) == (0, ())
    assert child.state == ZOMBIE and child.status == 128 + signals.SIGTERM
    assert kernel.host.killed == [child.pid]  # type: ignore[attr-defined]


def test_caught_signal_is_pending_until_taken(kernel: Kernel, process: Process,
                                              child: Process) -> None:
    catch(kernel, child, signals.SIGUSR1)
    call(kernel, process, "kill", child.pid, signals.SIGUSR1)
    assert child.state != ZOMBIE
    assert kernel.take_signal(child) == signals.SIGUSR1
    assert kernel.take_signal(child) == 0


def test_the_host_is_asked_to_interrupt_a_computing_process_not_a_parked_one(
        kernel: Kernel, child: Process) -> None:
    """signal_process lets a host run handlers in a loop that makes no syscall."""
    catch(kernel, child, signals.SIGUSR1)
    kernel.send_signal(child, signals.SIGUSR1)
    assert kernel.host.signalled == [child.pid]  # type: ignore[attr-defined]
    kernel.take_signal(child)
    waiting = Pending(kernel, child, "sigsuspend", 0)
    kernel.send_signal(child, signals.SIGUSR1)
    assert waiting.result == (wasi.EINTR, ())
    assert kernel.host.signalled == [child.pid]  # type: ignore[attr-defined]


def test_parked_call_ends_with_eintr_for_a_caught_signal(kernel: Kernel, child: Process) -> None:
    catch(kernel, child, signals.SIGINT)
    waiting = Pending(kernel, child, "sigsuspend", 0)
    assert waiting.replies == []
    kernel.send_signal(child, signals.SIGINT)
    assert waiting.result == (wasi.EINTR, ())


def test_blocked_signal_waits_and_unblocking_a_fatal_one_ends_the_caller(
        kernel: Kernel, child: Process) -> None:
    bit = signals.bit(signals.SIGTERM)
    assert call(kernel, child, "sigprocmask", SIG_BLOCK, bit) == (0, (0,))
    kernel.send_signal(child, signals.SIGTERM)
    assert child.state != ZOMBIE
    assert call(kernel, child, "sigpending") == (0, (bit,))
    with pytest.raises(ProcessExit):
        call(kernel, child, "sigprocmask", SIG_UNBLOCK, bit)
    assert child.status == 128 + signals.SIGTERM


def test_kill_and_stop_cannot_be_caught_or_blocked(kernel: Kernel, child: Process) -> None:
    for sig in (signals.SIGKILL, signals.SIGSTOP):
        assert call(kernel, child, "sigaction", sig, 1, signals.CAUGHT, 0, 0)[0] == wasi.EINVAL
    assert call(kernel, child, "sigaction", signals.SIGKILL, 0, 0, 0, 0)[0] == 0
    call(kernel, child, "sigprocmask", SIG_SETMASK, signals.ALL)
    assert child.blocked == signals.ALL & ~signals.UNBLOCKABLE
    kernel.send_signal(child, signals.SIGKILL)
    assert child.status == 128 + signals.SIGKILL


def test_sigaction_reports_the_old_action_and_ignore_discards_pending(
        kernel: Kernel, child: Process) -> None:
    mask = signals.bit(signals.SIGINT)
    call(kernel, child, "sigaction", signals.SIGUSR2, 1, signals.CAUGHT, 0x10000000, mask)
    assert call(kernel, child, "sigaction", signals.SIGUSR2, 0, 0, 0, 0) == \
        (0, (signals.CAUGHT, 0x10000000, mask))
    call(kernel, child, "sigprocmask", SIG_BLOCK, signals.bit(signals.SIGUSR2))
    kernel.send_signal(child, signals.SIGUSR2)
    call(kernel, child, "sigaction", signals.SIGUSR2, 1, signals.IGNORE, 0, 0)
    assert child.pending == 0
    kernel.send_signal(child, signals.SIGCHLD)
    kernel.send_signal(child, signals.SIGWINCH)
    assert child.state != ZOMBIE and child.pending == 0


def test_sigsuspend_runs_the_handler_under_its_mask_then_restores(kernel: Kernel,
                                                                 child: Process) -> None:
    catch(kernel, child, signals.SIGUSR1)
    usr1 = signals.bit(signals.SIGUSR1)
    call(kernel, child, "sigprocmask", SIG_BLOCK, usr1)
    kernel.send_signal(child, signals.SIGUSR1)  # pending while blocked
    assert call(kernel, child, "sigsuspend", 0) == (wasi.EINTR, ())
    assert child.blocked == 0
    assert kernel.take_signal(child) == signals.SIGUSR1
    assert child.blocked == usr1


def test_alarm_rings_once_and_reports_what_was_left(kernel: Kernel, child: Process) -> None:
    host = kernel.host
    assert call(kernel, child, "alarm", 5) == (0, (0,))
    host.advance(2_000_000_000)  # type: ignore[attr-defined]
    assert call(kernel, child, "alarm", 10) == (0, (3,))
    host.advance(9_000_000_000)  # type: ignore[attr-defined]
    assert child.state != ZOMBIE
    host.advance(1_000_000_000)  # type: ignore[attr-defined]
    assert child.status == 128 + signals.SIGALRM


def test_alarm_cancel_and_caught_alarm(kernel: Kernel, child: Process) -> None:
    call(kernel, child, "alarm", 1)
    assert call(kernel, child, "alarm", 0) == (0, (1,))
    kernel.host.advance(5_000_000_000)  # type: ignore[attr-defined]
    assert child.state != ZOMBIE
    catch(kernel, child, signals.SIGALRM)
    call(kernel, child, "alarm", 1)
    kernel.host.advance(1_000_000_000)  # type: ignore[attr-defined]
    assert kernel.take_signal(child) == signals.SIGALRM


def test_stop_then_continue_with_a_caught_sigcont(kernel: Kernel, child: Process) -> None:
    catch(kernel, child, signals.SIGCONT)
    kernel.send_signal(child, signals.SIGTSTP)
    assert child.stopped
    kernel.send_signal(child, signals.SIGCONT)
    assert not child.stopped
    assert kernel.take_signal(child) == signals.SIGCONT


def test_ignored_tstp_does_not_stop_but_sigstop_does(kernel: Kernel, child: Process) -> None:
    call(kernel, child, "sigaction", signals.SIGTSTP, 1, signals.IGNORE, 0, 0)
    kernel.send_signal(child, signals.SIGTSTP)
    assert not child.stopped
    kernel.send_signal(child, signals.SIGSTOP)
    assert child.stopped
    kernel.send_signal(child, signals.SIGKILL)
    assert child.state == ZOMBIE and not child.stopped


def test_kill_reaches_groups_and_everyone(kernel: Kernel, process: Process,
                                          child: Process) -> None:
    errno, other = spawn(kernel, process, "/bin/prog", flags=2, pgid=0)
    assert errno == 0 and other is not None
    assert call(kernel, child, "kill", -other.pid, signals.SIGTERM) == (0, ())
    assert other.state == ZOMBIE and child.state != ZOMBIE
    assert kernel.signal_group(process.pgid, signals.SIGHUP)
    assert child.state == ZOMBIE
    assert process.state == ZOMBIE  # pid 1 is in that group too
    assert not kernel.signal_group(process.pgid, signals.SIGHUP)


def test_kill_minus_one_spares_init_and_the_caller(kernel: Kernel, process: Process,
                                                   child: Process) -> None:
    errno, other = spawn(kernel, process, "/bin/prog")
    assert errno == 0 and other is not None
    assert call(kernel, child, "kill", -1, signals.SIGTERM) == (0, ())
    assert other.state == ZOMBIE
    assert child.state != ZOMBIE and process.state != ZOMBIE


def test_killing_yourself_never_returns(kernel: Kernel, child: Process) -> None:
    with pytest.raises(ProcessExit):
        call(kernel, child, "kill", child.pid, signals.SIGTERM)


def test_proc_raise_takes_wasi_numbers(kernel: Kernel, child: Process) -> None:
    assert call(kernel, child, "proc_raise", wasi.SIGCHLD) == (0, ())  # ignored by default
    assert child.state != ZOMBIE
    with pytest.raises(ProcessExit):
        call(kernel, child, "proc_raise", wasi.SIGSYS)
    assert child.exit_signal == signals.SIGSYS


def restarting(kernel: Kernel, process: Process, sig: int) -> None:
    assert call(kernel, process, "sigaction", sig, 1, signals.CAUGHT, signals.SA_RESTART,
                0)[0] == 0


def test_sa_restart_handler_restarts_a_parked_wait4(kernel: Kernel, process: Process,
                                                    child: Process) -> None:
    restarting(kernel, process, signals.SIGUSR1)
    waiting = Pending(kernel, process, "wait4", child.pid, 0)
    assert waiting.replies == []
    kernel.send_signal(process, signals.SIGUSR1)
    assert waiting.result == (RESTART, ())
    assert kernel.take_signal(process) == signals.SIGUSR1


def test_a_handler_without_sa_restart_among_those_due_means_eintr(
        kernel: Kernel, process: Process, child: Process) -> None:
    restarting(kernel, process, signals.SIGUSR1)
    catch(kernel, process, signals.SIGUSR2)
    call(kernel, process, "sigprocmask", SIG_BLOCK, signals.bit(signals.SIGUSR1))
    kernel.send_signal(process, signals.SIGUSR1)
    waiting = Pending(kernel, process, "wait4", child.pid, 0)
    kernel.send_signal(process, signals.SIGUSR2)
    assert waiting.result == (wasi.EINTR, ())


def test_poll_and_sleeps_are_never_restarted(kernel: Kernel, process: Process) -> None:
    restarting(kernel, process, signals.SIGALRM)
    sleeping = Pending(kernel, process, "poll_oneoff",
                       [(1, wasi.EVENTTYPE_CLOCK, wasi.CLOCK_MONOTONIC, 10**9, 0, 0)])
    kernel.send_signal(process, signals.SIGALRM)
    assert sleeping.result == (wasi.EINTR, ())


def test_a_signal_pending_before_a_call_blocks_interrupts_it_at_once(
        kernel: Kernel, process: Process, child: Process) -> None:
    """A signal that arrived while the guest computed was not yet delivered: the next
    blocking call must not sleep through it."""
    catch(kernel, process, signals.SIGUSR1)
    kernel.send_signal(process, signals.SIGUSR1)
    assert Pending(kernel, process, "wait4", child.pid, 0).result == (wasi.EINTR, ())
    restarting(kernel, process, signals.SIGUSR1)
    assert Pending(kernel, process, "wait4", child.pid, 0).result == (RESTART, ())
    assert call(kernel, process, "wait4", child.pid, 1) == (0, (0, 0))  # WNOHANG: no wait


def test_attention_flag_marks_what_the_host_must_look_at(kernel: Kernel, process: Process,
                                                         child: Process) -> None:
    """Lockless calls only read `attention`: every way a signal becomes deliverable, or
    the process stops, sets it."""
    catch(kernel, child, signals.SIGUSR1)
    call(kernel, child, "sigprocmask", SIG_BLOCK, signals.bit(signals.SIGUSR1))
    kernel.send_signal(child, signals.SIGUSR1)
    assert not child.attention
    call(kernel, child, "sigprocmask", SIG_UNBLOCK, signals.bit(signals.SIGUSR1))
    assert child.attention
    child.attention = False
    kernel.send_signal(child, signals.SIGCHLD)  # ignored by default
    assert not child.attention
    kernel.send_signal(child, signals.SIGUSR1)
    assert child.attention
    child.attention = False
    kernel.send_signal(child, signals.SIGSTOP)
    assert child.attention
