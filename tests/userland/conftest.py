"""Fixtures of the userland tests (defined in userland_support.py)."""

from userland_support import built_image, native_shell, wasmux_shell

__all__ = ["built_image", "native_shell", "wasmux_shell"]
