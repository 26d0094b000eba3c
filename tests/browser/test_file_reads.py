"""Reads of files on the persistent root in Chromium, where their bytes go from OPFS
straight into the reading process's buffers, its memory being shared with the kernel
worker (a stored range, hosts/pyodide.py; kernel-worker.js `reply`): a multi-MiB file
written in the VM reads back byte for byte in 1 MiB reads, odd sizes, at odd offsets,
across and past its end, through readv, a dup, a buffer larger than the channel and
memory grown after the process started (tests/browser/programs/file_readback.c checks
every byte against the pattern it wrote), and the reads did go straight into guest
memory; the same through the channel (the path of a process whose memory is not
shared); BusyBox tools agree with a copy on tmpfs (no stored ranges); a reader stopped
with ^Z and continued with fg still gets the right bytes (its reply was withheld); and
large writes go into OPFS straight from the writer's memory or channel, every byte landing
and still there after a reload.
"""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path

import browser_session
import build_site
import pytest
from playwright.sync_api import Page, Playwright

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "rootfs-build"))
from toolchain import compile_c

BOOT_MS = 180_000
COMMAND_MS = 120_000
SIZE = 5_000_000  # not a multiple of the 1 MiB channel: the last read is short
MIB = 1 << 20
# Bytes one check verifies: two whole passes, the preads (1, 1 MiB, 3, 777777, the last
# 1000, the last byte, none at and past the end), readv (1 MiB - 23), 100 through the dup,
# the large read (1 MiB: a read returns at most the channel's data area) and the pread
# into grown memory (1 MiB).
CHECKED = 2 * SIZE + (1 + MIB + 3 + 777_777 + 1000 + 1) + (MIB - 23) + 100 + MIB + MIB
READS = 32  # per check
LATER_MIN = 64 * 1024  # channel.js: writes this large go to OPFS from where they are


def _archive(name: str, data: bytes) -> str:
    """A base64 tar holding /tests/<name> (mode 0755)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        directory = tarfile.TarInfo("tests")
        directory.type, directory.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(directory)
        member = tarfile.TarInfo(f"tests/{name}")
        member.size, member.mode = len(data), 0o755
        tar.addfile(member, io.BytesIO(data))
    return base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture(scope="module")
def shell(playwright: Playwright, built_site: build_site.Result, site_url: str,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    """A booted system with /tests/file_readback installed and /readback.dat written."""
    if built_site.rootfs_error:
        pytest.skip(f"no rootfs image: {built_site.rootfs_error}")
    program = compile_c([REPO / "tests" / "browser" / "programs" / "file_readback.c"],
                        REPO / "build" / "tests" / "browser" / "file_readback.wasm",
                        optimize="-O2")
    context = browser_session.launch(playwright, tmp_path_factory.mktemp("reads") / "profile")
    try:
        page = browser_session.first_page(context)
        page.goto(site_url + "?test=1")
        browser_session.wait_for_prompt(page, timeout_ms=BOOT_MS)
        browser_session.test_op(page, "install",
                                archive=_archive("file_readback", program.read_bytes()))
        assert run(page, f"/tests/file_readback write /readback.dat {SIZE}") == f"wrote {SIZE}"
        yield page
    finally:
        context.close()


def _pattern_md5(size: int) -> str:
    """The md5 of file_readback.c's pattern over `size` bytes."""
    data = bytes((p * 7 + (p >> 8) * 13 + (p >> 16)) & 0xFF for p in range(size))
    return hashlib.md5(data).hexdigest()


def run(page: Page, command: str) -> str:
    return browser_session.run_command(page, command, timeout_ms=COMMAND_MS)


def test_every_read_shape_returns_the_written_bytes(shell: Page) -> None:
    before = browser_session.test_op(shell, "counters")["directReads"]
    output = run(shell, f"/tests/file_readback check /readback.dat {SIZE}; echo status $?")
    assert output == f"ok checked {CHECKED} bytes in {READS} reads\nstatus 0"
    # Every read that returned bytes of the file (all but the 3 at or past its end) went
    # from OPFS straight into the process's memory.
    assert browser_session.test_op(shell, "counters")["directReads"] - before >= READS - 3


def test_reads_through_the_channel_return_the_written_bytes(shell: Page) -> None:
    """The path of a process whose memory is not shared (modules.js could not rewrite
    its module): the stored range is read into the channel, then copied."""
    browser_session.test_op(shell, "directReads", enabled=False)
    try:
        before = browser_session.test_op(shell, "counters")["directReads"]
        output = run(shell, f"/tests/file_readback check /readback.dat {SIZE}; echo status $?")
        assert output == f"ok checked {CHECKED} bytes in {READS} reads\nstatus 0"
        assert browser_session.test_op(shell, "counters")["directReads"] == before
    finally:
        browser_session.test_op(shell, "directReads", enabled=True)


