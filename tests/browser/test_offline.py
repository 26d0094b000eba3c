"""The service worker's cache: a reload with the server stopped still boots; a new
deployment (site.json's version changed) is picked up within two reloads; a warm boot
compiles Pyodide's 1.25 MB of JS from V8's code cache (sw.js AS_SENT)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

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


def _traced(page: Page, url: str, categories: str, kernel: bool) -> list[dict[str, Any]]:
    """The Chromium trace events (of `categories`) of one load of `url`."""
    cdp = page.context.new_cdp_session(page)
    done: dict[str, Any] = {}
    cdp.on("Tracing.tracingComplete", lambda event: done.update(event))
    cdp.send("Tracing.start", {"categories": categories, "transferMode": "ReturnAsStream"})
    boot(page, url, kernel)
    cdp.send("Tracing.end")
    while not done:
        page.wait_for_timeout(50)
    chunks = []
    while True:
        read = cdp.send("IO.read", {"handle": done["stream"], "size": 1 << 20})
        chunks.append(base64.b64decode(read["data"]) if read.get("base64Encoded")
                      else read["data"].encode())
        if read.get("eof"):
            break
    trace = json.loads(b"".join(chunks))
    return trace["traceEvents"] if isinstance(trace, dict) else trace


def test_warm_boot_compiles_pyodide_from_the_code_cache(site_page: Page, site_url: str,
                                                        needs_kernel: None) -> None:
    boot(site_page, site_url, kernel=True)  # the first boot: sw.js caches the site
    boot(site_page, site_url, kernel=True)
    events = _traced(site_page, site_url, "v8", kernel=True)
    compiles = [event["args"]["data"] for event in events
                if event.get("name") == "v8.compileModule"
                and str(event.get("args", {}).get("data", {}).get("url", "")).endswith(
                    "vendor/pyodide/pyodide.asm.mjs")]
    assert len(compiles) == 1, compiles
    assert compiles[0].get("consumedCacheSize", 0) > 0, compiles[0]
    assert not compiles[0].get("cacheRejected")
