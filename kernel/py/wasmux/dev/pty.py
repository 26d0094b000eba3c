"""Pseudo-terminals: /dev/ptmx hands out masters, /dev/pts/N are their slaves.

Layer: devices; imports tty, file and wait. Each open of /dev/ptmx creates a pair: the
master (an unnamed inode behind that open file) and the slave, a `Tty` linked into
/dev/pts as the lowest free number. The slave's output, after output processing, is
what master reads return; master writes are the slave's typed input, through its line
discipline. The slave starts locked (opening it fails with EIO) until TIOCSPTLCK
unlocks it (unlockpt); grantpt needs nothing (one user). When the master closes, the
slave hangs up and leaves /dev/pts; a master read once every slave file has closed
fails with EIO, as on Linux.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from ..abi import wasi
from ..errors import KernelError, WouldBlock
from ..file import POLLHUP, POLLIN, POLLOUT, Inode, OpenFile
from ..tty import (
    FIONREAD,
    TCFLSH,
    TCGETS,
    TCSETS,
    TCSETSF,
    TCSETSW,
    TIOCGPGRP,
    TIOCGWINSZ,
    TIOCSWINSZ,
    Termios,
    Tty,
)
from ..wait import WaitQueue
from .misc import CharacterDevice

if TYPE_CHECKING:
    from ..fs.tmpfs import TmpFS
    from ..kernel import Kernel
    from ..proc import Process

TIOCGPTN, TIOCSPTLCK, TIOCGPTLCK = 0x80045430, 0x40045431, 0x80045439
OUTPUT_LIMIT = 65536  # slave output a master holds before slave writes wait
PTY_LIMIT = 256
INT = struct.Struct("<i")
# Requests a master answers for its slave, without the controlling-terminal checks.
SLAVE_REQUESTS = frozenset({TCGETS, TCSETS, TCSETSW, TCSETSF, TIOCGWINSZ, TIOCSWINSZ, TCFLSH})


class PtySlave(Tty):
    """/dev/pts/N: a terminal whose driver is its master."""

    def __init__(self, fs: TmpFS, ino: int, kernel: Kernel, master: PtyMaster,
                 number: int) -> None:
        super().__init__(fs, ino, kernel, master.receive_output, f"/dev/pts/{number}")
        self.master = master
        self.open_files = 0
        self.ever_opened = False

    def open(self, process: Process | None, readable: bool, writable: bool, flags: int,
             path: str) -> OpenFile:
        if self.master.locked:
            raise KernelError(wasi.EIO, f"{self.name} is locked (unlockpt first)")
        return super().open(process, readable, writable, flags, path)

    def opened(self, file: OpenFile) -> None:
        self.open_files += 1
        self.ever_opened = True

    def released(self, file: OpenFile) -> None:
        super().released(file)
        self.open_files -= 1
        if self.open_files == 0:
            self.master.readable.wake_all()

    def write(self, file: OpenFile, offset: int, data: bytes) -> int:
        if not self.hung_up and len(self.master.output) >= OUTPUT_LIMIT:
            raise WouldBlock(self.master.drained)
        return super().write(file, offset, data)


class PtyMaster(CharacterDevice):
    """The controlling side of a pseudo-terminal (one open file description)."""

    seekable = False

    def __init__(self, fs: TmpFS, ino: int, kernel: Kernel, number: int,
                 multiplexer: PtyMultiplexer) -> None:
        super().__init__(fs, ino, 0o620)
        self.number = number
        self.multiplexer = multiplexer
        self.locked = True
        self.output = bytearray()  # the slave's processed output, not yet read
        self.readable = WaitQueue()
        self.drained = WaitQueue()  # the master read some output
        self.slave = PtySlave(fs, fs.allocate_ino(), kernel, self, number)

    def receive_output(self, data: bytes) -> None:
        """The slave's transmit callback."""
        if data:
            self.output += data
            self.readable.wake_all()

    def read(self, file: OpenFile, offset: int, size: int) -> bytes:
        if not self.output:
            if size == 0:
                return b""
            if self.slave.ever_opened and self.slave.open_files == 0:
                raise KernelError(wasi.EIO, f"{self.slave.name} is closed")
            raise WouldBlock(self.readable)
        data = bytes(self.output[:size])
        del self.output[:size]
        self.drained.wake_all()
        return data

    def write(self, file: OpenFile, offset: int, data: bytes) -> int:
        taken = self.slave.feed(data)
        if data and not taken:
            raise WouldBlock(self.slave.writable)
        return taken

    def poll(self, file: OpenFile) -> tuple[int, int]:
        ready = POLLIN if self.output else 0
        if not self.output and self.slave.ever_opened and self.slave.open_files == 0:
            ready |= POLLIN | POLLHUP
        if self.slave.input_room():
            ready |= POLLOUT
        return (ready, len(self.output))

    def poll_queues(self) -> tuple[WaitQueue, ...]:
        return (self.readable, self.slave.writable)

    def released(self, file: OpenFile) -> None:
        """The master closed: the slave hangs up and its /dev/pts entry goes away."""
        self.slave.hang_up()
        self.multiplexer.remove(self)

    def ioctl(self, file: OpenFile, process: Process, request: int,
              arg: bytes) -> tuple[bytes, int]:
        """TIOCGPTN (ptsname), TIOCSPTLCK/TIOCGPTLCK (unlockpt), FIONREAD (output
        waiting), TIOCGPGRP, and the slave's settings and window size."""
        if request == TIOCGPTN:
            return (INT.pack(self.number), 0)
        if request == TIOCSPTLCK:
            if len(arg) != INT.size:
                raise KernelError(wasi.EINVAL, "TIOCSPTLCK takes an int")
            self.locked = INT.unpack(arg)[0] != 0
            return (arg, 0)
        if request == TIOCGPTLCK:
            return (INT.pack(int(self.locked)), 0)
        if request == FIONREAD:
            return (INT.pack(len(self.output)), 0)
        if request == TIOCGPGRP:
            return (INT.pack(self.slave.foreground or 0), 0)
        if request in SLAVE_REQUESTS:
            if request in (TCSETS, TCSETSW, TCSETSF):
                self.slave.set_termios(Termios.unpack(arg), flush=request == TCSETSF)
                return (arg, 0)
            return self.slave.ioctl(file, process, request, arg)
        raise KernelError(wasi.ENOTTY, f"unknown pseudo-terminal master ioctl {request:#x}")


