"""WASI preview1 conformance: each program in tests/conformance/*.c runs on wasmtime's
built-in WASI (the reference) and on Wasmux, and must print the same stdout and exit
with the same status. Checks the reference cannot judge (it traps, ignores rights or
sandboxes where POSIX says otherwise) run on Wasmux alone against the POSIX-expected
output written below, each with the reason.
"""

from __future__ import annotations

import difflib

import pytest
from wasmux.abi import table

from .programs import build, run_wasmux, wasi_imports
from .reference import run_reference

pytestmark = pytest.mark.native

ENV = {"GREETING": "grüß dich", "EMPTY": "", "PATH": "/bin:/usr/bin"}
STDIN = b"stdin line 1\nline 2 \xc3\xa9\n"

# (test id, program, arguments after argv[0])
CASES = [
    ("args_env_unicode", "args_env", ["héllo", "日本語", "", "a b", "--flag=1"]),
    ("args_env_no_arguments", "args_env", []),
    ("fd_read_write_seek_truncate_append", "fd_basic", []),
    ("path_dirs_links_renames_symlinks", "path_ops", []),
    ("readdir_cookies_small_buffers", "readdir", []),
    ("filestat_times_set_and_now", "times", []),
    ("clocks_random_yield", "clocks_random", []),
    ("poll_clocks_and_fds", "poll", []),
    ("stdio_and_prestat", "stdio_prestat", []),
    ("sockets_on_non_sockets", "sockets", []),
    ("rights_access_modes", "rights", []),
    ("libc_posix_calls", "libc_posix", []),
    ("exit_return_0", "exit_codes", ["0", "return"]),
    ("exit_return_3", "exit_codes", ["3", "return"]),
    ("exit_libc_exit_5", "exit_codes", ["5", "exit"]),
    ("exit_proc_exit_125", "exit_codes", ["125", "proc_exit"]),
    ("exit_proc_exit_0", "exit_codes", ["0", "proc_exit"]),
]


def assert_same_output(got: bytes, expected: bytes, got_status: int, expected_status: int,
                       side: str) -> None:
    """Fails with a unified diff of stdout (expected = {side}) and both statuses."""
    got_lines = got.decode(errors="replace").splitlines(keepends=True)
    expected_lines = expected.decode(errors="replace").splitlines(keepends=True)
    if got_lines != expected_lines:
        diff = "".join(difflib.unified_diff(expected_lines, got_lines, side, "wasmux"))
        pytest.fail(f"stdout differs (status {got_status}, {side} {expected_status}):\n{diff}")
    assert got_status == expected_status, f"exit status {got_status}, {side} {expected_status}"


@pytest.mark.parametrize("program,arguments", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_same_as_reference(program: str, arguments: list[str]) -> None:
    wasm = build(program)
    argv = [program, *arguments]
    expected = run_reference(wasm, argv, ENV, STDIN)
    got = run_wasmux(wasm, argv, ENV, STDIN)
    assert_same_output(got.stdout, expected.stdout, got.status, expected.status, "wasmtime")


# What POSIX (and the WASI spec) expect where wasmtime's built-in WASI cannot be the judge:
# it traps on unknown enum values (whence, advice, clock id), answers EBADF for the
# CPU-time clocks and for read() on a directory, ENOTSUP for fd_allocate and
# fd_fdstat_set_rights (and enforces no rights), EINVAL for rmdir with a trailing slash,
# EPERM for absolute paths, for ".." above any directory fd and for absolute symlink
# targets (its per-fd sandbox), and fails a whole poll_oneoff with EBADF for one bad fd.
WASMUX_ONLY_EXPECTED = """\
mkdir p: ok
mkdir p/a: ok
open p/file: ok
seek bad whence: errno 28 (INVAL)
advise bad advice: errno 28 (INVAL)
clock_res_get bad id: errno 28 (INVAL)
clock_time_get bad id: errno 28 (INVAL)
clock_time_get process_cputime: ok
clock_time_get thread_cputime: ok
allocate 0+16: ok
  size 16
open p/a: ok
read on dir: errno 31 (ISDIR)
mkdir relative to file: errno 54 (NOTDIR)
mkdir p/b: ok
rmdir trailing slash: ok
stat p/b: errno 44 (NOENT)
open ../file from p/a: ok
mkdir ../c from p/a: ok
stat p/c: type dir
stat /p/file: type file
stat /p/file from p/a: type file
stat ../p/file from root: type file
stat p/../../../p/file: type file
symlink absolute target: ok
stat through absolute symlink: type file
symlink to ../..: ok
stat p/a/up/p/file: type file
drop write right: ok
  write right 0
write after dropping the right: errno 76 (NOTCAPABLE)
pread still allowed: ok
regain write right: errno 76 (NOTCAPABLE)
open p without path_open right: ok
open through it: errno 76 (NOTCAPABLE)
poll bad fd: ok
  1 events: userdata 8 type 1 error 8
"""

# (test id, program, arguments, expected stdout, expected status). wasmtime refuses exit
# statuses of 126 and above (a trap), and returns ENOTSUP from proc_raise for valid
# signals and traps for invalid ones; POSIX raise(0) only checks, SIGTERM's default
# action ends the process (status 128+15), an unknown signal is EINVAL.
WASMUX_ONLY = [
    ("posix_expectations_reference_cannot_judge", "wasmux_only", [], WASMUX_ONLY_EXPECTED, 0),
    ("exit_status_255", "exit_codes", ["255", "exit"], "exiting with 255 by exit\n", 255),
    ("exit_status_200_proc_exit", "exit_codes", ["200", "proc_exit"],
     "exiting with 200 by proc_exit\n", 200),
    ("proc_raise_signal_0_checks_only", "proc_raise", ["0"],
     "raising 0\nproc_raise: ok\n", 0),
    ("proc_raise_sigterm_terminates", "proc_raise", ["15"], "raising 15\n", 143),
    ("proc_raise_unknown_signal_einval", "proc_raise", ["99"],
     "raising 99\nproc_raise: errno 28 (INVAL)\n", 0),
]


@pytest.mark.parametrize("program,arguments,stdout,status", [c[1:] for c in WASMUX_ONLY],
                         ids=[c[0] for c in WASMUX_ONLY])
def test_wasmux_posix_expectation(program: str, arguments: list[str], stdout: str,
                                  status: int) -> None:
    got = run_wasmux(build(program), [program, *arguments], ENV, STDIN)
    assert_same_output(got.stdout, stdout.encode(), got.status, status, "posix")


def test_programs_import_every_wasi_call() -> None:
    """Together the programs call all 46 WASI preview1 functions."""
    programs = sorted({c[1] for c in CASES} | {c[1] for c in WASMUX_ONLY})
    imported: set[str] = set()
    for program in programs:
        imported |= wasi_imports(build(program))
    every = {call.name for call in table.SYSCALLS if call.module == table.WASI}
    assert len(every) == 46
    assert every - imported == set()
