"""In-memory host for unit tests: a fake clock, manual timers, and processes whose
"guest" is the test itself (it calls Kernel.submit directly).

Layer: host. Deterministic: time moves only when a test calls `advance()`.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from typing import Any

from ..abi import wasi
from ..errors import KernelError
from ..proc import Process

WASM_MAGIC = b"\0asm\x01\0\0\0"


class MemoryHost:
    def __init__(self, realtime_ns: int = 1_700_000_000_000_000_000) -> None:
        self.now = 0
        self.realtime_base = realtime_ns
        self.timers: list[tuple[int, int, Callable[[], None]]] = []
        self.cancelled: set[int] = set()
        self.counter = itertools.count()
        self.started: dict[int, bytes] = {}  # the module each pid runs now
        self.execs: list[int] = []  # pids that replaced their image, in order
        self.killed: list[int] = []
        self.stops: list[tuple[int, bool]] = []  # (pid, stopped) in the order they happened
        self.signalled: list[int] = []  # pids told of a deliverable signal while not parked
        self.random_seed = 0
        self.console_output = bytearray()

    def realtime_ns(self) -> int:
        return self.realtime_base + self.now

    def monotonic_ns(self) -> int:
        return self.now

    def random_bytes(self, size: int) -> bytes:
        self.random_seed += 1
        return bytes((self.random_seed * 31 + i * 17) & 0xFF for i in range(size))

    def console_write(self, data: bytes) -> None:
        self.console_output += data

    def set_timer(self, deadline_ns: int, callback: Callable[[], None]) -> Any:
        handle = next(self.counter)
        heapq.heappush(self.timers, (deadline_ns, handle, callback))
        return handle

    def cancel_timer(self, handle: Any) -> None:
        self.cancelled.add(handle)

    def advance(self, nanoseconds: int) -> None:
        """Move the clock forward, firing due timers in deadline order."""
        target = self.now + nanoseconds
        while self.timers and self.timers[0][0] <= target:
            deadline, handle, callback = heapq.heappop(self.timers)
            self.now = max(self.now, deadline)
            if handle in self.cancelled:
                self.cancelled.discard(handle)
                continue
            callback()
        self.now = target

    def start_process(self, process: Process, module: bytes) -> None:
        if not module.startswith(WASM_MAGIC):
            raise KernelError(wasi.ENOEXEC, "not a WebAssembly module")
        self.started[process.pid] = module

    def exec_process(self, process: Process, module: bytes) -> None:
        if not module.startswith(WASM_MAGIC):
            raise KernelError(wasi.ENOEXEC, "not a WebAssembly module")
        self.started[process.pid] = module
        self.execs.append(process.pid)

    def kill_process(self, process: Process) -> None:
        self.killed.append(process.pid)

    def stop_process(self, process: Process) -> None:
        self.stops.append((process.pid, True))

    def continue_process(self, process: Process) -> None:
        self.stops.append((process.pid, False))

    def signal_process(self, process: Process) -> None:
        self.signalled.append(process.pid)
