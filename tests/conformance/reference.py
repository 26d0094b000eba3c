"""The reference side of the conformance tests: wasmtime's built-in WASI.

Layer: test tooling (never imported by the kernel). `run_reference()` runs a wasm
command module on wasmtime's own preview1 implementation with a fresh temporary
directory preopened as "/", the given argv, env and stdin, and returns what it printed,
its exit status and the files it left behind. Compiled modules and results are cached
under build/conformance/ keyed by the hash of everything that goes in, so reruns are
fast.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import wasmtime

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build" / "conformance"
CACHE = BUILD / "reference-cache" / f"wasmtime-{metadata.version('wasmtime')}"
CACHE_VERSION = "1"


@dataclass(slots=True)
class ReferenceResult:
    status: int
    stdout: bytes
    stderr: bytes
    files: dict[str, bytes] = field(default_factory=dict)


_engine: wasmtime.Engine | None = None


def engine() -> wasmtime.Engine:
    global _engine
    if _engine is None:
        _engine = wasmtime.Engine()
    return _engine


def load_module(wasm: bytes) -> wasmtime.Module:
    """Compiles `wasm`, or loads its serialized compilation from the on-disk cache."""
    digest = hashlib.sha256(wasm).hexdigest()
    cached = CACHE / f"{digest}.cwasm"
    if cached.exists():
        try:
            return wasmtime.Module.deserialize_file(engine(), str(cached))
        except wasmtime.WasmtimeError:
            cached.unlink()
    module = wasmtime.Module(engine(), wasm)
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(".tmp")
    partial.write_bytes(module.serialize())
    partial.replace(cached)
    return module


def _result_key(wasm: bytes, argv: list[str], env: dict[str, str], stdin: bytes,
                files: dict[str, bytes], outputs: list[str]) -> str:
    digest = hashlib.sha256(CACHE_VERSION.encode())
    digest.update(hashlib.sha256(wasm).digest())
    request = {"argv": argv, "env": sorted(env.items()), "outputs": outputs,
               "files": sorted((name, hashlib.sha256(data).hexdigest())
                               for name, data in files.items())}
    digest.update(json.dumps(request).encode())
    digest.update(stdin)
    return digest.hexdigest()


def _run(wasm: bytes, argv: list[str], env: dict[str, str], stdin: bytes,
         files: dict[str, bytes], outputs: list[str]) -> ReferenceResult:
    with tempfile.TemporaryDirectory(prefix="wasi-ref-") as temp:
        work = Path(temp)
        root = work / "root"
        root.mkdir()
        for name, data in files.items():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        (work / "stdin").write_bytes(stdin)
        config = wasmtime.WasiConfig()
        config.argv = argv
        config.env = list(env.items())
        config.preopen_dir(str(root), "/")
        config.stdin_file = str(work / "stdin")
        config.stdout_file = str(work / "stdout")
        config.stderr_file = str(work / "stderr")
        store = wasmtime.Store(engine())
        store.set_wasi(config)
        linker = wasmtime.Linker(engine())
        linker.define_wasi()
        instance = linker.instantiate(store, load_module(wasm))
        start = instance.exports(store)["_start"]
        assert isinstance(start, wasmtime.Func)
        try:
            start(store)
            status = 0
        except wasmtime.ExitTrap as exit_trap:
            status = exit_trap.code
        collected = {name: (root / name).read_bytes() for name in outputs
                     if (root / name).is_file()}
        return ReferenceResult(status, (work / "stdout").read_bytes(),
                               (work / "stderr").read_bytes(), collected)


def run_reference(wasm: bytes, argv: list[str], env: dict[str, str] | None = None,
                  stdin: bytes = b"", files: dict[str, bytes] | None = None,
                  outputs: list[str] | None = None) -> ReferenceResult:
    """Runs `wasm` on wasmtime's WASI (cached). `files` are placed in the preopened root
    before the run; the files named in `outputs` are read back from it afterwards.
    A trap other than proc_exit propagates as wasmtime.Trap."""
    env = env or {}
    files = files or {}
    outputs = outputs or []
    key = _result_key(wasm, argv, env, stdin, files, outputs)
    entry = CACHE / f"result-{key}"
    meta = entry / "meta.json"
    if meta.exists():
        saved = json.loads(meta.read_text())
        return ReferenceResult(saved["status"], (entry / "stdout").read_bytes(),
                               (entry / "stderr").read_bytes(),
                               {name: (entry / f"out{i}").read_bytes()
                                for i, name in enumerate(saved["outputs"])})
    result = _run(wasm, argv, env, stdin, files, outputs)
    entry.mkdir(parents=True, exist_ok=True)
    (entry / "stdout").write_bytes(result.stdout)
    (entry / "stderr").write_bytes(result.stderr)
    names = list(result.files)
    for i, name in enumerate(names):
        (entry / f"out{i}").write_bytes(result.files[name])
    meta.write_text(json.dumps({"status": result.status, "outputs": names}))
    return result
