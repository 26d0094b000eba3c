"""System identity and statistics: the host name, uname's fields, uptime and memory.

Layer: kernel core; reads the VFS (for /etc/hostname) and the host clock; imported by
kernel.py (which keeps a SystemInfo as `kernel.system`), syscalls/system.py and
fs/procfs.py. The host name is per kernel: the one set with sethostname, else the first
line of /etc/hostname, else "localhost".

Memory: Wasmux does not account the memory of its processes (each one's wasm memory
lives in its own store or Worker, outside the kernel). The figures reported are a
declared budget, MEMORY_TOTAL (1 GiB: what a browser tab dependably grants the wasm
memories of a page together), all of it free; `free`, `top` and /proc/meminfo show
these numbers, not measurements.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .abi import wasi
from .errors import KernelError

if TYPE_CHECKING:
    from .kernel import Kernel

SYSNAME = "Wasmux"
RELEASE = "0.1.0"
VERSION = "#1"
MACHINE = "wasm32"
DEFAULT_HOSTNAME = "localhost"
HOSTNAME_MAX = 64
MEMORY_TOTAL = 1 << 30


@dataclass(slots=True)
class SystemInfo:
    """The system identity a kernel keeps (`kernel.system`)."""

    hostname: str | None = None  # set by sethostname; None: read /etc/hostname


def hostname(kernel: Kernel) -> str:
    """The host name: set by sethostname, else from /etc/hostname, else the default."""
    name = kernel.system.hostname
    if name is not None:
        return name
    try:
        file = kernel.vfs.open(None, kernel.vfs.root, "/etc/hostname", 0, True, True, False,
                               0, "/etc/hostname")
    except KernelError:  # no /etc/hostname (or not a file): the default name
        return DEFAULT_HOSTNAME
    try:
        text = file.read(HOSTNAME_MAX + 1)
    finally:
        file.unref()
    first = text.decode(errors="replace").split("\n", 1)[0].strip()
    return first[:HOSTNAME_MAX] or DEFAULT_HOSTNAME


def set_hostname(kernel: Kernel, name: bytes) -> None:
    """Set the host name (EINVAL when longer than HOSTNAME_MAX or not UTF-8)."""
    if len(name) > HOSTNAME_MAX:
        raise KernelError(wasi.EINVAL, "host name too long")
    try:
        kernel.system.hostname = name.decode()
    except UnicodeDecodeError as error:
        raise KernelError(wasi.EINVAL, "host name is not UTF-8") from error


def uname(kernel: Kernel) -> tuple[str, str, str, str, str]:
    """(sysname, nodename, release, version, machine)."""
    return (SYSNAME, hostname(kernel), RELEASE, VERSION, MACHINE)


def uptime_ns(kernel: Kernel) -> int:
    """Nanoseconds since the kernel booted (host monotonic clock)."""
    return kernel.host.monotonic_ns() - kernel.boot_ns


def memory(kernel: Kernel) -> tuple[int, int]:
    """(total bytes, free bytes): the declared budget, all free (see the module text)."""
    return (MEMORY_TOTAL, MEMORY_TOTAL)

