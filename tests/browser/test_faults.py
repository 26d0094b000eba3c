"""Faults and bad input in the browser: the browser killed (SIGKILL) in the middle of a
loop of synced writes, repeatedly, and in the middle of a loop writing files in large
writes (straight from the writer's memory into OPFS); storage quota exhausted; a corrupt or truncated rootfs
download. (A browser lacking SharedArrayBuffer or OPFS: test_page.py.)

The durability contract (ARCHITECTURE.md): once `close` of a written file returned, its
data survives a kill. The guest loop appends a numbered line to a file and only then
prints "acked N"; whatever "acked" the terminal shows before the kill was synced."""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import re
import signal
import threading
import time
from collections.abc import Iterator
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path

import browser_session
import pytest
import serve
from playwright.sync_api import BrowserContext, Page, Playwright

from .test_file_reads import REPO, _archive, _pattern_md5, compile_c

BOOT_MS = 180_000
KILL_CYCLES = 3


def browser_processes(profile: Path) -> list[int]:
    """The Chromium processes of `profile`: the browser (its command line names the
    profile) and all its descendants."""
    marker = f"--user-data-dir={profile}".encode()
    parents: dict[int, int] = {}
    roots = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        pid = int(entry.name)
        parents[pid] = int(stat.rsplit(")", 1)[1].split()[1])
        if marker in arguments:
            roots.append(pid)
    found = set(roots)
    grew = True
    while grew:
        children = {pid for pid, parent in parents.items() if parent in found} - found
        found |= children
        grew = bool(children)
    return sorted(found)


def kill_browser(profile: Path) -> None:
    """SIGKILL every process of the Chromium running on `profile` (no shutdown at all)."""
    pids = browser_processes(profile)
    assert pids, f"no Chromium runs on {profile}"
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def kill_during(context: BrowserContext, profile: Path, chance: random.Random,
                loop: str) -> int:
    """Types `loop` (a shell loop printing "acked N" once its step N is synced) into the
    first page of `context`, lets it run 0.2-3 s after its first ack, then SIGKILLs the
    browser; the last N the terminal showed."""
    page = browser_session.first_page(context)
    browser_session.type_keys(page, loop)
    page.wait_for_function("/acked \\d+/.test(window.wasmux.console.screenText())",
                           timeout=60_000)
    time.sleep(chance.uniform(0.2, 3.0))
    acked = max(int(number) for number in
                re.findall(r"acked (\d+)", browser_session.screen_text(page)))
    kill_browser(profile)
    with contextlib.suppress(Exception):
        context.close()
    return acked


def boot_to_prompt(context: BrowserContext, url: str) -> Page:
    page = browser_session.first_page(context)
    page.goto(url)
    browser_session.wait_for_prompt(page, timeout_ms=BOOT_MS)
    return page


def expected_log(lines: int) -> bytes:
    return b"".join(b"line %d\n" % number for number in range(1, lines + 1))


def check_log(page: Page, path: str, acked: int) -> bytes:
    """Checks that `path` holds lines 1..acked at least, then only a prefix of the next
    lines (an unsynced tail may be lost or cut, never garbage); returns its contents'
    expected bytes as found."""
    output = browser_session.run_command(
        page, f'echo "found $(wc -l < {path}) $(wc -c < {path}) $(md5sum < {path})"')
    found = re.search(r"found (\d+) (\d+) ([0-9a-f]{32})", output)
    assert found, output
    count, length, digest = int(found[1]), int(found[2]), found[3]
    assert count >= acked, f"{path}: {count} lines survived, {acked} were synced"
    whole = expected_log(count + 1)
    assert len(expected_log(count)) <= length < len(whole), f"{path}: {count} lines, {length} B"
    assert hashlib.md5(whole[:length]).hexdigest() == digest, f"{path}: corrupt contents"
    return whole[:length]


