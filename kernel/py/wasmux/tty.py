"""Terminals: the line discipline, termios state, window size, sessions and job control.

Layer: kernel core (a character device); imports file, wait, errors, dev.misc and the
kernel only as a type. A `Tty` has two sides. Its "hardware" side is a driver: the host's
terminal for the console, a pseudo-terminal master for /dev/pts/N. The driver hands typed
bytes to `feed()` and gets the terminal's output from the `transmit` callback given at
construction. Its kernel side is the device processes open, read, write and ioctl.

termios state uses Linux's numbers and musl's `struct termios` layout (60 bytes: four
u32 flag words, c_line, 32 control characters, padding, two u32 speeds), which is what
libwasmux passes through ioctl. Implemented: canonical editing (ERASE, also ^H; KILL;
WERASE; REPRINT; LNEXT; EOF; EOL/EOL2), ECHO/ECHOE/ECHOK/ECHOKE/ECHONL/ECHOCTL, input
mapping (ISTRIP, INLCR, IGNCR, ICRNL), output processing (OPOST with ONLCR, OCRNL),
flow control (IXON: VSTOP parks writers until VSTART, or any key with IXANY), ISIG
(VINTR SIGINT, VQUIT SIGQUIT, VSUSP SIGTSTP to the foreground group, input flushed
unless NOFLSH), non-canonical reads with VMIN/VTIME, window size with SIGWINCH, and job
control (SIGTTIN for background reads, SIGTTOU for background writes under TOSTOP and
for background attribute changes; EIO when the signal is ignored or blocked for reads,
or when the group is orphaned). Speeds are recorded and never matter.

A terminal is the controlling terminal of at most one session (`session`, a sid), and
has a foreground process group (`foreground`, a pgid). `controlling_terminal()` finds a
process's terminal from its session. Signals go out through the kernel's
`signal_group(pgid, sig)` and `send_signal(process, sig)`.
"""

from __future__ import annotations

import struct
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import signals
from .abi import wasi
from .dev.misc import CharacterDevice
from .errors import KernelError, WouldBlock
from .file import POLLHUP, POLLIN, POLLOUT, FileSystem, OpenFile
from .proc import RUNNING
from .wait import WaitQueue

if TYPE_CHECKING:
    from .kernel import Kernel
    from .proc import Process

# c_iflag
IGNBRK, BRKINT, IGNPAR, PARMRK, INPCK, ISTRIP = 0o1, 0o2, 0o4, 0o10, 0o20, 0o40
INLCR, IGNCR, ICRNL, IUCLC, IXON, IXANY, IXOFF, IMAXBEL, IUTF8 = (
    0o100, 0o200, 0o400, 0o1000, 0o2000, 0o4000, 0o10000, 0o20000, 0o40000)
# c_oflag
OPOST, OLCUC, ONLCR, OCRNL, ONOCR, ONLRET = 0o1, 0o2, 0o4, 0o10, 0o20, 0o40
# c_cflag
B38400, CS8, CREAD, HUPCL = 0o17, 0o60, 0o200, 0o2000
# c_lflag
ISIG, ICANON, ECHO, ECHOE, ECHOK, ECHONL, NOFLSH, TOSTOP = (
    0o1, 0o2, 0o10, 0o20, 0o40, 0o100, 0o200, 0o400)
ECHOCTL, ECHOPRT, ECHOKE, FLUSHO, PENDIN, IEXTEN = 0o1000, 0o2000, 0o4000, 0o10000, 0o40000, 0o100000
# c_cc indices
VINTR, VQUIT, VERASE, VKILL, VEOF, VTIME, VMIN, VSWTC = range(8)
VSTART, VSTOP, VSUSP, VEOL, VREPRINT, VDISCARD, VWERASE, VLNEXT, VEOL2 = range(8, 17)
NCCS = 32
# tcflush queues, tcflow actions
TCIFLUSH, TCOFLUSH, TCIOFLUSH = 0, 1, 2
TCOOFF, TCOON, TCIOFF, TCION = 0, 1, 2, 3

