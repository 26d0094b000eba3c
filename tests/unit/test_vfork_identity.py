"""Who a vfork child is: while the caller runs the child's code, getpid answers the
child's reserved pid and getppid the caller's, as with a real vfork (a job-control
shell's child puts itself in a group named by getpid(), then `bg` signals that group)."""

from __future__ import annotations

from wasmux.kernel import Kernel
from wasmux.proc import Process
from wasmux_calls import call, install, packed


def test_getpid_in_a_vfork_child_is_the_childs_pid_and_the_exec_keeps_it(
        kernel: Kernel, process: Process) -> None:
    install(kernel, "/bin/prog")
    assert call(kernel, process, "vfork_begin") == (0, ())
    errno, (child_pid,) = call(kernel, process, "getpid")
    assert errno == 0 and child_pid != process.pid
    assert call(kernel, process, "getppid") == (0, (process.pid,))
    assert call(kernel, process, "setpgid", 0, child_pid) == (0, ())
    assert call(kernel, process, "vfork_exec", "/bin/prog", packed("prog"), b"") == \
        (0, (child_pid,))
    child = kernel.processes.get(child_pid)
    assert child is not None and child.pgid == child_pid
    assert call(kernel, process, "getpid") == (0, (process.pid,))
    assert call(kernel, process, "getppid") == (0, (process.ppid,))