class PtyMultiplexer(CharacterDevice):
    """/dev/ptmx: every open creates a pseudo-terminal pair and opens its master."""

    def __init__(self, fs: TmpFS, ino: int, kernel: Kernel, directory: Inode) -> None:
        super().__init__(fs, ino, 0o666)
        self.devfs = fs
        self.kernel = kernel
        self.directory = directory  # /dev/pts
        self.masters: dict[int, PtyMaster] = {}

    def open(self, process: Process | None, readable: bool, writable: bool, flags: int,
             path: str) -> OpenFile:
        number = next((n for n in range(PTY_LIMIT) if n not in self.masters), None)
        if number is None:
            raise KernelError(wasi.ENOSPC, f"all {PTY_LIMIT} pseudo-terminals are in use")
        master = PtyMaster(self.devfs, self.devfs.allocate_ino(), self.kernel, number,
                           self)
        self.masters[number] = master
        self.directory.link(str(number), master.slave)
        return OpenFile(master, readable, writable, flags, path)

    def remove(self, master: PtyMaster) -> None:
        """Forget a closed master; its slave leaves /dev/pts (unless already unlinked)."""
        del self.masters[master.number]
        name = str(master.number)
        try:
            present = self.directory.lookup(name) is master.slave
        except KernelError:
            present = False
        if present:
            self.directory.unlink(name)
