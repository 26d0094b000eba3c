"""The page: cross-origin isolation through sw.js on a server without COOP/COEP headers,
clear messages for missing browser features, boot progress, ?wipe, a second tab told
that Wasmux runs in another (the first one unharmed)."""

from __future__ import annotations

import re
import urllib.request

import browser_session
import pytest
from playwright.sync_api import Dialog, Page

ISOLATED = "window.crossOriginIsolated && window.wasmux !== undefined"


def count_loads(page: Page) -> list[str]:
    """A list that receives the URL of every document load of `page`'s main frame."""
    loads: list[str] = []
    page.on("load", lambda loaded: loads.append(loaded.url))
    return loads


def test_isolated_on_server_without_isolation_headers(site_page: Page, site_url: str) -> None:
    with urllib.request.urlopen(site_url) as response:
        sent = {name.lower() for name in response.headers}
    assert not sent & {"cross-origin-opener-policy", "cross-origin-embedder-policy"}
    loads = count_loads(site_page)
    site_page.goto(site_url)
    site_page.wait_for_function(ISOLATED, timeout=30_000)
    assert site_page.evaluate("typeof SharedArrayBuffer") == "function"
    assert len(loads) <= 2, f"more than one reload: {loads}"
    site_page.reload()
    site_page.wait_for_function(ISOLATED, timeout=30_000)
    assert site_page.evaluate("window.wasmux.stages").count(
        "Reloading once to become cross-origin isolated") == 0


@pytest.mark.parametrize(("removal", "named"), [
    ("delete window.SharedArrayBuffer", "SharedArrayBuffer"),
    ("delete StorageManager.prototype.getDirectory", "Origin Private File System"),
    ("delete Atomics.waitAsync", "Atomics.waitAsync"),
])
def test_missing_feature_named_on_page(site_page: Page, site_url: str, removal: str,
                                       named: str) -> None:
    site_page.add_init_script(removal)
    site_page.goto(site_url)
    site_page.wait_for_function("window.wasmux?.message", timeout=30_000)
    message = site_page.evaluate("window.wasmux.message")
    assert "cannot run in this browser" in message and named in message
    assert named in site_page.inner_text("#message")


def test_boot_progress_shows_bytes_and_percent(site_page: Page, site_url: str,
                                               needs_kernel: None, needs_rootfs: None) -> None:
    site_page.goto(site_url)
    browser_session.wait_for_ready(site_page, timeout_ms=120_000)
    stages = site_page.evaluate("window.wasmux.stages")
    shown = [stage for stage in stages
             if re.search(r"[\d.]+ (B|KiB|MiB) of [\d.]+ (B|KiB|MiB) \(\d+%\)", stage)]
    assert shown, f"no stage with bytes and percent among {stages[-20:]}"
    assert any(stage.endswith("(100%)") for stage in shown)


def test_wipe_parameter_wipes_storage(site_page: Page, site_url: str, needs_kernel: None,
                                      needs_rootfs: None) -> None:
    site_page.goto(site_url)
    browser_session.wait_for_prompt(site_page, timeout_ms=120_000)
    assert browser_session.run_command(site_page, "echo kept > /wipe-marker; cat /wipe-marker") \
        == "kept"
    dialogs: list[str] = []

    def accept(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()
    site_page.on("dialog", accept)
    site_page.goto(site_url + "?wipe=1")
    browser_session.wait_for_prompt(site_page, timeout_ms=120_000)
    assert dialogs and "Wipe" in dialogs[0]
    assert "wipe" not in site_page.url
    assert "No such file" in browser_session.run_command(site_page, "cat /wipe-marker")


def test_a_second_tab_is_told_wasmux_runs_elsewhere(site_page: Page, site_url: str,
                                                    needs_kernel: None,
                                                    needs_rootfs: None) -> None:
    site_page.goto(site_url)
    browser_session.wait_for_prompt(site_page, timeout_ms=120_000)
    browser_session.run_command(site_page, "echo first > /tab-marker")
    second = site_page.context.new_page()
    second.goto(site_url)
    second.wait_for_function("window.wasmux?.message", timeout=60_000)
    assert second.evaluate("window.wasmux.message") == (
        "Wasmux is already running in another tab of this site. Close that tab, then "
        "reload this one.")
    assert not second.evaluate("window.wasmux.ready")
    assert browser_session.run_command(site_page, "cat /tab-marker") == "first"
    second.close()

