"""The benchmark programs: C sources in bench/programs, compiled into build/bench/.

Layer: bench tooling; imports rootfs-build/toolchain.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCES = Path(__file__).resolve().parent / "programs"
BUILD = REPO / "build" / "bench"
NAMES = ("null_syscall", "file_io", "exit_zero")

sys.path.insert(0, str(REPO / "rootfs-build"))
from toolchain import compile_c  # noqa: E402


def build() -> dict[str, Path]:
    """Compile every program (if stale); returns name -> .wasm path."""
    return {name: compile_c([SOURCES / f"{name}.c"], BUILD / f"{name}.wasm")
            for name in NAMES}