def test_browser_killed_during_synced_writes_keeps_synced_lines(
        playwright: Playwright, site_url: str, tmp_path: Path, needs_kernel: None,
        needs_rootfs: None) -> None:
    profile = tmp_path / "profile"
    chance = random.Random()
    survived: dict[str, bytes] = {}
    acked = 0  # the last line the terminal showed as synced before the kill
    for cycle in range(KILL_CYCLES + 1):
        context = browser_session.launch(playwright, profile)
        page = boot_to_prompt(context, site_url)
        assert "bin" in browser_session.run_command(page, "ls /").split()
        for path, contents in survived.items():
            digest = hashlib.md5(contents).hexdigest()
            assert digest in browser_session.run_command(page, f"md5sum {path}"), \
                f"{path} changed after a later kill"
        if cycle > 0:
            path = f"/durable-{cycle}.log"
            survived[path] = check_log(page, path, acked)
        if cycle == KILL_CYCLES:
            context.close()
            break
        path = f"/durable-{cycle + 1}.log"
        acked = kill_during(context, profile, chance, "i=0; while :; do i=$((i+1)); "
                            f"echo line $i >> {path} && echo acked $i; done")


BIG_FILE = 2_000_000  # file_readback.c writes it in writes of up to 1 MiB, most >= 64 KiB


def test_browser_killed_during_large_writes_keeps_acked_files(
        playwright: Playwright, site_url: str, tmp_path: Path, needs_kernel: None,
        needs_rootfs: None) -> None:
    """Files written in large writes (which go into OPFS straight from the writer's
    memory), each fsynced and closed before the loop prints "acked N": after the kill,
    every acked file has every byte; the one being written may be cut, never wrong."""
    program = compile_c([REPO / "tests" / "browser" / "programs" / "file_readback.c"],
                        REPO / "build" / "tests" / "browser" / "file_readback.wasm",
                        optimize="-O2")
    profile = tmp_path / "profile"
    context = browser_session.launch(playwright, profile)
    page = boot_to_prompt(context, site_url + "?test=1")
    browser_session.test_op(page, "install",
                            archive=_archive("file_readback", program.read_bytes()))
    acked = kill_during(context, profile, random.Random(), "i=0; while :; do i=$((i+1)); "
                        f"/tests/file_readback write /big-$i {BIG_FILE} > /dev/null && "
                        "echo acked $i; done")
    context = browser_session.launch(playwright, profile)
    try:
        page = boot_to_prompt(context, site_url)
        sums = browser_session.run_command(
            page, f"i=1; while [ $i -le {acked} ]; do md5sum /big-$i; i=$((i+1)); done",
            timeout_ms=120_000).split("\n")
        assert sums == [f"{_pattern_md5(BIG_FILE)}  /big-{i}" for i in range(1, acked + 1)]
        cut = browser_session.run_command(page, f"wc -c < /big-{acked + 1} 2>/dev/null")
        if cut.strip().isdigit():  # the file being written: a prefix of the pattern
            length = int(cut)
            assert browser_session.run_command(page, f"head -c {length} /big-{acked + 1} | "
                                                     "md5sum") == f"{_pattern_md5(length)}  -"
    finally:
        context.close()


QUOTA = 48 * 1024 * 1024
# Adds the kernel worker's test-only `quota` (bytes of OPFS storage) to the boot message.
WITH_QUOTA = f"""
(() => {{
  const post = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (message, ...rest) {{
    if (message?.type === "boot") message = {{ ...message, quota: {QUOTA} }};
    return post.call(this, message, ...rest);
  }};
}})();
"""