# ioctl requests (Linux's numbers)
TCGETS, TCSETS, TCSETSW, TCSETSF = 0x5401, 0x5402, 0x5403, 0x5404
TCSBRK, TCXONC, TCFLSH, TIOCSCTTY, TIOCGPGRP, TIOCSPGRP = 0x5409, 0x540A, 0x540B, 0x540E, 0x540F, 0x5410
TIOCGWINSZ, TIOCSWINSZ, FIONREAD, TIOCNOTTY, TCSBRKP, TIOCGSID = (
    0x5413, 0x5414, 0x541B, 0x5422, 0x5425, 0x5429)

INT = struct.Struct("<i")
TERMIOS = struct.Struct("<4IB32s3x2I")  # musl's struct termios: 60 bytes
WINSIZE = struct.Struct("<4H")  # rows, columns, x pixels, y pixels
LINE_LIMIT = 4095  # canonical line length; further characters are dropped
INPUT_LIMIT = 4096  # bytes of input a terminal holds before the driver must wait
CONTROL_BACKSPACE = 0x08
DELETE = 0x7F
_POSIX_VDISABLE = 0


def _default_cc() -> bytearray:
    cc = bytearray(NCCS)
    for index, value in ((VINTR, 3), (VQUIT, 0x1C), (VERASE, DELETE), (VKILL, 0x15),
                         (VEOF, 4), (VTIME, 0), (VMIN, 1), (VSTART, 0x11), (VSTOP, 0x13),
                         (VSUSP, 0x1A), (VREPRINT, 0x12), (VDISCARD, 0x0F),
                         (VWERASE, 0x17), (VLNEXT, 0x16)):
        cc[index] = value
    return cc


@dataclass(slots=True)
class Termios:
    """A terminal's settings; the defaults are Linux's for a new terminal."""

    iflag: int = ICRNL | IXON | IUTF8
    oflag: int = OPOST | ONLCR
    cflag: int = B38400 | CS8 | CREAD | HUPCL
    lflag: int = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN
    line: int = 0
    cc: bytearray = field(default_factory=_default_cc)
    ispeed: int = B38400
    ospeed: int = B38400

    def pack(self) -> bytes:
        return TERMIOS.pack(self.iflag, self.oflag, self.cflag, self.lflag, self.line,
                            bytes(self.cc), self.ispeed, self.ospeed)

    @classmethod
    def unpack(cls, data: bytes) -> Termios:
        """From a struct termios; EINVAL when `data` is not one."""
        if len(data) != TERMIOS.size:
            raise KernelError(wasi.EINVAL, f"struct termios is {TERMIOS.size} bytes, not {len(data)}")
        iflag, oflag, cflag, lflag, line, cc, ispeed, ospeed = TERMIOS.unpack(data)
        return cls(iflag, oflag, cflag, lflag, line, bytearray(cc), ispeed, ospeed)

    def copy(self) -> Termios:
        return Termios(self.iflag, self.oflag, self.cflag, self.lflag, self.line,
                       bytearray(self.cc), self.ispeed, self.ospeed)

    def is_char(self, byte: int, index: int) -> bool:
        """Whether `byte` is the (enabled) control character c_cc[index]."""
        value = self.cc[index]
        return value != _POSIX_VDISABLE and byte == value


def _is_control(byte: int) -> bool:
    return byte < 0x20 or byte == DELETE


def _echo_width(byte: int, column: int, utf8: bool) -> int:
    """Columns an echoed input byte takes at `column` (tabs to the next stop of 8)."""
    if byte == 0x09:
        return 8 - column % 8
    if _is_control(byte):
        return 2
    if utf8 and 0x80 <= byte < 0xC0:
        return 0  # a continuation byte of a UTF-8 character
    return 1


