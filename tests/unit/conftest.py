"""Fixtures for kernel unit tests: a kernel on the in-memory host and a process in it.

`kernel` has a tmpfs root. `fs_kernel` has a root made by `filesystem_factory`, which is
parameterized over every filesystem implementation, so filesystem behaviour tests run
against each of them. `process` (and `fs_process`) is a process with stdin /dev/null,
stdout and stderr on the console, and fd 3 the preopened root.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from wasi_calls import spawn_test_process
from wasmux.abi.table import BY_NAME, WASI
from wasmux.file import FileSystem
from wasmux.fs.persistent import PersistentFS
from wasmux.fs.storage import MemoryStorage
from wasmux.fs.tmpfs import TmpFS
from wasmux.hosts.memory import MemoryHost
from wasmux.kernel import Kernel
from wasmux.proc import Process

FilesystemFactory = Callable[[MemoryHost], FileSystem]
Call = Callable[..., tuple[int, tuple[Any, ...]]]
FILESYSTEMS: dict[str, FilesystemFactory] = {
    "tmpfs": lambda host: TmpFS(1, host.realtime_ns),
    "persistent": lambda host: PersistentFS(1, host.realtime_ns, MemoryStorage()),
}


@pytest.fixture(params=sorted(FILESYSTEMS))
def filesystem_factory(request: pytest.FixtureRequest) -> FilesystemFactory:
    """Makes a fresh root filesystem of each kind on a given memory host."""
    return FILESYSTEMS[request.param]


@pytest.fixture
def kernel() -> Kernel:
    host = MemoryHost()
    return Kernel(host, TmpFS(1, host.realtime_ns))


@pytest.fixture
def fs_kernel(filesystem_factory: FilesystemFactory) -> Kernel:
    host = MemoryHost()
    return Kernel(host, filesystem_factory(host))


@pytest.fixture
def process(kernel: Kernel) -> Process:
    return spawn_test_process(kernel)


@pytest.fixture
def spawn(kernel: Kernel) -> Callable[..., Process]:
    """spawn(argv=None) -> another test process in `kernel` (see spawn_test_process)."""
    return lambda argv=None: spawn_test_process(kernel, argv)


@pytest.fixture
def fs_process(fs_kernel: Kernel) -> Process:
    return spawn_test_process(fs_kernel)


def caller(kernel: Kernel, process: Process) -> Call:
    """call(name, *ins) -> (errno, outs) through Kernel.submit; fails the test if it parks."""
    def call(name: str, *ins: Any) -> tuple[int, tuple[Any, ...]]:
        result = kernel.submit(process, BY_NAME[(WASI, name)].number, ins,
                               lambda errno, outs: None)
        assert result is not None, f"{name} parked"
        return result
    return call


@pytest.fixture
def call(kernel: Kernel, process: Process) -> Call:
    return caller(kernel, process)


@pytest.fixture
def fs_call(fs_kernel: Kernel, fs_process: Process) -> Call:
    return caller(fs_kernel, fs_process)
