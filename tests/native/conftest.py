"""Fixtures for native-host tests: the C test programs compiled to wasm (once per
session, incrementally, into build/tests/native/) and a fresh NativeSystem per test."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "rootfs-build"))

from toolchain import compile_c
from wasmux.hosts.native import NativeSystem

PROGRAMS = Path(__file__).resolve().parent / "programs"
BUILD = REPO / "build" / "tests" / "native"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.native)


@pytest.fixture(scope="session")
def programs() -> dict[str, Path]:
    """name -> compiled wasm of every tests/native/programs/*.c."""
    return {source.stem: compile_c([source], BUILD / f"{source.stem}.wasm")
            for source in sorted(PROGRAMS.glob("*.c"))}


@pytest.fixture
def system() -> Iterator[NativeSystem]:
    with NativeSystem() as native:
        yield native
