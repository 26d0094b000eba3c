"""Browser benchmarks (`bench/run --browser [--quick]`): Wasmux in Debian's Chromium.

Layer: bench tooling. Builds the site (packaging/build_site.py), serves it with
packaging/serve.py on a free localhost port and drives Chromium through Playwright on
persistent profiles, pinned to CPU 0 with taskset for latency figures. Each benchmark is a
function (BrowserBench, Settings) -> rows in BENCHMARKS; worker-level benchmarks add
theirs there.
"""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import statistics
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, Playwright, sync_playwright
from wasmux.abi import table

from . import harness
from .harness import Row, absolute_row
from .programs import BUILD as build_dir
from .programs import SOURCES as programs_dir
from .programs import compile_c

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "packaging"))

import browser_session
import build_site

LEGEND = """\
Browser: Debian's Chromium, headless, persistent profile, pinned to CPU 0 (taskset).
warm boot: navigation start to the shell prompt, the site cached and the root installed;
  baseline: Pyodide alone, restored from the same kernel snapshot (read from OPFS) in a
  bare page's worker, navigation start to restored: the floor Pyodide sets (no page, no
  kernel boot), boots taking turns with Wasmux's;
cold first boot: fresh profile, from page.goto (service worker install, the one isolation
  reload, rootfs download from localhost) to the prompt;
page alone: navigation start to the console attached (the page's own cost, no kernel)."""
# The "Pyodide alone" page: a worker restores Pyodide from the site's kernel snapshot,
# stored in OPFS on the first visit, and posts the time; nothing else runs.
ALONE_PAGE = """<!doctype html><meta charset="utf-8"><title>Pyodide alone</title>
<script type="module">
const worker = new Worker("worker.js", { type: "module" });
worker.onmessage = ({ data }) => { window.restoredAt = data.at ?? null; window.error = data.error; };
</script>"""
ALONE_WORKER = """
const pyodideModule = import("./vendor/pyodide/pyodide.mjs");
const NAME = "alone-snapshot.bin";
async function snapshot() {
  const root = await navigator.storage.getDirectory();
  const file = await root.getFileHandle(NAME, { create: true });
  const handle = await file.createSyncAccessHandle();
  try {
    if (handle.getSize() === 0) {
      const response = await fetch(SNAPSHOT);
      const stream = response.body.pipeThrough(new DecompressionStream("gzip"));
      const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
      handle.write(bytes, { at: 0 });
      handle.flush();
    }
    const bytes = new Uint8Array(handle.getSize());
    handle.read(bytes, { at: 0 });
    return bytes;
  } finally {
    handle.close();
  }
}
try {
  const bytes = snapshot();
  const { loadPyodide } = await pyodideModule;
  await loadPyodide({ indexURL: new URL("vendor/pyodide/", location.href).href,
                      lockFileURL: new URL("pyodide-lock.json", location.href).href,
                      _loadSnapshot: bytes });
  postMessage({ at: performance.timeOrigin + performance.now() });
} catch (error) {
  postMessage({ error: String(error?.stack ?? error) });
}
"""


def alone_site(site: Path, directory: Path) -> Path:
    """The "Pyodide alone" page in `directory`, with the site's Pyodide and snapshot."""
    manifest = json.loads((site / "site.json").read_text())
    directory.mkdir(parents=True)
    shutil.copytree(site / "vendor" / "pyodide", directory / "vendor" / "pyodide")
    shutil.copy2(site / "wheels" / "pyodide-lock.json", directory / "pyodide-lock.json")
    shutil.copy2(site / manifest["snapshot"]["file"], directory / "snapshot.bin.gz")
    (directory / "index.html").write_text(ALONE_PAGE)
    (directory / "worker.js").write_text(f'const SNAPSHOT = "snapshot.bin.gz";\n{ALONE_WORKER}')
    return directory


