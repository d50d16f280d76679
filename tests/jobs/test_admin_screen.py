"""The administrators' background-jobs screen (``#/office/jobs``) in a real browser.

Real server on the demo data, Debian's Chromium. Screenshot:
``test-artifacts/screenshots/office-admin-jobs-1280.png``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from backend.users.models import Role
from tests.browser.live import World, live_world, save_screenshot
from tests.browser.office import desk_context, office_ready, open_desk
from tests.chromium import launch_chromium

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with live_world(tmp_path_factory.mktemp("office-jobs")) as world:
        yield world


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as browser:
        yield browser


def test_an_admin_sees_the_queue_the_failures_and_the_periodic_jobs(
    browser: Browser, world: World
) -> None:
    context = desk_context(browser, world.server.url)
    page = context.new_page()
    try:
        open_desk(page, Role.ADMIN)
        page.click("#office-nav [data-office-nav='jobs']")
        office_ready(page, "jobs")
        page.wait_for_selector("#jobs-queue")
        assert page.inner_text("[data-figure='pending'] [data-col='count']") == "0"
        assert page.inner_text("[data-figure='evidence-waiting'] [data-col='count']") == "0"
        assert page.locator("[data-empty='jobs-failed']").is_visible()
        names = page.locator("#jobs-periodic-table tbody tr").evaluate_all(
            "rows => rows.map(r => r.dataset.rowId)"
        )
        assert names == [
            "evidence.prune_orphans",
            "surveys.purge_contacts",
            "nonconformities.remind",
            "evidence.sweep_underived",
            "jobs.relay_outbox",
            "files.purge_expired",
        ]
        assert "每 10 分钟" in page.inner_text("#jobs-periodic-table")
        assert "每分钟" in page.inner_text("#jobs-periodic-table")
        assert "补发" in page.inner_text("#jobs-periodic-table")
        assert "导出文件" in page.inner_text("#jobs-periodic-table")
        assert "19:15" in page.inner_text("#jobs-periodic-table")
        save_screenshot(page, "office-admin-jobs-1280")
    finally:
        context.close()
