"""Fetch a pinned Debian source package into the build tree with `apt-get source`.

Layer: build tooling (host side). Source packages are never copied into the repository:
each machine fetches them into build/src/ on first use and reuses that copy afterwards.
The deb-src entry is added to apt's sources (mirroring the existing `Types: deb` stanzas
of debian.sources) when it is missing, and `apt-get update` runs only when apt does not
know the pinned version yet. Imports only the standard library.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

DEBIAN_SOURCES = Path("/etc/apt/sources.list.d/debian.sources")
DEB_SRC_LIST = Path("/etc/apt/sources.list.d/wasmux-deb-src.sources")


class SourceUnavailable(RuntimeError):
    """apt cannot provide the pinned source package on this machine."""


def _deb_src_stanzas(text: str) -> str:
    """The `Types: deb` stanzas of a deb822 sources file, turned into deb-src ones."""
    stanzas = []
    for stanza in text.split("\n\n"):
        lines = [line for line in stanza.splitlines() if line and not line.startswith("#")]
        if any(line.split(":", 1)[0] == "Types" and "deb" in line.split()[1:]
               for line in lines):
            stanzas.append("\n".join("Types: deb-src" if line.startswith("Types:") else line
                                     for line in lines))
    return "\n\n".join(stanzas) + "\n"


def _has_deb_src() -> bool:
    paths = [Path("/etc/apt/sources.list"), *Path("/etc/apt/sources.list.d").glob("*")]
    for path in paths:
        if path.is_file() and path.suffix in (".list", ".sources", ""):
            text = path.read_text(errors="replace")
            if any(line.strip().startswith(("deb-src ", "Types: deb-src"))
                   or (line.startswith("Types:") and "deb-src" in line.split())
                   for line in text.splitlines()):
                return True
    return False


def _source_versions(package: str) -> set[str]:
    """The versions of `package`'s source that apt currently knows."""
    result = subprocess.run(["apt-cache", "showsrc", package], capture_output=True,
                            text=True, check=False)
    return {line.split(":", 1)[1].strip() for line in result.stdout.splitlines()
            if line.startswith("Version:")}


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SourceUnavailable(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")


def ensure_apt_source(package: str, version: str) -> None:
    """Make apt able to fetch `package`=`version` as source (deb-src entry, update)."""
    if shutil.which("apt-get") is None:
        raise SourceUnavailable("apt-get is not available on this machine")
    if not _has_deb_src():
        if not DEBIAN_SOURCES.is_file():
            raise SourceUnavailable(f"no deb-src entry and no {DEBIAN_SOURCES} to derive one")
        try:
            DEB_SRC_LIST.write_text(_deb_src_stanzas(DEBIAN_SOURCES.read_text()))
        except OSError as error:
            raise SourceUnavailable(f"cannot add {DEB_SRC_LIST}: {error}") from error
    if version not in _source_versions(package):
        _run(["apt-get", "update", "-qq"])
    available = _source_versions(package)
    if version not in available:
        raise SourceUnavailable(f"apt offers source {package} {sorted(available) or 'none'}, "
                                f"the build is pinned to {version}")


def fetch(package: str, version: str, src_root: Path) -> Path:
    """The unpacked source tree of `package`=`version` under src_root (fetched once)."""
    upstream = version.split(":", 1)[-1].rsplit("-", 1)[0]
    tree = src_root / f"{package}-{upstream}"
    marker = src_root / f".{package}_{version}.fetched"
    if marker.exists() and tree.is_dir():
        return tree
    ensure_apt_source(package, version)
    if tree.exists():
        shutil.rmtree(tree)
    src_root.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(["apt-get", "source", "-qq", f"{package}={version}"],
                            cwd=src_root, capture_output=True, text=True, check=False)
    if result.returncode != 0 or not tree.is_dir():
        raise SourceUnavailable(f"apt-get source {package}={version} failed:\n"
                                f"{result.stderr[-2000:]}")
    marker.write_text(version + "\n")
    return tree
