"""Building the conformance programs and running them on both sides.

Layer: test tooling. `build()` compiles tests/conformance/NAME.c (or another test
directory's) incrementally under build/conformance/; `run_wasmux()` runs a module on Wasmux's native host in a
fresh system, with files placed in its root first. `wasi_imports()` lists the WASI
functions a module imports, to prove the programs cover every call.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from wasmux.hosts.native import NativeSystem

from .reference import BUILD, ROOT

sys.path.insert(0, str(ROOT / "rootfs-build"))

from toolchain import compile_c

HERE = Path(__file__).resolve().parent


def build(name: str, source_dir: Path = HERE) -> bytes:
    """The wasm bytes of program source_dir/NAME.c (compiled when stale) under
    build/conformance/ (conformance.h is on the include path)."""
    subdir = "" if source_dir == HERE else source_dir.name
    output = compile_c([source_dir / f"{name}.c"], BUILD / subdir / f"{name}.wasm",
                       include_dirs=[HERE])
    return output.read_bytes()


@dataclass(frozen=True, slots=True)
class Outcome:
    status: int
    stdout: bytes
    stderr: bytes


def run_wasmux(wasm: bytes, argv: list[str], env: dict[str, str], stdin: bytes) -> Outcome:
    """Runs `wasm` as a process of a fresh Wasmux system on the native host."""
    with NativeSystem() as system:
        result = system.run(wasm, argv, env, stdin)
    return Outcome(result.status, result.stdout, result.stderr)


def _uleb(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, pos


def _name(data: bytes, pos: int) -> tuple[str, int]:
    length, pos = _uleb(data, pos)
    return data[pos:pos + length].decode(), pos + length


def wasi_imports(wasm: bytes, module: str = "wasi_snapshot_preview1") -> set[str]:
    """Names of the functions `wasm` imports from `module` (parses the import section)."""
    assert wasm[:8] == b"\0asm\x01\0\0\0", "not a core wasm module"
    pos = 8
    while pos < len(wasm):
        section, pos = wasm[pos], pos + 1
        size, pos = _uleb(wasm, pos)
        if section != 2:
            pos += size
            continue
        names = set()
        count, cursor = _uleb(wasm, pos)
        for _ in range(count):
            module_name, cursor = _name(wasm, cursor)
            field, cursor = _name(wasm, cursor)
            kind, cursor = wasm[cursor], cursor + 1
            if kind == 0:
                _, cursor = _uleb(wasm, cursor)
            else:
                raise AssertionError(f"unexpected import kind {kind} for {field}")
            if module_name == module:
                names.add(field)
        return names
    return set()
