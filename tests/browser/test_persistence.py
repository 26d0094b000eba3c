"""Files in the OPFS root survive a page reload and closing and relaunching the browser on
the same profile; later boots restore the kernel from its memory snapshot."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

import browser_session
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
    assert "snapshot made" in boot_stages(page)  # the first boot makes the snapshot
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
    browser_session.run_command(page, "echo kept > /root/gc-test")
    for _ in range(2):
        boot(page, site_url)
        assert "Pyodide restored from the snapshot" in boot_stages(page)
        assert browser_session.run_command(page, "cat /root/gc-test") == "kept"
