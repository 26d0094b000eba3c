"""The Wasmux side of the benchmarks: programs run on the native host's NativeSystem.

Layer: bench tooling; imports wasmux.hosts.native (and so wasmtime).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import wasmtime

from wasmux.hosts.native import NativeSystem
from wasmux.hosts.native_modules import engine


def engine_for_baselines() -> wasmtime.Engine:
    """The native host's engine, so baselines run code compiled with the same settings
    (epoch interruption included)."""
    return engine()


class WasmuxRunner:
    """Runs programs on one NativeSystem whose root is the persistent filesystem stored
    in `root` (a host directory)."""

    def __init__(self, root: Path) -> None:
        self.system = NativeSystem(root=root)
        self.modules: dict[Path, bytes] = {}

    def run(self, wasm: Path, argv: Sequence[str]) -> int:
        """Run the program to completion; returns its status (stdout/stderr discarded)."""
        module = self.modules.setdefault(wasm, wasm.read_bytes())
        return self.system.run(module, list(argv)).status

    def close(self) -> None:
        self.system.close()
