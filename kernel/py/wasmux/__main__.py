"""`python -m wasmux`: the `wasmux` command (see cli.py)."""

import sys

from .cli import main

sys.exit(main())
