"""The rootfs image: build/rootfs.tar.gz and its stamp build/rootfs.json.

Layer: build tooling (host side). The image is what the browser downloads on first
boot and what `wasmux mkroot` unpacks: a gzip-compressed POSIX tar of the base system:
  /bin/busybox (BusyBox, hush as sh) and one symlink to it per applet (/bin/sh too),
  /sbin/init, /etc (rootfs-build/etc, plus os-release), /root, /home/user, /tmp, /var,
  /usr/bin and the mountpoints /dev and /proc.
Output is deterministic: entries sorted by path, fixed times, owner root, gzip with no
name or time, so the same inputs give the same bytes and the same version stamp.

rootfs.json: {"file", "format", "version" (human version + content hash), "content"
(sha256 of the uncompressed tar), "sha256" and "size" (of the compressed file),
"entries", "files" (regular files: the browser readies as many OPFS files first)}. Imports only the standard library; build.py passes the built modules in.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ETC = HERE / "etc"
HUMAN_VERSION = "0.3.0"
MTIME = 1735689600  # 2025-01-01T00:00:00Z, the time of every entry
IMAGE_NAME = "rootfs.tar.gz"
STAMP_NAME = "rootfs.json"
# Directories beyond those holding files, with their modes.
DIRECTORIES = {"bin": 0o755, "sbin": 0o755, "etc": 0o755, "root": 0o700, "home": 0o755,
               "home/user": 0o755, "tmp": 0o1777, "var": 0o755, "var/tmp": 0o1777,
               "var/log": 0o755, "usr": 0o755, "usr/bin": 0o755, "dev": 0o755,
               "proc": 0o555}
EXECUTABLE_ETC = {"rc"}


@dataclass(frozen=True, slots=True)
class Image:
    archive: Path
    stamp: Path
    version: str
    entries: int


def os_release() -> bytes:
    return (f'NAME="Wasmux"\nID=wasmux\nVERSION="{HUMAN_VERSION}"\n'
            f'PRETTY_NAME="Wasmux {HUMAN_VERSION}"\n').encode()


def _entry(path: str, kind: bytes, mode: int, data: bytes = b"",
           target: str = "") -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(path)
    info.type, info.mode, info.mtime = kind, mode, MTIME
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    info.size = len(data)
    info.linkname = target
    return info, data


def entries(busybox: bytes, applets: Sequence[str], init: bytes
            ) -> list[tuple[tarfile.TarInfo, bytes]]:
    """Every entry of the image, sorted by path (directories before their contents)."""
    found: dict[str, tuple[tarfile.TarInfo, bytes]] = {}
    for directory, mode in DIRECTORIES.items():
        found[directory] = _entry(directory, tarfile.DIRTYPE, mode)
    found["bin/busybox"] = _entry("bin/busybox", tarfile.REGTYPE, 0o755, busybox)
    for applet in applets:
        if applet == "busybox":
            continue
        if "/" in applet or applet in ("", ".", ".."):
            raise ValueError(f"unexpected applet name {applet!r}")
        found[f"bin/{applet}"] = _entry(f"bin/{applet}", tarfile.SYMTYPE, 0o777,
                                        target="busybox")
    found["sbin/init"] = _entry("sbin/init", tarfile.REGTYPE, 0o755, init)
    for source in sorted(ETC.iterdir()):
        mode = 0o755 if source.name in EXECUTABLE_ETC else 0o644
        found[f"etc/{source.name}"] = _entry(f"etc/{source.name}", tarfile.REGTYPE, mode,
                                             source.read_bytes())
    found["etc/os-release"] = _entry("etc/os-release", tarfile.REGTYPE, 0o644, os_release())
    return [found[path] for path in sorted(found, key=lambda path: path.split("/"))]


def tar_bytes(members: list[tuple[tarfile.TarInfo, bytes]]) -> bytes:
    """The uncompressed POSIX tar of `members`, in their order."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return buffer.getvalue()


def write(output_dir: Path, busybox: Path, applets: Sequence[str], init: Path) -> Image:
    """Write rootfs.tar.gz and rootfs.json into output_dir (unchanged files are kept)."""
    members = entries(busybox.read_bytes(), applets, init.read_bytes())
    tar = tar_bytes(members)
    content = hashlib.sha256(tar).hexdigest()
    compressed = gzip.compress(tar, compresslevel=9, mtime=0)
    version = f"{HUMAN_VERSION}+{content[:12]}"
    stamp = {"file": IMAGE_NAME, "format": "tar.gz", "version": version, "content": content,
             "sha256": hashlib.sha256(compressed).hexdigest(), "size": len(compressed),
             "entries": len(members), "files": sum(info.isreg() for info, _ in members)}
    output_dir.mkdir(parents=True, exist_ok=True)
    archive_path, stamp_path = output_dir / IMAGE_NAME, output_dir / STAMP_NAME
    stamp_text = json.dumps(stamp, indent=2, sort_keys=True) + "\n"
    if not (archive_path.exists() and archive_path.read_bytes() == compressed):
        archive_path.write_bytes(compressed)
    if not (stamp_path.exists() and stamp_path.read_text() == stamp_text):
        stamp_path.write_text(stamp_text)
    return Image(archive_path, stamp_path, version, len(members))