def _large_writes(size: int) -> int:
    """How many of file_readback.c's writes of a `size`-byte file are of 64 KiB or more
    (steps of 1 MiB + 7, 65521, 3 and 1 MiB - 9 bytes, each write at most 1 MiB)."""
    steps, done, step, large = (MIB + 7, 65521, 3, MIB - 9), 0, 0, 0
    while done < size:
        count = min(steps[step % 4], size - done)
        large += count // MIB + (count % MIB >= LATER_MIN)
        done += count
        step += 1
    return large


@pytest.mark.parametrize("guest_ins", [True, False], ids=["from-guest-memory", "from-channel"])
def test_large_writes_go_to_opfs_from_where_they_are(shell: Page, guest_ins: bool) -> None:
    """Writes of 64 KiB and more to a file of the root go into OPFS straight from the
    writer's memory (shared with the kernel worker), or from its channel when it copied
    them there (the path of a process whose memory is not shared; the test op guestIns):
    kernel-worker.js bridge.write_request. The smaller ones go through Python. The file
    has every byte, by the program's check and by md5sum."""
    browser_session.test_op(shell, "guestIns", enabled=guest_ins)
    try:
        before = browser_session.test_op(shell, "counters")
        assert run(shell, f"/tests/file_readback write /written.dat {SIZE}") == f"wrote {SIZE}"
        after = browser_session.test_op(shell, "counters")
    finally:
        browser_session.test_op(shell, "guestIns", enabled=True)
    assert after["directWrites"] - before["directWrites"] == _large_writes(SIZE) == 5
    assert after["guestWrites"] - before["guestWrites"] == (5 if guest_ins else 0)
    assert run(shell, f"/tests/file_readback check /written.dat {SIZE}").startswith("ok checked")
    assert run(shell, "md5sum /written.dat") == f"{_pattern_md5(SIZE)}  /written.dat"
    run(shell, "rm /written.dat")


def test_tools_agree_with_a_copy_on_tmpfs(shell: Page) -> None:
    assert run(shell, "cp /readback.dat /tmp/readback.copy && cmp /readback.dat "
                      "/tmp/readback.copy && echo same") == "same"
    sums = run(shell, "md5sum /readback.dat /tmp/readback.copy").split("\n")
    assert len(sums) == 2 and sums[0].split()[0] == sums[1].split()[0]
    assert run(shell, "tail -c 12345 /readback.dat | md5sum") == \
        run(shell, "tail -c 12345 /tmp/readback.copy | md5sum")
    assert run(shell, f"/tests/file_readback check /tmp/readback.copy {SIZE}").startswith("ok")
    run(shell, "rm /tmp/readback.copy")


def test_a_reader_stopped_and_continued_gets_the_right_bytes(shell: Page) -> None:
    # ^Z as soon as the reader has done one whole check, not after a fixed sleep: direct
    # reads made 40 checks finish within CI's one second (a44250d).
    rounds = 200
    before = browser_session.buffer_text(shell).rstrip("\n").count("\n")
    reads_before = browser_session.test_op(shell, "counters")["directReads"]
    browser_session.type_keys(shell, f"/tests/file_readback check /readback.dat {SIZE} {rounds}")
    deadline = time.monotonic() + COMMAND_MS / 1000
    while browser_session.test_op(shell, "counters")["directReads"] < reads_before + READS:
        assert time.monotonic() < deadline, "the reader never started reading"
        time.sleep(0.01)
    shell.keyboard.press("Control+z")
    browser_session.wait_for_prompt(shell, timeout_ms=10_000)
    stopped = "\n".join(browser_session.buffer_text(shell).rstrip("\n").split("\n")[before:])
    assert "ok checked" not in stopped, stopped  # stopped halfway
    output = run(shell, "fg; echo status $?")
    expected = f"ok checked {rounds * CHECKED} bytes in {rounds * READS} reads\nstatus 0"
    assert output.endswith(expected), output


def test_a_read_opfs_fails_is_eio_and_the_system_goes_on(shell: Page) -> None:
    browser_session.test_op(shell, "failStoredReads", count=1)
    output = run(shell, "cat /readback.dat > /dev/null; echo status $?")
    assert output == "cat: read error: I/O error\nstatus 1", output
    assert run(shell, "md5sum /readback.dat") == f"{_pattern_md5(SIZE)}  /readback.dat"
    assert run(shell, f"/tests/file_readback check /readback.dat {SIZE}").startswith("ok checked")


def test_a_file_written_from_guest_memory_survives_a_reload(shell: Page) -> None:
    """/readback.dat was written mostly from the writer's memory (large writes), then
    fsynced and closed: after a reload (a new kernel, mounting the root from OPFS) it
    still has every byte. Last in this module: the page is booted again."""
    shell.reload()
    browser_session.wait_for_prompt(shell, timeout_ms=BOOT_MS)
    assert run(shell, "md5sum /readback.dat") == f"{_pattern_md5(SIZE)}  /readback.dat"
    assert run(shell, f"/tests/file_readback check /readback.dat {SIZE}").startswith("ok checked")
