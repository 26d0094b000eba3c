"""devfs: the /dev directory, a tmpfs holding device inodes.

Layer: filesystem; imports tmpfs, tty and dev/. Devices are linked in at construction
(null, zero, full, random, urandom, console, tty, ptmx and the pts directory); subsystems
add theirs with `add_device`. Like Linux's devtmpfs, ordinary files and directories may
be created too. /dev/console is the kernel console, a terminal whose driver is the host
(`Host.console_write` shows its output; the host feeds typed bytes to `console.feed`).
/dev/tty opens the caller's controlling terminal; /dev/ptmx a new pseudo-terminal whose
slave appears as /dev/pts/N.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..abi import wasi
from ..dev.misc import CharacterDevice, FullDevice, NullDevice, RandomDevice, ZeroDevice
from ..dev.pty import PtyMultiplexer
from ..errors import KernelError
from ..file import Inode, OpenFile
from ..tty import Tty, controlling_terminal
from .tmpfs import TmpFS

if TYPE_CHECKING:
    from ..kernel import Kernel
    from ..proc import Process


class ControllingTerminal(CharacterDevice):
    """/dev/tty: opening it opens the caller's controlling terminal (ENXIO if none)."""

    def open(self, process: Process | None, readable: bool, writable: bool, flags: int,
             path: str) -> OpenFile:
        terminal = controlling_terminal(process) if process is not None else None
        if terminal is None:
            raise KernelError(wasi.ENXIO, "no controlling terminal")
        return terminal.open(process, readable, writable, flags, path)


class DevFS(TmpFS):
    kind = "devtmpfs"

    def __init__(self, dev: int, clock: Callable[[], int], kernel: Kernel) -> None:
        super().__init__(dev, clock)
        host = kernel.host
        self.console = Tty(self, self.allocate_ino(), kernel, host.console_write, "/dev/console")
        self.add_device("null", NullDevice(self, self.allocate_ino()))
        self.add_device("zero", ZeroDevice(self, self.allocate_ino()))
        self.add_device("full", FullDevice(self, self.allocate_ino()))
        self.add_device("random", RandomDevice(self, self.allocate_ino(), host.random_bytes))
        self.add_device("urandom", RandomDevice(self, self.allocate_ino(), host.random_bytes))
        self.add_device("console", self.console)
        self.add_device("tty", ControllingTerminal(self, self.allocate_ino()))
        pts = self.root.create_directory("pts", 0o755)
        self.add_device("ptmx", PtyMultiplexer(self, self.allocate_ino(), kernel, pts))

    def add_device(self, name: str, device: Inode) -> None:
        """Link a device inode (made with this filesystem and `allocate_ino()`) as /dev/name."""
        assert isinstance(device, CharacterDevice) and device.fs is self
        self.root.link(name, device)
