"""The built PWA in Debian's Chromium: it loads, is installable, and works offline.

Serves the real app (with the real ``pwa/dist``) from a werkzeug server in a thread on a free
port, and drives /usr/bin/chromium with Playwright. Needs ``make pwa`` and Debian's chromium
(``make test`` provides both); nothing is fetched from the internet.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page
from werkzeug.serving import make_server

from tests.chromium import launch_chromium

pytestmark = pytest.mark.browser


#: The scope of the ready service worker; rejects after 15 s (a bare `ready` would wait forever).
READY_SCOPE = """
Promise.race([
  navigator.serviceWorker.ready.then((registration) => registration.scope),
  new Promise((_, reject) =>
    setTimeout(() => reject(new Error("no service worker became ready within 15 s")), 15000)),
])
"""


@pytest.fixture(scope="module")
def base_url(app: Flask) -> Iterator[str]:
    dist: Path = app.config["PWA_DIST"]
    if not (dist / "index.html").is_file():
        pytest.fail(f"{dist} is not built: run `make pwa` first")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as browser:
        yield browser


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    # A fresh context per test: its own profile, so no service worker survives from another test.
    # bypass_csp: wait_for_function uses eval(), which the app's CSP forbids (test_csp.py
    # checks the policy itself).
    context = browser.new_context(service_workers="allow", bypass_csp=True)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_root_loads_the_shell_with_a_manifest_link(page: Page, base_url: str) -> None:
    response = page.goto(f"{base_url}/")

    assert response is not None and response.status == 200
    assert "fieldcert" in page.title()
    assert page.locator("h1").is_visible()
    assert page.locator('link[rel="manifest"]').get_attribute("href") == "/manifest.webmanifest"


def test_manifest_describes_an_installable_standalone_app(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/")
    href = page.locator('link[rel="manifest"]').get_attribute("href")
    assert href

    response = page.request.get(f"{base_url}{href}")

    assert response.status == 200
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = json.loads(response.text())
    assert manifest["name"]
    assert manifest["start_url"]
    assert manifest["display"] == "standalone"
    assert any(icon["src"] and icon["sizes"] for icon in manifest["icons"])
    for icon in manifest["icons"]:
        assert page.request.get(f"{base_url}{icon['src']}").status == 200


def test_shell_is_controlled_by_its_service_worker_and_renders_offline(
    page: Page, base_url: str
) -> None:
    page.goto(f"{base_url}/")
    scope = page.evaluate(READY_SCOPE)
    assert scope == f"{base_url}/"
    if not page.evaluate("navigator.serviceWorker.controller !== null"):
        # A worker that does not claim open pages controls them from the next load on.
        page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=15_000)

    page.context.set_offline(True)
    page.reload()

    assert page.evaluate("navigator.onLine") is False
    assert "fieldcert" in page.evaluate("document.title")
    assert page.locator("h1").is_visible()
    assert page.evaluate("navigator.serviceWorker.controller !== null")
