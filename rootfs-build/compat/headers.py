"""Generate the amended wasi-libc header tree that Wasmux programs compile against.

Layer: build tooling (host side). wasi-libc keeps musl's declarations of the POSIX calls
WASI lacks (fork/exec, signals, pipes, process groups, uid/gid...) but hides them under
`#ifdef __wasilibc_unmodified_upstream /* WASI has no ... */`. Wasmux provides those
calls (libwasmux, over the `wasmux` imports), so this module copies each header of
zig's bundled wasi-libc that has such blocks into an output directory, with the blocks
re-enabled; the output directory goes first on the include path. Blocks that only choose
between upstream and WASI definitions (types, constants, "alternate WASI libc headers")
stay as they are, so the ABI with wasi-libc is unchanged. Nothing of wasi-libc is
committed: the tree is regenerated from the installed zig. Imports only the standard
library.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import ziglang

LIBC_INCLUDE = Path(ziglang.__file__).parent / "lib" / "libc" / "include"
WASI_LIBC_HEADERS = LIBC_INCLUDE / "wasm-wasi-musl"
GENERIC_MUSL_HEADERS = LIBC_INCLUDE / "generic-musl"

HIDDEN_BLOCK = re.compile(r"^#ifdef __wasilibc_unmodified_upstream\s*(?:/\*|//)\s*(WASI has no [^*]*)")
# The socket calls wasi-libc declares only for WASI preview 2; libwasmux provides them.
SOCKET_BLOCK = "#if (defined __wasilibc_unmodified_upstream) || (defined __wasilibc_use_wasip2)"
# Features Wasmux does not provide either: their declarations stay hidden.
STILL_HIDDEN = ("WASI has no threads", "WASI has no cancellation", "WASI has no CPU scheduling",
                "WASI has no getrandom")
# Headers whose whole upstream variant is taken: <sys/ioctl.h> with Linux's request
# numbers and struct winsize, which libwasmux's ioctl passes to the kernel, and
# <sys/resource.h> with rlimits and the full struct rusage (WASI's getrusage fills its
# leading ru_utime and ru_stime, which keep their place).
UPSTREAM_VARIANT = {"sys/ioctl.h": "Use alternate WASI libc headers",
                    "sys/resource.h": "Use alternate WASI libc headers"}
# Headers replaced outright: wasi-libc's sigset_t is a one-byte placeholder; Wasmux's
# is 64 bits, bit n-1 for signal n, the form the kernel's signal calls take. wasi-libc's
# own code only passes sigset_t by pointer (and rejects masks), so its ABI is unchanged.
REPLACED = {"__typedef_sigset_t.h": """#ifndef __wasilibc___typedef_sigset_t_h
#define __wasilibc___typedef_sigset_t_h
/* Wasmux: 64 signals, bit n-1 for signal n (replaces wasi-libc's placeholder). */
typedef struct { unsigned long long __bits; } sigset_t;
#endif
"""}
# Headers wasi-libc empties that are taken from musl's generic tree as they are.
FROM_GENERIC_MUSL = ("bits/ioctl.h",)


def amend(text: str, name: str = "") -> tuple[str, int]:
    """`text` (the header `name`) with the re-enabled blocks' `#ifdef` turned into
    `#if 1`, and their count."""
    lines = text.splitlines(keepends=True)
    count = 0
    upstream = UPSTREAM_VARIANT.get(name)
    for index, line in enumerate(lines):
        match = HIDDEN_BLOCK.match(line)
        reason = match.group(1).strip() if match else ""
        if line.startswith(SOCKET_BLOCK) and name == "sys/socket.h":
            reason = "socket calls"
        if (match and not reason.startswith(STILL_HIDDEN)) or reason == "socket calls" or (
                upstream and line.startswith("#ifdef __wasilibc_unmodified_upstream")
                and upstream in line):
            reason = reason or upstream
            lines[index] = f"#if 1 /* wasmux re-enabled: {reason} */\n"
            count += 1
    return "".join(lines), count


def _fingerprint() -> str:
    digest = hashlib.sha256()
    digest.update(Path(__file__).read_bytes())
    for path in sorted(WASI_LIBC_HEADERS.rglob("*.h")):
        digest.update(str(path.relative_to(WASI_LIBC_HEADERS)).encode())
        digest.update(str(path.stat().st_size).encode())
    return digest.hexdigest()


def generate(output: Path) -> Path:
    """Write the amended headers under `output` (only when stale); returns `output`."""
    stamp = output / ".stamp"
    fingerprint = _fingerprint()
    if stamp.exists() and stamp.read_text() == fingerprint:
        return output
    if output.exists():
        shutil.rmtree(output)
    for path in sorted(WASI_LIBC_HEADERS.rglob("*.h")):
        name = path.relative_to(WASI_LIBC_HEADERS).as_posix()
        text, count = amend(path.read_text(), name)
        if count:
            target = output / path.relative_to(WASI_LIBC_HEADERS)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    output.mkdir(parents=True, exist_ok=True)
    for name, text in REPLACED.items():
        (output / name).write_text(text)
    for name in FROM_GENERIC_MUSL:
        target = output / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(GENERIC_MUSL_HEADERS / name, target)
    stamp.write_text(fingerprint)
    return output
