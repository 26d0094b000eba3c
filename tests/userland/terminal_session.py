"""A Wasmux login session on a host pseudo-terminal, read through a terminal emulator.

Test helper (host side): `TerminalSession` starts `wasmux shell --root ROOT` (init, then
a login shell on the console) with a fresh host pty as its controlling terminal, sends
keystrokes to the pty's master, and feeds everything the system writes into a pinned
`pyte` screen, so tests read what a person would see: full-screen programs, the cursor,
and prompts. Resizing sets the pty's window size, which delivers SIGWINCH to `wasmux`
like a real terminal emulator does. Imports only the standard library and pyte.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Self

import pyte

PROMPT = re.compile(r"root@wasmux:\S*# $")
# Run in the new session's leader: make stdin (the pty's slave) the controlling terminal,
# so the pty's window-size changes send SIGWINCH to wasmux, then exec argv[1:]. (A
# preexec_fn would do it in a forked copy of a multithreaded test process: unsafe.)
TAKE_TERMINAL_THEN_EXEC = ("import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
                           "os.execv(sys.argv[1], sys.argv[1:])")


class SessionTimeout(AssertionError):
    """What was awaited did not appear; the message holds the screen as it was."""


class TerminalSession:
    """One `wasmux shell --root ROOT` on a host pty of `rows` x `columns`."""

    def __init__(self, root: Path, environment: dict[str, str],
                 rows: int = 24, columns: int = 80) -> None:
        self.screen = pyte.Screen(columns, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.output = bytearray()
        self.master, slave = os.openpty()
        self._set_window(slave, rows, columns)
        command = [sys.executable, "-m", "wasmux", "shell", "--root", str(root)]
        self.process = subprocess.Popen(
            [sys.executable, "-c", TAKE_TERMINAL_THEN_EXEC, *command],
            stdin=slave, stdout=slave, stderr=slave, env=environment, start_new_session=True)
        os.close(slave)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def send(self, keys: str | bytes) -> None:
        """Type `keys` (str is UTF-8 encoded; \\r is Enter, \\x03 is ^C)."""
        data = keys.encode() if isinstance(keys, str) else keys
        while data:
            data = data[os.write(self.master, data):]

    def resize(self, rows: int, columns: int) -> None:
        """Change the terminal's size, as a terminal emulator does (SIGWINCH to wasmux)."""
        self.screen.resize(rows, columns)
        self._set_window(self.master, rows, columns)

    def text(self) -> str:
        """The screen's lines, right-trimmed, joined with newlines."""
        return "\n".join(line.rstrip() for line in self.screen.display)

    def line(self, row: int) -> str:
        return self.screen.display[row].rstrip()

    def cursor_line(self) -> str:
        return self.line(self.screen.cursor.y)

    def wait_until(self, condition: Callable[[], bool], timeout: float = 10,
                   what: str = "the condition") -> None:
        """Read output until `condition()` holds; SessionTimeout after `timeout` s."""
        deadline = time.monotonic() + timeout
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._read(remaining):
                if condition():
                    return
                raise SessionTimeout(f"{what} did not appear within {timeout} s; "
                                     f"screen:\n{self.text()}\nlast output: "
                                     f"{bytes(self.output[-400:])!r}")

    def wait_for(self, text: str, timeout: float = 10) -> None:
        """Wait until `text` is on the screen."""
        self.wait_until(lambda: text in self.text(), timeout, repr(text))

    def at_prompt(self) -> bool:
        """Whether the cursor stands right after a shell prompt."""
        cursor = self.screen.cursor
        return PROMPT.search(self.screen.display[cursor.y][:cursor.x]) is not None

    def wait_for_prompt(self, timeout: float = 10) -> None:
        """Wait until the cursor stands after the shell's prompt."""
        self.wait_until(self.at_prompt, timeout, "the prompt")

    def settle(self, quiet: float = 0.3, timeout: float = 5) -> None:
        """Read until no output came for `quiet` seconds (or `timeout` passed)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self._read(min(quiet, deadline - time.monotonic())):
            pass

    def run(self, command: str, timeout: float = 10) -> str:
        """Type `command` at the prompt, wait for the next prompt and return what the
        command printed (the screen lines between the two prompts)."""
        self.wait_for_prompt(timeout)
        self.clear_screen_model()
        self.send(command + "\r")
        self.wait_until(lambda: self.screen.cursor.y > 0 and self.at_prompt(),
                        timeout, f"the prompt after {command!r}")
        lines = [line.rstrip() for line in self.screen.display[1:self.screen.cursor.y]]
        return "\n".join(lines)

    def clear_screen_model(self) -> None:
        """Forget the emulated screen's content, keeping the cursor line (the prompt)
        at the top: what a command prints next starts on line 1."""
        prompt = self.screen.display[self.screen.cursor.y][:self.screen.cursor.x]
        self.screen.reset()
        self.stream.feed(prompt.encode())

    def close(self) -> None:
        """End wasmux and everything it runs (the whole host session), then the pty."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(10)
        os.close(self.master)

    def _read(self, timeout: float) -> bool:
        """Feed what arrives within `timeout` s to the screen; False when nothing did."""
        ready, _, _ = select.select([self.master], [], [], max(timeout, 0))
        if not ready:
            return False
        try:
            data = os.read(self.master, 65536)
        except OSError:
            return False
        if not data:
            return False
        self.output += data
        self.stream.feed(data)
        return True

    @staticmethod
    def _set_window(fd: int, rows: int, columns: int) -> None:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))

