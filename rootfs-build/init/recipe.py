"""Build /sbin/init (init.c beside this file, linked with libwasmux): build/rootfs/sbin/init.wasm.

Layer: build tooling (host side). Compiles with the flags every ported program uses
(libwasmux.library) and relinks only when init.c, libwasmux's objects or the flags
changed (a stamp beside the output hashes them). Imports toolchain and libwasmux.library.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import toolchain
from libwasmux import library

SOURCE = Path(__file__).resolve().parent / "init.c"


def build(root: Path) -> Path:
    """Build `root`/build/rootfs/sbin/init.wasm (if stale); `root` is the repository."""
    build_dir = root / "build"
    output = build_dir / "rootfs" / "sbin" / "init.wasm"
    command = [sys.executable, "-m", "ziglang", "cc", "-target", toolchain.TARGET,
               *library.program_cflags(build_dir), "-Wall", "-Wextra", "-Werror",
               *library.program_link_inputs(build_dir),
               str(SOURCE), *library.program_link_flags(), "-o", str(output)]
    digest = hashlib.sha256("\0".join(command).encode() + SOURCE.read_bytes())
    for path in library.program_link_inputs(build_dir):
        digest.update(Path(path).read_bytes())
    stamp = output.with_name(output.name + ".stamp")
    if output.exists() and stamp.exists() and stamp.read_text() == digest.hexdigest():
        return output
    output.parent.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise toolchain.CompileError(f"compiling init failed:\n{result.stderr[-4000:]}")
    stamp.write_text(digest.hexdigest())
    return output
