"""Assemble the static site: `python packaging/build_site.py [--site DIR]`.

Layer: host-side build tooling. Builds `build/site/` (or DIR), a folder any static
server can serve (all URLs relative, so a sub-path works too):

  index.html boot.js sw.js            the page files from the repository root
  kernel/*.js kernel/drivers/*.js     the kernel worker, process worker, drivers
  vendor/pyodide/ vendor/xterm/       copied from the npm packages pinned in
                                      packaging/package-lock.json (`npm ci` into build/npm)
  wheels/                             micropip and packaging from PyPI (hash-pinned in
                                      packaging/pyodide-wheels.txt), the kernel wheel, and
                                      pyodide-lock.json naming exactly those wheels
  rootfs/                             build/rootfs.tar.gz + rootfs.json (built by
                                      rootfs-build/build.py image when missing)
  snapshot/kernel-KEY.bin.gz          the kernel's Pyodide memory snapshot, made with
                                      Node by packaging/make_snapshot.mjs: a first boot
                                      restores it (KEY: see snapshot_key)
  site.json                           version hash of everything, file list, entry points

Every step is incremental (keyed by content hashes under build/). Imports only the
standard library; runs npm, pip, node and rootfs-build/build.py as subprocesses.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "packaging"
BUILD = ROOT / "build"
PAGE_FILES = ("index.html", "boot.js", "sw.js")
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")
XTERM_FILES = {
    "@xterm/xterm/lib/xterm.mjs": "xterm.mjs",
    "@xterm/xterm/css/xterm.css": "xterm.css",
    "@xterm/xterm/LICENSE": "LICENSE",
    "@xterm/addon-fit/lib/addon-fit.mjs": "addon-fit.mjs",
}
PYODIDE_WHEEL_PACKAGES = ("micropip", "packaging")
ROOTFS_FILES = ("rootfs.tar.gz", "rootfs.json")
SNAPSHOT_DIRECTORY = "snapshot"
# What the kernel's memory snapshot is made from, in the site (its key hashes them).
SNAPSHOT_INPUTS = ("vendor/pyodide/pyodide.asm.mjs", "vendor/pyodide/pyodide.asm.wasm",
                   "kernel/kernel-snapshot.js")


class BuildError(Exception):
    """A build step failed; the message says which and why."""


@dataclass(frozen=True, slots=True)
class Result:
    site: Path
    version: str
    rootfs_error: str | None  # why rootfs/ is missing, None when it is there


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_tree(paths: list[Path], base: Path) -> str:
    """One hash over the names and contents of `paths` (relative to `base`)."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(f"{path.relative_to(base).as_posix()}\0{sha256_file(path)}\n".encode())
    return digest.hexdigest()


def run(command: list[str], what: str, cwd: Path | None = None) -> None:
    """Runs a build command; a failure raises BuildError with its output."""
    completed = subprocess.run(command, check=False, cwd=cwd, capture_output=True,
                               text=True)
    if completed.returncode != 0:
        raise BuildError(f"{what} failed (exit {completed.returncode}): {' '.join(command)}\n"
                         f"{completed.stdout}{completed.stderr}")


def npm_packages() -> Path:
    """`npm ci` of packaging/package-lock.json into build/npm; returns its node_modules."""
    target = BUILD / "npm"
    stamp = target / f".installed-{sha256_tree([HERE / 'package-lock.json'], HERE)[:16]}"
    if not stamp.exists():
        if shutil.which("npm") is None:
            raise BuildError("npm is not installed: it is needed to fetch Pyodide and xterm.js "
                             "(Debian: apt-get install npm)")
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy2(HERE / name, target / name)
        run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"], "npm ci", cwd=target)
        stamp.touch()
    return target / "node_modules"


def pyodide_wheels() -> list[Path]:
    """micropip and packaging wheels for Python 3.14 from PyPI, checked against their pins."""
    requirements = HERE / "pyodide-wheels.txt"
    target = BUILD / "pyodide-wheels" / sha256_tree([requirements], HERE)[:16]
    wheels = sorted(target.glob("*.whl"))
    if len(wheels) != len(PYODIDE_WHEEL_PACKAGES):
        shutil.rmtree(target, ignore_errors=True)
        run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
             "--no-deps", "--only-binary=:all:", "--python-version", "3.14",
             "--platform", "any", "--require-hashes", "-r", str(requirements),
             "-d", str(target)], "pip download of the micropip/packaging wheels")
        wheels = sorted(target.glob("*.whl"))
    return wheels


