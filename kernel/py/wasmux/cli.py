"""The `wasmux` command: run a wasm program, or the system's shell, on the native host.

Layer: front end (native only); imports hosts.native and rootstore. `wasmux run` runs
one host wasm file with stdin, stdout and stderr passed through; `wasmux mkroot DIR`
unpacks the rootfs image into a fresh root store; `wasmux shell` starts /sbin/init (or
/bin/sh) from the root filesystem with the terminal as its console, and `wasmux shell
-c CMD` runs CMD with the root's /bin/sh, stdio passed through. They exit with the
program's status (128+N for signal N; 126 when the file cannot be executed, 127 when
it is missing).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .abi import wasi
from .dev.stream import HostStream
from .errors import KernelError
from .fdtable import FdTable
from .hosts.native import NativeSystem, stdio_descriptor
from .hosts.terminal import HostTerminal
from .proc import Process
from .rootstore import DEFAULT_IMAGE, RootStoreError, make_root

CANNOT_EXECUTE = 126
NOT_FOUND = 127
SHELL_ENVIRONMENT = ("PATH=/bin:/sbin:/usr/bin", "HOME=/root", "USER=root", "LOGNAME=root",
                     "SHELL=/bin/sh")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wasmux", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run a wasm32-wasi program from the host")
    run.add_argument("--root", type=Path, help="host directory holding the persistent root "
                     "filesystem (default: an empty tmpfs)")
    run.add_argument("--env", action="append", default=[], metavar="K=V",
                     help="environment variable for the program (repeatable)")
    run.add_argument("--trace", action="store_true", help="print every syscall to stderr")
    run.add_argument("program", type=Path, help="the .wasm file")
    run.add_argument("args", nargs=argparse.REMAINDER, help="its arguments")
    shell = commands.add_parser("shell", help="start /sbin/init or /bin/sh from the root")
    shell.add_argument("--root", type=Path, help="host directory holding the root filesystem")
    shell.add_argument("-c", dest="command_line", metavar="CMD", help="run CMD with /bin/sh")
    shell.add_argument("--trace", action="store_true", help="print every syscall to stderr")
    mkroot = commands.add_parser("mkroot", help="create a root store from the rootfs image")
    mkroot.add_argument("directory", type=Path, help="host directory for the new root store")
    mkroot.add_argument("--image", type=Path, default=DEFAULT_IMAGE,
                        help=f"the rootfs image (default: {DEFAULT_IMAGE})")
    mkroot.add_argument("--force", action="store_true",
                        help="replace the root store already in the directory")
    return parser


def _write_through(stream: Any) -> Callable[[bytes], None]:
    buffer = getattr(stream, "buffer", stream)

    def write(data: bytes) -> None:
        buffer.write(data)
        buffer.flush()
    return write


def _pump_stdin(system: NativeSystem, stream: HostStream) -> None:
    """Feed the host's stdin to `stream` from a daemon thread, then end of file."""
    def pump() -> None:
        while True:
            try:
                data = os.read(sys.stdin.fileno(), 65536)
            except OSError:
                data = b""
            with system.host.lock:
                if data:
                    stream.feed(data)
                else:
                    stream.feed_eof()
            if not data:
                return
    threading.Thread(target=pump, name="wasmux-stdin", daemon=True).start()


def _wait(system: NativeSystem, process: Process) -> int:
    """Wait for the program; Ctrl-C sends it SIGINT."""
    while True:
        try:
            return system.wait(process)
        except KeyboardInterrupt:
            with system.host.lock:
                system.kernel.kill(process, wasi.SIGINT)


def _trace(system: NativeSystem, enabled: bool) -> None:
    if enabled:
        def write(line: str) -> None:
            print(line, file=sys.stderr, flush=True)
        system.kernel.enable_trace(write)


