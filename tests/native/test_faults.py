"""Faults on the native host: bad modules, guest traps, bad guest pointers, kills and
timeouts. After each one the kernel keeps serving other programs."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import wasmtime
from wasmux.abi import wasi
from wasmux.errors import KernelError
from wasmux.hosts.native import NativeSystem, stdio_descriptor
from wasmux.hosts.native_modules import ModuleCache
from wasmux.proc import RUNNING, Process

SIGNALLED = {"unreachable": wasi.SIGILL, "out_of_bounds": wasi.SIGSEGV,
             "divide_by_zero": wasi.SIGFPE, "stack_overflow": wasi.SIGSEGV}


def still_serves(system: NativeSystem, programs: dict[str, Path]) -> None:
    result = system.run(programs["hello"], ["hello", "after", "5"])
    assert (result.status, result.stdout.splitlines()[0]) == (5, b"hello, argc=3")


def spawn_quiet(system: NativeSystem, wasm: Path, argv: list[str]) -> Process:
    """Start a program whose stdin never ends and whose output is dropped."""
    with system.host.lock:
        streams = [system.host_stream(None), system.host_stream(lambda data: None),
                   system.host_stream(lambda data: None)]
        return system.spawn(wasm, argv, (), [stdio_descriptor(stream, fd)
                                             for fd, stream in enumerate(streams)])


def test_not_wasm_is_enoexec(system: NativeSystem, programs: dict[str, Path]) -> None:
    with pytest.raises(KernelError) as raised:
        system.run(b"#!/bin/sh\necho hello\n", ["script.sh"])
    assert raised.value.errno == wasi.ENOEXEC
    assert str(raised.value) == "script.sh: not a WebAssembly module"
    assert list(system.kernel.processes) == []
    still_serves(system, programs)


def test_corrupt_wasm_is_enoexec(system: NativeSystem, programs: dict[str, Path]) -> None:
    with pytest.raises(KernelError) as raised:
        system.run(b"\0asm\x01\0\0\0\x99garbage", ["broken"])
    assert raised.value.errno == wasi.ENOEXEC
    assert str(raised.value).startswith("broken: invalid WebAssembly module")
    still_serves(system, programs)


def test_unknown_import_is_named(system: NativeSystem, programs: dict[str, Path]) -> None:
    with pytest.raises(KernelError) as raised:
        system.run(programs["unknown_import"], ["unknown_import"])
    assert raised.value.errno == wasi.ENOEXEC
    assert "unknown import mystery.frobnicate" in str(raised.value)
    still_serves(system, programs)


def test_import_with_wrong_type_is_enoexec(system: NativeSystem) -> None:
    wasm = wasmtime.wat2wasm("""(module
        (import "wasi_snapshot_preview1" "sched_yield" (func (param i32) (result i32)))
        (memory (export "memory") 1) (func (export "_start")))""")
    with pytest.raises(KernelError) as raised:
        system.run(bytes(wasm), ["typed"])
    assert raised.value.errno == wasi.ENOEXEC
    assert "wasi_snapshot_preview1.sched_yield has type (i32) -> (i32)" in str(raised.value)


def test_module_without_start_is_enoexec(system: NativeSystem) -> None:
    wasm = wasmtime.wat2wasm('(module (memory (export "memory") 1) (func (export "main")))')
    with pytest.raises(KernelError) as raised:
        system.run(bytes(wasm), ["library"])
    assert raised.value.errno == wasi.ENOEXEC
    assert "no _start" in str(raised.value)


@pytest.mark.parametrize("mode", sorted(SIGNALLED))
def test_trap_ends_process_with_signal(system: NativeSystem, programs: dict[str, Path],
                                       mode: str) -> None:
    result = system.run(programs["faults"], ["faults", mode])
    assert result.status == 128 + SIGNALLED[mode]
    still_serves(system, programs)


def test_bad_guest_pointers_are_efault(system: NativeSystem, programs: dict[str, Path]) -> None:
    result = system.run(programs["faults"], ["faults", "bad_pointers"], stdin=b"input")
    assert result.status == 0
    reports = dict(line.split() for line in result.stdout.decode().splitlines() if line)
    efault = str(wasi.EFAULT)
    assert reports == {
        "fd_write_bad_iovs": efault, "fd_write_bad_buffer": efault,
        "fd_write_bad_nwritten": efault, "fd_write_wrapping_iovs": efault,
        "fd_read_bad_buffer": efault, "args_get_bad": efault,
        "clock_time_get_bad": efault, "random_get_bad": efault,
        "fd_write_still_works": "0"}
    assert result.stderr == b"x"
    still_serves(system, programs)


def test_runaway_loop_killed_from_another_thread(system: NativeSystem,
                                                 programs: dict[str, Path]) -> None:
    spinner = spawn_quiet(system, programs["faults"], ["faults", "spin"])
    time.sleep(0.05)
    still_serves(system, programs)
    assert spinner.state == RUNNING

    def kill() -> None:
        with system.host.lock:
            system.kernel.kill(spinner, wasi.SIGKILL)

    killer = threading.Thread(target=kill)
    killer.start()
    killer.join()
    assert system.wait(spinner, timeout=10) == 128 + wasi.SIGKILL
    still_serves(system, programs)


def test_kill_wakes_a_parked_syscall(system: NativeSystem, programs: dict[str, Path]) -> None:
    reader = spawn_quiet(system, programs["faults"], ["faults", "read_stdin"])
    deadline = time.monotonic() + 10
    while reader.parked is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert reader.parked is not None
    with system.host.lock:
        system.kernel.kill(reader, wasi.SIGTERM)
    assert system.wait(reader, timeout=10) == 128 + wasi.SIGTERM
    still_serves(system, programs)


def test_timeout_kills_the_program(system: NativeSystem, programs: dict[str, Path]) -> None:
    started = time.monotonic()
    result = system.run(programs["faults"], ["faults", "spin"], timeout=0.2)
    assert result.status == 128 + wasi.SIGKILL
    assert result.stdout == b"spinning\n"
    assert time.monotonic() - started < 5
    still_serves(system, programs)


def test_exit_while_others_wait_on_it(system: NativeSystem, programs: dict[str, Path]) -> None:
    reader = spawn_quiet(system, programs["faults"], ["faults", "read_stdin"])
    results: list[int] = []
    waiters = [threading.Thread(target=lambda: results.append(system.wait(reader, 10)))]
    observed = threading.Event()
    with system.host.lock:
        reader.exited.add(observed.set)
    for waiter in waiters:
        waiter.start()
    stdin = reader.fds.get(0).file.inode
    with system.host.lock:
        stdin.feed_eof()
    for waiter in waiters:
        waiter.join()
    assert observed.is_set() and results == [0]
    still_serves(system, programs)


def test_compiled_modules_are_cached_on_disk(tmp_path: Path, programs: dict[str, Path]) -> None:
    wasm = programs["hello"].read_bytes()
    ModuleCache(tmp_path).load(wasm, "hello")
    (cached,) = tmp_path.glob("*.cwasm")
    fresh = ModuleCache(tmp_path)
    assert fresh.load(wasm, "hello") is fresh.load(wasm, "hello")
    cached.write_bytes(b"torn")
    with NativeSystem(modules=ModuleCache(tmp_path)) as system:
        assert system.run(wasm, ["hello", "x", "4"]).status == 4
    assert cached.read_bytes() != b"torn"