def _alone(page: Page, url: str) -> float:
    """Loads the "Pyodide alone" page; seconds from navigation start to restored."""
    page.goto(url)
    page.wait_for_function("window.restoredAt !== undefined", timeout=120_000, polling=100)
    restored, error, origin = page.evaluate("[window.restoredAt, window.error, performance.timeOrigin]")
    if error:
        raise RuntimeError(f"Pyodide alone: {error}")
    return (restored - origin) / 1e3


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
    alone_site: Path  # the "Pyodide alone" page (alone_site)
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
    from the start of the last document's navigation. The page records both itself
    (boot.js, drivers/console.js); this polls every 100 ms, so as not to take the CPU the
    boot runs on."""
    page.goto(url)
    page.wait_for_function("window.wasmux?.console?.promptShownAt != null || window.wasmux?.message",
                           timeout=120_000, polling=100)
    message = page.evaluate("window.wasmux.message")
    if message:
        raise RuntimeError(f"the page says: {message}")
    console_at, prompt_at = page.evaluate(
        "[window.wasmux.consoleAt, window.wasmux.console.promptShownAt]")
    return console_at / 1e3, prompt_at / 1e3


def boot_rows(bench: BrowserBench, settings: Settings) -> list[Row]:
    """Warm boot to the prompt (target <= 0.6 s) and cold first boot (target <= 5 s)."""
    cold: list[float] = []
    for _ in range(settings.cold_boots):
        with bench.browser() as context:
            page = browser_session.first_page(context)
            started = time.perf_counter()
            _boot(page, bench.url)
            cold.append(time.perf_counter() - started)
    warm: list[tuple[float, float]] = []
    alone: list[float] = []
    with (bench.browser() as context, bench.browser() as alone_context,
          browser_session.SiteServer(bench.alone_site) as alone_server):
        page = browser_session.first_page(context)
        alone_page = browser_session.first_page(alone_context)
        _boot(page, bench.url)
        browser_session.wait_for_snapshot_saved(page)
        _alone(alone_page, alone_server.url)
        for _ in range(settings.warm_boots):
            warm.append(_boot(page, bench.url))
            alone.append(_alone(alone_page, alone_server.url))
    page_alone = statistics.median(console for console, _ in warm)
    return [
        absolute_row("warm boot to shell prompt", "s", statistics.median(p for _, p in warm),
                     "Pyodide alone", statistics.median(alone), at_most=0.6),
        absolute_row("cold first boot to prompt", "s", statistics.median(cold),
                     "page alone", page_alone, at_most=5),
    ]


@dataclass(frozen=True, slots=True)
class WorkerSizes:
    """How much work the worker-level benchmarks do (repeats alternate the runs)."""

    repeats: int
    null_calls: int
    spawns: int
    pipe_bytes: int
    file_bytes: int
    read_bytes: int  # bytes read from the file of file_bytes, from its start again at its end
    cpu_rounds: int


WARM_UP_RUNS = 4  # null syscall runs before the worker benchmarks are measured
WORKER_FULL = WorkerSizes(repeats=5, null_calls=20_000, spawns=40, pipe_bytes=200 << 20,
                          file_bytes=64 << 20, read_bytes=512 << 20, cpu_rounds=20_000)
WORKER_QUICK = WorkerSizes(repeats=1, null_calls=2_000, spawns=10, pipe_bytes=16 << 20,
                           file_bytes=8 << 20, read_bytes=16 << 20, cpu_rounds=2_000)
GUEST_PROGRAMS = ("browser_bench", "cpu_bound")
# Runs a wasm32-wasi module bare in the page (no Wasmux: a minimal WASI in JS, other
# imports answer ENOSYS) `times` times; returns [stdout of the last run, median ms of
# instantiate + _start].
BARE_RUN = """
async ([encoded, argv, times]) => {
  const module = await WebAssembly.compile(Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0)));
  const encoder = new TextEncoder();
  const args = argv.map((arg) => encoder.encode(arg + "\0"));
  let memory = null;
  let stdout = "";
  class Exit { constructor(code) { this.code = code; } }
  const wasi = {
    args_sizes_get(count, size) {
      const view = new DataView(memory.buffer);
      view.setUint32(count, args.length, true);
      view.setUint32(size, args.reduce((total, arg) => total + arg.length, 0), true);
      return 0;
    },
    args_get(pointers, buffer) {
      const view = new DataView(memory.buffer);
      args.forEach((arg, index) => {
        view.setUint32(pointers + 4 * index, buffer, true);
        new Uint8Array(memory.buffer).set(arg, buffer);
        buffer += arg.length;
      });
      return 0;
    },
    clock_time_get(id, precision, result) {
      const now = BigInt(Math.round(performance.now() * 1e6));
      new DataView(memory.buffer).setBigUint64(result, now, true);
      return 0;
    },
    fd_write(fd, iovs, count, written) {
      const view = new DataView(memory.buffer);
      let total = 0;
      for (let index = 0; index < count; index++) {
        const address = view.getUint32(iovs + 8 * index, true);
        const length = view.getUint32(iovs + 8 * index + 4, true);
        stdout += new TextDecoder().decode(new Uint8Array(memory.buffer, address, length));
        total += length;
      }
      view.setUint32(written, total, true);
      return 0;
    },
    proc_exit(code) { throw new Exit(code); },
  };
  const imports = {};
  for (const { module: name, name: field } of WebAssembly.Module.imports(module)) {
    (imports[name] ??= {})[field] = (name === "wasi_snapshot_preview1" && wasi[field]) ||
      (() => 52);
  }
  const times_ms = [];
  for (let run = 0; run < times; run++) {
    stdout = "";
    const start = performance.now();
    const instance = await WebAssembly.instantiate(module, imports);
    memory = instance.exports.memory;
    try {
      instance.exports._start();
    } catch (error) {
      if (!(error instanceof Exit)) throw error;
    }
    times_ms.push(performance.now() - start);
  }
  times_ms.sort((a, b) => a - b);
  return [stdout, times_ms[Math.floor(times / 2)]];
}
"""
WORKER_LEGEND = """bench/programs/browser_bench.c (null, spawn, pipe, file) times itself from 100 ms after
  it starts: the terminal has drawn the command line by then.
