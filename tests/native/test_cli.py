"""The `wasmux` command line: `python -m wasmux run` and `shell` as a user runs them."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def wasmux(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    environment = dict(os.environ, PYTHONPATH=str(REPO / "kernel" / "py"))
    return subprocess.run([sys.executable, "-m", "wasmux", *args], input=stdin,
                          capture_output=True, env=environment, timeout=60, check=False)


def test_run_passes_stdio_and_status_through(programs: dict[str, Path]) -> None:
    result = wasmux("run", "--env", "GREETING=cli", str(programs["hello"]), "a", "9",
                    stdin=b"piped input\n")
    assert result.returncode == 9
    assert result.stdout == (f"hello, argc=3\nargv[0]={programs['hello']}\nargv[1]=a\n"
                             "argv[2]=9\nGREETING=cli\npiped input\n").encode()
    assert result.stderr == b"to stderr\n"


def test_run_streams_are_terminals_only_when_the_hosts_are(programs: dict[str, Path]) -> None:
    assert wasmux("run", str(programs["isatty"])).stdout == b"isatty 0 0 0\n"
    controller, terminal = pty.openpty()
    environment = dict(os.environ, PYTHONPATH=str(REPO / "kernel" / "py"))
    try:
        status = subprocess.run([sys.executable, "-m", "wasmux", "run", str(programs["isatty"])],
                                stdin=terminal, stdout=terminal, stderr=terminal,
                                env=environment, timeout=60, check=False).returncode
        output = os.read(controller, 4096)
    finally:
        os.close(terminal)
        os.close(controller)
    assert status == 0
    assert output == b"isatty 1 1 1\r\n"


def test_run_reports_a_trap_as_signal_status(programs: dict[str, Path]) -> None:
    assert wasmux("run", str(programs["faults"]), "unreachable").returncode == 128 + 4


def test_run_trace_prints_syscalls(programs: dict[str, Path]) -> None:
    result = wasmux("run", "--trace", str(programs["faults"]), "exit", "3")
    assert result.returncode == 3
    assert b"] args_sizes_get() = (3, " in result.stderr


def test_run_of_a_non_wasm_file_says_why(tmp_path: Path) -> None:
    script = tmp_path / "script.sh"
    script.write_text("echo hi\n")
    result = wasmux("run", str(script))
    assert result.returncode == 126
    assert result.stderr == f"wasmux: {script}: not a WebAssembly module\n".encode()


def test_run_of_a_missing_file_is_127(tmp_path: Path) -> None:
    assert wasmux("run", str(tmp_path / "absent.wasm")).returncode == 127


def test_shell_without_a_root_store_says_to_make_one(tmp_path: Path) -> None:
    result = wasmux("shell", "--root", str(tmp_path / "root"))
    assert result.returncode == 127
    assert b"no root store at" in result.stderr
    assert b"wasmux mkroot" in result.stderr


def test_shell_on_an_empty_root_says_what_is_missing(tmp_path: Path) -> None:
    (tmp_path / "root").mkdir()
    result = wasmux("shell", "--root", str(tmp_path / "root"))
    assert result.returncode == 127
    assert b"no /sbin/init or /bin/sh in" in result.stderr
    assert b"wasmux mkroot" in result.stderr
