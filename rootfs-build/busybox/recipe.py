"""Build BusyBox for wasm32-wasi from Debian's source package: build/rootfs/bin/busybox.wasm.

Layer: build tooling (host side). Steps: fetch the pinned source (debsource), configure
an out-of-tree object directory from allnoconfig plus the committed fragment `config`
(NOMMU, hush as sh), compile with BusyBox's own kbuild (its host tools with the host
gcc, the target objects with `zig cc` and the flags of libwasmux.library), then link
the object files ourselves: kbuild's final link is replaced by a command that only
records the parts it would link, and each part's members are read back from kbuild's
`.cmd` files (zig's linker turns kbuild's `ld -r` built-in.o into a module and does not
pull members from its lib.a archives, so both are bypassed). The source tree is never
modified: fixes of BusyBox itself (patches/) are applied to copies in the object
directory. Imports debsource, toolchain and libwasmux.library.
"""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import debsource
import toolchain
from libwasmux import library

PACKAGE = "busybox"
VERSION = "1:1.35.0-4+deb12u1"
HERE = Path(__file__).resolve().parent
FRAGMENT = HERE / "config"
PATCHES = HERE / "patches"  # fixes of BusyBox itself, one source file per patch
JOBS = 2
PARTS_FILE = "busybox.parts"
# Objects compiled as for Linux: BusyBox names a process it re-executed through
# /proc/self/exe after its applet (prctl PR_SET_NAME, /proc/<pid>/comm) only when
# __linux__ is defined, and libwasmux provides prctl's PR_SET_NAME and PR_GET_NAME.
LINUX_OBJECTS = ("appletlib", "vfork_daemon_rexec")


class BuildError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class Result:
    module: Path
    applets: list[str]
    unapplied: list[str]


def _fragment() -> dict[str, str]:
    """The fragment's settings, CONFIG_NAME -> value."""
    settings = {}
    for line in FRAGMENT.read_text().splitlines():
        if line.startswith("CONFIG_"):
            name, _, value = line.partition("=")
            settings[name] = value
    return settings


def _apply_fragment(config: Path, settings: dict[str, str]) -> None:
    lines = []
    for line in config.read_text().splitlines():
        match = re.match(r"# (CONFIG_\w+) is not set|(CONFIG_\w+)=", line)
        name = match and (match.group(1) or match.group(2))
        lines.append(f"{name}={settings[name]}" if name in settings else line)
    config.write_text("\n".join(lines) + "\n")


def _tools(build: Path) -> Path:
    """Wrapper scripts kbuild runs as CC and AR (the venv's zig, for wasm32-wasi)."""
    tools = build / "busybox" / "tools"
    tools.mkdir(parents=True, exist_ok=True)
    for name, command in (("cc", f"cc -target {toolchain.TARGET}"), ("ar", "ar")):
        script = tools / name
        text = f'#!/bin/sh\nexec "{sys.executable}" -m ziglang {command} "$@"\n'
        if not script.exists() or script.read_text() != text:
            script.write_text(text)
            script.chmod(0o755)
    return tools


def _make(source: Path, objdir: Path, tools: Path, targets: list[str], log: Path,
          cflags: Sequence[str] = (), stdin: str | None = None) -> None:
    environment = dict(os.environ, CFLAGS=" ".join(cflags))
    command = ["make", f"-j{JOBS}", f"O={objdir}", f"CC={tools / 'cc'}", f"AR={tools / 'ar'}",
               "HOSTCC=gcc", "SKIP_STRIP=y",
               f"cmd_busybox__=echo $(core-y) $(libs-y) > {PARTS_FILE}",
               *(f"CFLAGS_{name}.o=-D__linux__" for name in LINUX_OBJECTS), *targets]
    with log.open("a") as output:
        result = subprocess.run(command, cwd=source, env=environment, input=stdin,
                                stdout=output, stderr=subprocess.STDOUT, text=True,
                                check=False)
    if result.returncode != 0:
        text = log.read_text(errors="replace")
        failed = sorted(set(re.findall(r"\[\S*Makefile\.build:\d+: (\S+\.o)\]", text)))
        errors = [line for line in text.splitlines() if "error:" in line][:20]
        raise BuildError(f"make {' '.join(targets)} failed (log: {log}); objects: "
                         f"{failed or 'none'}\n" + "\n".join(errors))


