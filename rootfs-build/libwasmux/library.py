"""Build libwasmux and say how ported programs compile and link against it.

Layer: build tooling (host side). `objects()` compiles libwasmux/src/*.c into object
files under build/libwasmux/ (incrementally, at most two compilers at once) and returns
them; `program_cflags()` and `program_link_inputs()` are the flags and inputs every
ported program (BusyBox, later Lua, SQLite...) uses: the forced-include compat header,
the amended wasi-libc header tree (compat/headers.py), libwasmux's headers and the
generated <wasmux/syscalls.h>, setjmp/longjmp, and libwasmux's objects placed BEFORE the
program's own, so that a call both libwasmux and wasi-libc define resolves to libwasmux
(wasm-ld fetches an archive member as soon as an earlier object needs its symbol).
Imports toolchain and compat.headers.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import toolchain
from compat import headers

ROOTFS_BUILD = Path(__file__).resolve().parents[1]
SOURCES = ROOTFS_BUILD / "libwasmux" / "src"
INCLUDE = ROOTFS_BUILD / "libwasmux" / "include"
COMPAT_HEADER = ROOTFS_BUILD / "compat" / "wasmux_compat.h"
JOBS = 2
# wasi-libc emulation libraries whose calls Wasmux leaves to wasi-libc.
EMULATION_LIBRARIES = ("-lwasi-emulated-process-clocks", "-lwasi-emulated-mman")


def amended_headers(build: Path) -> Path:
    """The generated wasi-libc header tree for this build directory."""
    return headers.generate(build / "compat" / "include")


def program_cflags(build: Path) -> list[str]:
    """Compiler flags (after `-target wasm32-wasi`) for a ported C program."""
    return ["-Os", "-include", str(COMPAT_HEADER), f"-I{amended_headers(build)}",
            f"-I{INCLUDE}", f"-I{toolchain.INCLUDE}", *toolchain.SJLJ_FLAGS]


def _library_cflags(build: Path) -> list[str]:
    return ["-Os", f"-I{amended_headers(build)}", f"-I{INCLUDE}", f"-I{toolchain.INCLUDE}",
            *toolchain.SJLJ_FLAGS, "-D_GNU_SOURCE", "-D_WASI_EMULATED_SIGNAL",
            "-D_WASI_EMULATED_GETPID", "-D_WASI_EMULATED_PROCESS_CLOCKS",
            "-D_WASI_EMULATED_MMAN", "-Wall", "-Wextra", "-Werror"]


def _compile(source: Path, output: Path, flags: list[str], header_digest: str) -> Path:
    """Compile `source` to the object `output` unless its stamp says it is current."""
    digest = hashlib.sha256(source.read_bytes())
    digest.update("\0".join(flags).encode() + header_digest.encode())
    stamp = output.with_name(output.name + ".stamp")
    if output.exists() and stamp.exists() and stamp.read_text() == digest.hexdigest():
        return output
    command = [sys.executable, "-m", "ziglang", "cc", "-target", toolchain.TARGET, *flags,
               "-c", str(source), "-o", str(output)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise toolchain.CompileError(f"compiling {source.name} failed:\n{result.stderr}")
    stamp.write_text(digest.hexdigest())
    return output


def objects(build: Path) -> list[Path]:
    """libwasmux's object files (compiled when stale), in link order."""
    output_dir = build / "libwasmux"
    output_dir.mkdir(parents=True, exist_ok=True)
    flags = _library_cflags(build)
    header_digest = hashlib.sha256()
    for path in sorted([*INCLUDE.rglob("*.h"), *SOURCES.glob("*.h"),
                        *toolchain.INCLUDE.rglob("*.h")]):
        header_digest.update(path.read_bytes())
    sources = sorted(SOURCES.glob("*.c"))
    with ThreadPoolExecutor(JOBS) as pool:
        return list(pool.map(
            lambda source: _compile(source, output_dir / f"{source.stem}.o", flags,
                                    header_digest.hexdigest()), sources))


def sjlj_tag_object(build: Path) -> Path:
    """The object defining the __c_longjmp exception tag (toolchain.SJLJ_TAG_SOURCE)."""
    source = toolchain.sjlj_tag_source(build / "libwasmux")
    return _compile(source, build / "libwasmux" / "sjlj_tag.o", ["-mexception-handling"], "")


def program_link_inputs(build: Path) -> list[str]:
    """What goes on the link line before a program's own objects."""
    return [*map(str, objects(build)), str(sjlj_tag_object(build))]


def program_link_flags() -> list[str]:
    """Linker flags and libraries (after the program's objects)."""
    return ["-Os", *toolchain.SJLJ_FLAGS, *EMULATION_LIBRARIES]
