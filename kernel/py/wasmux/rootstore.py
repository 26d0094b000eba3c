"""Root stores on the native host: a host directory holding the persistent root filesystem.

Layer: front end (native only); imports fs/persistent.py, fs/storage.py and
fs/unpack.py. `make_root` is `wasmux mkroot`: it creates a fresh store in a host
directory and unpacks the rootfs image (build/rootfs.tar.gz, see rootfs-build/image.py)
into it, without starting any process.
"""

from __future__ import annotations

import json
import os
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import KernelError
from .fs.persistent import PersistentFS
from .fs.storage import DirectoryStorage
from .fs.unpack import unpack

REPOSITORY = Path(__file__).resolve().parents[3]
DEFAULT_IMAGE = REPOSITORY / "build" / "rootfs.tar.gz"
STORE_PREFIXES = ("journal.", "checkpoint.", "data.")


class RootStoreError(Exception):
    """The root cannot be made; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class MadeRoot:
    entries: int
    version: str


def _is_store_object(name: str) -> bool:
    return name.startswith(STORE_PREFIXES)


def _clear(directory: Path, force: bool) -> None:
    """Make `directory` empty: refuse unless `force`, and never delete what is not a
    root store's object."""
    names = sorted(os.listdir(directory))
    if not names:
        return
    if not force:
        raise RootStoreError(f"{directory} is not empty; use --force to replace the root "
                             "store in it")
    foreign = [name for name in names if not _is_store_object(name)]
    if foreign:
        raise RootStoreError(f"{directory} holds files that are not part of a Wasmux root "
                             f"store ({', '.join(foreign[:5])}); refusing to delete them")
    for name in names:
        (directory / name).unlink()


def image_version(image: Path) -> str:
    """The version in the image's stamp (rootfs.json beside it), or 'unknown'."""
    stamp = image.with_name("rootfs.json")
    try:
        return str(json.loads(stamp.read_text())["version"])
    except (OSError, ValueError, KeyError):
        return "unknown"


def make_root(directory: Path, image: Path = DEFAULT_IMAGE, force: bool = False) -> MadeRoot:
    """Create a fresh root store in `directory` holding the image's tree."""
    try:
        archive = image.read_bytes()
    except OSError as error:
        raise RootStoreError(f"cannot read the rootfs image {image}: {error.strerror}; "
                             "build it with `python rootfs-build/build.py image` or pass "
                             "--image") from error
    if directory.exists() and not directory.is_dir():
        raise RootStoreError(f"{directory} exists and is not a directory")
    directory.mkdir(parents=True, exist_ok=True)
    _clear(directory, force)
    filesystem = PersistentFS(1, time.time_ns, DirectoryStorage(directory))
    try:
        with filesystem.deferred_sync():  # one sync at unmount
            entries = unpack(filesystem.root, archive)
    except (tarfile.TarError, ValueError, KernelError) as error:
        raise RootStoreError(f"{image} is not a usable rootfs image: {error}") from error
    finally:
        filesystem.unmount()
    return MadeRoot(entries, image_version(image))
