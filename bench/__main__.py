"""`python -m bench [--quick] [--browser]`: run every benchmark and print the results table.

Layer: bench tooling. Each benchmark runs the same compiled program on Wasmux (the
native host) and on a baseline in the same process, so both see the same machine load;
figures are medians over repeated runs.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import harness, programs, userland
from .harness import Row
from .wasmtime_baselines import WasmtimeRunner
from .wasmux_runner import WasmuxRunner, engine_for_baselines

Run = Callable[[Path, Sequence[str]], None]
LEGEND = """\
wasmux: the program on NativeSystem, root = persistent filesystem in a host temp dir.
Baselines run the same .wasm on wasmtime with the native host's engine settings:
  wasmtime WASI: its built-in WASI, a host temp dir preopened as / and /dev as /dev;
  empty raw callback: the measured import replaced by a do-nothing unchecked callback.
ns = per call, MB/s = 10^6 bytes per second, ratio = wasmux / baseline."""


@dataclass(frozen=True, slots=True)
class Settings:
    repeats: int
    calls: int  # syscalls per null-syscall run
    null_device_bytes: int  # bytes written to /dev/null per run
    file_bytes: int  # bytes written to or read from a file per run
    spawns: int  # spawn+exit samples


MIB = 1024 * 1024
FULL = Settings(repeats=7, calls=100_000, null_device_bytes=512 * MIB, file_bytes=64 * MIB,
                spawns=50)
QUICK = Settings(repeats=3, calls=20_000, null_device_bytes=128 * MIB, file_bytes=16 * MIB,
                 spawns=10)


def null_syscall_rows(settings: Settings, wasm: Path, wasmux: Run, wasi: Run,
                      empty: Run) -> list[Row]:
    """ns per call of a loop of sched_yield / clock_time_get."""
    rows = []
    for call in ("sched_yield", "clock_time_get"):
        def loop(run: Run) -> Callable[[int], None]:
            return lambda count: run(wasm, ["null_syscall", call, str(count)])
        seconds = harness.per_unit([loop(wasmux), loop(empty), loop(wasi)],
                                   settings.calls, settings.repeats)
        mine, raw, builtin = (value * 1e9 for value in seconds)
        rows.append(harness.ratio_row(f"null syscall {call}", "ns", mine,
                                      "empty raw callback", raw, at_most=3))
        rows.append(harness.ratio_row(f"null syscall {call}", "ns", mine,
                                      "wasmtime WASI", builtin))
    return rows


def io_rows(settings: Settings, wasm: Path, wasmux: Run, wasi: Run) -> list[Row]:
    """MB/s of 64 KiB writes to /dev/null and to a new file, and 64 KiB reads of a file."""
    file_bytes, null_bytes = settings.file_bytes, settings.null_device_bytes
    rows = []
    for label, mode, path, size in (
            ("write 64 KiB to /dev/null", "write", "/dev/null", null_bytes),
            ("write 64 KiB to a file", "write", "/bench.dat", file_bytes),
            ("read 64 KiB from a file", "read", "/bench.dat", file_bytes)):
        def remove() -> None:
            for run in (wasmux, wasi):
                run(wasm, ["file_io", "remove", path])

        def transfer(run: Run) -> Callable[[int], None]:
            return lambda count: run(wasm, ["file_io", mode, path, str(count)])
        if mode == "read":
            remove()
            for run in (wasmux, wasi):
                run(wasm, ["file_io", "write", path, str(size)])
        fresh_file = mode == "write" and path != "/dev/null"
        seconds = harness.per_unit([transfer(wasmux), transfer(wasi)], size, settings.repeats,
                                   remove if fresh_file else lambda: None)
        mine, base = (1 / value / 1e6 if value else float("inf") for value in seconds)
        rows.append(harness.ratio_row(label, "MB/s", mine, "wasmtime WASI", base,
                                      at_least=0.5))
    return rows


def spawn_rows(settings: Settings, wasm: Path, wasmux: Run, wasi: Run) -> list[Row]:
    """ms for spawn+exit of the smallest program, module cache warm."""
    mine, base = harness.median_seconds([lambda: wasmux(wasm, ["exit_zero"]),
                                         lambda: wasi(wasm, ["exit_zero"])], settings.spawns)
    return [harness.absolute_row("spawn+exit", "ms", mine * 1e3,
                                 "wasmtime instantiate+run", base * 1e3, at_most=2)]


def _checked(run: Callable[[Path, Sequence[str]], int]) -> Run:
    """A run that raises when the program fails (a benchmark of an error is no figure)."""
    def checked(wasm: Path, argv: Sequence[str]) -> None:
        status = run(wasm, argv)
        if status != 0:
            raise RuntimeError(f"{' '.join(argv)} exited with status {status}")
    return checked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="few repetitions and small sizes: a smoke test, not figures")
    parser.add_argument("--browser", action="store_true",
                        help="run the browser benchmarks (Chromium, bench/browser.py) instead")
    options = parser.parse_args(argv)
    if options.browser:
        from . import browser
        return browser.main(options.quick)
    settings = QUICK if options.quick else FULL
    built = programs.build()
    engine = engine_for_baselines()
    with tempfile.TemporaryDirectory(prefix="wasmux-bench-") as scratch:
        wasi_dir = Path(scratch, "wasmtime")
        wasi_dir.mkdir()
        builtin = WasmtimeRunner(engine)
        empty = WasmtimeRunner(engine, empty=True)
        preopens = [(str(wasi_dir), "/"), ("/dev", "/dev")]
        wasi_run = _checked(lambda wasm, args: builtin.run(wasm, args, preopens))
        empty_run = _checked(lambda wasm, args: empty.run(wasm, args))
        wasmux = WasmuxRunner(Path(scratch, "wasmux"))
        try:
            wasmux_run = _checked(wasmux.run)
            rows = null_syscall_rows(settings, built["null_syscall"], wasmux_run, wasi_run,
                                     empty_run)
            rows += io_rows(settings, built["file_io"], wasmux_run, wasi_run)
            rows += spawn_rows(settings, built["exit_zero"], wasmux_run, wasi_run)
        finally:
            wasmux.close()
    userland_rows, failures = userland.rows(options.quick)
    rows += userland_rows
    mode = "quick smoke run, figures not meaningful" if options.quick else "full run"
    print(f"Wasmux benchmarks ({mode}; medians of {settings.repeats} runs, "
          f"{settings.spawns} for spawn; wasmtime {importlib.metadata.version('wasmtime')})")
    print(harness.table(rows))
    print(LEGEND)
    print(userland.LEGEND)
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
