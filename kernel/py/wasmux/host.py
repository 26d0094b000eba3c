"""The Host interface: everything the kernel needs from the world.

Layer: kernel core boundary. The kernel does no I/O of its own: clocks, randomness,
timers and running guest code are reached through a Host. Implementations live in
`hosts/` (memory.py for tests, native.py on wasmtime, pyodide.py in the browser).
Host methods are called with the kernel's lock held (native) or on the kernel's
thread (browser); callbacks a host makes into the kernel must do the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from .proc import Process


class Host(Protocol):
    def realtime_ns(self) -> int: ...

    def monotonic_ns(self) -> int: ...

    def random_bytes(self, size: int) -> bytes: ...

    def console_write(self, data: bytes) -> None:
        """Show bytes written to /dev/console (the terminal, or the host's stdout)."""
        ...

    def set_timer(self, deadline_ns: int, callback: Callable[[], None]) -> Any:
        """Call callback (under the kernel lock) once monotonic time reaches deadline."""
        ...

    def cancel_timer(self, handle: Any) -> None: ...

    def start_process(self, process: Process, module: bytes) -> None:
        """Begin running `module` as `process`. Raises KernelError(ENOEXEC) for bytes
        that are not a loadable wasm module (the message says why)."""
        ...

    def exec_process(self, process: Process, module: bytes) -> None:
        """`process`, inside a syscall, replaces its image with `module` (execve).
        Raises KernelError(ENOEXEC) as start_process does, with nothing changed;
        otherwise, once the syscall raised ProcessExec, the current guest stops and
        `module` runs from its start as the same process (same host_data object)."""
        ...

    def kill_process(self, process: Process) -> None:
        """Stop running the process's guest code at once, wherever it is (busy loops
        and parked syscalls included). The kernel already recorded the exit."""
        ...

    def stop_process(self, process: Process) -> None:
        """`process.stopped` was set: hold its guest at its next syscall return, or at
        once if it is computing, until continue_process (or a kill)."""
        ...

    def continue_process(self, process: Process) -> None:
        """`process.stopped` was cleared: let its guest run again."""
        ...

    def signal_process(self, process: Process) -> None:
        """A caught signal became deliverable to `process` while no syscall of it is
        parked: run its handler soon even if its guest computes without syscalls. A
        host that cannot enter running guest code leaves it to the next syscall
        return."""
        ...
