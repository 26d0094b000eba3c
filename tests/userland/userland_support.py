"""What the userland tests share (imported by their conftest.py and test modules; a
uniquely named module, so `import` never picks another directory's conftest): the rootfs image (built once per session), a Wasmux
system booted from it on a tmpfs root, and shells that run the same script on Wasmux
and natively on Debian's `busybox` (installed with apt-get when missing)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("wasmtime")

from wasmux.cli import spawn_from_root
from wasmux.file import OpenFile
from wasmux.fs.unpack import unpack
from wasmux.hosts.native import NativeSystem

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "rootfs-build"))

import debsource
import image
from busybox import recipe
from init import recipe as init_recipe

SHELL_ENVIRONMENT = ("PATH=/bin:/sbin:/usr/bin", "HOME=/root", "USER=root", "LC_ALL=C")


@dataclass(frozen=True, slots=True)
class BuiltImage:
    archive: Path
    stamp: Path
    busybox: recipe.Result
    init: Path


@pytest.fixture(scope="session")
def built_image() -> BuiltImage:
    """build/rootfs.tar.gz from the current sources (BusyBox, init, /etc)."""
    try:
        busybox = recipe.build(REPO)
    except debsource.SourceUnavailable as error:
        pytest.skip(f"apt-get source busybox is impossible on this machine: {error}")
    init = init_recipe.build(REPO)
    made = image.write(REPO / "build", busybox.module, busybox.applets, init)
    return BuiltImage(made.archive, made.stamp, busybox, init)


@dataclass(frozen=True, slots=True)
class ShellResult:
    status: int
    stdout: str
    stderr: str
    seconds: float


class WasmuxShell:
    """One NativeSystem whose tmpfs root holds the unpacked image; run() executes a
    script with the root's /bin/sh, like `wasmux shell -c`."""

    def __init__(self, archive: bytes) -> None:
        self.system = NativeSystem()
        with self.system.host.lock:
            unpack(self.system.kernel.vfs.root, archive)

    def run(self, script: str, stdin: bytes = b"", timeout: float = 30,
            environment: Sequence[str] = SHELL_ENVIRONMENT,
            merge_output: bool = False) -> ShellResult:
        """Run `sh -c script`; with merge_output stderr goes to the stdout stream (2>&1).
        A run past `timeout` is killed (status 137)."""
        stdout, stderr = bytearray(), bytearray()
        system = self.system
        started = time.monotonic()
        with system.host.lock:
            streams = [system.host_stream(None), system.host_stream(stdout.extend)]
            streams.append(streams[1] if merge_output else system.host_stream(stderr.extend))
            streams[0].feed(stdin)
            streams[0].feed_eof()
            process = spawn_from_root(system, "/bin/sh", ["sh", "-c", script], environment,
                                      streams)
        status = system.wait(process, timeout)
        return ShellResult(status, stdout.decode(errors="replace"),
                           stderr.decode(errors="replace"), time.monotonic() - started)

    def put_file(self, path: str, data: bytes, mode: int = 0o644) -> None:
        """Create (or replace) the file `path` in the root."""
        vfs = self.system.kernel.vfs
        directory, _, name = path.rpartition("/")
        with self.system.host.lock:
            parent = vfs.resolve(None, vfs.root, directory or "/")
            if name in dict(parent.list()):
                parent.unlink(name)
            inode = parent.create_file(name, mode)
            file = OpenFile(inode, readable=False, writable=True)
            file.write(data)
            file.unref()

    def close(self) -> None:
        self.system.close()


@pytest.fixture(scope="session")
def wasmux_shell(built_image: BuiltImage) -> Iterator[WasmuxShell]:
    shell = WasmuxShell(built_image.archive.read_bytes())
    try:
        yield shell
    finally:
        shell.close()


_install_lock = threading.Lock()


def ensure_native_busybox() -> str:
    """The path of Debian's busybox, installed with apt-get when missing (fails the
    test loudly when it cannot be installed)."""
    with _install_lock:
        found = shutil.which("busybox")
        if found is None and shutil.which("apt-get") is not None:
            command = ["apt-get", "install", "-y", "-qq", "busybox"]
            if os.geteuid() != 0:
                command = ["sudo", "-n", *command]
            subprocess.run(command, capture_output=True, check=False,
                           env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
            found = shutil.which("busybox")
        if found is None:
            pytest.fail("Debian's busybox is not installed and apt-get install -y busybox "
                        "failed: the native comparisons cannot run")
        return found


class NativeShell:
    """Debian's busybox on the host: `busybox sh` (ash) with PATH holding only BusyBox
    applets, so scripts use the same tools as on Wasmux."""

    def __init__(self, busybox: str, directory: Path) -> None:
        self.busybox = busybox
        self.bin = directory / "bin"
        self.bin.mkdir()
        applets = subprocess.run([busybox, "--list"], capture_output=True, text=True,
                                 check=True).stdout.split()
        for applet in applets:
            (self.bin / applet).symlink_to(busybox)
        self.scratch = directory / "scratch"
        self.scratch.mkdir()

    def run(self, script: str, stdin: bytes = b"", timeout: float = 30,
            merge_output: bool = False) -> ShellResult:
        environment = {"PATH": str(self.bin), "HOME": str(self.scratch), "LC_ALL": "C"}
        started = time.monotonic()
        try:
            result = subprocess.run(
                [self.busybox, "sh", "-c", script], input=stdin, capture_output=not merge_output,
                stdout=subprocess.PIPE if merge_output else None,
                stderr=subprocess.STDOUT if merge_output else None,
                env=environment, cwd=self.scratch, timeout=timeout, check=False)
            status = result.returncode if result.returncode >= 0 else 128 - result.returncode
            stdout, stderr = result.stdout, result.stderr or b""
        except subprocess.TimeoutExpired as expired:
            status, stdout, stderr = 137, expired.stdout or b"", expired.stderr or b""
        return ShellResult(status, stdout.decode(errors="replace"),
                           stderr.decode(errors="replace"), time.monotonic() - started)


@pytest.fixture(scope="session")
def native_shell() -> Iterator[NativeShell]:
    busybox = ensure_native_busybox()
    with tempfile.TemporaryDirectory(prefix="wasmux-native-busybox-") as directory:
        yield NativeShell(busybox, Path(directory))