def patch_sources(source: Path, objdir: Path) -> None:
    """Apply each patches/*.patch to a copy of the file it changes, kept at the same
    relative path in the object directory: kbuild run with O= looks for a source there
    before the tree (its VPATH), so the tree stays as Debian ships it. A copy is written
    only when its text changes (kbuild then recompiles that file alone)."""
    for patch in sorted(PATCHES.glob("*.patch")):
        text = patch.read_text()
        targets = re.findall(r"^\+\+\+ b/(\S+)", text, re.MULTILINE)
        if len(targets) != 1:
            raise BuildError(f"{patch.name}: a patch changes exactly one file")
        result = subprocess.run(["patch", "--quiet", "--output=-", str(source / targets[0])],
                                input=text, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise BuildError(f"{patch.name} does not apply:\n{result.stdout}{result.stderr}")
        copy = objdir / targets[0]
        if not copy.exists() or copy.read_text() != result.stdout:
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text(result.stdout)


def configure(source: Path, objdir: Path, tools: Path, log: Path) -> list[str]:
    """Write objdir/.config from allnoconfig and the fragment (when the fragment or the
    source changed); returns the fragment's settings Kconfig did not keep."""
    settings = _fragment()
    config = objdir / ".config"
    stamp = objdir / ".fragment"
    wanted = FRAGMENT.read_text() + VERSION
    if not (config.exists() and stamp.exists() and stamp.read_text() == wanted):
        # kbuild decides PLATFORM_LINUX by asking the compiler for __linux__; Wasmux
        # offers the Linux interfaces BusyBox's Linux-only applets use (the ioctl
        # numbers, /proc, sysinfo), so the answer is given here instead.
        (objdir / ".platform.in").write_text("config PLATFORM_LINUX\n\tbool\n\tdefault y\n")
        _make(source, objdir, tools, ["allnoconfig"], log)
        # Twice: options the first pass makes visible get their fragment value next.
        for _ in range(2):
            _apply_fragment(config, settings)
            _make(source, objdir, tools, ["oldconfig"], log, stdin="\n" * 5000)
        stamp.write_text(wanted)
    kept = {line.partition("=")[0]: line.partition("=")[2]
            for line in config.read_text().splitlines() if line.startswith("CONFIG_")}
    return sorted(name for name, value in settings.items()
                  if value != "n" and kept.get(name) != value)


def _members(objdir: Path, part: str) -> list[str]:
    """The object files kbuild put into `part` (a built-in.o or lib.a), recursively."""
    directory, _, name = part.rpartition("/")
    command = (objdir / directory / f".{name}.cmd").read_text().partition(":=")[2]
    members = []
    for token in command.replace(";", " ").split():
        if token.endswith(".o") and token != part:
            members += _members(objdir, token) if token.endswith("built-in.o") else [token]
    return members


def link_objects(objdir: Path) -> list[str]:
    """All object files of the final link, in kbuild's order, each once."""
    objects: list[str] = []
    for part in (objdir / PARTS_FILE).read_text().split():
        objects += [member for member in _members(objdir, part) if member not in objects]
    return objects


def applets(objdir: Path) -> list[str]:
    """The applet names compiled in (from the generated include/applet_tables.h)."""
    tables = (objdir / "include" / "applet_tables.h").read_text()
    names = re.search(r"applet_names\[\] ALIGN1 = \"\"(.*?);", tables, re.DOTALL)
    if not names:
        raise BuildError("cannot read the applet list from applet_tables.h")
    return re.findall(r'"([^"\\]+)" "\\0"', names.group(1))


def build(root: Path) -> Result:
    """Build `root`/build/rootfs/bin/busybox.wasm; `root` is the repository. Builds of
    the same tree take turns (a lock file): two kbuild runs in one object directory
    corrupt each other's objects."""
    lock_path = root / "build" / "busybox" / ".lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _build(root)


def _build(root: Path) -> Result:
    build_dir = root / "build"
    source = debsource.fetch(PACKAGE, VERSION, build_dir / "src")
    objdir = build_dir / "busybox" / f"obj-{VERSION.replace(':', '_')}"
    objdir.mkdir(parents=True, exist_ok=True)
    tools = _tools(build_dir)
    log = build_dir / "busybox" / "build.log"
    log.write_text("")
    unapplied = configure(source, objdir, tools, log)
    patch_sources(source, objdir)
    (objdir / PARTS_FILE).unlink(missing_ok=True)
    _make(source, objdir, tools, ["busybox_unstripped"], log,
          cflags=library.program_cflags(build_dir))
    module = build_dir / "rootfs" / "bin" / "busybox.wasm"
    module.parent.mkdir(parents=True, exist_ok=True)
    command = [str(tools / "cc"), *library.program_link_inputs(build_dir),
               *link_objects(objdir), *library.program_link_flags(), "-o", str(module)]
    result = subprocess.run(command, cwd=objdir, capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        raise BuildError(f"linking busybox.wasm failed:\n{result.stderr[-4000:]}")
    return Result(module, applets(objdir), unapplied)
