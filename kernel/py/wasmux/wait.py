"""Wait queues: how a parked syscall learns it is worth retrying.

Layer: kernel core; imports nothing of the kernel. A blocked handler raises
`WouldBlock(queue, ...)`; the kernel registers the parked request on each queue; any
state change that might let it finish calls `wake_all()`. Wakers never decide whether
the waiter can now proceed: the waiter's handler runs again and decides (park and retry).
"""

from __future__ import annotations

from collections.abc import Callable


class WaitQueue:
    __slots__ = ("waiters",)

    def __init__(self) -> None:
        self.waiters: list[Callable[[], None]] = []

    def add(self, waiter: Callable[[], None]) -> None:
        self.waiters.append(waiter)

    def remove(self, waiter: Callable[[], None]) -> None:
        try:
            self.waiters.remove(waiter)
        except ValueError:
            pass

    def wake_all(self) -> None:
        """Call every waiter once; waiters that park again register anew."""
        if self.waiters:
            waiters, self.waiters = self.waiters, []
            for waiter in waiters:
                waiter()
