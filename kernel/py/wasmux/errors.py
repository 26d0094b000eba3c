"""Kernel error and blocking signals.

Layer: bottom of the kernel core; imports nothing but the WASI errno table.
Subsystems raise `KernelError(errno)`; the dispatcher is the one place that turns it
into the errno a guest sees. A handler that cannot finish yet raises `WouldBlock`
naming the wait queues whose wake-up makes retrying worthwhile. `ProcessExit` and
`ProcessExec` tell the host that the caller's guest must not resume.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .abi import wasi

if TYPE_CHECKING:
    from .wait import WaitQueue


class KernelError(Exception):
    """A failed syscall: carries the WASI errno and an optional message for tracing."""

    __slots__ = ("errno",)

    def __init__(self, errno: int, message: str = "") -> None:
        if message:
            super().__init__(message)
        self.errno = errno

    def __str__(self) -> str:
        """The message, else the errno's name (made only when shown: most errors a
        guest gets are never printed, and raising is on the syscall path)."""
        message = self.args[0] if self.args else ""
        return message if isinstance(message, str) and message else wasi.errno_name(self.errno)


# Not a WASI errno: the reply to a blocking call a caught signal interrupted whose
# handlers all have SA_RESTART. The host runs the handlers, then submits the same call
# again (a guest never sees this value).
RESTART = 512


class WouldBlock(Exception):
    """Raised by a handler that must wait: retry after any queue wakes or the deadline
    (monotonic nanoseconds) passes; a handler that sees the deadline passed returns."""

    __slots__ = ("queues", "deadline")

    def __init__(self, *queues: WaitQueue, deadline: int | None = None) -> None:
        super().__init__()
        self.queues = queues
        self.deadline = deadline


class ProcessExec(Exception):
    """Raised by execve once the host holds the new image: the caller's current guest
    must stop, and the host runs the new image from its start as the same process."""


class ProcessExit(Exception):
    """Raised by proc_exit (and fatal signals delivered at a syscall): the calling
    process has ended; the edge stops running guest code. The kernel already recorded
    the status."""

    __slots__ = ("status",)

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status
