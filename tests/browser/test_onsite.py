"""The audit on site (issue 11) in the field app, offline, in Debian's Chromium against the real
server (``tests/browser/live.py``: the demo data, whose TBSC034 and CQC engagements have the demo
auditor on their team): a management audit and a conformity audit with timing rows, recorded with
no network, reloaded with no network, then synced exactly once.

Run alone: ``.venv/bin/pytest tests/browser/test_onsite.py -q`` (needs ``make pwa``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from backend.demo import DEMO_ENGAGEMENT
from backend.onsite.demo import DEMO_CQC_ENGAGEMENT
from backend.users.models import Role
from tests.browser import onsite_support as onsite
from tests.browser.live import World, wait_for_app

pytestmark = pytest.mark.browser

world = onsite.world_fixture()
browser = onsite.browser_fixture


def test_a_management_audit_done_offline_arrives_once(
    world: World, browser: Browser, tmp_path: Path
) -> None:
    with onsite.phone(browser, world) as (context, page):
        record_id = onsite.start_offline(page, context, DEMO_ENGAGEMENT, "management")
        assert page.locator("[data-clause-card]").count() == 21
        page.locator('[data-clause="4.1"][data-level="5"]').check()
        # One clause rated: 10 points, the level provisional with 20 clauses to go.
        assert page.inner_text("#onsite-total") == "10"
        assert "20" in page.inner_text("#onsite-provisional")
        assert len(onsite.rate_every_clause(page, 3)) == 21
        # 13 × 3 + 8 × 6 = 87 → level 3 (Annex 3).
        assert page.inner_text("#onsite-total") == "87"
        assert page.inner_text("#onsite-level") == "3"
        assert page.locator("#onsite-provisional").count() == 0
        page.fill('[data-note="1.1"]', "查阅质量手册第3章")
        page.screenshot(path=str(tmp_path / "onsite-management.png"), full_page=True)
        onsite.submit_queued(page)
        assert onsite.stored(world, record_id)[0] is None

        onsite.reload_offline_and_sync(page, context, record_id)
        record, versions, creates = onsite.stored(world, record_id)
        assert record is not None and record.status.value == "submitted"
        assert record.version == 1 and creates == 1 and len(versions) == 1
        assert {c["level"] for c in versions[0]["clauses"].values()} == {3}
        assert versions[0]["clauses"]["1.1"]["note"] == "查阅质量手册第3章"
        # Nothing more is sent: the entry left the outbox once the server confirmed it.
        page.reload()
        wait_for_app(page)
        assert onsite.stored(world, record_id)[2] == 1

    # The team leader accepts it on their phone; the engagement's scores then use it: the latest
    # accepted rating of each clause counts (every clause at 3: 87, level 3).
    with onsite.phone(browser, world, Role.TEAM_LEADER) as (context, page):
        onsite.open_onsite(page)
        card = page.locator("#onsite-engagements li", has_text=DEMO_ENGAGEMENT)
        card.locator("[data-review-engagement]").click()
        item = page.locator(f'[data-review-id="{record_id}"]')
        item.wait_for()
        assert item.get_attribute("data-status") == "submitted"
        assert "87" in item.inner_text()
        page.screenshot(path=str(tmp_path / "onsite-review.png"), full_page=True)
        item.locator("[data-accept]").click()
        page.wait_for_selector(f'[data-review-id="{record_id}"][data-status="accepted"]')
        engagement_id = page.locator("#onsite-review").evaluate(
            "() => location.hash.split('/').pop()"
        )
        scores = page.evaluate(
            "id => fetch(`/api/engagements/${id}/scores`).then(r => r.json())", engagement_id
        )
        assert scores["management"]["total"] == 87
        assert scores["management"]["level"] == 3
        assert scores["decision"] is not None


def test_a_conformity_audit_with_timing_rows_done_offline_arrives_once(
    world: World, browser: Browser, tmp_path: Path
) -> None:
    with onsite.phone(browser, world) as (context, page):
        record_id = onsite.start_offline(page, context, DEMO_CQC_ENGAGEMENT, "conformity")
        page.click('[data-add-row="4.3.2"]')
        row = page.locator('[data-timing-rows="4.3.2"] [data-row-id]').first
        for field, value in (
            ("item", "消防水箱水位异常"),
            ("received", "2026-03-02T23:59:58.250+08:00"),
            ("sent", "2026-03-03T00:00:04+08:00"),
        ):
            row = page.locator('[data-timing-rows="4.3.2"] [data-row-id]').first
            row.locator(f'[data-row-field="{field}"]').fill(value)
            row.locator(f'[data-row-field="{field}"]').dispatch_event("change")
        result = page.locator('[data-timing-rows="4.3.2"] [data-result]').first
        assert result.get_attribute("data-result") == "conforms"
        assert "5.75" in result.inner_text()
        assert page.locator('[data-hint="4.3.2"]').get_attribute("data-suggested") == "full"
        page.locator('[data-clause="4.3.1"][data-judgement="full"]').check()
        page.locator('[data-clause="4.4.2"][data-judgement="non"]').check()
        page.locator('[data-clause="4.3.2"][data-judgement="partial"]').check()
        # A partial judgement without its suggestion, and an override without its reason, and a
        # nonconformity without its finding are refused on the phone.
        page.click("#onsite-submit")
        problems = page.locator("#onsite-problems li").all_inner_texts()
        assert len(problems) == 3, problems
        page.fill('[data-field="4.3.2.suggestion"]', "增加超时告警")
        page.fill('[data-field="4.3.2.reason"]', "抽查行数少，结合现场复测判定")
        page.fill('[data-field="4.4.2.finding"]', "通信故障 180 s 后才告警")
        # (4 + 2 + 0) / 3 = 2.
        assert page.inner_text("#onsite-final") == "2.00"
        page.screenshot(path=str(tmp_path / "onsite-conformity.png"), full_page=True)
        onsite.submit_queued(page)

        onsite.reload_offline_and_sync(page, context, record_id)
        record, versions, creates = onsite.stored(world, record_id)
        assert record is not None and record.status.value == "submitted"
        assert creates == 1 and len(versions) == 1
        content = versions[0]
        assert content["clauses"]["4.3.2"]["judgement"] == "partial"
        assert content["clauses"]["4.3.2"]["suggestion"] == "增加超时告警"
        assert [r["item"] for r in content["timing"]] == ["消防水箱水位异常"]
