"""Compile C to wasm32-wasi with the `ziglang` package, incrementally.

Layer: build tooling (host side, never part of the kernel). `compile_c()` rebuilds an
output only when the content of its sources, headers it names, or flags changed: a stamp
file beside the output records the hash of everything that went in.

setjmp/longjmp use the exnref form of wasm exceptions (ARCHITECTURE.md, toolchain facts);
pass sjlj=True and the tag object is linked in.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
INCLUDE = HERE / "include"
TARGET = "wasm32-wasi"
BASE_FLAGS = ("-target", TARGET, "-Os")
SJLJ_FLAGS = ("-mexception-handling", "-mllvm", "-wasm-enable-sjlj",
              "-mllvm", "-wasm-use-legacy-eh=false")
SJLJ_TAG_SOURCE = '__asm__(".globl __c_longjmp\\n.tagtype __c_longjmp i32\\n__c_longjmp:\\n");\n'


class CompileError(RuntimeError):
    pass


def _digest(paths: Iterable[Path], flags: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for flag in flags:
        digest.update(flag.encode() + b"\0")
    for path in paths:
        digest.update(str(path).encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _headers(include_dirs: Iterable[Path]) -> list[Path]:
    return sorted(p for d in include_dirs if d.is_dir() for p in d.rglob("*.h"))


def sjlj_tag_source(build_dir: Path) -> Path:
    """The one C file that defines the __c_longjmp tag, written into build_dir."""
    path = build_dir / "sjlj_tag.c"
    if not path.exists() or path.read_text() != SJLJ_TAG_SOURCE:
        build_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(SJLJ_TAG_SOURCE)
    return path


def compile_c(sources: Sequence[Path], output: Path, flags: Sequence[str] = (),
              include_dirs: Sequence[Path] = (), sjlj: bool = False,
              optimize: str = "-Os") -> Path:
    """Compile and link `sources` into the wasm command module `output` (if stale)."""
    sources = [Path(s).resolve() for s in sources]
    includes = [INCLUDE, *map(Path, include_dirs)]
    all_flags = ["-target", TARGET, optimize, *flags,
                 *(f"-I{d}" for d in includes)]
    if sjlj:
        all_flags += SJLJ_FLAGS
        sources = [*sources, sjlj_tag_source(output.parent / ".sjlj")]
    stamp = output.with_name(output.name + ".stamp")
    digest = _digest([*sources, *_headers(includes)], all_flags)
    if output.exists() and stamp.exists() and stamp.read_text() == digest:
        return output
    output.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "ziglang", "cc", *all_flags, *map(str, sources),
               "-o", str(output)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise CompileError(f"compiling {output.name} failed:\n{result.stderr}")
    stamp.write_text(digest)
    return output