def kernel_wheel() -> Path:
    """The wasmux wheel built from pyproject.toml and kernel/py, in a clean copy of the
    sources (setuptools' build/lib would otherwise keep files deleted from the tree)."""
    sources = [ROOT / "pyproject.toml", ROOT / "README.md"]
    sources += [path for path in (ROOT / "kernel" / "py" / "wasmux").rglob("*.py")]
    target = BUILD / "kernel-wheel" / sha256_tree(sources, ROOT)[:16]
    wheels = list(target.glob("wasmux-*.whl"))
    if not wheels:
        with tempfile.TemporaryDirectory(prefix="wasmux-wheel-") as scratch:
            for source in sources:
                copy = Path(scratch, source.relative_to(ROOT))
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, copy)
            run([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
                 "--no-deps", "-w", str(target), scratch], "building the kernel wheel")
        wheels = list(target.glob("wasmux-*.whl"))
    return wheels[0]


def pyodide_lock(original: Path, wheels: list[Path], output: Path) -> None:
    """Pyodide's lock file reduced to the wheels the site ships, with their real sha256."""
    lock = json.loads(original.read_text())
    packages = {}
    for wheel in wheels:
        name = wheel.name.split("-")[0]
        entry = dict(lock["packages"][name])
        if entry["file_name"] != wheel.name:
            raise BuildError(f"pyodide-lock.json names {entry['file_name']} for {name}, "
                             f"but packaging/pyodide-wheels.txt pins {wheel.name}")
        entry["sha256"] = sha256_file(wheel)
        packages[name] = entry
    lock["packages"] = packages
    output.write_text(json.dumps(lock, indent=1, sort_keys=True) + "\n")


def rootfs_image() -> tuple[list[Path], str | None]:
    """build/rootfs.tar.gz + rootfs.json, built by `rootfs-build/build.py image` when
    missing (rebuild them with that command after changing the userland); returns the
    files, or none and the reason."""
    files = [BUILD / name for name in ROOTFS_FILES]
    if all(path.exists() for path in files):
        return files, None
    completed = subprocess.run([sys.executable, str(ROOT / "rootfs-build" / "build.py"), "image"],
                               check=False, capture_output=True, text=True)
    if completed.returncode != 0:
        detail = (completed.stdout + completed.stderr).strip().splitlines()[-12:]
        return [], ("`rootfs-build/build.py image` failed, so the site has no rootfs/ and a "
                    "first boot cannot install a root filesystem:\n  " + "\n  ".join(detail))
    missing = [str(path) for path in files if not path.exists()]
    if missing:
        return [], f"`rootfs-build/build.py image` did not write {', '.join(missing)}"
    return files, None


def snapshot_key(site: Path, entries: dict[str, Any]) -> str:
    """The key of the kernel's memory snapshot for `site`: Pyodide's version and a hash of
    what the snapshot is made from (Pyodide's runtime, the kernel wheel, the snapshot
    code). The kernel worker keeps its stored copy under this key: a deployment that
    changes any of them makes browsers take the new snapshot."""
    inputs = [site / name for name in (*SNAPSHOT_INPUTS, entries["kernelWheel"])]
    digest = hashlib.sha256("".join(sha256_file(path) + "\n" for path in inputs).encode())
    return f"{entries['pyodide']['version']}-{digest.hexdigest()[:16]}"


def kernel_snapshot(site: Path, entries: dict[str, Any]) -> dict[str, object]:
    """Makes the kernel's memory snapshot with Node (packaging/make_snapshot.mjs, cached
    under build/snapshots/) into site/snapshot/; returns site.json's `snapshot` entry:
    {key, file, size (uncompressed bytes)}."""
    key = snapshot_key(site, entries)
    maker = HERE / "make_snapshot.mjs"
    cached = BUILD / "snapshots" / f"kernel-{key}-{sha256_file(maker)[:8]}.bin.gz"
    if not cached.exists():
        if shutil.which("node") is None:
            raise BuildError("node is not installed: it makes the kernel's memory snapshot "
                             "(Debian: apt-get install nodejs)")
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(".partial")
        run(["node", str(maker), str(site), str(site / entries["kernelWheel"]), str(partial)],
            "making the kernel's memory snapshot")
        partial.replace(cached)
    file = f"{SNAPSHOT_DIRECTORY}/kernel-{key}.bin.gz"
    copy(cached, site / file)
    with cached.open("rb") as stream:  # gzip's trailer ends with the size, modulo 2**32
        stream.seek(-4, 2)
        size = int.from_bytes(stream.read(4), "little")
    return {"key": key, "file": file, "size": size}


