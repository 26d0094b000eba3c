"""clock_time_get, clock_res_get and random_get on the in-memory host's fake clock."""

from __future__ import annotations

import pytest
from wasi_calls import call, spawn_test_process
from wasmux.abi import wasi
from wasmux.hosts.memory import MemoryHost
from wasmux.kernel import Kernel
from wasmux.proc import Process


def host(kernel: Kernel) -> MemoryHost:
    assert isinstance(kernel.host, MemoryHost)
    return kernel.host


def test_realtime_and_monotonic_follow_the_host(kernel: Kernel, process: Process) -> None:
    host(kernel).advance(1234)
    assert call(kernel, process, "clock_time_get", wasi.CLOCK_REALTIME, 0) == (
        0, (kernel.host.realtime_ns(),))
    assert call(kernel, process, "clock_time_get", wasi.CLOCK_MONOTONIC, 0) == (0, (1234,))
    host(kernel).advance(10)
    assert call(kernel, process, "clock_time_get", wasi.CLOCK_MONOTONIC, 1000) == (0, (1244,))


@pytest.mark.parametrize("clock", [wasi.CLOCK_PROCESS_CPUTIME_ID, wasi.CLOCK_THREAD_CPUTIME_ID])
def test_cpu_time_clocks_count_from_process_start(kernel: Kernel, clock: int) -> None:
    host(kernel).advance(500)
    process = spawn_test_process(kernel)
    host(kernel).advance(70)
    assert call(kernel, process, "clock_time_get", clock, 0) == (0, (70,))


@pytest.mark.parametrize("clock", [0, 1, 2, 3])
def test_every_clock_has_nanosecond_resolution(kernel: Kernel, process: Process,
                                               clock: int) -> None:
    assert call(kernel, process, "clock_res_get", clock) == (0, (1,))


def test_unknown_clock_is_einval(kernel: Kernel, process: Process) -> None:
    assert call(kernel, process, "clock_time_get", 4, 0) == (wasi.EINVAL, ())
    assert call(kernel, process, "clock_res_get", 99) == (wasi.EINVAL, ())


def test_random_get_returns_the_requested_length_from_the_host(kernel: Kernel,
                                                               process: Process) -> None:
    errno, (first,) = call(kernel, process, "random_get", 16)
    assert errno == 0 and len(first) == 16
    assert call(kernel, process, "random_get", 16) != (0, (first,))
    assert call(kernel, process, "random_get", 0) == (0, (b"",))
