"""What the office browser tests share: a desk-sized browser context and signing in there."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from backend.demo import DEMO_ENGAGEMENT
from backend.engagements.models import Engagement
from backend.users.models import Role
from tests.browser.live import World, sign_in

#: A desktop screen and a tablet held upright (issue 10: ≥ 1024 px, usable at 768 px).
DESKTOP = {"width": 1280, "height": 860}
TABLET = {"width": 768, "height": 1024}


def desk_context(browser: Any, base_url: str, viewport: dict[str, int] = DESKTOP) -> BrowserContext:
    context = browser.new_context(
        base_url=base_url,
        viewport=viewport,
        locale="zh-CN",
        service_workers="allow",
        # wait_for_function uses eval(), which the app's CSP forbids (test_csp.py checks it).
        bypass_csp=True,
    )
    context.set_default_timeout(20_000)
    return context


def open_desk(page: Page, role: Role) -> None:
    """Sign in and wait until the office home has loaded every panel."""
    sign_in(page, role)
    page.wait_for_selector("#office-main[data-state='ready']")
    page.wait_for_function(
        "[...document.querySelectorAll('[data-panel]')].every(p => p.dataset.state !== 'loading')"
    )


@contextmanager
def desk_page(
    browser: Any, base_url: str, role: Role, viewport: dict[str, int] = DESKTOP
) -> Iterator[Page]:
    """A page signed in as ``role`` at the office home, in a context of its own closed after."""
    context = desk_context(browser, base_url, viewport)
    try:
        page = context.new_page()
        open_desk(page, role)
        yield page
    finally:
        context.close()


def office_ready(page: Page, route_id: str) -> None:
    section = f"section[data-office-route='{route_id}']"
    page.wait_for_selector(f"{section} #office-main[data-state='ready']")


#: What the page shows when a screen did not become ready: enough to tell a slow server, a
#: refused request and a screen that rendered another route apart from the CI log alone.
PAGE_STATE = """() => {
  const main = document.querySelector('#office-main');
  const error = document.querySelector('.error, [data-screen-error]');
  return {
    url: location.href,
    route: document.documentElement.dataset.route ?? null,
    officeRoute: document.documentElement.dataset.officeRoute ?? null,
    mainState: main ? main.dataset.state : null,
    mainText: main ? main.innerText.slice(0, 400) : null,
    error: error ? error.textContent : null,
  };
}"""


def route_ready(page: Page, route_id: str, timeout: float = 20_000) -> None:
    """Wait until office route ``route_id`` has rendered; on time-out say what the page shows."""
    try:
        page.wait_for_selector(
            f"html[data-office-route='{route_id}'] #office-main[data-state='ready']",
            timeout=timeout,
        )
    except PlaywrightTimeout as timed_out:
        raise AssertionError(
            f"office route {route_id!r} not ready: {page.evaluate(PAGE_STATE)}"
        ) from timed_out


def demo_engagement_row(world: World) -> str:
    """The link of the demo engagement's row in a home's engagements table (other demo data
    adds engagements of its own)."""
    with world.session() as session:
        engagement_id = session.scalars(
            sa.select(Engagement.id).where(Engagement.title == DEMO_ENGAGEMENT)
        ).one()
    return f"#home-engagements-table tr[data-row-id='{engagement_id}'] td[data-col='title'] a"