null syscall: sched_yield in a loop inside Wasmux (C, timed by the guest), served by the
  Python kernel; baseline: the same program with the call answered by a JS handler in the
  same kernel worker over the same channel (kernel/testing.js answerInJS);
spawn+exit: a C program spawning /bench/exit_zero and waiting, median; baseline: the same
  module instantiated and run bare in the page;
pipe: browser_bench source | browser_bench sink, 1 MiB calls, timed by the sink; baseline:
  JS copy of 1 MiB buffers in the kernel worker;
file write/read: 1 MiB calls on / (write: a 64 MiB file, close included, a sync point;
  read: 512 MiB of it, from its start again at its end); baseline: raw OPFS sync access
  handle, the same sizes and 1 MiB calls, in the kernel worker, same run;
CPU-bound: bench/programs/cpu_bound.c inside Wasmux vs the same module bare in the page."""


def _guest_archive(programs: dict[str, Path]) -> str:
    """A tar of /bench/<name> (mode 0755) for every program, base64-encoded."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        directory = tarfile.TarInfo("bench")
        directory.type, directory.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(directory)
        for name, path in programs.items():
            data = path.read_bytes()
            member = tarfile.TarInfo(f"bench/{name}")
            member.size, member.mode = len(data), 0o755
            tar.addfile(member, io.BytesIO(data))
    return base64.b64encode(buffer.getvalue()).decode()


def _figure(page: Page, command: str, key: str, timeout_ms: float = 300_000) -> float:
    """Runs `command` in the VM's shell; the number after `key` in its output. Waits by
    polling every 100 ms, not every frame (that would steal the guest's CPU)."""
    output = browser_session.run_command(page, command, timeout_ms=timeout_ms, polling=100)
    found = re.search(rf"{key} ([\d.]+)", output)
    if found is None:
        raise RuntimeError(f"{command}: no {key} in {output!r}")
    return float(found[1])


