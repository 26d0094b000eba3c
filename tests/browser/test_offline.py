"""The service worker's cache: a reload with the server stopped still boots; a new
deployment (site.json's version changed) is picked up within two reloads."""

from __future__ import annotations

from pathlib import Path

import browser_session
import build_site
from playwright.sync_api import Page

ISOLATED = "window.crossOriginIsolated && window.wasmux?.console !== undefined"


def boot(page: Page, url: str, kernel: bool) -> None:
    """Loads `url` until the page is isolated with its console attached (and the kernel
    ready, when its worker exists)."""
    page.goto(url)
    page.wait_for_function(ISOLATED, timeout=60_000)
    if kernel:
        browser_session.wait_for_ready(page, timeout_ms=120_000)


def test_reload_offline_with_server_stopped(site_page: Page, site_copy: Path) -> None:
    kernel = (site_copy / "kernel" / "kernel-worker.js").exists()
    server = browser_session.SiteServer(site_copy)
    url = server.start()
    try:
        boot(site_page, url, kernel)
    finally:
        server.stop()
    site_page.reload()
    site_page.wait_for_function(ISOLATED, timeout=60_000)
    if kernel:
        browser_session.wait_for_ready(site_page, timeout_ms=120_000)
    assert site_page.evaluate("window.crossOriginIsolated")
    assert site_page.evaluate("typeof SharedArrayBuffer") == "function"


def test_new_deployment_picked_up(site_page: Page, site_copy: Path) -> None:
    with browser_session.SiteServer(site_copy) as server:
        site_page.goto(server.url)
        site_page.wait_for_function(ISOLATED, timeout=60_000)
        assert site_page.evaluate("window.deployment") is None
        with (site_copy / "boot.js").open("a") as boot_js:
            boot_js.write('\nwindow.deployment = "second";\n')
        old = site_page.evaluate("fetch('site.json').then(r => r.json())")["version"]
        new = build_site.rewrite_manifest(site_copy)
        assert new != old
        for _reload in range(2):
            site_page.reload()
            site_page.wait_for_function(ISOLATED, timeout=60_000)
            if site_page.evaluate("window.deployment") == "second":
                break
        assert site_page.evaluate("window.deployment") == "second"
        assert site_page.evaluate("fetch('site.json').then(r => r.json())")["version"] == new
        cache_names = site_page.evaluate("caches.keys()")
        assert [name for name in cache_names if name.startswith("wasmux-site-")] == [
            f"wasmux-site-{new}"]
