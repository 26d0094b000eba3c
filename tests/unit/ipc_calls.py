"""Helpers for the IPC unit tests (pipes, descriptor calls, Unix sockets).

`call` runs a syscall of either import module by name that must finish at once;
`Pending` submits one that may park and collects its late replies.
"""

from __future__ import annotations

from typing import Any

from wasmux.abi.table import BY_NAME, WASI, WASMUX
from wasmux.kernel import Kernel
from wasmux.proc import Process


def number(name: str) -> int:
    return (BY_NAME.get((WASMUX, name)) or BY_NAME[(WASI, name)]).number


def call(kernel: Kernel, process: Process, name: str, *args: Any) -> tuple[int, tuple[Any, ...]]:
    """(errno, outs) of a call that must not park."""
    def late(errno: int, outs: tuple[Any, ...]) -> None:
        raise AssertionError(f"{name} replied late")
    result = kernel.submit(process, number(name), args, late)
    assert result is not None, f"{name} parked"
    return result


def ok(kernel: Kernel, process: Process, name: str, *args: Any) -> tuple[Any, ...]:
    """The outs of a call that must succeed at once."""
    errno, outs = call(kernel, process, name, *args)
    assert errno == 0, f"{name} failed with errno {errno}"
    return outs


class Pending:
    """A submitted call: `result` is its (errno, outs) once it completed."""

    def __init__(self, kernel: Kernel, process: Process, name: str, *args: Any) -> None:
        self.replies: list[tuple[int, tuple[Any, ...]]] = []
        immediate = kernel.submit(process, number(name), args, self._reply)
        self.parked = immediate is None
        if immediate is not None:
            self.replies.append(immediate)

    def _reply(self, errno: int, outs: tuple[Any, ...]) -> None:
        self.replies.append((errno, outs))

    @property
    def done(self) -> bool:
        return bool(self.replies)

    @property
    def result(self) -> tuple[int, tuple[Any, ...]]:
        assert len(self.replies) == 1, self.replies
        return self.replies[0]
