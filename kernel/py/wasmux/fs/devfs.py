"""devfs: the /dev directory, a tmpfs holding device inodes.

Layer: filesystem; imports tmpfs and dev/. Devices are linked in at construction
(null, zero, full, random, urandom, console, tty); subsystems add theirs with
`add_device`. Like Linux's devtmpfs, ordinary files and directories may be created too.
/dev/tty and /dev/console are the kernel console (the host's terminal) for now.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..dev.misc import CharacterDevice, FullDevice, NullDevice, RandomDevice, ZeroDevice
from ..dev.stream import HostStream
from ..file import Inode
from .tmpfs import TmpFS

if TYPE_CHECKING:
    from ..host import Host


class DevFS(TmpFS):
    kind = "devtmpfs"

    def __init__(self, dev: int, clock: Callable[[], int], host: Host) -> None:
        super().__init__(dev, clock)
        self.console = HostStream(self, self.allocate_ino(), host.console_write)
        self.add_device("null", NullDevice(self, self.allocate_ino()))
        self.add_device("zero", ZeroDevice(self, self.allocate_ino()))
        self.add_device("full", FullDevice(self, self.allocate_ino()))
        self.add_device("random", RandomDevice(self, self.allocate_ino(), host.random_bytes))
        self.add_device("urandom", RandomDevice(self, self.allocate_ino(), host.random_bytes))
        self.add_device("console", self.console)
        self.add_device("tty", self.console)

    def add_device(self, name: str, device: Inode) -> None:
        """Link a device inode (made with this filesystem and `allocate_ino()`) as /dev/name."""
        assert isinstance(device, CharacterDevice) and device.fs is self
        self.root.link(name, device)
