"""Fixtures for the browser tests: the site built once per session, served by
packaging/serve.py (no COOP/COEP headers) on a free 127.0.0.1 port, and Debian's Chromium
on a fresh persistent profile per test. Every test here is marked `browser`.

Helpers to wait for the prompt, read the screen and type are in packaging/browser_session.py
(imported here as `browser_session`).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "packaging"))

import browser_session
import build_site
from playwright.sync_api import BrowserContext, Page, Playwright

Launch = Callable[..., BrowserContext]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> build_site.Result:
    """The site, built once per session into a temp dir (build/site is left alone)."""
    if not browser_session.CHROMIUM.exists():
        pytest.skip(f"Chromium not found at {browser_session.CHROMIUM} (./test installs it)")
    return build_site.build(tmp_path_factory.mktemp("site") / "site")


@pytest.fixture(scope="session")
def site_url(built_site: build_site.Result) -> Iterator[str]:
    """URL of the session's site, served without COOP/COEP headers."""
    with browser_session.SiteServer(built_site.site) as server:
        yield server.url


@pytest.fixture
def needs_kernel(built_site: build_site.Result) -> None:
    """Skips a test that needs the kernel to boot while its worker is not written."""
    if not (built_site.site / "kernel" / "kernel-worker.js").exists():
        pytest.skip("kernel/kernel-worker.js is not in the repository yet")


@pytest.fixture
def needs_rootfs(built_site: build_site.Result) -> None:
    if built_site.rootfs_error:
        pytest.skip(f"no rootfs image: {built_site.rootfs_error}")


@pytest.fixture
def site_copy(built_site: build_site.Result, tmp_path: Path) -> Path:
    """A private copy of the site, for tests that change it or stop its server."""
    copy = tmp_path / "site"
    shutil.copytree(built_site.site, copy)
    return copy


@pytest.fixture
def launch_browser(playwright: Playwright, tmp_path: Path) -> Iterator[Launch]:
    """launch_browser(profile=None, **options) -> BrowserContext: Chromium on `profile`
    (default: this test's fresh profile dir); every context is closed after the test."""
    contexts: list[BrowserContext] = []

    def launch(profile: Path | None = None, **options: object) -> BrowserContext:
        context = browser_session.launch(playwright, profile or tmp_path / "profile", **options)
        contexts.append(context)
        return context

    yield launch
    for context in contexts:
        context.close()


@pytest.fixture
def site_page(launch_browser: Launch) -> Page:
    """A page of a fresh Chromium profile (not yet navigated)."""
    return browser_session.first_page(launch_browser())
