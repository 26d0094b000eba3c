"""Build the process-test C programs (tests/native/process_programs/*.c) against
libwasmux, the way ported programs link it (rootfs-build/libwasmux/library.py), and
install them in a NativeSystem's root as /bin/NAME (mode 0755)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from wasmux.abi import wasi
from wasmux.fdtable import FdTable
from wasmux.hosts.native import NativeSystem, stdio_descriptor
from wasmux.proc import Process

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "rootfs-build"))

from libwasmux import library
from toolchain import TARGET, CompileError

SOURCES = Path(__file__).resolve().parent / "process_programs"
BUILD = REPO / "build" / "tests" / "process"


def build(name: str) -> Path:
    """Compile and link process_programs/NAME.c with libwasmux (when stale)."""
    BUILD.mkdir(parents=True, exist_ok=True)
    source = SOURCES / f"{name}.c"
    output = BUILD / f"{name}.wasm"
    inputs = library.program_link_inputs(BUILD)
    command = [sys.executable, "-m", "ziglang", "cc", "-target", TARGET,
               *library.program_cflags(BUILD), *inputs, str(source),
               *library.program_link_flags(), "-o", str(output)]
    digest = hashlib.sha256("\0".join(command).encode())
    for path in [source, *map(Path, inputs)]:
        digest.update(path.read_bytes())
    stamp = output.with_name(output.name + ".stamp")
    if output.exists() and stamp.exists() and stamp.read_text() == digest.hexdigest():
        return output
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise CompileError(f"compiling {name} failed:\n{result.stderr}")
    stamp.write_text(digest.hexdigest())
    return output


def install(system: NativeSystem, path: str, data: bytes, mode: int = 0o755) -> None:
    """Write `data` to `path` in the system's root (creating its directory)."""
    vfs = system.kernel.vfs
    with system.host.lock:
        directory = path.rsplit("/", 1)[0] or "/"
        if vfs.lookup(None, vfs.root, directory).inode is None:
            vfs.make_directory(None, vfs.root, directory)
        file = vfs.open(None, vfs.root, path, wasi.OFLAGS_CREAT | wasi.OFLAGS_TRUNC, True,
                        False, True, 0, path)
        file.write(data)
        file.inode.set_mode(mode)
        file.unref()


def start(system: NativeSystem, path: str, argv: list[str], stdout: bytearray,
          stdin: bytes | None = b"") -> Process:
    """Spawn `path` from the root with stdout (and stderr) appended to `stdout`; stdin
    holds `stdin` then end of file, or stays open and empty when it is None."""
    with system.host.lock:
        streams = [system.host_stream(None), system.host_stream(stdout.extend)]
        if stdin is not None:
            streams[0].feed(stdin)
            streams[0].feed_eof()
        fds = FdTable()
        for fd, stream in ((0, streams[0]), (1, streams[1]), (2, streams[1])):
            fds.install_at(fd, stdio_descriptor(stream, fd))
        fds.install_at(3, system.kernel.root_descriptor())
        return system.kernel.spawn_path(None, path, [arg.encode() for arg in argv],
                                        [b"PATH=/bin"], fds, "/")


def run(system: NativeSystem, argv: list[str], stdin: bytes | None = b"",
        timeout: float = 30) -> tuple[int, str]:
    """(status, output) of /bin/ARGV[0] run from the root to its end."""
    output = bytearray()
    process = start(system, f"/bin/{argv[0]}", argv, output, stdin)
    status = system.wait(process, timeout)
    return status, output.decode()
