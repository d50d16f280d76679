"""A returned on-site record (issue 11, Review): the team leader returns a management audit with
what to correct; it comes back to the auditor's phone with the comment, is corrected offline and
sent again as a new version (PATCH with If-Match the returned version), exactly once.

Run alone: ``.venv/bin/pytest tests/browser/test_onsite_returned.py -q`` (needs ``make pwa``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from backend.demo import DEMO_ENGAGEMENT
from backend.users.models import Role
from tests.browser import onsite_support as onsite
from tests.browser.live import World, wait_for_app

pytestmark = pytest.mark.browser

world = onsite.world_fixture()
browser = onsite.browser_fixture


def test_a_returned_management_audit_is_corrected_on_the_phone(
    world: World, browser: Browser, tmp_path: Path
) -> None:
    with onsite.phone(browser, world) as (auditor, page):
        record_id = onsite.sent_management_audit(page, auditor)
        record, _, _ = onsite.stored(world, record_id)
        assert record is not None and record.version == 1

        # The team leader returns it with what to correct.
        with onsite.phone(browser, world, Role.TEAM_LEADER) as (_, lp):
            onsite.open_onsite(lp)
            card = lp.locator("#onsite-engagements li", has_text=DEMO_ENGAGEMENT)
            card.locator("[data-review-engagement]").click()
            item = lp.locator(f'[data-review-id="{record_id}"]')
            item.wait_for()
            lp.fill(f'[data-comment="{record_id}"]', "4.1 现场查到完整的内外部环境分析，应为 5 级")
            item.locator("[data-return]").click()
            lp.wait_for_selector(f'[data-review-id="{record_id}"][data-status="returned"]')

        # Back on the auditor's phone: pulled back with the comment, corrected offline.
        onsite.open_onsite(page)
        page.reload()
        wait_for_app(page)
        mine = page.locator(f'[data-onsite-id="{record_id}"]')
        mine.wait_for()
        assert mine.get_attribute("data-state") == "draft"
        assert "退回" in mine.inner_text()
        mine.locator("a").click()
        page.wait_for_selector("#onsite-returned")
        assert "应为 5 级" in page.inner_text("#onsite-returned")
        onsite.go_offline(page, auditor)
        page.locator('[data-clause="4.1"][data-level="5"]').check()
        page.screenshot(path=str(tmp_path / "onsite-returned.png"), full_page=True)
        onsite.submit_queued(page)
        onsite.reload_offline_and_sync(page, auditor, record_id)
        record, versions, creates = onsite.stored(world, record_id)
        assert record is not None
        assert record.status.value == "submitted" and record.version == 2
        assert creates == 1 and len(versions) == 2
        latest = max(versions, key=lambda c: c["clauses"]["4.1"]["level"])
        assert latest["clauses"]["4.1"]["level"] == 5
        # Synced: nothing left to send, and a reload does not pull it back again.
        onsite.open_onsite(page)
        page.wait_for_selector(f'[data-onsite-id="{record_id}"][data-state="sent"]')
