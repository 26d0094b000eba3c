"""Filesystems and the VFS: mounts and path resolution (vfs), memory (tmpfs), devices
(devfs), processes (procfs).

Layer: filesystem; imports the kernel core's file.py, dev/ and proc.py.
"""

from .devfs import DevFS
from .procfs import ProcFS
from .tmpfs import TmpFS
from .vfs import VFS, Lookup

__all__ = ["VFS", "DevFS", "Lookup", "ProcFS", "TmpFS"]
