"""Program arguments and environment: args_* and environ_* hand out the process's lists.

Layer: syscall handlers; read the Process record only. `process.argv` and
`process.environ` are lists of bytes without terminators; the edge writes each one
NUL-terminated (the `strings` view), so buffer sizes count one extra byte per string.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import syscall

if TYPE_CHECKING:
    from ..kernel import Kernel
    from ..proc import Process


def strings_size(strings: list[bytes]) -> int:
    """Bytes the `strings` view needs: every string plus its NUL."""
    return sum(len(string) + 1 for string in strings)


@syscall("args_sizes_get", lockless=True)
def args_sizes_get(kernel: Kernel, process: Process) -> tuple[int, int]:
    return (len(process.argv), strings_size(process.argv))


@syscall("args_get", lockless=True)
def args_get(kernel: Kernel, process: Process) -> tuple[list[bytes]]:
    return (process.argv,)


@syscall("environ_sizes_get", lockless=True)
def environ_sizes_get(kernel: Kernel, process: Process) -> tuple[int, int]:
    return (len(process.environ), strings_size(process.environ))


@syscall("environ_get", lockless=True)
def environ_get(kernel: Kernel, process: Process) -> tuple[list[bytes]]:
    return (process.environ,)