class Tty(CharacterDevice):
    """A terminal device: a line discipline between a driver and processes.

    Driver side: feed(data), feed_eof(), hang_up(), resize(rows, columns); output
    leaves through `transmit`. Process side: open/read/write/poll/ioctl. After a hang-up
    reads return end of file and writes fail with EIO.
    """

    seekable = False

    def __init__(self, fs: FileSystem, ino: int, kernel: Kernel,
                 transmit: Callable[[bytes], None], name: str) -> None:
        super().__init__(fs, ino, 0o620)
        self.kernel = kernel
        self.transmit = transmit
        self.name = name  # its path, e.g. /dev/console, /dev/pts/0
        self.termios = Termios()
        self.window = (24, 80, 0, 0)
        self.session: int | None = None
        self.foreground: int | None = None
        self.lines: deque[bytearray] = deque()  # canonical: completed lines (b'' is EOF)
        self.editing = bytearray()  # canonical: the line being typed
        self.raw = bytearray()  # non-canonical: input not yet read
        self.literal_next = False  # VLNEXT seen: the next byte is taken as is
        self.line_column = 0  # output column where the line being edited started
        self.column = 0  # output column, for echo erasing
        self.stopped = False  # output stopped by VSTOP
        self.input_ended = False  # the driver's input ended: end of file once drained
        self.hung_up = False
        self.last_input_ns = 0
        self.timed_reads: dict[OpenFile, int] = {}  # MIN=0 TIME>0 read -> its deadline
        self.readable = WaitQueue()  # input arrived, input ended, or hang-up
        self.writable = WaitQueue()  # output restarted, hang-up, or room for the driver
        self.foreground_changed = WaitQueue()  # a background reader or writer may retry

    # --- driver side ---
    def feed(self, data: bytes) -> int:
        """Typed bytes from the driver, through the line discipline. Returns how many
        were taken: fewer than len(data) only when the input queue is full."""
        taken = 0
        for byte in data:
            if self.hung_up or not self.input_room():
                break
            self._receive_byte(byte)
            taken += 1
        if taken:
            self.last_input_ns = self.kernel.host.monotonic_ns()
            self.readable.wake_all()
        return taken

    def feed_eof(self) -> None:
        """The driver's input ended (the host closed stdin): once what was typed is read,
        reads return end of file. Output still works."""
        if self.editing:
            self.lines.append(self.editing)
            self.editing = bytearray()
        self.input_ended = True
        self.readable.wake_all()

    def hang_up(self) -> None:
        """The other side went away: SIGHUP and SIGCONT to the session leader and the
        foreground group, the session loses its terminal, reads see end of file and
        writes fail with EIO."""
        if self.hung_up:
            return
        self.hung_up = True
        leader = self.kernel.processes.get(self.session) if self.session is not None else None
        foreground = self.foreground
        self._detach()
        for sig in (signals.SIGHUP, signals.SIGCONT):
            if leader is not None and leader.pgid != foreground:
                self.kernel.send_signal(leader, sig)
            if foreground is not None:
                self.kernel.signal_group(foreground, sig)
        self._wake_everyone()

    def resize(self, rows: int, columns: int, x_pixels: int = 0, y_pixels: int = 0) -> None:
        """A new window size; SIGWINCH to the foreground group when it changed."""
        window = (rows, columns, x_pixels, y_pixels)
        if window != self.window:
            self.window = window
            if self.foreground is not None:
                self.kernel.signal_group(self.foreground, signals.SIGWINCH)

    def input_room(self) -> int:
        """Bytes the input queue can still take (0: the driver must wait for reads)."""
        if self.termios.lflag & ICANON:
            return max(0, INPUT_LIMIT - sum(len(line) for line in self.lines))
        return max(0, INPUT_LIMIT - len(self.raw))

    def _receive_byte(self, byte: int) -> None:
        termios = self.termios
        iflag, lflag = termios.iflag, termios.lflag
        if iflag & ISTRIP:
            byte &= 0x7F
        if self.literal_next:
            self.literal_next = False
            self._store(byte)
            return
        if byte == 0x0D:
            if iflag & IGNCR:
                return
            if iflag & ICRNL:
                byte = 0x0A
        elif byte == 0x0A and iflag & INLCR:
            byte = 0x0D
        if iflag & IXON:
            if termios.is_char(byte, VSTOP):
                self.stopped = True
                return
            if termios.is_char(byte, VSTART):
                self._restart_output()
                return
            if self.stopped and iflag & IXANY:
                self._restart_output()
        if lflag & ISIG:
            for index, sig in ((VINTR, signals.SIGINT), (VQUIT, signals.SIGQUIT),
                               (VSUSP, signals.SIGTSTP)):
                if termios.is_char(byte, index):
                    self._interrupt(byte, sig)
                    return
        if lflag & IEXTEN and termios.is_char(byte, VLNEXT):
            self.literal_next = True
            if lflag & ICANON and lflag & ECHO and lflag & ECHOCTL:
                self._echo(b"^\b")
            return
        if lflag & ICANON:
            self._canonical(byte)
        else:
            self._store(byte)

    def _store(self, byte: int) -> None:
        """Queue an ordinary input byte and echo it."""
        if self.termios.lflag & ICANON:
            if len(self.editing) >= LINE_LIMIT:
                return
            if not self.editing:
                self.line_column = self.column
            self.editing.append(byte)
        else:
            self.raw.append(byte)
        self._echo_input(byte)

    def _canonical(self, byte: int) -> None:
        termios = self.termios
        lflag = termios.lflag
        if termios.is_char(byte, VERASE) or byte == CONTROL_BACKSPACE:
            self._erase(1)
        elif termios.is_char(byte, VKILL):
            self._kill_line(byte)
        elif lflag & IEXTEN and termios.is_char(byte, VWERASE):
            self._erase_word()
        elif lflag & IEXTEN and termios.is_char(byte, VREPRINT):
            if lflag & ECHO:
                self._echo_input(byte)
                self._echo(b"\n" + bytes(self.editing))
        elif termios.is_char(byte, VEOF):
            self._complete_line()
        elif byte == 0x0A or termios.is_char(byte, VEOL) or termios.is_char(byte, VEOL2):
            self.editing.append(byte)
            if lflag & ECHO or (byte == 0x0A and lflag & ECHONL):
                self._echo(bytes([byte]))
            self._complete_line()
        else:
            self._store(byte)

    def _complete_line(self) -> None:
        self.lines.append(self.editing)
        self.editing = bytearray()

    def _erase(self, count: int) -> None:
        """Erase up to `count` characters of the line being edited (UTF-8 aware)."""
        utf8 = bool(self.termios.iflag & IUTF8)
        for _ in range(count):
            if not self.editing:
                return
            erased = self.editing.pop()
            if utf8:
                while erased >= 0x80 and erased < 0xC0 and self.editing:
                    erased = self.editing.pop()
            self._echo_erase(erased)

    def _erase_word(self) -> None:
        while self.editing and self.editing[-1] in b" \t":
            self._erase(1)
        while self.editing and self.editing[-1] not in b" \t":
            self._erase(1)

    def _kill_line(self, byte: int) -> None:
        lflag = self.termios.lflag
        if not lflag & ECHO or lflag & ECHOKE and lflag & ECHOE:
            self._erase(len(self.editing))
            return
        self.editing = bytearray()
        self._echo_input(byte)
        if lflag & ECHOK:
            self._echo(b"\n")

    def _echo_erase(self, erased: int) -> None:
        lflag = self.termios.lflag
        if not lflag & ECHO:
            return
        if not lflag & ECHOE:
            self._echo_input(self.termios.cc[VERASE])
            return
        if erased == 0x09:
            column = self.line_column
            for byte in self.editing:
                column += _echo_width(byte, column, bool(self.termios.iflag & IUTF8))
            self._echo(b"\b" * (self.column - column))
            return
        width = 2 if _is_control(erased) and lflag & ECHOCTL else 1
        self._echo(b"\b \b" * width)

    def _interrupt(self, byte: int, sig: int) -> None:
        """ISIG: flush input (unless NOFLSH), echo the character, signal the foreground."""
        if not self.termios.lflag & NOFLSH:
            self._flush_input()
        self._echo_input(byte)
        if self.foreground is not None:
            self.kernel.signal_group(self.foreground, sig)

    def _echo_input(self, byte: int) -> None:
        lflag = self.termios.lflag
        if not lflag & ECHO:
            return
        if lflag & ECHOCTL and _is_control(byte) and byte not in (0x09, 0x0A):
            self._echo(bytes((ord("^"), byte ^ 0x40)))
        else:
            self._echo(bytes((byte,)))

    def _echo(self, data: bytes) -> None:
        self._output(data)

    def _flush_input(self) -> None:
        self.lines.clear()
        self.editing = bytearray()
        self.raw = bytearray()
        self.writable.wake_all()

    def _restart_output(self) -> None:
        self.stopped = False
        self.writable.wake_all()

    def _output(self, data: bytes) -> None:
        """Output processing (OPOST), column tracking, then the driver."""
        oflag = self.termios.oflag
        if oflag & OPOST:
            if oflag & OCRNL:
                data = data.replace(b"\r", b"\n")
            if oflag & ONLCR:
                data = data.replace(b"\n", b"\r\n")
        self._track_column(data)
        self.transmit(data)

    def _track_column(self, data: bytes) -> None:
        end = max(data.rfind(b"\n"), data.rfind(b"\r"))
        column = 0 if end >= 0 else self.column
        for byte in data[end + 1:]:
            if byte == 0x08:
                column = max(0, column - 1)
            elif byte == 0x09:
                column += 8 - column % 8
            elif not _is_control(byte) and not 0x80 <= byte < 0xC0:
                column += 1
        self.column = column

    def _wake_everyone(self) -> None:
        self.readable.wake_all()
        self.writable.wake_all()
        self.foreground_changed.wake_all()

    # --- process side ---
    def open(self, process: Process | None, readable: bool, writable: bool, flags: int,
             path: str) -> OpenFile:
        """A session leader without a controlling terminal that opens a terminal no
        session owns acquires it (wasi-libc has no O_NOCTTY to refuse)."""
        if self.hung_up:
            raise KernelError(wasi.EIO, f"{self.name} was hung up")
        file = OpenFile(self, readable, writable, flags, path)
        if process is not None and process.pid == process.sid and not self.owned() \
                and controlling_terminal(process) is None:
            self.attach(process)
        return file

    def released(self, file: OpenFile) -> None:
        self.timed_reads.pop(file, None)

    def owned(self) -> bool:
        """Whether a session owns this terminal: one whose leader is still alive (a
        leader's exit frees the terminal for the next session)."""
        if self.session is None:
            return False
        leader = self.kernel.processes.get(self.session)
        return leader is not None and leader.state == RUNNING

    def attach(self, leader: Process) -> None:
        """Become the controlling terminal of `leader`'s session, its group in front."""
        self._detach()
        self.session, self.foreground = leader.sid, leader.pgid
        for member in self.kernel.processes:
            if member.sid == leader.sid:
                member.ctty = self
        self.foreground_changed.wake_all()

    def _detach(self) -> None:
        """The session (if any) loses this terminal."""
        for member in self.kernel.processes:
            if member.ctty is self:
                member.ctty = None
        self.session = self.foreground = None
        self.foreground_changed.wake_all()

    def check_job_control(self, process: Process, writing: bool) -> None:
        """Called before a read or write: a background group reading its controlling
        terminal gets SIGTTIN (and writing under TOSTOP, SIGTTOU) and waits until it is
        moved to the foreground; EIO when it cannot be stopped."""
        if not writing:
            self._check_background(process, signals.SIGTTIN)
        elif self.termios.lflag & TOSTOP:
            self._check_background(process, signals.SIGTTOU)

    def _check_background(self, process: Process, sig: int) -> None:
        if self.session is None or process.sid != self.session or self.foreground is None \
                or process.pgid == self.foreground:
            return
        refused = signal_refused(process, sig)
        if sig == signals.SIGTTOU and refused:
            return  # a writer ignoring or blocking SIGTTOU writes anyway
        if refused or orphaned_group(self.kernel, process.pgid):
            raise KernelError(wasi.EIO, f"background process group reading {self.name}"
                              if sig == signals.SIGTTIN else f"background write to {self.name}")
        self.kernel.signal_group(process.pgid, sig)
        raise WouldBlock(self.foreground_changed)

    def read(self, file: OpenFile, offset: int, size: int) -> bytes:
        if self.hung_up:
            return b""
        if self.termios.lflag & ICANON:
            return self._read_line(size)
        return self._read_raw(file, size)

    def _read_line(self, size: int) -> bytes:
        if not self.lines:
            if self.input_ended or size == 0:
                return b""
            raise WouldBlock(self.readable)
        line = self.lines[0]
        data = bytes(line[:size])
        del line[:size]
        if not line:
            self.lines.popleft()
        self.writable.wake_all()
        return data

    def _read_raw(self, file: OpenFile, size: int) -> bytes:
        """VMIN/VTIME: MIN>0 TIME=0 waits for MIN bytes; MIN=0 TIME=0 returns at once;
        MIN=0 TIME>0 waits for a byte at most TIME tenths of a second; MIN>0 TIME>0 waits
        for MIN bytes, or TIME after the last byte arrived once one has."""
        minimum, tenths = self.termios.cc[VMIN], self.termios.cc[VTIME]
        available = len(self.raw)
        if size == 0 or self.input_ended or (minimum == 0 and tenths == 0) \
                or (minimum > 0 and available >= min(minimum, size)):
            return self._take_raw(size)
        now = self.kernel.host.monotonic_ns()
        timeout = tenths * 100_000_000
        if minimum == 0:
            deadline = self.timed_reads.setdefault(file, now + timeout)
            if available or now >= deadline:
                del self.timed_reads[file]
                return self._take_raw(size)
            raise WouldBlock(self.readable, deadline=deadline)
        if available and tenths:
            deadline = self.last_input_ns + timeout
            if now >= deadline:
                return self._take_raw(size)
            raise WouldBlock(self.readable, deadline=deadline)
        raise WouldBlock(self.readable)

    def _take_raw(self, size: int) -> bytes:
        data = bytes(self.raw[:size])
        del self.raw[:size]
        if data:
            self.writable.wake_all()
        return data

    def write(self, file: OpenFile, offset: int, data: bytes) -> int:
        if self.hung_up:
            raise KernelError(wasi.EIO, f"{self.name} was hung up")
        if self.stopped and data:
            raise WouldBlock(self.writable)
        self._output(data)
        return len(data)

    def readable_bytes(self) -> int:
        """Bytes a read could return now (FIONREAD)."""
        if self.termios.lflag & ICANON:
            return len(self.lines[0]) if self.lines else 0
        return len(self.raw)

    def poll(self, file: OpenFile) -> tuple[int, int]:
        if self.hung_up:
            return (POLLIN | POLLOUT | POLLHUP, 0)
        ready = 0 if self.stopped else POLLOUT
        if self.lines if self.termios.lflag & ICANON else self.raw:
            ready |= POLLIN
        elif self.input_ended:
            ready |= POLLIN | POLLHUP
        return (ready, self.readable_bytes())

    def poll_queues(self) -> tuple[WaitQueue, ...]:
        return (self.readable, self.writable)

    def set_termios(self, termios: Termios, flush: bool) -> None:
        """New settings (TCSETS*); `flush` discards pending input (TCSAFLUSH). Switching
        canonical mode off makes the line being edited readable; on, the unread raw
        input becomes the line being edited."""
        was_canonical = bool(self.termios.lflag & ICANON)
        self.termios = termios
        if flush:
            self._flush_input()
        canonical = bool(termios.lflag & ICANON)
        if was_canonical and not canonical:
            for line in self.lines:
                self.raw += line
            self.raw += self.editing
            self.lines.clear()
            self.editing = bytearray()
        elif canonical and not was_canonical:
            self.editing = self.raw[:LINE_LIMIT]
            self.raw = bytearray()
        if self.stopped and not termios.iflag & IXON:
            self._restart_output()
        self.readable.wake_all()

    def flush(self, queue: int) -> None:
        """tcflush: TCIFLUSH discards unread input; output is never held back here."""
        if queue not in (TCIFLUSH, TCOFLUSH, TCIOFLUSH):
            raise KernelError(wasi.EINVAL, f"tcflush queue {queue}")
        if queue != TCOFLUSH:
            self._flush_input()

    def flow(self, action: int) -> None:
        """tcflow: TCOOFF/TCOON stop and restart output; TCIOFF/TCION send VSTOP/VSTART."""
        if action == TCOOFF:
            self.stopped = True
        elif action == TCOON:
            self._restart_output()
        elif action in (TCIOFF, TCION):
            self._output(bytes((self.termios.cc[VSTOP if action == TCIOFF else VSTART],)))
        else:
            raise KernelError(wasi.EINVAL, f"tcflow action {action}")

    def set_foreground(self, process: Process, pgid: int) -> None:
        """TIOCSPGRP: ENOTTY unless this is the caller's controlling terminal; EPERM for
        a group not in its session; a background caller gets SIGTTOU first."""
        self.check_controlling(process)
        self.check_attribute_change(process)
        members = [p for p in self.kernel.processes if p.pgid == pgid]
        if pgid <= 0:
            raise KernelError(wasi.EINVAL, f"process group {pgid}")
        if not members or any(p.sid != self.session for p in members):
            raise KernelError(wasi.EPERM, f"process group {pgid} is not in the session")
        self.foreground = pgid
        self.foreground_changed.wake_all()

    def check_controlling(self, process: Process) -> None:
        if self.session is None or process.sid != self.session:
            raise KernelError(wasi.ENOTTY, f"{self.name} is not the caller's controlling terminal")

    def check_attribute_change(self, process: Process) -> None:
        """A background process changing its controlling terminal's settings or
        foreground group gets SIGTTOU (unless it ignores or blocks it), as on Linux."""
        if self.session is None or process.sid != self.session or self.foreground is None \
                or process.pgid == self.foreground:
            return
        if signal_refused(process, signals.SIGTTOU):
            return
        if orphaned_group(self.kernel, process.pgid):
            raise KernelError(wasi.EIO, "orphaned background group changing the terminal")
        self.kernel.signal_group(process.pgid, signals.SIGTTOU)
        raise WouldBlock(self.foreground_changed)

    def make_controlling(self, process: Process, steal: bool) -> None:
        """TIOCSCTTY: the caller must lead a session without a terminal; a terminal
        another session owns is taken only with `steal` (one user: always allowed)."""
        if process.pid != process.sid:
            raise KernelError(wasi.EPERM, "only a session leader can acquire a terminal")
        if self.session == process.sid:
            return
        if controlling_terminal(process) is not None:
            raise KernelError(wasi.EPERM, "the session already has a controlling terminal")
        if self.owned() and not steal:
            raise KernelError(wasi.EPERM, f"{self.name} is another session's terminal")
        self.attach(process)

    def release_controlling(self, process: Process) -> None:
        """TIOCNOTTY: a session leader giving the terminal up sends SIGHUP and SIGCONT
        to the foreground group; the whole session loses it."""
        self.check_controlling(process)
        if process.pid != process.sid:
            process.ctty = None
            return
        foreground = self.foreground
        self._detach()
        if foreground is not None:
            self.kernel.signal_group(foreground, signals.SIGHUP)
            self.kernel.signal_group(foreground, signals.SIGCONT)

    def ioctl(self, file: OpenFile, process: Process, request: int,
              arg: bytes) -> tuple[bytes, int]:
        """The terminal requests (Linux numbers; `arg` is the bytes of the request's
        structure, or of an int passed by value). Unknown requests fail with ENOTTY."""
        if request == TCGETS:
            return (self.termios.pack(), 0)
        if request in (TCSETS, TCSETSW, TCSETSF):
            termios = Termios.unpack(arg)
            self.check_attribute_change(process)
            self.set_termios(termios, flush=request == TCSETSF)
            return (arg, 0)
        if request == TIOCGWINSZ:
            return (WINSIZE.pack(*self.window), 0)
        if request == TIOCSWINSZ:
            self.resize(*_unpack(WINSIZE, arg, "struct winsize"))
            return (arg, 0)
        if request == TIOCGPGRP:
            self.check_controlling(process)
            return (_int(self.foreground or 0), 0)
        if request == TIOCSPGRP:
            self.set_foreground(process, _unpack(INT, arg, "int")[0])
            return (arg, 0)
        if request == TIOCGSID:
            self.check_controlling(process)
            return (_int(self.session or 0), 0)
        if request == TIOCSCTTY:
            self.make_controlling(process, steal=bool(arg) and _unpack(INT, arg, "int")[0] == 1)
            return (arg, 0)
        if request == TIOCNOTTY:
            self.release_controlling(process)
            return (arg, 0)
        if request == FIONREAD:
            return (_int(self.readable_bytes()), 0)
        if request == TCFLSH:
            self.flush(_unpack(INT, arg, "int")[0])
            return (arg, 0)
        if request == TCXONC:
            self.flow(_unpack(INT, arg, "int")[0])
            return (arg, 0)
        if request in (TCSBRK, TCSBRKP):
            return (arg, 0)  # tcdrain and breaks: output is never queued here
        raise KernelError(wasi.ENOTTY, f"unknown terminal ioctl {request:#x}")


