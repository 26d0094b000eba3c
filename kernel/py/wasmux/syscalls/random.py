"""random_get: bytes from the host's cryptographically secure source.

Layer: syscall handler; reads the Host only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import syscall

if TYPE_CHECKING:
    from ..kernel import Kernel
    from ..proc import Process


@syscall("random_get", lockless=True)
def random_get(kernel: Kernel, process: Process, buf_len: int) -> tuple[bytes]:
    return (kernel.host.random_bytes(buf_len),)
