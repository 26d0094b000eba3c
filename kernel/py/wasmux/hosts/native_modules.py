"""Compiled modules for the native host: the one wasmtime Engine, and a cache of
compiled, validated modules (in memory, and on disk with `Module.serialize`).

Layer: host (native only); imports wasmtime, the ABI table and KernelError. A module is
checked before any thread runs it: it must be WebAssembly, import only functions the
ABI table declares (with the declared types), and export `_start` and `memory`; each
failure is ENOEXEC with a message naming the problem.

The Engine's configuration is fixed (epoch interruption for kills, exnref exceptions
for setjmp/longjmp modules, memory that never moves): wasmtime keys compiled code by
it, so any change recompiles everything. The disk cache lives in $WASMUX_CACHE or
~/.cache/wasmux/modules, one subdirectory per wasmtime version, one file per module
content hash; files are written atomically, and one that does not load is recompiled.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import tempfile
import threading
from pathlib import Path

import wasmtime
from wasmtime import Config, Engine, FuncType, MemoryType, Module, WasmtimeError

from ..abi import table, wasi
from ..errors import KernelError

WASM_MAGIC = b"\0asm"


_engine: Engine | None = None
_engine_lock = threading.Lock()


def engine() -> Engine:
    """The process's one Engine, created on first use. Creating it installs wasmtime's
    signal handlers (traps are signals), which chain to handlers installed before, so
    Python's faulthandler, if used, must be enabled before the first native host."""
    global _engine
    with _engine_lock:
        if _engine is None:
            config = Config()
            config.epoch_interruption = True
            config.wasm_exceptions = True
            config.memory_may_move = False
            _engine = Engine(config)
        return _engine


def default_cache_directory() -> Path:
    """$WASMUX_CACHE, else ~/.cache/wasmux/modules; one subdirectory per wasmtime version."""
    root = os.environ.get("WASMUX_CACHE")
    base = Path(root) if root else Path.home() / ".cache" / "wasmux" / "modules"
    return base / f"wasmtime-{importlib.metadata.version('wasmtime')}"


def _signature(types: list[wasmtime.ValType]) -> str:
    return "(" + " ".join(str(t) for t in types) + ")"


def validate(module: Module, name: str) -> None:
    """ENOEXEC unless `module` imports only ABI-table functions with their declared
    types and exports a `_start` function and a `memory`."""
    for item in module.imports:
        call = table.BY_NAME.get((item.module, item.name or ""))
        kind = item.type
        if call is None or not isinstance(kind, FuncType):
            raise KernelError(wasi.ENOEXEC, f"{name}: unknown import {item.module}.{item.name}")
        expected = (list(call.wasm_param_types()), [] if call.noreturn else ["i32"])
        actual = ([str(t) for t in kind.params], [str(t) for t in kind.results])
        if actual != expected:
            raise KernelError(
                wasi.ENOEXEC,
                f"{name}: import {item.module}.{item.name} has type "
                f"{_signature(kind.params)} -> {_signature(kind.results)}, the kernel provides "
                f"({' '.join(expected[0])}) -> ({' '.join(expected[1])})")
    exports = {item.name: item.type for item in module.exports}
    start = exports.get("_start")
    if not isinstance(start, FuncType) or start.params or start.results:
        raise KernelError(wasi.ENOEXEC, f"{name}: no _start function (not a WASI command)")
    if not isinstance(exports.get("memory"), MemoryType):
        raise KernelError(wasi.ENOEXEC, f"{name}: does not export its memory")


class ModuleCache:
    """Validated compiled modules by content. Thread-safe. In memory, modules are found
    by length and last bytes, then compared whole: every spawn passes freshly read
    bytes, and hashing them all (as a dict keyed by the bytes would) costs twice the
    comparison."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory if directory is not None else default_cache_directory()
        self.modules: dict[tuple[int, bytes], list[tuple[bytes, Module]]] = {}
        self.lock = threading.Lock()

    def load(self, wasm: bytes, name: str) -> Module:
        """The compiled module for `wasm`; ENOEXEC (message prefixed with `name`) if it is
        not a WebAssembly module, does not compile, or fails validate()."""
        key = (len(wasm), wasm[-64:])
        with self.lock:
            for known, module in self.modules.get(key, ()):
                if known == wasm:
                    return module
        if not wasm.startswith(WASM_MAGIC):
            raise KernelError(wasi.ENOEXEC, f"{name}: not a WebAssembly module")
        module = self._compile(wasm, name)
        validate(module, name)
        with self.lock:
            self.modules.setdefault(key, []).append((wasm, module))
        return module

    def _compile(self, wasm: bytes, name: str) -> Module:
        path = self.directory / (hashlib.sha256(wasm).hexdigest() + ".cwasm")
        try:
            # read, not mapped: a cache file changed under a mapping would crash us
            return Module.deserialize(engine(), path.read_bytes())
        except (OSError, WasmtimeError):
            pass
        try:
            module = Module(engine(), wasm)
        except WasmtimeError as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else "invalid"
            raise KernelError(wasi.ENOEXEC, f"{name}: invalid WebAssembly module: {reason}") from None
        self._store(path, bytes(module.serialize()))
        return module

    def _store(self, path: Path, data: bytes) -> None:
        """Write a cache file atomically; the cache is an optimisation, so failures to
        write it are ignored."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as file:
                    file.write(data)
                os.replace(temporary, path)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError:
            pass
