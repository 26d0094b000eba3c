"""Drive the built site in Debian's Chromium: a local server and Playwright helpers.

Layer: host-side tooling shared by tests/browser (fixtures) and bench/browser.py. Imports
the standard library and Playwright (sync API); starts packaging/serve.py as a process.
Chromium runs with the flags ARCHITECTURE.md lists, on a persistent profile (OPFS in an
incognito context is about 300x slower), optionally pinned to one CPU with taskset.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Self

from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Playwright, Worker
from playwright.sync_api import TimeoutError as PlaywrightTimeout

# The last console lines of each page (its workers' included), for failure reports.
CONSOLE_KEPT = 200
_console: dict[Page, list[str]] = {}

HERE = Path(__file__).resolve().parent
CHROMIUM = Path(os.environ.get("WASMUX_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]
# A shell prompt at the cursor ("/ # ", "$ "), as a JavaScript RegExp source.
PROMPT = "[$#] $"


class SiteServer:
    """packaging/serve.py serving `site` on 127.0.0.1; `port` 0 picks a free port, which
    restarts keep (the same origin, so the same service worker and OPFS)."""

    def __init__(self, site: Path, port: int = 0) -> None:
        self.site = site
        self.port = port
        self.process: subprocess.Popen[str] | None = None
        self.url = ""

    def start(self) -> str:
        """Starts the server; returns its URL (ending in "/")."""
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "serve.py"), "--quiet", "--port", str(self.port),
             str(self.site)], stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("Wasmux is at "):
            self.process.kill()
            raise RuntimeError(f"serve.py did not start: {line!r}")
        self.url = line.split()[3]
        self.port = int(self.url.rstrip("/").rsplit(":", 1)[1])
        return self.url

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def pinned_chromium(directory: Path, cpu: int) -> Path:
    """A wrapper script in `directory` that runs Chromium under `taskset -c cpu`."""
    taskset = shutil.which("taskset")
    if taskset is None:
        raise RuntimeError("taskset (util-linux) is needed to pin Chromium to one CPU")
    wrapper = directory / f"chromium-cpu{cpu}"
    wrapper.write_text(f'#!/bin/sh\nexec {taskset} -c {cpu} {CHROMIUM} "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return wrapper


def launch(playwright: Playwright, profile: Path, executable: Path = CHROMIUM,
           extra_flags: Sequence[str] = (), **options: object) -> BrowserContext:
    """Headless Chromium on the persistent profile directory `profile`, with
    CHROMIUM_FLAGS and `extra_flags`."""
    context = playwright.chromium.launch_persistent_context(
        str(profile), executable_path=str(executable), headless=True,
        args=[*CHROMIUM_FLAGS, *extra_flags], **options)  # type: ignore[arg-type]
    for page in context.pages:
        keep_console(page)
    context.on("page", keep_console)
    return context


def keep_console(page: Page) -> None:
    """Keeps the last CONSOLE_KEPT console lines of `page` for boot_report."""
    lines = _console.setdefault(page, [])

    def record(message: ConsoleMessage) -> None:
        lines.append(f"{message.type}: {message.text}")
        del lines[:-CONSOLE_KEPT]

    def record_worker(worker: Worker) -> None:
        worker.on("console", record)

    page.on("console", record)
    page.on("worker", record_worker)
    page.on("close", lambda closed: _console.pop(closed, None))


def console_lines(page: Page) -> list[str]:
    """The last console lines kept for `page` (see keep_console), as "type: text"."""
    return list(_console.get(page, []))


def first_page(context: BrowserContext) -> Page:
    return context.pages[0] if context.pages else context.new_page()


def boot_report(page: Page) -> str:
    """Where the page's boot stands: the stages shown, the kernel worker's boot phases,
    the terminal's screen and the last console lines."""
    try:
        state = page.evaluate("""() => ({
            stages: (window.wasmux?.stages ?? []).slice(-15),
            marks: window.wasmux?.marks ?? null,
            screen: window.wasmux?.console?.screenText?.() ?? null,
        })""")
    except Exception as error:  # noqa: BLE001 - a report must not hide the failure
        state = {"error": str(error)}
    console = "\n".join(_console.get(page, [])[-40:])
    return f"page state: {state}\nconsole (last lines):\n{console}"


