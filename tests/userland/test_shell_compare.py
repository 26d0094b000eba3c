"""Shell scripts run on Wasmux (hush from the rootfs image) and natively with Debian's
`busybox sh`, PATH holding only BusyBox applets: the exit status and stdout must match,
and stderr must carry the expected message. The native run is the expected output.

Each case stresses one part of the Unix process model through the shell: pipelines
whose reader exits first, command substitution, background jobs and wait, traps,
SIGPIPE, exit statuses of missing and non-executable commands and of syntax errors,
and a process that ignores SIGINT but not SIGKILL.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from userland_support import NativeShell, WasmuxShell  # type: ignore[import-not-found]


@dataclass(frozen=True, slots=True)
class Case:
    script: str
    stderr_has: tuple[str, ...] = ()
    timeout: float = 30


PREFIX = 'cd "$HOME" || exit 99\n'
CASES = {
    "pipeline_reader_exits_first": Case(
        "yes | head -1\nyes | head -c 5; echo\nseq 1 100000 | head -2\necho done\n"),
    "command_substitution": Case(
        'a=$(echo inner); echo "x${a}y"\n'
        'echo "$(echo one; echo two)" | wc -l\n'
        'n=$(seq 1 5 | tail -1); echo "$n"\n'
        'echo $(( $(echo 6) * 7 ))\n'
        'echo "nested $(echo "a$(echo b)c")"\n'),
    "background_jobs_and_wait": Case(
        'sleep 0.3 & p=$!\necho started\nwait $p; echo "waited $?"\n'
        '(exit 5) & wait $!; echo "status $?"\n'
        'for i in 1 2 3; do (sleep 0.1; echo job$i >> jobs.txt) & done\nwait\n'
        'sort jobs.txt; rm jobs.txt\n'),
    "trap_caught_signal_and_exit": Case(
        "trap 'echo got USR1' USR1\nkill -USR1 $$\necho after\n"
        "trap 'echo bye' EXIT\necho end\n"),
    "trap_in_subshell": Case(
        "(trap 'echo sub-exit' EXIT; exit 3); echo \"status $?\"\n"
        "trap '' TERM; sh -c 'kill -TERM $$; echo survived'; echo \"after $?\"\n"),
    "sigpipe_kills_the_writer": Case(
        '{ yes; echo "yes status $?" >&2; } | head -1\n'
        'yes | { read line; echo "read $line"; }\necho end\n',
        stderr_has=("yes status 141",)),
    "exit_statuses": Case(
        # (in braces: hush, like bash, prints the signal's name for a killed command at
        # top level; ash does not)
        "false; echo $?\n(exit 200); echo $?\n{ sh -c 'kill -TERM $$'; }; echo $?\n"
        "sh -c 'exit 3'; echo $?\n! true; echo $?\n"),
    "command_not_found": Case(
        'nosuchcommand_xyz; echo "status $?"\n/no/such/path; echo "status $?"\n',
        # (hush says "can't execute 'NAME': No such file or directory", ash "NAME: not
        # found")
        stderr_has=("nosuchcommand_xyz", "/no/such/path")),
    "not_executable": Case(
        "printf 'echo hi\\n' > noexec.sh; chmod 644 noexec.sh\n"
        './noexec.sh; echo "status $?"\nrm noexec.sh\n',
        stderr_has=("Permission denied",)),
    "syntax_error": Case(
        "sh -c 'echo )'; echo \"status $?\"\n"
        "printf 'echo before\\necho )\\necho after\\n' > bad.sh; sh bad.sh; echo \"script $?\"\n"
        "rm bad.sh\n",
        stderr_has=("syntax error",)),
    "sigint_ignored_but_sigkill_works": Case(
        "trap '' INT\nsleep 30 & p=$!\nkill -INT $p\nsleep 0.3\n"
        'kill -0 $p && echo "alive after SIGINT"\n'
        'kill -KILL $p; wait $p; echo "status $?"\n'),
    "script_of_builtins": Case(
        'i=0; s=0\nwhile [ $i -lt 200 ]; do s=$((s + i)); i=$((i + 1)); done\necho "$s"\n'
        'case "$s" in 19900) echo match;; *) echo nomatch;; esac\n'
        'f() { local x=$1; echo "f:$x"; return 4; }\nf arg; echo "ret $?"\n'
        'set -- a b c; echo "$# $2"; shift; echo "$*"\n'
        'x=abcdef; echo "${#x} ${x%def} ${x#abc}"\n'),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_shell_matches_native_busybox(name: str, wasmux_shell: WasmuxShell,
                                      native_shell: NativeShell) -> None:
    case = CASES[name]
    expected = native_shell.run(PREFIX + case.script, timeout=case.timeout)
    for message in case.stderr_has:
        assert message in expected.stderr, f"the native reference lacks {message!r}"
    got = wasmux_shell.run(PREFIX + case.script, timeout=case.timeout)
    assert (got.status, got.stdout) == (expected.status, expected.stdout), (
        f"stderr on Wasmux:\n{got.stderr}")
    for message in case.stderr_has:
        assert message in got.stderr, got.stderr
