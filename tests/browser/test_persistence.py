"""Files in the OPFS root survive a page reload and closing and relaunching the browser on
the same profile; later boots restore the kernel from its memory snapshot."""

from __future__ import annotations

import json
import secrets
import zipfile
from collections.abc import Callable
from pathlib import Path

import browser_session
import build_site
from playwright.sync_api import BrowserContext, Page

BOOT_MS = 180_000
Launch = Callable[..., BrowserContext]


def boot(page: Page, url: str) -> None:
    page.goto(url)
    browser_session.wait_for_prompt(page, timeout_ms=BOOT_MS)


def boot_stages(page: Page) -> list[str]:
    return [stage for stage, _ in page.evaluate("window.wasmux.bootTimings")]


def test_a_file_survives_reload_and_browser_restart(
        launch_browser: Launch, site_url: str, needs_kernel: None, needs_rootfs: None,
        tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    token = secrets.token_hex(8)
    page = browser_session.first_page(launch_browser(profile))
    boot(page, site_url)
    # The first boot restores the site's snapshot and stores it for the next boots.
    assert "Pyodide restored from the site's snapshot" in boot_stages(page)
    browser_session.wait_for_snapshot_saved(page)
    browser_session.run_command(page, f"mkdir -p /root/keep && echo {token} > /root/keep/file")
    assert browser_session.run_command(page, "cat /root/keep/file") == token

    boot(page, site_url)  # a reload
    assert browser_session.run_command(page, "cat /root/keep/file") == token
    assert "Pyodide restored from the snapshot" in boot_stages(page)

    page.context.close()
    page = browser_session.first_page(launch_browser(profile))
    boot(page, site_url)
    assert browser_session.run_command(page, "cat /root/keep/file") == token
    assert "Pyodide restored from the snapshot" in boot_stages(page)
    browser_session.run_command(page, "rm -r /root/keep")
    assert browser_session.run_command(page, "ls /root/keep 2>&1; echo $?").endswith("1")


def test_reboots_survive_garbage_collection_during_boot(
        launch_browser: Launch, site_url: str, needs_kernel: None, needs_rootfs: None) -> None:
    # With --expose-gc the kernel worker collects garbage while its OPFS requests are in
    # flight (drivers/opfs.js collectGarbageInTests): a request whose handle was collected
    # never settles, which once hung about one boot in fifteen for good.
    page = browser_session.first_page(launch_browser(extra_flags=["--js-flags=--expose-gc"]))
    boot(page, site_url)
    browser_session.wait_for_snapshot_saved(page)
    browser_session.run_command(page, "echo kept > /root/gc-test")
    for _ in range(2):
        boot(page, site_url)
        assert "Pyodide restored from the snapshot" in boot_stages(page)
        assert browser_session.run_command(page, "cat /root/gc-test") == "kept"


def test_a_new_kernel_wheel_makes_a_new_snapshot(
        site_page: Page, site_copy: Path, needs_kernel: None, needs_rootfs: None) -> None:
    with browser_session.SiteServer(site_copy) as server:
        boot(site_page, server.url)
        assert "Pyodide restored from the site's snapshot" in boot_stages(site_page)
        browser_session.wait_for_snapshot_saved(site_page)
        boot(site_page, server.url)
        assert "Pyodide restored from the snapshot" in boot_stages(site_page)

        # A new deployment whose kernel wheel differs (only its zip comment: same code) and
        # that ships no snapshot: Pyodide is loaded, the wheel installed, a snapshot made.
        wheel = next((site_copy / "wheels").glob("wasmux-*.whl"))
        with zipfile.ZipFile(wheel, "a") as archive:
            archive.comment = b"a later build"
        build_site.rewrite_manifest(site_copy)
        assert json.loads((site_copy / "site.json").read_text())["snapshot"]["file"] is None
        boot(site_page, server.url)
        stages = boot_stages(site_page)
        assert "snapshot made" in stages and not any("restored" in stage for stage in stages)
        browser_session.wait_for_snapshot_saved(site_page)
        boot(site_page, server.url)
        assert "Pyodide restored from the snapshot" in boot_stages(site_page)
        assert browser_session.run_command(site_page, "echo $((6 * 7))") == "42"


def test_a_damaged_site_snapshot_is_not_restored(
        site_page: Page, site_copy: Path, needs_kernel: None, needs_rootfs: None) -> None:
    """A snapshot cut short in transit fails gzip's check: Pyodide is loaded instead."""
    snapshot = site_copy / json.loads((site_copy / "site.json").read_text())["snapshot"]["file"]
    snapshot.write_bytes(snapshot.read_bytes()[:-1000])
    build_site.rewrite_manifest(site_copy)
    with browser_session.SiteServer(site_copy) as server:
        boot(site_page, server.url)
        stages = boot_stages(site_page)
        assert "snapshot made" in stages and not any("restored" in stage for stage in stages)
        lines = browser_session.console_lines(site_page)
        assert any("did not restore" in line for line in lines), lines
        assert browser_session.run_command(site_page, "echo $((6 * 7))") == "42"
