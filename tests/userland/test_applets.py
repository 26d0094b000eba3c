"""Every BusyBox applet issue 3 requires, run on Wasmux the way a user would: one test
per applet, checking what a user would look at. Where the output is deterministic the
same script also runs on Debian's busybox natively and the outputs must match; where it
depends on the machine (times, pids, sizes) the test asserts its shape.

Scripts run in a fresh directory `$HOME/t` (HOME is /root on Wasmux, a scratch
directory natively), with `umask 022` and `TZ=UTC`. The persistent-root checks (df on
the root store, chmod surviving a restart) go through `wasmux mkroot` and `wasmux shell
--root DIR -c` on the command line.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from userland_support import (  # type: ignore[import-not-found]
    REPO,
    BuiltImage,
    NativeShell,
    ShellResult,
    WasmuxShell,
)

PREFIX = 'umask 022; export TZ=UTC; rm -rf "$HOME/t"; mkdir "$HOME/t" && cd "$HOME/t" || exit 99\n'
Check = Callable[[ShellResult], None]


@dataclass(frozen=True, slots=True)
class Case:
    applet: str
    script: str
    check: Check | None = None  # None: compare stdout and status with native busybox
    stdin: bytes = b""
    merge_output: bool = False
    xfail: str = ""


def lines(result: ShellResult) -> list[str]:
    return result.stdout.splitlines()


def expect(status: int = 0, stdout: str | None = None,
           matches: str | None = None) -> Check:
    """A check: exit status, and the whole stdout or a regular expression it matches."""
    def check(result: ShellResult) -> None:
        assert result.status == status, (result.stdout, result.stderr)
        if stdout is not None:
            assert result.stdout == stdout, result.stderr
        if matches is not None:
            assert re.search(matches, result.stdout, re.MULTILINE | re.DOTALL), (
                result.stdout, result.stderr)
    return check


def check_ps(result: ShellResult) -> None:
    assert result.status == 0, result.stderr
    header, *rows = lines(result)
    assert header.split()[:2] == ["PID", "USER"]
    assert any(row.endswith("sleep 5") for row in rows), result.stdout
    assert any(re.search(r"\bps$", row) for row in rows), result.stdout


def check_top(result: ShellResult) -> None:
    assert result.status == 0, result.stderr
    assert re.search(r"^Mem: \d+K used, \d+K free", result.stdout, re.MULTILINE)
    assert re.search(r"^Load average: ", result.stdout, re.MULTILINE)
    assert re.search(r"PID\s+PPID\s+USER\s+STAT", result.stdout)
    assert re.search(r"\btop -b -n 1$", result.stdout, re.MULTILINE), result.stdout


def check_du(result: ShellResult) -> None:
    assert result.status == 0, result.stderr
    single, tree = lines(result)[0], lines(result)[1:]
    assert re.fullmatch(r"(\d+)\td/f", single) and int(single.split()[0]) >= 10
    assert [row.split("\t")[1] for row in tree] == ["d/f", "d"]


CASES = [
    Case("sh", 'x=; for i in a b c; do x="$x$i"; done; echo "$x"\n'
         'case $x in ab*) echo match;; esac; f() { return 3; }; f; echo $?\n'
         'echo "$((6 * 7))" ${#x}; sh -c \'exit 5\'; echo $?'),
    Case("cat", "printf 'a\\nb\\n' > f; cat f f; cat -n f; echo in | cat - f"),
    Case("ls", "mkdir d; touch d/b d/a d/.h; chmod 755 d/b; ls d; ls -a d; ls -1F d\n"
         "ls -l d | cut -c1-10; ls -ld d | cut -c1-10; ls missing; echo $?"),
    Case("cp", "echo x > a; chmod 750 a; cp a b; cp -p a c; stat -c '%n %a' b c\n"
         "mkdir -p s/t; echo y > s/t/f; cp -r s u; cat u/t/f; cp missing z; echo $?"),
    Case("mv", "echo x > a; mv a b; ls; mkdir d; mv b d/; ls d; mv d e; ls; cat e/b"),
    Case("rm", "touch a b; mkdir -p d/e; rm a; ls; rm d; echo $?; rm -r d; ls; rm -f q; echo $?"),
    Case("ln", "echo x > a; ln a h; ln -s a s; stat -c '%h %F' a s; readlink s; cat s\n"
         "ln -sf b s; readlink s; ln a h; echo $?"),
    Case("mkdir", "mkdir a; mkdir -p b/c/d; mkdir -m 700 e; stat -c '%n %a' a b/c/d e\n"
         "mkdir a; echo $?"),
    Case("rmdir", "mkdir -p a/b/c; rmdir a/b/c; ls a; rmdir -p a/b; ls; mkdir x; touch x/f\n"
         "rmdir x; echo $?"),
    Case("touch", "touch a; stat -c '%s %F' a; touch -d '2020-01-02 03:04:05' a\n"
         "stat -c %Y a; date -r a '+%F %T'; touch -c nothere; ls"),
    Case("chmod", "touch f; chmod 640 f; stat -c '%a %A' f; chmod u+x,g-r,o+w f\n"
         "stat -c '%a %A' f; mkdir -p d/e; chmod -R 700 d; stat -c '%n %a' d d/e\n"
         "chmod 755 missing; echo $?"),
    Case("stat", "printf abc > f; mkdir d; ln -s f l\n"
         "stat -c '%n %s %F %a %h %u %g %U' f l; stat -c '%n %F %a %h' d; stat -L -c %F l\n"
         "stat -c %F /dev/null"),
    Case("echo", "echo a b; echo -n c; echo; echo -e 'x\\ty'; echo '$HOME'"),
    Case("printf", "printf '%s-%d-%05.1f-%x\\n' a 42 3.14159 255; printf '%b' 'a\\nb\\n'\n"
         "printf '%3s|%-3s|\\n' x y"),
    Case("test", "test 1 -lt 2 && echo lt; [ -d / ] && echo dir; [ abc = abc ] && echo eq\n"
         "touch f; [ -f f -a ! -x f ] && echo plain; chmod +x f; [ -x f ] && echo exec\n"
         "[ -z '' ]; echo $?; test -e missing; echo $?; [ 2 -gt 1 ]; echo $?"),
    Case("true", "true; echo $?; /bin/true; echo $?"),
    Case("false", "false; echo $?; /bin/false; echo $?"),
    Case("env", "env -i A=1 B=2 env; env A=3 sh -c 'echo $A'; env | grep -c '^PATH='"),
    Case("pwd", "mkdir -p x/y; cd x/y; pwd | sed 's|.*/t/|/|'; cd ..; pwd -P | sed 's|.*/t/|/|'"),
    Case("sleep", "sleep 0.3; echo $?; sleep; echo $?", check=None),
    Case("date", "date -u -d @86400 '+%Y-%m-%d %H:%M:%S %Z'; date -u -d '2021-03-04 05:06' +%s\n"
         "date -u -d @0 +%A"),
    Case("date-utc-without-tz", "unset TZ; date +%Z; date -R | grep -c '+0000$'",
         check=expect(stdout="UTC\n1\n")),
    Case("uname", "uname -s; uname -m; uname -r; [ \"$(uname -n)\" = \"$(hostname)\" ] && echo same",
         check=expect(stdout="Wasmux\nwasm32\n0.1.0\nsame\n")),
    Case("id", "id; id -u; id -un; id -g; id -gn", check=expect(
        stdout="uid=0(root) gid=0(root) groups=0(root)\n0\nroot\n0\nroot\n")),
    Case("whoami", "whoami", check=expect(stdout="root\n")),
    Case("hostname", "old=$(hostname); [ \"$old\" = \"$(cat /etc/hostname)\" ] && echo etc\n"
         "hostname testbox; hostname; uname -n; hostname \"$old\"; hostname -s | grep -c .",
         check=expect(stdout="etc\ntestbox\ntestbox\n1\n")),
    Case("kill", "sleep 10 & kill $!; wait $!; echo $?; sleep 10 & kill -9 $!; wait $!; echo $?\n"
         "kill -l 15; kill -0 $$; echo $?; kill 99999; echo $?"),
    Case("ps", "sleep 5 & ps; kill $!", check=check_ps),
    Case("top", "top -b -n 1", check=check_top),
    Case("watch", "watch -t -n 0.2 echo hi > out & sleep 1; kill $!; grep -c hi out",
         check=expect(matches=r"^[1-9]\d*$")),
    Case("grep", "printf 'one\\ntwo\\nthree\\n' > f; grep o f; grep -c e f; grep -v t f\n"
         "grep -n '^t' f; grep -E 'w|h' f; grep -i ONE f; grep -q zz f; echo $?\n"
         "mkdir d; echo one > d/g; grep -r one d; grep -l one f d/g"),
    Case("sed", "printf 'a1\\nb2\\nc3\\n' > f; sed 's/[0-9]/#/' f; sed -n 2p f; sed '/b/d' f\n"
         "sed -i 's/a/A/' f; cat f; echo abc | sed -e 's/b/B/' -e 's/c$/C/'"),
    Case("awk", "printf '1 x\\n2 y\\n3 z\\n' | awk '{s += $1} END {print s, NR}'\n"
         "echo a:b:c | awk -F: '{print $2, NF}'; awk 'BEGIN {printf \"%05.2f\\n\", 3.14159}'\n"
         "printf 'k 1\\nk 2\\nj 5\\n' | awk '{t[$1] += $2} END {print t[\"k\"], t[\"j\"]}'"),
    Case("find", "mkdir -p a/b; touch a/x.c a/b/y.c a/z.h; chmod 755 a/z.h\n"
         "find a | sort; find a -name '*.c' | sort; find a -type d | sort\n"
         "find a -perm -100 -type f; find a -name '*.c' -exec echo found {} \\; | sort\n"
         "find a -maxdepth 1 -type f | sort"),
    Case("xargs", "printf 'a\\nb\\nc\\n' | xargs echo; printf 'a b c d' | xargs -n 2 echo x\n"
         "touch f1 f2; echo f1 f2 | xargs rm; ls; printf 'q\\n' | xargs -I{} echo [{}]"),
    Case("head", "seq 20 > f; head -3 f; head -n 2 f f; head -c 5 f; seq 5 | head -n -3"),
    Case("tail", "seq 20 > f; tail -3 f; tail -n +19 f; tail -c 6 f; seq 5 | tail -1"),
    Case("wc", "printf 'a b\\nc\\n' > f; wc f; wc -l f; wc -w < f; wc -c f; printf x | wc -l"),
    Case("sort", "printf 'b 2\\na 10\\nc 1\\na 10\\n' > f; sort f; sort -r f; sort -n -k2 f\n"
         "sort -u f; sort -t' ' -k2,2n f | head -1"),
    Case("uniq", "printf 'a\\na\\nb\\nc\\nc\\n' > f; uniq f; uniq -c f; uniq -d f; uniq -u f"),
    Case("cut", "echo a:b:c:d | cut -d: -f2; echo a:b:c:d | cut -d: -f1,3-; echo hello | cut -c2-4"),
    Case("tr", "echo abc | tr a-c A-C; echo hello | tr -d l; echo aabbcc | tr -s ab\n"
         "echo 'a b' | tr ' ' '\\n'"),
    Case("tee", "echo t | tee a b; cat a b; echo u | tee -a a > /dev/null; cat a"),
    Case("diff", "printf 'a\\nb\\nc\\n' > 1; printf 'a\\nB\\nc\\n' > 2; diff 1 2; echo $?\n"
         "diff -u 1 2 | tail -n +3; diff 1 1; echo $?"),
    Case("patch", "printf 'a\\nb\\nc\\n' > 1; printf 'a\\nB\\nc\\nd\\n' > 2; diff -u 1 2 > p\n"
         "patch 1 < p; cat 1; patch -R 1 < p; cat 1; cmp 1 2; echo $?"),
    Case("tar", "mkdir -p d/s; echo x > d/s/f; chmod 750 d/s/f; ln -s f d/s/l\n"
         "tar cf a.tar d; tar tf a.tar | sort; rm -r d; tar xf a.tar; cat d/s/f\n"
         "stat -c '%n %a' d/s/f; readlink d/s/l; tar czf a.tgz d; rm -r d; tar xzf a.tgz\n"
         "cat d/s/f; tar -C d -cf - s | tar -tf - | sort"),
    Case("gzip", "seq 1000 > f; gzip f; ls; gunzip f.gz; wc -l f; gzip -c f > g.gz\n"
         "zcat g.gz | md5sum; md5sum f | cut -d' ' -f1; gzip -t g.gz; echo $?\n"
         "echo bad > b.gz; gunzip b.gz; echo $?; gzip -d < g.gz | tail -1"),
    Case("md5sum", "echo abc | md5sum; printf '' > e; md5sum e; md5sum e > sums; md5sum -c sums"),
    Case("sha256sum", "echo abc | sha256sum; printf 'x' | sha256sum"),
    Case("base64", "echo abc | base64; echo YWJjCg== | base64 -d; seq 40 | base64 | base64 -d | tail -1"),
    Case("od", "printf 'abc\\n\\001' | od -c; printf 'AB' | od -An -tx1; printf '\\377\\376' | od -d"),
    Case("hexdump", "printf 'abcdefghijklmnopq\\n' | hexdump -C; printf 'ab' | hexdump"),
    Case("seq", "seq 3; seq 2 4; seq 10 -3 1; seq -s, 5; seq -w 8 10"),
    Case("expr", "expr 1 + 2; expr 7 / 2; expr abc : 'a\\(.\\)'; expr length hello; expr 2 '<' 1\n"
         "echo $?"),
    Case("basename", "basename /a/b.c; basename /a/b.c .c; basename /; basename a/b/"),
    Case("dirname", "dirname /a/b; dirname a; dirname /a/b/; dirname /"),
    Case("realpath", "mkdir -p a/b; ln -s a/b l; realpath l | sed \"s|$PWD|.|\"\n"
         "realpath a/../a/b | sed \"s|$PWD|.|\"; realpath /etc/../etc"),
    Case("readlink", "touch f; ln -s f l; ln -s l ll; readlink l; readlink ll\n"
         "readlink -f ll | sed \"s|$PWD|.|\"; readlink f; echo $?"),
    Case("mktemp", "f=$(mktemp); [ -f \"$f\" ] && echo file; stat -c %a \"$f\"\n"
         "d=$(mktemp -d); [ -d \"$d\" ] && echo dir; stat -c %a \"$d\"\n"
         "case $f in /tmp/tmp.??????) echo named;; esac; mktemp -p . xXXXXXX | grep -c '^./x'\n"
         "rm -r \"$f\" \"$d\"", check=expect(stdout="file\n600\ndir\n700\nnamed\n1\n")),
    Case("which", "which ls sh; touch nx; chmod 644 nx; PATH=$PWD which nx; echo $?\n"
         "chmod +x nx; PATH=$PWD which nx | sed \"s|$PWD|.|\"; which missing; echo $?",
         check=expect(stdout="/bin/ls\n/bin/sh\n1\n./nx\n1\n")),
    Case("du", "mkdir d; head -c 10000 /dev/zero > d/f; du -k d/f; du -ak d", check=check_du),
    Case("df", "df /; df -k /tmp | tail -1 | awk '{print $NF}'", check=expect(
        matches=r"^Filesystem\s+1K-blocks\s+Used\s+Available\s+Use% Mounted on\n\S+(\s+\d+){3}"
                r"\s+\d+% /\n/tmp\n$")),
    Case("free", "free; free -m | grep -c '^Mem:'", check=expect(
        matches=r"^\s+total\s+used\s+free\s+shared\s+buff/cache\s+available\nMem:\s+\d+"
                r"(\s+\d+){5}\n(Swap:.*\n)?1\n$")),
    Case("uptime", "uptime", check=expect(
        matches=r"^ \d\d:\d\d:\d\d up .*load average: \d+\.\d\d, \d+\.\d\d, \d+\.\d\d\n$")),
    Case("clear", "clear | hexdump -C"),
    Case("reset", "reset | wc -c; echo $?"),
    Case("more", "seq 5 > f; more f; seq 3 | more"),
    Case("less", "seq 5 > f; less -F f; less f; seq 2 | less"),
    Case("vi", "printf 'hello\\nworld\\n' > f; vi -c ':1d' -c ':wq' f < /dev/null > /dev/null\n"
         "echo $?; cat f"),
    Case("time", "time sh -c 'sleep 0.2'; echo $?", merge_output=True, check=expect(
        matches=r"^real\s+0m 0\.[2-9]\d*s\nuser\s+.+\nsys\s+.+\n0\n$")),
    # hush names the signal that ended a foreground job (Debian's busybox sh, ash, does
    # not): "Terminated".
    Case("timeout", "timeout 0.3 sleep 5; echo $?; timeout 5 echo quick; echo $?",
         check=expect(stdout="Terminated\n143\nquick\n0\n")),
    Case("yes", "yes | head -3; yes ab | head -2"),
]


def _sleep_check(result: ShellResult) -> None:
    assert result.stdout.startswith("0\n") and result.seconds >= 0.3


def _param(case: Case) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
    return pytest.param(case, id=case.applet, marks=marks)


@pytest.mark.parametrize("case", [_param(case) for case in CASES])
def test_applet(case: Case, wasmux_shell: WasmuxShell, native_shell: NativeShell) -> None:
    result = wasmux_shell.run(PREFIX + case.script, stdin=case.stdin,
                              merge_output=case.merge_output)
    if case.applet == "sleep":
        _sleep_check(result)
    if case.check is not None:
        case.check(result)
        return
    native = native_shell.run(PREFIX + case.script, stdin=case.stdin,
                              merge_output=case.merge_output)
    assert (result.stdout, result.status) == (native.stdout, native.status), (
        f"wasmux stderr: {result.stderr}\nnative stderr: {native.stderr}")


# --- a persistent root store, through the command line ---

WASMUX = [sys.executable, "-m", "wasmux"]
ENVIRONMENT = {"PYTHONPATH": str(REPO / "kernel" / "py"), "PATH": "/usr/bin:/bin"}


def wasmux(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*WASMUX, *arguments], capture_output=True, text=True, timeout=60,
                          env=ENVIRONMENT, check=False)


@pytest.fixture(scope="module")
def root(built_image: BuiltImage, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("applets-root")
    made = wasmux("mkroot", str(directory), "--image", str(built_image.archive))
    assert made.returncode == 0, made.stderr
    return directory


def test_df_reports_the_root_store_capacity(root: Path) -> None:
    result = wasmux("shell", "--root", str(root), "-c", "df -k / | tail -1")
    assert result.returncode == 0, result.stderr
    _, blocks, used, available, _, mounted = result.stdout.split()
    assert mounted == "/" and int(blocks) > 0 and int(used) + int(available) <= int(blocks)


def test_chmod_persists_across_restarts(root: Path) -> None:
    made = wasmux("shell", "--root", str(root), "-c",
                  "printf '#!/bin/sh\\necho ran\\n' > /root/s; chmod 751 /root/s; "
                  "mkdir -p /root/p; chmod 700 /root/p")
    assert made.returncode == 0, made.stderr
    later = wasmux("shell", "--root", str(root), "-c",
                   "stat -c '%a' /root/s /root/p; /root/s; chmod -x /root/s; /root/s")
    assert later.stdout == "751\n700\nran\n" and later.returncode == 126, later.stderr
