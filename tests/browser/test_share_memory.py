"""kernel/modules.js shareMemory, the rewrite that gives every process a memory shared
with the kernel worker (so file reads land straight in the process's buffers), checked
under Node by tests/browser/share_memory_check.mjs: hand-made modules run with the shared
memory, the ones it cannot rewrite are refused, and a real wasm32-wasi program keeps its
imports. No browser needed; Node is (the build needs it too)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "rootfs-build"))
from toolchain import compile_c


def test_share_memory_rewrites_runnable_modules_and_refuses_the_rest() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    program = compile_c([REPO / "tests" / "browser" / "programs" / "file_readback.c"],
                        REPO / "build" / "tests" / "browser" / "file_readback.wasm",
                        optimize="-O2")
    result = subprocess.run([node, str(Path(__file__).with_name("share_memory_check.mjs")),
                             str(program)], capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok 14 checks"
