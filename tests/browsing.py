"""Real Chromium for the UI tests: Debian's /usr/bin/chromium driven by Playwright (it cannot
download its own browsers here). Without it the browser tests skip on a laptop and fail in CI.

    from browsing import SCREENSHOTS, Tab  # the fixtures browser and tab come from conftest
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    missing = None
    if not Path(CHROMIUM).exists():
        missing = f"{CHROMIUM} not found (apt-get install chromium fonts-noto-cjk)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = "the playwright package is not installed"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run in CI: {missing}")
        pytest.skip(missing)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Tab:
    """A page that records dialogs and console errors (a CSP violation is a console error)."""

    def __init__(self, browser: Any, **context: Any) -> None:
        self.context = browser.new_context(**context)
        self.page = self.context.new_page()
        self.dialogs: list[str] = []
        self.errors: list[str] = []

        def on_dialog(dialog: Any) -> None:
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        def on_console(message: Any) -> None:
            # A page served with an error status (400, 404) is logged as a failed load; subresources are
            # checked by on_response instead.
            if message.type == "error" and not message.text.startswith("Failed to load resource"):
                self.errors.append(message.text)

        def on_response(response: Any) -> None:
            if response.status >= 400 and response.request.resource_type != "document":
                self.errors.append(f"{response.status} {response.url}")

        self.page.on("dialog", on_dialog)
        self.page.on("console", on_console)
        self.page.on("response", on_response)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))


@pytest.fixture()
def tab(browser: Any) -> Iterator[Tab]:
    t = Tab(browser, viewport={"width": 1280, "height": 800}, locale="zh-CN")
    yield t
    t.context.close()
    assert not t.dialogs and not t.errors
