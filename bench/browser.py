"""Browser benchmarks (`bench/run --browser [--quick]`): Wasmux in Debian's Chromium.

Layer: bench tooling. Builds the site (packaging/build_site.py), serves it with
packaging/serve.py on a free localhost port and drives Chromium through Playwright on
persistent profiles, pinned to CPU 0 with taskset for latency figures. Each benchmark is a
function (BrowserBench, Settings) -> rows in BENCHMARKS; worker-level benchmarks add
theirs there.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, Playwright, sync_playwright

from . import harness
from .harness import Row, absolute_row

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "packaging"))

import browser_session
import build_site

# Records, every 2 ms from the start of each document, when the console is attached
# (the page without the kernel) and when a shell prompt is at the cursor.
BOOT_TIMER = """
(() => {
  const timer = setInterval(() => {
    const terminal = window.wasmux?.console;
    if (terminal && window.consoleAt === undefined) window.consoleAt = performance.now();
    if (window.wasmux?.message) clearInterval(timer);
    if (terminal?.promptShown()) {
      window.promptAt = performance.now();
      clearInterval(timer);
    }
  }, 2);
})();
"""
LEGEND = """\
Browser: Debian's Chromium, headless, persistent profile, pinned to CPU 0 (taskset).
warm boot: navigation start to the shell prompt, the site cached and the root installed;
cold first boot: fresh profile, from page.goto (service worker install, the one isolation
  reload, rootfs download from localhost) to the prompt;
page alone: navigation start to the console attached (the page's own cost, no kernel)."""


@dataclass(frozen=True, slots=True)
class Settings:
    warm_boots: int
    cold_boots: int


FULL = Settings(warm_boots=7, cold_boots=3)
QUICK = Settings(warm_boots=2, cold_boots=1)


@dataclass(slots=True)
class BrowserBench:
    """What a browser benchmark gets: the site's URL, Playwright, a pinned Chromium and a
    scratch directory for profiles."""

    url: str
    playwright: Playwright
    executable: Path
    scratch: Path
    profiles: int = 0

    @contextmanager
    def browser(self, profile: Path | None = None) -> Iterator[BrowserContext]:
        """Pinned Chromium on `profile` (default: a fresh one), closed afterwards."""
        if profile is None:
            self.profiles += 1
            profile = self.scratch / f"profile-{self.profiles}"
        context = browser_session.launch(self.playwright, profile, self.executable)
        try:
            yield context
        finally:
            context.close()


def _boot(page: Page, url: str) -> tuple[float, float]:
    """Loads `url` until the prompt shows; returns (console attached, prompt) in seconds
    from the start of the last document's navigation."""
    page.goto(url)
    page.wait_for_function("window.promptAt !== undefined || window.wasmux?.message",
                           timeout=120_000)
    message = page.evaluate("window.wasmux.message")
    if message:
        raise RuntimeError(f"the page says: {message}")
    console_at, prompt_at = page.evaluate("[window.consoleAt, window.promptAt]")
    return console_at / 1e3, prompt_at / 1e3


def boot_rows(bench: BrowserBench, settings: Settings) -> list[Row]:
    """Warm boot to the prompt (target <= 0.6 s) and cold first boot (target <= 5 s)."""
    cold: list[float] = []
    for _ in range(settings.cold_boots):
        with bench.browser() as context:
            context.add_init_script(BOOT_TIMER)
            page = browser_session.first_page(context)
            started = time.perf_counter()
            _boot(page, bench.url)
            cold.append(time.perf_counter() - started)
    warm: list[tuple[float, float]] = []
    with bench.browser() as context:
        context.add_init_script(BOOT_TIMER)
        page = browser_session.first_page(context)
        _boot(page, bench.url)
        for _ in range(settings.warm_boots):
            warm.append(_boot(page, bench.url))
    page_alone = statistics.median(console for console, _ in warm)
    return [
        absolute_row("warm boot to shell prompt", "s", statistics.median(p for _, p in warm),
                     "page alone", page_alone, at_most=0.6),
        absolute_row("cold first boot to prompt", "s", statistics.median(cold),
                     "page alone", page_alone, at_most=5),
    ]


BENCHMARKS: list[Callable[[BrowserBench, Settings], list[Row]]] = [boot_rows]


def run(quick: bool) -> tuple[list[Row], str]:
    """Builds and serves the site, runs every browser benchmark; returns the rows and the
    legend."""
    settings = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="wasmux-bench-browser-") as scratch_name:
        scratch = Path(scratch_name)
        result = build_site.build(scratch / "site")
        if result.rootfs_error:
            raise RuntimeError(result.rootfs_error)
        with (browser_session.SiteServer(result.site) as server, sync_playwright() as playwright):
            bench = BrowserBench(server.url, playwright,
                                 browser_session.pinned_chromium(scratch, cpu=0), scratch)
            rows = [row for benchmark in BENCHMARKS for row in benchmark(bench, settings)]
    return rows, LEGEND


def main(quick: bool) -> int:
    """Prints the browser benchmarks' table; 1 when one could not run."""
    try:
        rows, legend = run(quick)
    except (RuntimeError, build_site.BuildError) as error:
        print(f"FAILED: browser benchmarks: {error}", file=sys.stderr)
        return 1
    mode = "quick smoke run, figures not meaningful" if quick else "full run"
    settings = QUICK if quick else FULL
    print(f"Wasmux browser benchmarks ({mode}; boots: medians of {settings.warm_boots} warm, "
          f"{settings.cold_boots} cold)")
    print(harness.table(rows))
    print(legend)
    return 0
