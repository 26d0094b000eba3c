"""`wasmux mkroot` and `wasmux shell --root`, end to end through the command line: a
fresh root store from the image, `-c` runs commands with the root's /bin/sh and exits
with their status, changes persist, and booting /sbin/init gives a login shell."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from userland_support import REPO, BuiltImage  # type: ignore[import-not-found]

WASMUX = [sys.executable, "-m", "wasmux"]
ENVIRONMENT = {"PYTHONPATH": str(REPO / "kernel" / "py"), "PATH": "/usr/bin:/bin"}


def wasmux(*arguments: str, stdin: str = "", timeout: float = 60
           ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*WASMUX, *arguments], input=stdin, capture_output=True,
                          text=True, timeout=timeout, env=ENVIRONMENT, check=False)


@pytest.fixture(scope="module")
def root(built_image: BuiltImage, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("root")
    made = wasmux("mkroot", str(directory), "--image", str(built_image.archive))
    assert made.returncode == 0, made.stderr
    assert "entries" in made.stdout
    return directory


def test_mkroot_refuses_a_non_empty_directory(built_image: BuiltImage,
                                              tmp_path: Path) -> None:
    assert wasmux("mkroot", str(tmp_path), "--image", str(built_image.archive)).returncode == 0
    again = wasmux("mkroot", str(tmp_path), "--image", str(built_image.archive))
    assert again.returncode == 1 and "not empty" in again.stderr and "--force" in again.stderr
    forced = wasmux("mkroot", str(tmp_path), "--image", str(built_image.archive), "--force")
    assert forced.returncode == 0, forced.stderr


def test_mkroot_force_never_deletes_foreign_files(built_image: BuiltImage,
                                                  tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me")
    result = wasmux("mkroot", str(tmp_path), "--image", str(built_image.archive), "--force")
    assert result.returncode == 1 and "precious.txt" in result.stderr
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_mkroot_without_an_image_says_how_to_build_it(tmp_path: Path) -> None:
    result = wasmux("mkroot", str(tmp_path / "r"), "--image", str(tmp_path / "none.tar.gz"))
    assert result.returncode == 1 and "build.py image" in result.stderr


def test_shell_without_a_root_store_says_how_to_make_one(tmp_path: Path) -> None:
    result = wasmux("shell", "--root", str(tmp_path / "missing"), "-c", "true")
    assert result.returncode == 127 and "wasmux mkroot" in result.stderr


def test_shell_c_runs_commands_with_the_roots_sh(root: Path) -> None:
    result = wasmux("shell", "--root", str(root), "-c", "echo hi; ls /bin | head -3")
    assert (result.returncode, result.stdout) == (0, "hi\n[\n[[\nawk\n"), result.stderr


def test_shell_c_exits_with_the_commands_status(root: Path) -> None:
    assert wasmux("shell", "--root", str(root), "-c", "exit 7").returncode == 7
    result = wasmux("shell", "--root", str(root), "-c", "echo out; echo err >&2; false")
    assert (result.returncode, result.stdout, result.stderr) == (1, "out\n", "err\n")


def test_shell_c_changes_persist_in_the_root(root: Path) -> None:
    written = wasmux("shell", "--root", str(root), "-c", "echo kept > /root/note")
    assert written.returncode == 0, written.stderr
    read = wasmux("shell", "--root", str(root), "-c", "cat /root/note")
    assert (read.returncode, read.stdout) == (0, "kept\n"), read.stderr


def test_boot_runs_rc_and_a_login_shell_then_shuts_down(root: Path) -> None:
    """init prints the motd, starts `sh -l` as a session leader on the console with the
    profile's environment, and `kill 1` shuts the system down."""
    script = ("echo \"pid1=$(cat /proc/1/cmdline | tr '\\0' ' ')\"\n"
              "echo \"home=$HOME user=$USER term=$TERM\"\n"
              "kill 1\n")
    result = wasmux("shell", "--root", str(root), stdin=script, timeout=60)
    assert "Welcome to Wasmux" in result.stdout
    assert "pid1=init " in result.stdout
    assert "home=/root user=root term=xterm-256color" in result.stdout
    assert "init: shutting down" in result.stdout + result.stderr
    assert result.returncode == 0, result.stdout + result.stderr


def test_boot_runs_an_rc_with_commands_before_the_shell(built_image: BuiltImage,
                                                        tmp_path: Path) -> None:
    """The image's /etc/rc holds only comments (init skips it: no shell spent); one with a
    command runs to its end before the login shell starts."""
    assert wasmux("mkroot", str(tmp_path), "--image", str(built_image.archive)).returncode == 0
    edited = wasmux("shell", "--root", str(tmp_path), "-c",
                    "grep -v '^#' /etc/rc | grep -c . ; "
                    "printf '# hook\\necho rc-ran; echo rc-pid=$$ > /tmp/rc\\n' > /etc/rc")
    assert edited.stdout == "0\n", edited.stdout + edited.stderr
    result = wasmux("shell", "--root", str(tmp_path), stdin="echo shell-ran\nkill 1\n",
                    timeout=60)
    output = result.stdout
    assert "rc-ran" in output and "shell-ran" in output, output + result.stderr
    assert output.index("rc-ran") < output.index("Welcome to Wasmux") < output.index("shell-ran")
