"""Helpers for the IPC unit tests (pipes, descriptor calls, Unix sockets).

`call` runs a syscall of either import module by name that must finish at once;
`Pending` submits one that may park and collects its late replies.
"""

from __future__ import annotations

from typing import Any

from wasi_calls import Pending, call, number  # noqa: F401 (re-exported for the tests)
from wasmux.kernel import Kernel
from wasmux.proc import Process


def ok(kernel: Kernel, process: Process, name: str, *args: Any) -> tuple[Any, ...]:
    """The outs of a call that must succeed at once."""
    errno, outs = call(kernel, process, name, *args)
    assert errno == 0, f"{name} failed with errno {errno}"
    return outs


