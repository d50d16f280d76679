"""Debian's Chromium for the browser tests, launched the one way this machine allows.

``playwright install`` cannot download a browser here: the tests drive /usr/bin/chromium
(``make test`` installs it with apt) with the flags below, and nothing reaches the internet.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def launch_chromium() -> Iterator[Browser]:
    """A headless Chromium for a module's tests; closed afterwards."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} missing: apt-get install chromium (make test installs it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
