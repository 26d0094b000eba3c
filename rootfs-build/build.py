"""The rootfs-build driver: `python rootfs-build/build.py TARGET...`.

Layer: build tooling (host side), run from any directory. Targets:
  headers    the amended wasi-libc header tree (build/compat/include)
  libwasmux  libwasmux's objects (build/libwasmux)
  busybox    build/rootfs/bin/busybox.wasm from Debian's source package
  init       build/rootfs/sbin/init.wasm (init/init.c with libwasmux)
  image      build/rootfs.tar.gz and build/rootfs.json (builds busybox and init first)
Each target is incremental; outputs go under the repository's build/ directory.
Imports the rootfs-build modules beside it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import image
from busybox import recipe
from init import recipe as init_recipe
from libwasmux import library


def build_headers() -> None:
    print(f"headers: {library.amended_headers(ROOT / 'build')}")


def build_libwasmux() -> None:
    objects = library.objects(ROOT / "build")
    print(f"libwasmux: {len(objects)} objects in {objects[0].parent}")


def build_busybox() -> None:
    result = recipe.build(ROOT)
    size = result.module.stat().st_size
    print(f"busybox {recipe.VERSION}: {result.module} ({size} bytes, "
          f"{len(result.applets)} applets)")
    if result.unapplied:
        print(f"busybox: config settings Kconfig did not keep: {' '.join(result.unapplied)}")


def build_init() -> None:
    module = init_recipe.build(ROOT)
    print(f"init: {module} ({module.stat().st_size} bytes)")


def build_image() -> None:
    busybox = recipe.build(ROOT)
    result = image.write(ROOT / "build", busybox.module, busybox.applets,
                         init_recipe.build(ROOT))
    print(f"image {result.version}: {result.archive} ({result.archive.stat().st_size} "
          f"bytes, {result.entries} entries), stamp {result.stamp}")


TARGETS = {"headers": build_headers, "libwasmux": build_libwasmux, "busybox": build_busybox,
           "init": build_init, "image": build_image}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python rootfs-build/build.py")
    parser.add_argument("targets", nargs="+", choices=sorted(TARGETS))
    arguments = parser.parse_args(argv)
    for target in arguments.targets:
        started = time.monotonic()
        TARGETS[target]()
        print(f"{target}: {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
