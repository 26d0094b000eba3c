"""Device inodes: the memory devices (null, zero, full, random) and host streams.

Layer: devices; import file.py only. Filesystems (devfs) link them into the namespace.
"""

from .misc import CharacterDevice, FullDevice, NullDevice, RandomDevice, ZeroDevice
from .stream import HostStream

__all__ = ["CharacterDevice", "FullDevice", "HostStream", "NullDevice", "RandomDevice",
           "ZeroDevice"]
