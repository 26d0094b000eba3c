"""Puts kernel/py on sys.path so tests import the `wasmux` package from the source tree."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "kernel" / "py"))
