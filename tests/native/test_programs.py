"""Real programs on the native host: output, arguments, environment, stdin, exit codes,
many processes at once, and sleeping through the timer thread."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from wasmux.hosts.native import NativeSystem


def test_hello_argv_environ_exit_code(system: NativeSystem, programs: dict[str, Path]) -> None:
    result = system.run(programs["hello"], ["hello", "one", "7"], {"GREETING": "hi there"})
    assert result.status == 7
    assert result.stdout == (b"hello, argc=3\nargv[0]=hello\nargv[1]=one\nargv[2]=7\n"
                             b"GREETING=hi there\n")
    assert result.stderr == b"to stderr\n"


def test_environ_as_list_and_empty_argument(system: NativeSystem,
                                            programs: dict[str, Path]) -> None:
    result = system.run(programs["hello"], ["hello", ""], ["A=1", "GREETING=x=y"])
    assert result.status == 0
    assert b"argv[1]=\n" in result.stdout and b"GREETING=x=y\n" in result.stdout


def test_stdin_reaches_the_program(system: NativeSystem, programs: dict[str, Path]) -> None:
    data = bytes(range(256)) * 40
    result = system.run(programs["hello"], ["hello"], stdin=data)
    assert result.status == 0
    assert result.stdout.endswith(data)


def test_module_bytes_and_paths_both_run(system: NativeSystem, programs: dict[str, Path]) -> None:
    wasm = programs["faults"].read_bytes()
    assert system.run(wasm, ["faults", "exit", "3"]).status == 3
    assert system.run(programs["faults"], ["faults", "exit", "300"]).status == 300 & 0xFF


def test_many_processes_at_once(system: NativeSystem, programs: dict[str, Path]) -> None:
    results: dict[int, int] = {}

    def run(index: int) -> None:
        results[index] = system.run(programs["hello"], ["hello", "x", str(index)]).status

    threads = [threading.Thread(target=run, args=(index,)) for index in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {index: index for index in range(12)}


def test_sleep_waits_on_a_timer(system: NativeSystem, programs: dict[str, Path]) -> None:
    started = time.monotonic()
    assert system.run(programs["faults"], ["faults", "sleep"]).status == 0
    assert time.monotonic() - started >= 0.02


def test_pids_are_reused_only_after_reaping(system: NativeSystem,
                                            programs: dict[str, Path]) -> None:
    for _ in range(3):
        assert system.run(programs["faults"], ["faults", "exit", "0"]).status == 0
    assert list(system.kernel.processes) == []
