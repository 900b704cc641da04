"""Playwright for Python driving the system's Chromium; skipped loudly where there is none.

`YINGJI_CHROMIUM` names the browser (default /usr/bin/chromium). Without it the browser tests are
skipped with a warning, unless `YINGJI_REQUIRE_BROWSER=1` (as in CI), which makes that a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("YINGJI_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).exists()
REQUIRE_BROWSER = os.environ.get("YINGJI_REQUIRE_BROWSER") == "1"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]  # fmt: skip


def pytest_report_header(config: Any) -> str:
    if HAVE_CHROMIUM:
        return f"browser tests: Chromium at {CHROMIUM}"
    return f"!!! BROWSER TESTS WILL BE SKIPPED: no Chromium at {CHROMIUM} (set YINGJI_CHROMIUM) !!!"


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    if HAVE_CHROMIUM:
        return
    if REQUIRE_BROWSER:
        raise pytest.UsageError(f"YINGJI_REQUIRE_BROWSER=1 but there is no Chromium at {CHROMIUM}")
    skip = pytest.mark.skipif(True, reason=f"no Chromium at {CHROMIUM}: browser tests NOT run")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls are safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, live_server: Any, demo: None) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()


def sign_in(page: Any, username: str, password: str = "yingji-demo") -> None:
    page.goto(page.base_url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(page.base_url + "/")


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
