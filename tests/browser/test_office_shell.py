"""The office shell (issue 10): every demo role signs in to a home with its work on it, the desk
layout at 1280 px and 768 px, and the office code loading as separate chunks.

Real server on the demo data (``tests/browser/live.py``), Debian's Chromium; both databases
(``TEST_DATABASE_URL``). Screenshots in ``test-artifacts/screenshots/office-*.png``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from backend.users.models import Role
from tests.browser.live import World, live_world, phone_context, save_screenshot, sign_in
from tests.browser.office import TABLET, desk_context, open_desk
from tests.chromium import launch_chromium

pytestmark = pytest.mark.browser

#: The panels each office role's home shows (home/routes.ts), all filled from the API.
HOME_PANELS = {
    Role.ADMIN: ["users", "audit", "certificates-to-issue", "engagements"],
    Role.SCHEME_MANAGER: ["schemes"],
    Role.TEAM_LEADER: ["applications-to-review", "engagements", "team-ncs", "review-queue"],
    Role.REVIEWER: ["engagements", "files-to-review", "review-queue"],
    Role.CLIENT_USER: ["my-client", "ncs-to-answer", "plans-to-confirm"],
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with live_world(tmp_path_factory.mktemp("office-shell")) as world:
        yield world


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as browser:
        yield browser


@pytest.mark.parametrize("role", list(HOME_PANELS), ids=lambda r: r.value)
def test_each_office_role_signs_in_to_a_home_with_its_work(
    browser: Browser, world: World, role: Role
) -> None:
    context = desk_context(browser, world.server.url)
    try:
        page = context.new_page()
        open_desk(page, role)

        assert page.evaluate("location.hash") == "#/office"
        assert page.get_attribute("html", "data-route") == "office"
        assert page.get_attribute("html", "data-layout") == "desk"
        assert page.get_attribute("#office-home", "data-role") == role.value
        panels = page.locator("[data-panel]")
        assert [panels.nth(i).get_attribute("data-panel") for i in range(panels.count())] == (
            HOME_PANELS[role]
        )
        states = [panels.nth(i).get_attribute("data-state") for i in range(panels.count())]
        assert states == ["ready"] * len(states)
        # Not the settings screen, and the side navigation beside the work.
        assert page.locator("section[data-screen='settings']").count() == 0
        assert (
            page.locator("#office-nav [data-office-nav='home']").get_attribute("aria-current")
            == "page"
        )
        assert page.locator("#nav-office").is_visible()
        save_screenshot(page, f"office-home-{role.value}-1280")
    finally:
        context.close()


def test_the_demo_homes_show_the_demo_work(browser: Browser, world: World) -> None:
    context = desk_context(browser, world.server.url)
    try:
        page = context.new_page()
        open_desk(page, Role.ADMIN)
        # The demo organisation has one account per role, all active.
        assert page.get_attribute("#home-users [data-count]", "data-count") == "7"
        assert page.locator("#home-audit-table tbody tr").count() > 0
        assert page.locator("#home-engagements-table tbody tr").count() >= 1
    finally:
        context.close()
    context = desk_context(browser, world.server.url)
    try:
        page = context.new_page()
        open_desk(page, Role.SCHEME_MANAGER)
        assert page.locator("#home-schemes-table tbody tr").count() >= 1
        assert "完整" in page.inner_text("#home-schemes-table") or "缺条款" in page.inner_text(
            "#home-schemes-table"
        )
    finally:
        context.close()
    context = desk_context(browser, world.server.url)
    try:
        page = context.new_page()
        open_desk(page, Role.CLIENT_USER)
        assert int(page.get_attribute("#home-client [data-sites]", "data-sites") or 0) >= 1
    finally:
        context.close()


def test_the_desk_is_usable_on_a_768_px_tablet(browser: Browser, world: World) -> None:
    context = desk_context(browser, world.server.url, TABLET)
    try:
        page = context.new_page()
        open_desk(page, Role.TEAM_LEADER)
        # The navigation is a row above the work, and nothing makes the page scroll sideways.
        nav = page.locator("#office-nav").bounding_box()
        main = page.locator("#office-main").bounding_box()
        assert nav is not None and main is not None
        assert main["y"] >= nav["y"] + nav["height"] - 1
        assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
        save_screenshot(page, "office-home-team_leader-768")
    finally:
        context.close()


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.SHOPPER], ids=lambda r: r.value)
def test_field_roles_keep_the_field_home_and_never_load_the_office_code(
    browser: Browser, world: World, role: Role
) -> None:
    context = phone_context(browser, world.server.url)
    try:
        page = context.new_page()
        scripts: list[str] = []
        page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
        sign_in(page, role)
        page.wait_for_selector("section[data-screen]:not([data-screen='login'])")
        assert page.get_attribute("html", "data-route") == (
            "assignments" if role is Role.SHOPPER else "review"
        )
        assert page.locator("#nav-office").count() == 0
        # The office chunks are separate files the field roles never ask for.
        assert [url for url in scripts if "/assets/" in url and "index-" not in url] == []
        # And the office route is refused to them, saying so.
        page.goto("/#/office")
        page.wait_for_selector("#office-not-found")
    finally:
        context.close()
