"""The host's terminal as the kernel console's driver (native `wasmux shell`).

Layer: host (native only); imports tty and hosts.native. While a `HostTerminal` is
entered and the host's stdin is a terminal, that terminal is in raw mode: every key,
^C and ^Z included, goes to the console's line discipline, which does the echoing,
editing and signalling; the console's output (with its own \\n -> \\r\\n) goes straight to
the host. The host's window size is the console's, and a host SIGWINCH resizes it. The
host's settings are restored on exit, exceptions included. When stdin is not a
terminal (a pipe, a file), the console is made transparent instead: no echo, no line
editing, no signal characters, no output processing, so piped input and captured
output pass through unchanged. Either way the host's stdin is pumped into the console
from a thread, waiting while the console's input queue is full.
"""

from __future__ import annotations

import fcntl
import os
import signal
import struct
import sys
import termios
import threading
import tty as host_tty
from types import FrameType, TracebackType
from typing import Any, Self

from ..tty import ECHO, ICANON, ICRNL, IEXTEN, ISIG, IXON, OPOST, VMIN, VTIME, Tty
from .native import NativeSystem

WINSIZE = struct.Struct("HHHH")


class HostTerminal:
    def __init__(self, system: NativeSystem, input_fd: int | None = None) -> None:
        self.system = system
        self.console: Tty = system.kernel.console
        self.input_fd = sys.stdin.fileno() if input_fd is None else input_fd
        self.interactive = os.isatty(self.input_fd)
        self.saved: list[Any] | None = None
        self.previous_handler: Any = None

    def __enter__(self) -> Self:
        with self.system.host.lock:
            if self.interactive:
                self._resize()
            else:
                self._make_transparent()
        if self.interactive:
            self.saved = termios.tcgetattr(self.input_fd)
            host_tty.setraw(self.input_fd, termios.TCSANOW)
            if threading.current_thread() is threading.main_thread():
                self.previous_handler = signal.signal(signal.SIGWINCH, self._on_winch)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self.saved is not None:
            termios.tcsetattr(self.input_fd, termios.TCSADRAIN, self.saved)
            self.saved = None
        if self.previous_handler is not None:
            signal.signal(signal.SIGWINCH, self.previous_handler)
            self.previous_handler = None

    def _make_transparent(self) -> None:
        settings = self.console.termios.copy()
        settings.lflag &= ~(ECHO | ICANON | ISIG | IEXTEN)
        settings.iflag &= ~(ICRNL | IXON)
        settings.oflag &= ~OPOST
        settings.cc[VMIN], settings.cc[VTIME] = 1, 0
        self.console.set_termios(settings, flush=False)

    def _resize(self) -> None:
        """Give the console the host terminal's window size (call under the lock)."""
        try:
            packed = fcntl.ioctl(self.input_fd, termios.TIOCGWINSZ, bytes(WINSIZE.size))
        except OSError:
            return
        rows, columns, x_pixels, y_pixels = WINSIZE.unpack(packed)
        if rows and columns:
            self.console.resize(rows, columns, x_pixels, y_pixels)

    def _on_winch(self, number: int, frame: FrameType | None) -> None:
        with self.system.host.lock:
            self._resize()

    def pump(self) -> None:
        """Feed the host's stdin to the console from a daemon thread, then end of file."""
        threading.Thread(target=self._pump, name="wasmux-console", daemon=True).start()

    def _pump(self) -> None:
        drained = threading.Event()
        while True:
            try:
                data = os.read(self.input_fd, 4096)
            except OSError:
                data = b""
            if not data:
                with self.system.host.lock:
                    self.console.feed_eof()
                return
            while data:
                with self.system.host.lock:
                    data = data[self.console.feed(data):]
                    if not data or self.console.hung_up:
                        break
                    drained.clear()
                    self.console.writable.add(drained.set)
                drained.wait()
