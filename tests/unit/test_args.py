"""args_* and environ_*: counts, buffer sizes with NUL terminators, and the lists."""

from __future__ import annotations

from wasi_calls import call, spawn_test_process
from wasmux.kernel import Kernel
from wasmux.proc import Process


def test_args_sizes_count_a_nul_per_argument(kernel: Kernel) -> None:
    process = spawn_test_process(kernel, [b"prog", b"-x", b""])
    assert call(kernel, process, "args_sizes_get") == (0, (3, 9))


def test_args_get_returns_argv_in_order(kernel: Kernel) -> None:
    process = spawn_test_process(kernel, [b"prog", b"caf\xc3\xa9", b"two words"])
    assert call(kernel, process, "args_get") == (0, ([b"prog", b"caf\xc3\xa9", b"two words"],))


def test_empty_environment_has_zero_sizes(kernel: Kernel, process: Process) -> None:
    assert call(kernel, process, "environ_sizes_get") == (0, (0, 0))
    assert call(kernel, process, "environ_get") == (0, ([],))


def test_environ_sizes_and_strings(kernel: Kernel, process: Process) -> None:
    process.environ = [b"HOME=/root", b"PATH=/bin:/usr/bin"]
    assert call(kernel, process, "environ_sizes_get") == (0, (2, 11 + 19))
    assert call(kernel, process, "environ_get") == (0, ([b"HOME=/root", b"PATH=/bin:/usr/bin"],))
