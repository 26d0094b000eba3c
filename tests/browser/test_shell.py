"""The booted system in Chromium, end to end: the shell prompt, commands read back from
the terminal's screen, pipes and $(...), ^C, a trapping guest, window resize (stty size
and SIGWINCH), and the full-screen programs vi, less and top.

One system is booted per module (a fresh persistent profile, the page opened with
?test=1 so a test program can be installed into the root); tests run commands in it and
leave it at a prompt.
"""

from __future__ import annotations

import base64
import io
import sys
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path

import browser_session
import build_site
import pytest
from playwright.sync_api import Page, Playwright

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "rootfs-build"))
from toolchain import compile_c

BOOT_MS = 180_000
PROMPT_MS = 30_000


@pytest.fixture(scope="module")
def shell(playwright: Playwright, built_site: build_site.Result, site_url: str,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    """A page booted to the shell prompt (shared by this module's tests)."""
    if built_site.rootfs_error:
        pytest.skip(f"no rootfs image: {built_site.rootfs_error}")
    context = browser_session.launch(playwright, tmp_path_factory.mktemp("shell") / "profile")
    try:
        page = browser_session.first_page(context)
        page.goto(site_url + "?test=1")
        browser_session.wait_for_prompt(page, timeout_ms=BOOT_MS)
        yield page
    finally:
        context.close()


def run(page: Page, command: str) -> str:
    return browser_session.run_command(page, command, timeout_ms=PROMPT_MS)


def wait_for_screen(page: Page, text: str, timeout_ms: float = PROMPT_MS) -> None:
    page.wait_for_function("text => window.wasmux.console.screenText().includes(text)",
                           arg=text, timeout=timeout_ms)


def wait_for_prompt(page: Page, timeout_ms: float = PROMPT_MS) -> None:
    browser_session.wait_for_prompt(page, timeout_ms=timeout_ms)


def wait_for_vi(page: Page, name: str) -> None:
    """Until vi shows an empty file: "~" on every row but the status line, which names it."""
    page.wait_for_function(
        """name => {
             const rows = window.wasmux.console.screenText().split("\\n");
             return rows.slice(1, -1).every((row) => row.startsWith("~")) &&
                    rows[rows.length - 1].includes(name);
           }""", arg=name, timeout=PROMPT_MS)


def test_boot_reaches_the_login_shell_prompt(shell: Page) -> None:
    assert shell.evaluate("window.wasmux.ready")
    assert "root@wasmux:~# " in browser_session.buffer_text(shell) + " "
    assert run(shell, "echo hello from wasmux") == "hello from wasmux"


def test_commands_read_the_root_filesystem(shell: Page) -> None:
    listing = run(shell, "ls /").split()
    assert {"bin", "etc", "sbin", "tmp", "proc"} <= set(listing)
    assert run(shell, "cat /etc/hostname") == "wasmux"
    assert run(shell, "pwd") == "/root"


def test_pipes_and_command_substitution(shell: Page) -> None:
    assert run(shell, "echo abc def | tr a-z A-Z") == "ABC DEF"
    assert run(shell, "seq 1 100 | grep 7 | wc -l") == "19"
    assert run(shell, 'echo "words=$(echo one two three | wc -w) last=$(seq 3 | tail -n 1)"') \
        == "words=3 last=3"


def test_a_long_loop_of_short_processes_keeps_working(shell: Page) -> None:
    """More processes than the renderer has room for wasm memories at once (about 120:
    those of ended processes are freed only as their workers collect them or go, see
    kernel-worker.js newMemory); without that, spawns failed after about 850-1400."""
    loop = "i=0; while [ $i -lt 2500 ]; do /bin/true || echo failed $i; i=$((i+1)); done"
    assert browser_session.run_command(shell, f"{loop}; echo ran $i",
                                       timeout_ms=120_000) == "ran 2500"
    assert run(shell, "echo still here | wc -c") == "11"


def test_ctrl_c_interrupts_a_foreground_sleep(shell: Page) -> None:
    browser_session.type_keys(shell, "sleep 10")
    time.sleep(0.5)
    interrupted = time.monotonic()
    shell.keyboard.press("Control+c")
    wait_for_prompt(shell, timeout_ms=5_000)
    assert time.monotonic() - interrupted < 3
    assert run(shell, "echo $?") == "130"


def _archive(files: dict[str, bytes]) -> str:
    """A base64 tar of /tests/<name> (mode 0755) for every file."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        directory = tarfile.TarInfo("tests")
        directory.type, directory.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(directory)
        for name, data in files.items():
            member = tarfile.TarInfo(f"tests/{name}")
            member.size, member.mode = len(data), 0o755
            tar.addfile(member, io.BytesIO(data))
    return base64.b64encode(buffer.getvalue()).decode()


def test_a_trapping_guest_ends_with_sigill_and_the_shell_goes_on(shell: Page) -> None:
    trapper = compile_c([REPO / "tests" / "userland" / "programs" / "trapper.c"],
                        REPO / "build" / "tests" / "browser" / "trapper.wasm")
    browser_session.test_op(shell, "install",
                            archive=_archive({"trapper": trapper.read_bytes()}))
    output = run(shell, '/tests/trapper < /dev/null; echo "status $?"')
    assert output.endswith("status 132")  # 128 + SIGILL (hush also says "Illegal instruction")
    assert run(shell, 'echo piped | /tests/trapper | tr a-z A-Z; echo "after $?"') \
        == "PIPED\nafter 0"
    assert run(shell, "echo still working") == "still working"


def _terminal_size(page: Page) -> tuple[int, int]:
    size = page.evaluate("window.wasmux.console.size()")
    return int(size["rows"]), int(size["cols"])


def _resize_viewport(page: Page, width: int, height: int, previous: tuple[int, int]) -> \
        tuple[int, int]:
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_function(
        "([rows, cols]) => { const size = window.wasmux.console.size();"
        " return size.rows !== rows || size.cols !== cols; }",
        arg=list(previous), timeout=10_000)
    return _terminal_size(page)


def test_resizing_the_window_changes_stty_size(shell: Page) -> None:
    before = _terminal_size(shell)
    assert run(shell, "stty size") == f"{before[0]} {before[1]}"
    try:
        after = _resize_viewport(shell, 640, 360, before)
        assert after != before
        assert run(shell, "stty size") == f"{after[0]} {after[1]}"
    finally:
        shell.set_viewport_size({"width": 1280, "height": 720})
        time.sleep(0.3)


def test_resizing_sends_sigwinch_to_the_foreground_job(shell: Page) -> None:
    """vi redraws on SIGWINCH: its status line moves to the new last row."""
    browser_session.type_keys(shell, "vi /tmp/winch.txt")
    wait_for_vi(shell, "winch.txt")
    try:
        rows, _ = _resize_viewport(shell, 640, 360, _terminal_size(shell))
        shell.wait_for_function(
            "rows => (window.wasmux.console.screenText().split('\\n')[rows - 1] ?? '')"
            ".includes('winch.txt')", arg=rows, timeout=10_000)
        shell.keyboard.type(":q!")
        shell.keyboard.press("Enter")
        wait_for_prompt(shell)
    finally:
        shell.set_viewport_size({"width": 1280, "height": 720})
        time.sleep(0.3)


def test_vi_edits_a_file_full_screen(shell: Page) -> None:
    run(shell, "rm -f /tmp/vi-test.txt")
    browser_session.type_keys(shell, "vi /tmp/vi-test.txt")
    wait_for_vi(shell, "vi-test.txt")
    shell.keyboard.type("ihello from vi")
    shell.keyboard.press("Escape")
    time.sleep(0.3)  # a key right after Escape would read as an escape sequence
    shell.keyboard.type(":wq")
    shell.keyboard.press("Enter")
    wait_for_prompt(shell)
    assert run(shell, "cat /tmp/vi-test.txt") == "hello from vi"


def test_less_pages_a_file_and_q_quits(shell: Page) -> None:
    run(shell, "seq 1 200 > /tmp/long")
    browser_session.type_keys(shell, "less /tmp/long")
    rows = _terminal_size(shell)[0]
    wait_for_screen(shell, f"\n{rows - 1}\n")
    assert shell.evaluate("window.wasmux.console.screenText()").split("\n")[0] == "1"
    shell.keyboard.press("Space")
    wait_for_screen(shell, f"\n{2 * (rows - 1)}\n")
    shell.keyboard.type("q")
    wait_for_prompt(shell)


def test_top_shows_processes_and_q_quits(shell: Page) -> None:
    browser_session.type_keys(shell, "top")
    wait_for_screen(shell, "PID")
    # The frame arrives in several output batches: wait for its process list to end
    # (top's own row comes after init's: it was started last).
    wait_for_screen(shell, " top")
    screen = shell.evaluate("window.wasmux.console.screenText()")
    assert "init" in screen and "top" in screen
    shell.keyboard.type("q")
    wait_for_prompt(shell)
    assert run(shell, "echo back") == "back"
