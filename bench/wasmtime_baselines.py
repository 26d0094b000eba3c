"""Baselines on plain wasmtime: its built-in WASI, and the same linker with chosen
imports replaced by empty raw (unchecked) callbacks, the mechanism the native host
uses for every Wasmux import.

Layer: bench tooling; imports wasmtime (and its low-level `_ffi` bindings) and, for the
empty callback to use exactly the native host's mechanism, its callback type and
memory view from wasmux.hosts.native_abi.
"""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from pathlib import Path

import wasmtime
from wasmtime import _ffi as ffi

from wasmux.hosts.native_abi import CALLBACK, PUT_I32, VIEW

WASI = "wasi_snapshot_preview1"


@CALLBACK
def _empty_callback(env: int, caller: int, args: int, count: int) -> int:
    """Does nothing and returns errno 0 (the result slot overwrites the first argument),
    written the way the native host writes it."""
    PUT_I32(VIEW, args, 0)
    return 0


_EMPTY = ctypes.cast(_empty_callback, ffi.wasmtime_func_unchecked_callback_t)


def _define_empty(linker: wasmtime.Linker, name: str, func_type: wasmtime.FuncType) -> None:
    module, field = WASI.encode(), name.encode()
    error = ffi.wasmtime_linker_define_func_unchecked(
        linker.ptr(), module, len(module), field, len(field), func_type.ptr(),
        _EMPTY, None, ctypes.cast(None, ctypes.CFUNCTYPE(None, ctypes.c_void_p)))
    if error:
        raise wasmtime.WasmtimeError._from_ptr(error)


I32, I64 = wasmtime.ValType.i32(), wasmtime.ValType.i64()
EMPTY_IMPORTS = {
    "sched_yield": wasmtime.FuncType([], [I32]),
    "clock_time_get": wasmtime.FuncType([I32, I64, I32], [I32]),
}


EPOCH_FOREVER = 1 << 62  # engines with epoch interruption trap at once without a deadline


class WasmtimeRunner:
    """Runs wasm32-wasi commands on wasmtime's built-in WASI, or (empty=True) with
    the EMPTY_IMPORTS replaced by empty raw callbacks."""

    def __init__(self, engine: wasmtime.Engine, empty: bool = False) -> None:
        self.engine = engine
        self.linker = wasmtime.Linker(engine)
        self.linker.define_wasi()
        if empty:
            self.linker.allow_shadowing = True
            for name, func_type in EMPTY_IMPORTS.items():
                _define_empty(self.linker, name, func_type)
        self.modules: dict[Path, wasmtime.Module] = {}

    def module(self, path: Path) -> wasmtime.Module:
        if path not in self.modules:
            self.modules[path] = wasmtime.Module.from_file(self.engine, str(path))
        return self.modules[path]

    def run(self, path: Path, argv: Sequence[str],
            preopens: Sequence[tuple[str, str]] = ()) -> int:
        """Instantiate the (cached) module in a fresh store and run it; returns the exit
        status. `preopens` are (host directory, guest path) pairs."""
        store = wasmtime.Store(self.engine)
        store.set_epoch_deadline(EPOCH_FOREVER)
        config = wasmtime.WasiConfig()
        config.argv = list(argv)
        for host_path, guest_path in preopens:
            config.preopen_dir(host_path, guest_path)
        store.set_wasi(config)
        instance = self.linker.instantiate(store, self.module(path))
        start = instance.exports(store)["_start"]
        assert isinstance(start, wasmtime.Func)
        try:
            start(store)
        except wasmtime.ExitTrap as exit_trap:
            return exit_trap.code
        return 0
