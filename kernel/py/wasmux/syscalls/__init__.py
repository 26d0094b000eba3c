"""Syscall handlers: thin functions that check arguments and call a subsystem.

Layer: kernel core. Each handler is registered under its ABI table name with
`@syscall(name)` and has the signature `handler(kernel, process, *ins) -> outs`, where
`ins` and `outs` are the decoded views abi/table.py declares. Handlers raise
KernelError for failures and WouldBlock to park; they never touch guest memory.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..abi.table import BY_NAME, WASI, WASMUX

HANDLERS: dict[tuple[str, str], Callable[..., tuple[Any, ...]]] = {}
# Handlers that only read state fixed for the process's life (or ask the host a
# thread-safe question, such as the time): a host may run them without the kernel lock.
LOCKLESS: set[tuple[str, str]] = set()


def syscall(name: str, module: str = WASI,
            lockless: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as the handler of `module.name`."""
    assert (module, name) in BY_NAME, f"{module}.{name} is not in the ABI table"

    def register(handler: Callable[..., Any]) -> Callable[..., Any]:
        assert (module, name) not in HANDLERS, f"{name} registered twice"
        HANDLERS[(module, name)] = handler
        if lockless:
            LOCKLESS.add((module, name))
        return handler
    return register


def wasmux_syscall(name: str,
                   lockless: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return syscall(name, WASMUX, lockless)


# Importing the handler modules registers them.
from . import process  # noqa: E402,F401
from . import path  # noqa: E402,F401
from . import args  # noqa: E402,F401
from . import clock  # noqa: E402,F401
from . import fd  # noqa: E402,F401
from . import poll  # noqa: E402,F401
from . import random  # noqa: E402,F401
from . import sock  # noqa: E402,F401
from . import fdops  # noqa: E402,F401
from . import socket  # noqa: E402,F401
from . import spawn  # noqa: E402,F401
from . import signal  # noqa: E402,F401
from . import cwd  # noqa: E402,F401
from . import ioctl  # noqa: E402,F401
from . import meta  # noqa: E402,F401
from . import system  # noqa: E402,F401