def worker_rows(bench: BrowserBench, settings: Settings) -> list[Row]:
    """Null syscall, spawn+exit, pipe, file and CPU-bound benchmarks in one booted VM."""
    sizes = WORKER_QUICK if settings == QUICK else WORKER_FULL
    programs = {name: compile_c([programs_dir / f"{name}.c"], build_dir / f"{name}.wasm",
                                optimize="-O2") for name in GUEST_PROGRAMS}
    programs["exit_zero"] = compile_c([programs_dir / "exit_zero.c"],
                                      build_dir / "exit_zero.wasm")
    sched_yield = next(call.number for call in table.SYSCALLS if call.name == "sched_yield")
    samples: dict[str, list[float]] = {}

    def sample(name: str, value: float) -> None:
        samples.setdefault(name, []).append(value)

    with bench.browser() as context:
        page = browser_session.first_page(context)
        page.goto(bench.url + "?test=1")
        browser_session.wait_for_prompt(page, timeout_ms=180_000)
        browser_session.test_op(page, "install", archive=_guest_archive(programs))
        cpu_module = base64.b64encode(programs["cpu_bound"].read_bytes()).decode()
        exit_module = base64.b64encode(programs["exit_zero"].read_bytes()).decode()
        null = f"/bench/browser_bench null {sizes.null_calls}"
        # Warm-up: modules compiled, JIT warm. One run was not enough: the first measured
        # Python-served run still took about twice the later ones (V8 still tiering up
        # the kernel's wasm on the one CPU).
        for _ in range(WARM_UP_RUNS):
            _figure(page, null, "ns_per_call")
        for _ in range(sizes.repeats):
            sample("null", _figure(page, null, "ns_per_call"))
            browser_session.test_op(page, "answerInJS", numbers=[sched_yield])
            sample("null js", _figure(page, null, "ns_per_call"))
            browser_session.test_op(page, "answerInJS", numbers=[])
            sample("spawn", _figure(
                page, f"/bench/browser_bench spawn {sizes.spawns} /bench/exit_zero", "median_ms"))
            sample("spawn bare", page.evaluate(BARE_RUN, [exit_module, ["exit_zero"],
                                                          sizes.spawns])[1])
            sample("pipe", _figure(page, f"/bench/browser_bench source {sizes.pipe_bytes} | "
                                   "/bench/browser_bench sink", "mb_per_s"))
            sample("copy", browser_session.test_op(page, "copy", bytes=sizes.pipe_bytes,
                                                   chunk=1 << 20))
            for mode, size in (("write", sizes.file_bytes), ("read", sizes.read_bytes)):
                sample(mode, _figure(page, f"/bench/browser_bench {mode} /bench.dat {size}",
                                     "mb_per_s"))
            raw = browser_session.test_op(page, "opfsRaw", bytes=sizes.file_bytes,
                                          chunk=1 << 20, reads=sizes.read_bytes)
            sample("raw write", raw["write"])
            sample("raw read", raw["read"])
            browser_session.run_command(page, "rm /bench.dat")
            sample("cpu", sizes.cpu_rounds / _figure(
                page, f"/bench/cpu_bound {sizes.cpu_rounds}", "ns") * 1e9)
            output, _ = page.evaluate(BARE_RUN, [cpu_module, ["cpu_bound", str(sizes.cpu_rounds)],
                                                 1])
            sample("cpu bare", sizes.cpu_rounds / float(output.split()[1]) * 1e9)
    median = {name: statistics.median(values) for name, values in samples.items()}
    pipe = median["pipe"]
    return [
        harness.ratio_row("null syscall sched_yield", "ns", median["null"],
                          "JS handler, same worker", median["null js"], at_most=1.2),
        absolute_row("spawn+exit (median)", "ms", median["spawn"],
                     "bare instantiate+run in page", median["spawn bare"], at_most=5),
        Row("pipe throughput", "MB/s", pipe, "JS 1 MiB copy", median["copy"], ">= 1000 MB/s",
            pipe >= 1000),
        harness.ratio_row("file write 1 MiB calls", "MB/s", median["write"],
                          "raw OPFS sync handle", median["raw write"], at_least=0.5),
        harness.ratio_row("file read 1 MiB calls", "MB/s", median["read"],
                          "raw OPFS sync handle", median["raw read"], at_least=0.5),
        harness.ratio_row("CPU-bound C program", "rounds/s", median["cpu"],
                          "same module bare in page", median["cpu bare"], at_least=0.95),
    ]


BENCHMARKS: list[Callable[[BrowserBench, Settings], list[Row]]] = [boot_rows, worker_rows]


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
                                 browser_session.pinned_chromium(scratch, cpu=0), scratch,
                                 alone_site(result.site, scratch / "alone"))
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
    print(WORKER_LEGEND)
    return 0