def _int(value: int) -> bytes:
    return INT.pack(value)


def _unpack(layout: struct.Struct, arg: bytes, what: str) -> tuple[int, ...]:
    if len(arg) != layout.size:
        raise KernelError(wasi.EINVAL, f"ioctl argument is {len(arg)} bytes, not a {what}")
    return layout.unpack(arg)


def signal_refused(process: Process, sig: int) -> bool:
    """Whether `process` ignores or blocks `sig` (job control then does not stop it)."""
    return signals.ignored(process, sig) or bool(process.blocked & signals.bit(sig))


def controlling_terminal(process: Process) -> Tty | None:
    """The terminal `process`'s session controls, if any (process.ctty, inherited by
    spawn, counts only while its terminal still belongs to the process's session)."""
    terminal = process.ctty
    if isinstance(terminal, Tty) and terminal.session is not None \
            and terminal.session == process.sid:
        return terminal
    return None


def adopt_terminal(process: Process) -> None:
    """A session leader just made by spawn (POSIX_SPAWN_SETSID, whose file actions ran
    before the session existed) acquires the first terminal among its descriptors that
    no session owns, as its own open of it would have."""
    for fd in sorted(process.fds.entries):
        inode = process.fds.entries[fd].file.inode
        if isinstance(inode, Tty) and not inode.owned():
            inode.attach(process)
            return


def orphaned_group(kernel: Kernel, pgid: int) -> bool:
    """POSIX: a group is orphaned when no member has a parent in another group of the
    same session (nobody left to resume it if it stops)."""
    for member in kernel.processes:
        if member.pgid != pgid or member.state != RUNNING:
            continue
        parent = kernel.processes.get(member.ppid)
        if parent is not None and parent.pgid != pgid and parent.sid == member.sid:
            return False
    return True
