"""Full-screen programs and job control on a pseudo-terminal: `wasmux shell --root ROOT`
(init, then a login shell on the console) driven by keystrokes on a host pty and read
through a terminal emulator (terminal_session.py). vi edits a file, less and more page,
top shows the processes, ^C/^Z/bg/fg/jobs control jobs, clear and reset work, and a
window resize reaches `stty size` and full-screen programs (SIGWINCH)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from userland_support import REPO, BuiltImage  # type: ignore[import-not-found]

pytest.importorskip("pyte")

from terminal_session import TerminalSession

ENVIRONMENT = {"PYTHONPATH": str(REPO / "kernel" / "py"), "PATH": "/usr/bin:/bin"}
LONG_FILE = "seq 1 200 | sed 's/^/line /' > /tmp/long"
ESC = "\x1b"
CTRL_C, CTRL_Z = "\x03", "\x1a"


@pytest.fixture(scope="module")
def root(built_image: BuiltImage, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("terminal-root")
    made = subprocess.run([sys.executable, "-m", "wasmux", "mkroot", str(directory),
                           "--image", str(built_image.archive)],
                          capture_output=True, text=True, env=ENVIRONMENT, timeout=60,
                          check=False)
    assert made.returncode == 0, made.stderr
    return directory


@pytest.fixture
def session(root: Path) -> Iterator[TerminalSession]:
    """A freshly booted system at its first prompt, on a 24x80 terminal."""
    with TerminalSession(root, ENVIRONMENT) as started:
        started.wait_for_prompt(timeout=20)
        yield started


def test_vi_edits_a_file_through_scripted_keystrokes(session: TerminalSession) -> None:
    session.run("printf 'one\\ntwo\\nthree\\n' > /tmp/notes")
    session.send("vi /tmp/notes\r")
    session.wait_until(lambda: "/tmp/notes" in session.line(23), what="vi's status line")
    session.send("i")              # insert at the start of line 1
    session.wait_until(lambda: session.line(23).startswith("I "), what="insert mode")
    session.send("Zero ")
    session.wait_for("Zero one")
    session.send(ESC)
    session.wait_until(lambda: session.line(23).startswith("- "), what="command mode")
    session.send("jdd")            # down one line, delete it ("two")
    session.wait_until(lambda: session.line(1) == "three", what="the deletion")
    session.send("Go")             # open a line after the last one
    session.wait_until(lambda: session.line(23).startswith("I "), what="insert mode")
    session.send(f"four{ESC}")
    session.wait_until(lambda: session.line(2) == "four", what="the appended line")
    assert [session.line(row) for row in range(4)] == ["Zero one", "three", "four", "~"]
    session.send(":wq\r")
    session.wait_for_prompt()
    assert session.run("cat /tmp/notes") == "Zero one\nthree\nfour"


def test_vi_redraws_for_the_new_window_size(session: TerminalSession) -> None:
    """The resize reaches vi as SIGWINCH: it asks the new size and redraws, status line
    on the new last row."""
    session.run("seq 1 50 > /tmp/numbers")
    session.send("vi /tmp/numbers\r")
    session.wait_until(lambda: "/tmp/numbers" in session.line(23), what="vi's status line")
    session.resize(12, 40)
    session.wait_until(lambda: session.line(0) == "1" and "/tmp/numbers" in session.line(11),
                       what="the redraw")
    assert [session.line(row) for row in range(11)] == [str(n) for n in range(1, 12)]
    session.send(":q!\r")
    session.wait_for_prompt()


def test_stty_size_follows_the_window_size(session: TerminalSession) -> None:
    assert session.run("stty size") == "24 80"
    session.resize(30, 100)
    assert session.run("stty size") == "30 100"


def test_less_pages_a_long_file_full_screen(session: TerminalSession) -> None:
    session.run(LONG_FILE)
    session.send("less /tmp/long\r")
    session.wait_until(lambda: session.line(22) == "line 23", what="less's first page")
    assert session.line(0) == "line 1"
    session.send(" ")
    session.wait_until(lambda: session.line(22) == "line 46", what="the second page")
    assert session.line(0) == "line 24"
    session.send("q")
    session.wait_for_prompt()


def test_more_pages_a_long_file_and_q_quits(session: TerminalSession) -> None:
    session.run(LONG_FILE)
    session.send("more /tmp/long\r")
    session.wait_until(lambda: session.line(23).startswith("--More--"), what="--More--")
    assert (session.line(0), session.line(22)) == ("line 1", "line 23")
    session.send(" ")
    session.wait_until(lambda: session.line(22) == "line 46", what="the second page")
    assert session.line(23).startswith("--More--")
    session.send("q")
    session.wait_for_prompt()


def test_top_shows_the_processes_full_screen_and_q_quits(session: TerminalSession) -> None:
    session.send("top\r")
    session.wait_until(lambda: "PID" in session.text() and "sh -l" in session.text(),
                       what="top's process list")
    screen = session.text()
    assert "init" in screen and "top" in screen
    session.send("q")
    session.wait_for_prompt()


def test_ctrl_c_interrupts_a_foreground_sleep(session: TerminalSession) -> None:
    session.send("sleep 10\r")
    session.settle(quiet=0.3)
    interrupted = time.monotonic()
    session.send(CTRL_C)
    session.wait_for_prompt(timeout=3)
    assert time.monotonic() - interrupted < 1
    assert session.run("echo $?") == "130"


def test_ctrl_z_stops_a_job_and_bg_resumes_it_in_the_background(
        session: TerminalSession) -> None:
    session.send("sleep 30\r")
    session.settle(quiet=0.3)
    session.send(CTRL_Z)
    session.wait_for_prompt(timeout=3)
    assert session.run("jobs") == "[1] Stopped                sleep 30"
    assert session.run("bg") == ""
    assert session.run("jobs") == "[1] Running                sleep 30"


def test_ctrl_c_interrupts_a_foreground_cat_reading_the_terminal(
        session: TerminalSession) -> None:
    session.send("cat\r")
    session.settle(quiet=0.3)
    session.send(CTRL_C)
    session.wait_for_prompt(timeout=3)
    assert session.run("echo $?") == "130"


def test_fg_brings_a_stopped_job_back_and_ctrl_c_ends_it(session: TerminalSession) -> None:
    session.send("sleep 30\r")
    session.settle(quiet=0.3)
    session.send(CTRL_Z)
    session.wait_for_prompt(timeout=3)
    session.send("fg\r")
    session.settle(quiet=0.3)
    assert not session.at_prompt()
    session.send(CTRL_C)
    session.wait_for_prompt(timeout=3)
    assert session.run("echo $?") == "130"
    assert session.run("jobs") == ""


def test_clear_empties_the_screen(session: TerminalSession) -> None:
    session.run("seq 1 5")
    session.send("clear\r")
    session.wait_until(lambda: session.screen.cursor.y == 0 and session.at_prompt(),
                       what="the prompt alone on the screen")
    assert session.text().strip() == "root@wasmux:~#"


def test_reset_restores_sane_terminal_settings(session: TerminalSession) -> None:
    session.run("stty -echo")
    session.send("reset\r")
    session.wait_until(lambda: session.screen.cursor.y == 0 and session.at_prompt(),
                       what="the prompt after the terminal reset")
    assert "echo" in session.run("stty -a").split()
