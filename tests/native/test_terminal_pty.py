"""A real program on the native host drives a pseudo-terminal through libwasmux:
posix_openpt, grantpt, unlockpt, ptsname, cooked and raw reads, output processing."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / "build" / "tests" / "native"
sys.path.insert(0, str(REPO / "rootfs-build"))

from toolchain import compile_c
from wasmux.hosts.native import NativeSystem

from libwasmux import library

SOURCE = Path(__file__).resolve().parent / "terminal" / "pty_roundtrip.c"


def build() -> Path:
    """The program linked against libwasmux like any ported program."""
    build_dir = REPO / "build"
    flags = [*library.program_cflags(build_dir), *library.program_link_inputs(build_dir),
             *library.program_link_flags()]
    return compile_c([SOURCE], BUILD / "pty_roundtrip.wasm", flags=flags)


def test_program_round_trips_through_a_pty(system: NativeSystem) -> None:
    result = system.run(build(), ["pty_roundtrip"], timeout=60)
    assert result.status == 0, result.stderr
    assert result.stdout.decode().splitlines() == [
        "ptsname:/dev/pts/0",
        "isatty:1",
        "slave:ac\\x0a",
        "echo:ab\\x08 \\x08c\\x0d\\x0a",
        "master:out\\x0d\\x0a",
        "raw:x\\x0d",
    ]
