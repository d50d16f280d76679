"""Content-Security-Policy and framing (issue 9 B10): the app shell, the public survey page and the
analysis page run under their policies without a single violation, and a page on another origin
cannot frame them (clickjacking).

Run alone: ``.venv/bin/pytest tests/browser/test_csp.py -q`` (needs ``make pwa``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page

from backend.demo import DEMO_SURVEY_CODES
from backend.users.models import Role
from tests.browser.live import PHONE, World, live_world, login_of
from tests.chromium import launch_chromium

pytestmark = pytest.mark.browser

#: Collects every CSP violation the page (and each frame) reports, from the first script on.
COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || '(inline)'} ` +
    `at ${event.sourceFile}:${event.lineNumber} ${event.sample}`);
});
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with live_world(tmp_path_factory.mktemp("csp")) as world:
        yield world


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as browser:
        yield browser


class Watched:
    """A page whose CSP violations (events and console reports) are collected."""

    def __init__(self, context: BrowserContext) -> None:
        context.add_init_script(COLLECT_VIOLATIONS)
        self.page = context.new_page()
        self.console: list[str] = []
        self.page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            self.console.append(message.text)

    def violations(self) -> list[str]:
        found: list[str] = list(self.page.evaluate("window.__cspViolations || []"))
        return found + self.console


@pytest.fixture
def watched(browser: Browser, world: World) -> Iterator[Watched]:
    # Not tests.browser.live.phone_context: that one bypasses CSP, because Playwright's
    # wait_for_function evaluates its predicate with eval(), which the app's policy forbids.
    # Here every wait is a selector, so the page runs under its real policy.
    context = browser.new_context(
        base_url=world.server.url,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        service_workers="allow",
    )
    context.set_default_timeout(20_000)
    try:
        yield Watched(context)
    finally:
        context.close()


def wait_for_app(page: Page) -> None:
    page.wait_for_selector("html[data-app='ready']", state="attached")


def sign_in(page: Page, role: Role) -> None:
    email, password = login_of(role)
    page.goto("/#/login")
    wait_for_app(page)
    page.fill("#login-email", email)
    page.fill("#login-password", password)
    page.click("#login-submit")
    page.wait_for_selector("html[data-route]:not([data-route='login'])", state="attached")


def test_the_app_shell_runs_under_its_policy_without_a_violation(
    watched: Watched, world: World
) -> None:
    page = watched.page
    response = page.goto("/")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["x-frame-options"] == "DENY"
    wait_for_app(page)
    page.wait_for_selector("html[data-sw='active']", state="attached")  # the worker runs too

    # Every screen a team leader has: each builds its own elements and loads its own data.
    sign_in(page, Role.TEAM_LEADER)
    tabs = page.locator("#nav button, #nav a")
    for index in range(tabs.count()):
        tabs.nth(index).click()
        page.wait_for_load_state("networkidle")
    page.reload()
    wait_for_app(page)

    assert watched.violations() == []


def test_the_survey_and_analysis_pages_run_under_their_policies_without_a_violation(
    browser: Browser, world: World
) -> None:
    # No service worker here: these pages are the server's own, not the app's.
    context = browser.new_context(base_url=world.server.url, service_workers="block")
    context.set_default_timeout(20_000)
    watched = Watched(context)
    page = watched.page
    try:
        response = page.goto(f"/s/{DEMO_SURVEY_CODES[0]}")
        assert response is not None and response.status == 200
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"
        # The page's own script (one question a screen) runs: answer the first question.
        page.locator("form#f input[type=radio]").first.check()
        page.wait_for_load_state("networkidle")

        # The staff pages: the sign-in form's script, then the list and the analysis.
        page.goto("/surveys")
        email, password = login_of(Role.TEAM_LEADER)
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.locator("#campaigns a[href$='/analysis']").first.click()
        page.wait_for_load_state("networkidle")
        assert page.url.endswith("/analysis")

        assert watched.violations() == []
    finally:
        context.close()


class OtherSite:
    """A page on another origin (another port) that frames the given addresses."""

    def __init__(self, targets: list[str]) -> None:
        frames = "".join(
            f'<iframe src="{url}" width="360" height="300"></iframe>' for url in targets
        )
        body = f"<!doctype html><title>elsewhere</title><h1>Win a prize</h1>{frames}".encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def framed_content(page: Page, origin: str) -> list[str]:
    """The addresses of ``origin`` whose documents loaded inside frames of ``page`` (a frame
    the browser refused shows its error page, chrome-error://chromewebdata/, instead)."""
    return [
        frame.url
        for frame in page.frames
        if frame is not page.main_frame and frame.url.startswith(origin)
    ]


def test_another_site_cannot_frame_the_shell_or_the_survey(
    browser: Browser, world: World, tmp_path: Path
) -> None:
    app = world.server.url
    other = OtherSite([f"{app}/", f"{app}/s/{DEMO_SURVEY_CODES[0]}", f"{app}/surveys"])
    context = browser.new_context()
    try:
        page = context.new_page()
        refused: list[str] = []
        page.on("console", lambda message: refused.append(message.text))
        page.goto(other.url)
        page.wait_for_load_state("networkidle")

        assert page.locator("h1").inner_text() == "Win a prize"
        assert framed_content(page, app) == []
        assert sum("frame-ancestors" in text for text in refused) == 3, refused
    finally:
        context.close()
        other.close()
