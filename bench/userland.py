"""Userland benchmarks: shell scripts on Wasmux (hush and BusyBox from the rootfs image)
against Debian's `busybox` running the same scripts natively on the host.

Layer: bench tooling; imports wasmux (native host, unpack, cli.spawn_from_root) and the
rootfs-build recipes (the image is built if stale). Wasmux runs on one NativeSystem
whose tmpfs root holds the unpacked image; the data files live in its /tmp, and in a
host temporary directory for the native runs. Rows:
  spawn: ms per `/bin/true` of `for i in $(seq N); do /bin/true; done` (target <= 2 ms);
  sort, gzip, `cat | wc -c` of a generated text file (target within 3x of native);
  a 1000-line script of shell builtins (target within 3x of native).
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from wasmux.cli import spawn_from_root
from wasmux.file import OpenFile
from wasmux.fs.unpack import unpack
from wasmux.hosts.native import NativeSystem

from . import harness
from .harness import Row

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "rootfs-build"))
import image
from busybox import recipe
from init import recipe as init_recipe

MIB = 1024 * 1024
BASELINE = "native busybox"
LEGEND = """\
native busybox: Debian's busybox sh (ash) on the host running the same script, PATH = its
  applets; on Wasmux: hush and BusyBox from the rootfs image, files in its tmpfs /tmp.
  s = seconds per run of the whole script."""


@dataclass(frozen=True, slots=True)
class Settings:
    repeats: int
    spawns: int  # /bin/true runs per spawn-loop sample
    data_bytes: int  # size of the generated file for sort, gzip and the pipe
    builtin_lines: int


FULL = Settings(repeats=3, spawns=500, data_bytes=20 * MIB, builtin_lines=1000)
QUICK = Settings(repeats=1, spawns=20, data_bytes=1 * MIB, builtin_lines=1000)


def generated_text(size: int) -> bytes:
    """Deterministic lines of words and numbers, about `size` bytes."""
    rng = random.Random(3)
    words = [bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9)))
             for _ in range(4096)]
    lines, total = [], 0
    while total < size:
        line = b" ".join(rng.choice(words) for _ in range(rng.randint(2, 8)))
        line += b" %d\n" % rng.randint(0, 10**9)
        lines.append(line)
        total += len(line)
    return b"".join(lines)


def builtins_script(lines: int) -> str:
    """A script of `lines` lines that run only shell builtins."""
    block = ['i=$((i + 1))', 's=$((s + i * 3 % 7))', '[ "$i" -gt 0 ] && t=yes',
             'case "$t" in yes) u=$i ;; *) u=0 ;; esac', 'x="${t}-${u}"',
             'test "$x" != "" || s=0', 'v=${x%-*}', 'echo "$v $s" > /dev/null',
             'w=$(( (s << 1) ^ i ))', ': "$w"']
    body = [block[index % len(block)] for index in range(lines - 2)]
    return "\n".join(["i=0", "s=0", *body]) + "\n"


class WasmuxSide:
    """The image unpacked on a tmpfs root; run(script) is `sh -c script`."""

    def __init__(self, archive: bytes) -> None:
        self.system = NativeSystem()
        with self.system.host.lock:
            unpack(self.system.kernel.vfs.root, archive)

    def put(self, path: str, data: bytes) -> None:
        vfs = self.system.kernel.vfs
        directory, _, name = path.rpartition("/")
        with self.system.host.lock:
            parent = vfs.resolve(None, vfs.root, directory)
            file = OpenFile(parent.create_file(name, 0o644), readable=False, writable=True)
            file.write(data)
            file.unref()

    def run(self, script: str) -> None:
        system, stderr = self.system, bytearray()
        with system.host.lock:
            streams = [system.host_stream(None), system.host_stream(None),
                       system.host_stream(stderr.extend)]
            streams[0].feed_eof()
            process = spawn_from_root(system, "/bin/sh", ["sh", "-c", script],
                                      ["PATH=/bin:/usr/bin", "HOME=/root", "LC_ALL=C"],
                                      streams)
        status = system.wait(process, 600)
        if status != 0:
            raise RuntimeError(f"on Wasmux, status {status}: {stderr.decode()[-300:]}")

    def close(self) -> None:
        self.system.close()


class NativeSide:
    """Debian's busybox sh with PATH = a directory of BusyBox applet links."""

    def __init__(self, busybox: str, directory: Path) -> None:
        self.busybox = busybox
        self.bin = directory / "bin"
        self.bin.mkdir()
        applets = subprocess.run([busybox, "--list"], capture_output=True, text=True,
                                 check=True).stdout.split()
        for applet in applets:
            (self.bin / applet).symlink_to(busybox)
        self.tmp = directory / "tmp"
        self.tmp.mkdir()

    def run(self, script: str) -> None:
        result = subprocess.run([self.busybox, "sh", "-c", script], capture_output=True,
                                env={"PATH": str(self.bin), "LC_ALL": "C"}, check=False,
                                stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            raise RuntimeError(f"natively, status {result.returncode}: "
                               f"{result.stderr.decode()[-300:]}")


def _archive() -> bytes:
    busybox = recipe.build(REPO)
    made = image.write(REPO / "build", busybox.module, busybox.applets,
                       init_recipe.build(REPO))
    return made.archive.read_bytes()


Measure = Callable[[WasmuxSide, NativeSide, str, str], Row]


def _benchmarks(settings: Settings) -> list[tuple[str, Measure]]:
    def spawn_loop(mine: WasmuxSide, native: NativeSide, _: str, __: str) -> Row:
        def loop(side: WasmuxSide | NativeSide, true: str) -> Callable[[int], None]:
            return lambda count: side.run(
                f"for i in $(seq {count}); do {true}; done")
        seconds = harness.per_unit([loop(mine, "/bin/true"), loop(native, str(native.bin / "true"))],
                                   settings.spawns, settings.repeats)
        return harness.absolute_row(f"sh loop of {settings.spawns} /bin/true", "ms",
                                    seconds[0] * 1e3, BASELINE, seconds[1] * 1e3, at_most=2)

    def command(name: str, template: str) -> Measure:
        def measure(mine: WasmuxSide, native: NativeSide, wasmux_tmp: str,
                    native_tmp: str) -> Row:
            mine_seconds, native_seconds = harness.median_seconds(
                [lambda: mine.run(template.format(tmp=wasmux_tmp)),
                 lambda: native.run(template.format(tmp=native_tmp))], settings.repeats)
            return harness.ratio_row(name, "s", mine_seconds, BASELINE, native_seconds,
                                     at_most=3)
        return measure

    size = f"{settings.data_bytes // MIB} MB"
    return [("spawn", spawn_loop),
            (f"sort {size}", command(f"sort {size} file", "sort {tmp}/big > {tmp}/sorted")),
            (f"gzip {size}", command(f"gzip {size} file", "gzip -c {tmp}/big > {tmp}/big.gz")),
            (f"cat | wc -c {size}", command(f"cat {size} | wc -c", "cat {tmp}/big | wc -c")),
            ("builtins", command(f"{settings.builtin_lines}-line builtins script",
                                 "sh {tmp}/builtins.sh"))]


def rows(quick: bool) -> tuple[list[Row], list[str]]:
    """The userland rows, and a message per benchmark that could not run."""
    settings = QUICK if quick else FULL
    busybox = shutil.which("busybox")
    if busybox is None:
        return [], [("userland: Debian's busybox is not installed (apt-get install busybox; "
                     "./test installs it)")]
    try:
        archive = _archive()
    except Exception as error:  # noqa: BLE001 - reported as a failed benchmark
        return [], [f"userland: the rootfs image could not be built: {error}"]
    data = generated_text(settings.data_bytes)
    script = builtins_script(settings.builtin_lines).encode()
    results: list[Row] = []
    failures: list[str] = []
    mine = WasmuxSide(archive)
    try:
        with tempfile.TemporaryDirectory(prefix="wasmux-bench-userland-") as scratch:
            native = NativeSide(busybox, Path(scratch))
            (native.tmp / "big").write_bytes(data)
            (native.tmp / "builtins.sh").write_bytes(script)
            mine.put("/tmp/big", data)
            mine.put("/tmp/builtins.sh", script)
            for name, measure in _benchmarks(settings):
                try:
                    results.append(measure(mine, native, "/tmp", str(native.tmp)))
                except RuntimeError as error:
                    failures.append(f"userland {name}: {error}")
    finally:
        mine.close()
    return results, failures