def wait_for_prompt(page: Page, timeout_ms: float = 60_000, pattern: str = PROMPT) -> None:
    """Waits until the terminal's cursor follows a shell prompt (or a page message shows,
    which fails with that message)."""
    try:
        page.wait_for_function(
            "pattern => window.wasmux?.message || window.wasmux?.console?.promptShown(pattern)",
            arg=pattern, timeout=timeout_ms)
    except PlaywrightTimeout as error:
        raise AssertionError(f"no shell prompt after {timeout_ms / 1000:.0f} s\n"
                             f"{boot_report(page)}") from error
    message = page.evaluate("window.wasmux.message")
    if message:
        raise AssertionError(f"the page says: {message}")


def wait_for_snapshot_saved(page: Page, timeout_ms: float = 60_000) -> None:
    """After a boot that did not restore the stored kernel snapshot: waits until the new
    one is in OPFS (a reload before that loses it, and the next boot stores it again)."""
    page.wait_for_function("window.wasmux.marks.some(([stage]) => stage === 'snapshot saved')",
                           timeout=timeout_ms)


def wait_for_ready(page: Page, timeout_ms: float = 60_000) -> None:
    """Waits for the kernel's {type:"ready"} (or a page message, which fails)."""
    page.wait_for_function("window.wasmux?.ready || window.wasmux?.message",
                           timeout=timeout_ms)
    message = page.evaluate("window.wasmux.message")
    if message:
        raise AssertionError(f"the page says: {message}")


# Sends {type:"test", op, ...} to the kernel worker (kernel/testing.js; the page was opened
# with ?test=1) and resolves with its answer. An `archive` argument comes as base64.
_TEST_OP = """
([op, args]) => new Promise((resolve, reject) => {
  const channel = new MessageChannel();
  channel.port1.onmessage = ({ data }) =>
    data.error ? reject(new Error(data.error)) : resolve(data.result);
  if (args.archive) args.archive = Uint8Array.from(atob(args.archive), (c) => c.charCodeAt(0));
  window.wasmux.kernelWorker.postMessage({ type: "test", op, port: channel.port2, ...args },
                                         [channel.port2]);
})
"""


def test_op(page: Page, op: str, **args: object) -> Any:
    """Runs the kernel worker's test hook `op` (kernel/testing.js) with `args`; its answer.
    An `archive` is passed base64-encoded."""
    return page.evaluate(_TEST_OP, [op, args])


def screen_text(page: Page) -> str:
    """The terminal's visible screen, one line per row, right-trimmed."""
    return str(page.evaluate("window.wasmux.console.screenText()"))


def buffer_text(page: Page) -> str:
    """The terminal's scrollback and screen."""
    return str(page.evaluate("window.wasmux.console.bufferText()"))


def type_keys(page: Page, text: str, enter: bool = True) -> None:
    """Types `text` into the terminal (then Enter)."""
    page.evaluate("window.wasmux.console.terminal.focus()")
    page.keyboard.type(text)
    if enter:
        page.keyboard.press("Enter")


def run_command(page: Page, command: str, timeout_ms: float = 30_000,
                polling: float | Literal["raf"] = "raf") -> str:
    """Types `command`, waits for the next prompt and returns the lines printed between.
    `polling`: Playwright's "raf" (every frame) or an interval in ms (benchmarks: frame
    polling keeps the renderer busy on the CPU the guest runs on)."""
    before = buffer_text(page).rstrip("\n").count("\n")
    type_keys(page, command)
    page.wait_for_function(
        """([rows, pattern]) => {
             const buffer = window.wasmux.console.terminal.buffer.active;
             return buffer.baseY + buffer.cursorY > rows &&
                    window.wasmux.console.promptShown(pattern);
           }""", arg=[before, PROMPT], timeout=timeout_ms, polling=polling)
    lines = buffer_text(page).rstrip("\n").split("\n")
    return "\n".join(lines[before + 1:-1])