def test_quota_exhausted_is_enospc_without_corruption(
        launch_browser: partial[BrowserContext], site_url: str, needs_kernel: None,
        needs_rootfs: None) -> None:
    context = launch_browser()
    context.add_init_script(WITH_QUOTA)
    page = boot_to_prompt(context, site_url)
    busybox = browser_session.run_command(page, "md5sum /bin/busybox")
    browser_session.run_command(page, "echo before > /before")
    full = browser_session.run_command(page, "cat /dev/zero > /fill; echo status $?",
                                       timeout_ms=180_000)
    assert "No space left on device" in full and "status 1" in full, full
    assert browser_session.run_command(page, "rm /fill; echo after > /after; cat /after") == \
        "after"
    page.reload()
    browser_session.wait_for_prompt(page, timeout_ms=BOOT_MS)
    assert browser_session.run_command(page, "cat /before /after") == "before\nafter"
    assert browser_session.run_command(page, "md5sum /bin/busybox") == busybox
    assert "No such file" in browser_session.run_command(page, "ls /fill")
    assert browser_session.run_command(page, "echo again > /again; cat /again") == "again"


class FaultyImage:
    """A site server (packaging/serve.py's handler) that spoils the first `bad` downloads
    of rootfs/rootfs.tar.gz: "corrupt" flips bytes (same length), "truncated" sends the
    full Content-Length and closes the connection halfway."""

    def __init__(self, site: Path, fault: str, bad: int) -> None:
        self.fault = fault
        self.bad = bad
        self.requests = 0
        outer = self

        class Handler(serve.SiteHandler):
            quiet = True

            def do_GET(self) -> None:
                if not self.path.split("?")[0].endswith("/rootfs/rootfs.tar.gz"):
                    super().do_GET()
                    return
                outer.requests += 1
                image = (site / "rootfs" / "rootfs.tar.gz").read_bytes()
                spoil = outer.requests <= outer.bad
                self.send_response(200)
                self.send_header("Content-Type", "application/gzip")
                self.send_header("Content-Length", str(len(image)))
                self.end_headers()
                if spoil and outer.fault == "truncated":
                    self.wfile.write(image[:len(image) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                if spoil:
                    middle = len(image) // 2
                    image = image[:middle] + bytes(b ^ 0xFF for b in image[middle:middle + 64]) \
                        + image[middle + 64:]
                self.wfile.write(image)

        self.server = ThreadingHTTPServer(
            ("127.0.0.1", 0), partial(Handler, directory=str(site)))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    @contextlib.contextmanager
    def serving(self) -> Iterator[str]:
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self.url
        finally:
            self.server.shutdown()
            self.server.server_close()


@pytest.mark.parametrize("fault", ["corrupt", "truncated"])
def test_spoiled_rootfs_download_is_retried(site_page: Page, site_copy: Path, fault: str,
                                            needs_kernel: None, needs_rootfs: None) -> None:
    faulty = FaultyImage(site_copy, fault, bad=1)
    with faulty.serving() as url:
        site_page.goto(url)
        browser_session.wait_for_prompt(site_page, timeout_ms=BOOT_MS)
        assert faulty.requests == 2
        assert "busybox" in browser_session.run_command(site_page, "ls /bin")


def test_rootfs_download_failing_every_attempt_installs_nothing(
        site_page: Page, site_copy: Path, needs_kernel: None, needs_rootfs: None) -> None:
    faulty = FaultyImage(site_copy, "corrupt", bad=3)
    with faulty.serving() as url:
        site_page.goto(url)
        site_page.wait_for_function("window.wasmux?.message", timeout=BOOT_MS)
        message = site_page.evaluate("window.wasmux.message")
        assert "sha256" in message and "3 attempts" in message, message
        assert faulty.requests == 3
        installed = site_page.evaluate("""async () => {
            const root = await navigator.storage.getDirectory();
            const wasmux = await root.getDirectoryHandle("wasmux");
            const names = [];
            for await (const [name] of wasmux.entries()) names.push(name);
            return names;
        }""")
        assert "root.json" not in installed
        site_page.reload()
        browser_session.wait_for_prompt(site_page, timeout_ms=BOOT_MS)
        assert faulty.requests == 4
        assert "busybox" in browser_session.run_command(site_page, "ls /bin")
