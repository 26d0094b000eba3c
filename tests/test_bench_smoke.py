"""`bench/run --quick` runs every benchmark end to end and prints all its rows."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ROWS = (
    ("null syscall sched_yield", "empty raw callback"),
    ("null syscall sched_yield", "wasmtime WASI"),
    ("null syscall clock_time_get", "empty raw callback"),
    ("null syscall clock_time_get", "wasmtime WASI"),
    ("write 64 KiB to /dev/null", "wasmtime WASI"),
    ("write 64 KiB to a file", "wasmtime WASI"),
    ("read 64 KiB from a file", "wasmtime WASI"),
    ("spawn+exit", "wasmtime instantiate+run"),
    ("sh loop of 20 /bin/true", "native busybox"),
    ("sort 1 MB file", "native busybox"),
    ("gzip 1 MB file", "native busybox"),
    ("cat 1 MB | wc -c", "native busybox"),
    ("1000-line builtins script", "native busybox"),
)


@pytest.mark.native
def test_quick_bench_prints_every_row() -> None:
    result = subprocess.run([str(REPO / "bench" / "run"), "--quick"], capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].split()[:4] == ["benchmark", "wasmux", "baseline", "baseline"]
    for name, baseline in ROWS:
        assert any(line.startswith(name + " ") and baseline in line for line in lines), (
            f"no row for {name} vs {baseline} in:\n{result.stdout}")
