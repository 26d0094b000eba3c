"""Bad programs and abuse through the shell, on Wasmux only (no native equivalent): a
program that traps in the middle of a pipeline, and a spawn storm that runs into the
process limit (EAGAIN), can be killed, and leaves the kernel responsive."""

from __future__ import annotations

import sys

from userland_support import REPO, WasmuxShell  # type: ignore[import-not-found]

sys.path.insert(0, str(REPO / "rootfs-build"))

from toolchain import compile_c
from wasmux.proc import PROCESS_LIMIT

PROGRAMS = REPO / "tests" / "userland" / "programs"
BUILD = REPO / "build" / "tests" / "userland"


def test_program_trapping_in_a_pipeline(wasmux_shell: WasmuxShell) -> None:
    trapper = compile_c([PROGRAMS / "trapper.c"], BUILD / "trapper.wasm")
    wasmux_shell.put_file("/root/trapper", trapper.read_bytes(), 0o755)
    result = wasmux_shell.run(
        "cd /root\n"
        'echo x | ./trapper | cat; echo "pipeline $?"\n'
        './trapper < /dev/null; echo "status $?"\n'
        "echo y | ./trapper | ./trapper | cat; echo \"both $?\"\n"
        "echo responsive\n")
    # hush, like bash, prints the name of the signal that killed a foreground command;
    # the second trapper copies the line the first one wrote before trapping.
    assert result.stdout == ("x\npipeline 0\nIllegal instruction\nstatus 132\ny\nboth 0\n"
                             "responsive\n"), result.stderr
    assert result.status == 0


def test_spawn_storm_hits_the_process_limit_and_can_be_killed(
        wasmux_shell: WasmuxShell) -> None:
    storm = PROCESS_LIMIT + 40
    result = wasmux_shell.run(
        f'cd /root\npids=""; i=0\nwhile [ $i -lt {storm} ]; do\n'
        '  sleep 60 & pids="$pids $!"; i=$((i + 1))\ndone 2>storm.err\n'
        "echo launched\nkill -KILL $pids 2>/dev/null\nwait\necho cleaned\n"
        'grep -q "Resource temporarily unavailable" storm.err && echo "EAGAIN seen"\n',
        timeout=120)
    assert result.stdout == "launched\ncleaned\nEAGAIN seen\n", result.stderr
    assert result.seconds < 100
    after = wasmux_shell.run("echo alive; ls /bin | wc -l")
    assert after.status == 0 and after.stdout.startswith("alive\n"), after.stderr
    with wasmux_shell.system.host.lock:
        left = [process.pid for process in wasmux_shell.system.kernel.processes
                if process.name == "sleep"]
    assert left == [], "storm processes survived"