def run(options: argparse.Namespace) -> int:
    try:
        module = options.program.read_bytes()
    except OSError as error:
        print(f"wasmux: {options.program}: {error.strerror}", file=sys.stderr)
        return NOT_FOUND
    with NativeSystem(options.root) as system:
        _trace(system, options.trace)
        with system.host.lock:
            streams = _host_stdio(system)
            try:
                process = system.spawn(module, [str(options.program), *options.args],
                                       options.env, [stdio_descriptor(stream, fd)
                                                     for fd, stream in enumerate(streams)])
            except KernelError as error:
                print(f"wasmux: {error}", file=sys.stderr)
                return CANNOT_EXECUTE
        _pump_stdin(system, streams[0])
        return _wait(system, process)


def _host_stdio(system: NativeSystem) -> list[HostStream]:
    """Streams for fds 0-2 on the host's stdin, stdout and stderr (call under the lock)."""
    return [system.host_stream(None, sys.stdin.isatty()),
            system.host_stream(_write_through(sys.stdout), sys.stdout.isatty()),
            system.host_stream(_write_through(sys.stderr), sys.stderr.isatty())]


def spawn_from_root(system: NativeSystem, path: str, argv: Sequence[str],
                    environment: Sequence[str], streams: Sequence[HostStream]) -> Process:
    """Start the program file `path` of the kernel's filesystem (a parentless process,
    leading its own session) with fds 0-2 on `streams` and fd 3 the preopened root
    (call under the lock). KernelError as for exec: ENOENT, EACCES, ENOEXEC..."""
    fds = FdTable()
    for fd, stream in enumerate(streams):
        fds.install_at(fd, stdio_descriptor(stream, fd))
    fds.install_at(3, system.kernel.root_descriptor())
    return system.kernel.spawn_path(None, path, [arg.encode() for arg in argv],
                                    [item.encode() for item in environment], fds, "/")


def shell(options: argparse.Namespace) -> int:
    """Boot /sbin/init (else /bin/sh) on the console, or run `-c CMD` with /bin/sh and
    the host's stdio; returns the program's status."""
    if options.root is not None and not options.root.is_dir():
        print(f"wasmux: no root store at {options.root}: create one with "
              f"`wasmux mkroot {options.root}`", file=sys.stderr)
        return NOT_FOUND
    with NativeSystem(options.root) as system:
        _trace(system, options.trace)
        candidates: Sequence[tuple[str, list[str]]] = [("/bin/sh", ["sh", "-c", options.command_line])] \
            if options.command_line is not None else [("/sbin/init", ["init"]), ("/bin/sh", ["sh"])]
        environment = [*SHELL_ENVIRONMENT, f"TERM={os.environ.get('TERM', 'xterm')}"]
        with system.host.lock:
            streams = _host_stdio(system) if options.command_line is not None \
                else [system.kernel.console] * 3
            for path, argv in candidates:
                try:
                    process = spawn_from_root(system, path, argv, environment, streams)
                    break
                except KernelError as error:
                    if error.errno != wasi.ENOENT:
                        print(f"wasmux: {path}: {error}", file=sys.stderr)
                        return CANNOT_EXECUTE
            else:
                where = options.root if options.root is not None else "the empty tmpfs root"
                names = " or ".join(path for path, _ in candidates)
                print(f"wasmux: no {names} in {where}: run `wasmux mkroot DIR` first",
                      file=sys.stderr)
                return NOT_FOUND
        if options.command_line is not None:
            _pump_stdin(system, streams[0])
            return _wait(system, process)
        with HostTerminal(system) as terminal:
            terminal.pump()
            return _wait(system, process)


def mkroot(options: argparse.Namespace) -> int:
    try:
        made = make_root(options.directory, options.image, options.force)
    except RootStoreError as error:
        print(f"wasmux mkroot: {error}", file=sys.stderr)
        return 1
    print(f"wasmux: root store in {options.directory}: image {made.version}, "
          f"{made.entries} entries")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    commands = {"run": run, "shell": shell, "mkroot": mkroot}
    return commands[options.command](options)
