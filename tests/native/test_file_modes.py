"""libwasmux's file creation and ownership calls on the native host
(tests/native/process_programs/filetest.c): open, openat, creat, mkdir, mkdirat and
mkstemp give the mode asked for minus the umask, fopen 0666 minus it; O_CLOEXEC
reaches the descriptor; chown and its variants accept root (0 or -1) and refuse
other ids with EPERM."""

from __future__ import annotations

from process_build import build, install, run
from wasmux.hosts.native import NativeSystem

EXPECTED = """\
open 750
reopen 750
creat 640
fopen 644
mkdir 700
mkdirat 1755
openat 604
umask 600
mkstemp 600
cloexec 1
chown root ok
chown unchanged ok
chown user Operation not permitted
chown missing No such file or directory
lchown group Operation not permitted
fchown root ok
fchown closed Bad file descriptor
"""


def test_created_files_get_mode_minus_umask_and_only_root_owns() -> None:
    with NativeSystem() as system:
        install(system, "/bin/filetest", build("filetest").read_bytes())
        assert run(system, ["filetest"]) == (0, EXPECTED)
