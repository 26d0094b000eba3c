"""BusyBox hush (build/rootfs/bin/busybox.wasm, built by `rootfs-build/build.py
busybox`) on the native host: it re-executes itself through /proc/self/exe for $(...),
spawns applets and reports their statuses. Skipped when BusyBox was not built."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from process_build import install, run
from wasmux.hosts.native import NativeSystem

BUSYBOX = Path(__file__).resolve().parents[2] / "build" / "rootfs" / "bin" / "busybox.wasm"


@pytest.fixture
def system() -> Iterator[NativeSystem]:
    if not BUSYBOX.exists():
        pytest.skip("BusyBox not built: rootfs-build/build.py busybox")
    with NativeSystem() as native:
        install(native, "/bin/busybox", BUSYBOX.read_bytes())
        with native.host.lock:
            for name in ("sh", "true", "false", "echo"):
                native.kernel.vfs.symlink(None, "busybox", native.kernel.vfs.root, f"/bin/{name}")
        yield native


def test_command_substitution_spawn_and_status(system: NativeSystem) -> None:
    assert run(system, ["sh", "-c", "echo $(echo hi); /bin/true; echo $?"]) == (0, "hi\n0\n")


def test_exit_statuses_reach_the_shell(system: NativeSystem) -> None:
    install(system, "/bin/plain", b"\0asm\x01\0\0\0", mode=0o644)
    status, output = run(system, ["sh", "-c", ("/bin/false; echo $?; /bin/nope; echo $?; "
                                  "/bin/plain; echo $?; exit 3")])
    assert status == 3
    assert output == ("1\nsh: can't execute '/bin/nope': No such file or directory\n127\n"
                      "sh: can't execute '/bin/plain': Permission denied\n126\n")


def test_background_subshell_and_wait(system: NativeSystem) -> None:
    status, output = run(system, ["sh", "-c", ("sleep_status() { return 4; }; "
                                  "(exit 5) & wait $!; echo bg=$?; sleep_status; echo fn=$?")])
    assert (status, output) == (0, "bg=5\nfn=4\n")


def test_trap_runs_for_a_signal_the_shell_sends_itself(system: NativeSystem) -> None:
    assert run(system, ["sh", "-c", 'trap "echo got" USR1; kill -USR1 $$; echo after']) == \
        (0, "got\nafter\n")


def test_killed_background_job_reports_128_plus_signal(system: NativeSystem) -> None:
    with system.host.lock:
        system.kernel.vfs.symlink(None, "busybox", system.kernel.vfs.root, "/bin/sleep")
    assert run(system, ["sh", "-c", "sleep 5 & kill $!; wait $!; echo $?"]) == (0, "143\n")


def test_exec_replaces_the_shell_in_place(system: NativeSystem) -> None:
    assert run(system, ["sh", "-c", "exec echo replaced; echo not reached"]) == \
        (0, "replaced\n")
    status, output = run(system, ["sh", "-c", "echo $$; exec sh -c 'echo $$; exit 4'"])
    first, second = output.split()
    assert (status, first) == (4, second)
