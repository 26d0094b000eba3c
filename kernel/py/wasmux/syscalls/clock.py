"""Clocks: clock_res_get and clock_time_get over the host's realtime and monotonic time.

Layer: syscall handlers; read the Host clocks and the Process record. There is no CPU
accounting: a process's CPU-time clocks report the monotonic time since it started
(wasmtime 50 answers EBADF for them instead). `clock_now` is shared with poll_oneoff.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..abi import wasi
from ..errors import KernelError
from . import syscall

if TYPE_CHECKING:
    from ..kernel import Kernel
    from ..proc import Process

RESOLUTION_NS = 1  # what wasmtime reports; the hosts' clocks count nanoseconds


def clock_now(kernel: Kernel, process: Process, clock_id: int) -> int:
    """Current time of `clock_id` in nanoseconds; EINVAL for an unknown clock."""
    if clock_id == wasi.CLOCK_REALTIME:
        return kernel.host.realtime_ns()
    if clock_id == wasi.CLOCK_MONOTONIC:
        return kernel.host.monotonic_ns()
    if clock_id in (wasi.CLOCK_PROCESS_CPUTIME_ID, wasi.CLOCK_THREAD_CPUTIME_ID):
        return kernel.host.monotonic_ns() - process.start_ns
    raise KernelError(wasi.EINVAL, f"unknown clock {clock_id}")


@syscall("clock_res_get", lockless=True)
def clock_res_get(kernel: Kernel, process: Process, clock_id: int) -> tuple[int]:
    clock_now(kernel, process, clock_id)
    return (RESOLUTION_NS,)


@syscall("clock_time_get", lockless=True)
def clock_time_get(kernel: Kernel, process: Process, clock_id: int,
                   precision: int) -> tuple[int]:
    # The hot path of every timing loop: realtime and monotonic without a second call.
    if clock_id <= wasi.CLOCK_MONOTONIC:
        return (kernel.clocks[clock_id](),)
    return (clock_now(kernel, process, clock_id),)