def copy(source: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, destination)


def write_manifest(site: Path, entries: dict[str, object]) -> str:
    """Writes site.json: every file's sha256 and size, the entry points in `entries`, and
    `version`, a hash of all of it (sw.js keys its cache on it). Returns the version."""
    files = {}
    for path in sorted(site.rglob("*")):
        relative = path.relative_to(site).as_posix()
        if path.is_file() and relative != "site.json":
            files[relative] = {"sha256": sha256_file(path), "size": path.stat().st_size}
    body = {**entries, "files": files}
    version = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]
    (site / "site.json").write_text(json.dumps({"version": version, **body}, indent=1) + "\n")
    return version


def rewrite_manifest(site: Path) -> str:
    """Recomputes site.json after files of an existing site changed (a new deployment).
    A snapshot made from other files than the site's now is dropped from it."""
    entries = json.loads((site / "site.json").read_text())
    entries.pop("version")
    entries.pop("files")
    snapshot = entries.get("snapshot")
    if snapshot is not None:
        key = snapshot_key(site, entries)
        if snapshot["file"] and key != snapshot["key"]:
            (site / snapshot["file"]).unlink(missing_ok=True)
            snapshot["file"] = None
        snapshot["key"] = key
    return write_manifest(site, entries)


def build(site: Path = BUILD / "site") -> Result:
    """Builds the whole site into `site` (replacing it). The rootfs image is the one part
    allowed to be missing: Result.rootfs_error then says why."""
    node_modules = npm_packages()
    wheels = pyodide_wheels()
    wasmux_wheel = kernel_wheel()
    rootfs_files, rootfs_error = rootfs_image()

    shutil.rmtree(site, ignore_errors=True)
    site.mkdir(parents=True)
    for name in PAGE_FILES:
        if not (ROOT / name).exists():
            raise BuildError(f"{name} is missing from the repository root")
        copy(ROOT / name, site / name)
    kernel = ROOT / "kernel"
    for script in [*kernel.glob("*.js"), *(kernel / "drivers").glob("*.js")]:
        copy(script, site / script.relative_to(ROOT))
    pyodide = node_modules / "pyodide"
    for name in PYODIDE_FILES:
        copy(pyodide / name, site / "vendor" / "pyodide" / name)
    for source, name in XTERM_FILES.items():
        copy(node_modules / source, site / "vendor" / "xterm" / name)
    for wheel in [*wheels, wasmux_wheel]:
        copy(wheel, site / "wheels" / wheel.name)
    pyodide_lock(pyodide / "pyodide-lock.json", wheels, site / "wheels" / "pyodide-lock.json")
    for path in rootfs_files:
        copy(path, site / "rootfs" / path.name)

    pyodide_version = json.loads((pyodide / "package.json").read_text())["version"]
    entries: dict[str, Any] = {
        # Pyodide is in vendor/pyodide/, its lock file and wheels in wheels/: the kernel
        # worker starts loading them before it reads this file.
        "pyodide": {"version": pyodide_version},
        "kernelWheel": f"wheels/{wasmux_wheel.name}",
        "rootfs": ({"image": "rootfs/rootfs.tar.gz", "manifest": "rootfs/rootfs.json"}
                   if rootfs_files else None),
    }
    entries["snapshot"] = kernel_snapshot(site, entries)
    return Result(site, write_manifest(site, entries), rootfs_error)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python packaging/build_site.py",
                                     description="Build the Wasmux static site.")
    parser.add_argument("--site", type=Path, default=BUILD / "site",
                        help="output folder (default: build/site)")
    options = parser.parse_args(argv)
    try:
        result = build(options.site.resolve())
    except BuildError as error:
        print(f"build_site: {error}", file=sys.stderr)
        return 1
    print(f"site {result.version}: {result.site}")
    if result.rootfs_error:
        print(f"build_site: the site is built except its root filesystem image: "
              f"{result.rootfs_error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
