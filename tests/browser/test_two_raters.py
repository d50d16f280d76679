"""Two raters (seed 003) in the field app, in Debian's Chromium against the real server: the team
leader pairs two auditors on one service experience (offline, through the outbox: sent exactly
once when the network is back); each rates on their own phone (the first offline, through the
outbox); neither sees the other's ratings until both submitted; the differing item is flagged with
the agreement figures; the reconciliation, recorded offline from the comparison seen online once,
records the discussion and the agreed level and is sent exactly once; the scores count the agreed
evaluation once (one person, §5.1.2).

Run alone: ``.venv/bin/pytest tests/browser/test_two_raters.py -q`` (needs ``make pwa``).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page

from backend import create_app
from backend.audit.models import AuditEntry
from backend.demo import DEMO_ENGAGEMENT
from backend.engagements.models import Engagement, EngagementMember, TeamRole
from backend.extensions import db
from backend.onsite.models import OnsiteAuditRecord, RaterPair
from backend.unit_of_work import transaction
from backend.users.models import Role, User
from backend.users.services import add_user
from tests.browser import onsite_support as onsite
from tests.browser.live import World, login_of, server_config, wait_for_app

pytestmark = pytest.mark.browser

SECOND = ("auditor2@demo.fieldcert.cn", "demo-auditor2-2026", "赵审查（第二审查员）")
#: The first rater's and the second rater's levels: they differ on 1.2 only.
A_LEVELS = {"1.1": 5, "1.2": 4, "7.1": 3}
B_LEVELS = {"1.1": 5, "1.2": 3, "7.1": 3}


def add_second_auditor(world: World) -> None:
    """A second auditor on the demo engagement's team (the demo has one)."""
    app = create_app(server_config(world.database_url, world.storage_dir))
    with app.app_context():
        with transaction(db.session()) as session:
            first = session.scalars(
                sa.select(User).where(User.email == login_of(Role.AUDITOR)[0])
            ).one()
            user = add_user(
                session,
                organisation=first.organisation,
                email=SECOND[0],
                display_name=SECOND[2],
                role=Role.AUDITOR,
                password=SECOND[1],
            )
            engagement = session.scalars(
                sa.select(Engagement).where(Engagement.title == DEMO_ENGAGEMENT)
            ).first()
            assert engagement is not None
            session.add(
                EngagementMember(
                    id=uuid.uuid4(),
                    engagement_id=engagement.id,
                    user_id=user.id,
                    team_role=TeamRole.AUDITOR,
                )
            )
        db.session.remove()
        db.engine.dispose()


world = onsite.world_fixture(add_second_auditor)
browser = onsite.browser_fixture


def open_pairs(page: Page) -> None:
    onsite.open_onsite(page)
    card = page.locator("#onsite-engagements li", has_text=DEMO_ENGAGEMENT)
    card.locator("[data-pairs-engagement]").click()
    page.wait_for_selector("#rater-pairs", state="attached")


def rate(page: Page, levels: dict[str, int]) -> None:
    for code, level in levels.items():
        page.locator(f'[data-item="{code}"][data-level="{level}"]').check()
    assert page.locator("#pair-rated").get_attribute("data-rated") == str(len(levels))


def rater_records(world: World, pair_id: str) -> list[OnsiteAuditRecord]:
    with world.session() as session:
        rows = list(
            session.scalars(
                sa.select(OnsiteAuditRecord).where(OnsiteAuditRecord.pair_id == uuid.UUID(pair_id))
            )
        )
        for r in rows:
            session.expunge(r)
        return rows


def audit_count(world: World, action: str, object_id: str) -> int:
    with world.session() as session:
        return int(
            session.scalar(
                sa.select(sa.func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == action, AuditEntry.object_id == object_id)
            )
            or 0
        )


def pairs_of(world: World, engagement_id: str) -> list[uuid.UUID]:
    with world.session() as session:
        return list(
            session.scalars(
                sa.select(RaterPair.id).where(RaterPair.engagement_id == uuid.UUID(engagement_id))
            )
        )


def test_two_raters_disagree_reconcile_and_count_once(
    world: World, browser: Browser, tmp_path: Path
) -> None:
    shots = tmp_path
    with onsite.phone(browser, world, Role.TEAM_LEADER) as (leader, lp):
        # --- the team leader pairs the two auditors on one experience, offline -------------
        engagement_id = lp.evaluate(
            "t => fetch('/api/engagements').then(r => r.json())"
            ".then(l => l.find(e => e.title === t).id)",
            DEMO_ENGAGEMENT,
        )
        before = lp.evaluate(
            "id => fetch(`/api/engagements/${id}/scores`).then(r => r.json())", engagement_id
        )
        open_pairs(lp)
        lp.wait_for_selector("#pair-create")
        assert pairs_of(world, engagement_id) == []
        onsite.go_offline(lp, leader)
        lp.reload()
        wait_for_app(lp)
        lp.wait_for_selector("#pairs-offline")
        lp.locator("details:has(#pair-create) summary").evaluate("s => s.parentElement.open = true")
        lp.select_option("#pair-mode", "A")
        lp.select_option("#pair-rater-1", label="刘审查（审查员）")
        lp.select_option("#pair-rater-2", label=SECOND[2])
        lp.fill("#pair-note", "公开检查：两人同时体验进水口巡检服务")
        lp.screenshot(path=str(shots / "pair-create.png"), full_page=True)
        lp.click("#pair-create")
        lp.wait_for_selector('[data-pair-id][data-status="pending"]')
        pair_id = lp.locator("[data-pair-id]").first.get_attribute("data-pair-id")
        assert pair_id is not None
        pending = lp.locator(f'[data-pair-id="{pair_id}"]')
        assert pending.locator("[data-sync]").inner_text() == "待同步"
        lp.screenshot(path=str(shots / "pair-offline.png"), full_page=True)
        assert pairs_of(world, engagement_id) == []
        # Back online: the outbox sends the pairing once; the screen shows it as the server has it.
        leader.set_offline(False)
        onsite.wait_synced(lp)
        lp.wait_for_selector(f'[data-pair-id="{pair_id}"][data-status="rating"]', timeout=30_000)
        assert lp.locator(f'[data-pair-id="{pair_id}"] [data-sync]').count() == 0
        assert pairs_of(world, engagement_id) == [uuid.UUID(pair_id)]
        assert audit_count(world, "rater_pair.created", pair_id) == 1

        # --- the first rater rates offline; the outbox sends it once the network is back ----
        with onsite.phone(browser, world) as (first, ap):
            open_pairs(ap)
            ap.locator(f'[data-rate-pair="{pair_id}"]').wait_for()
            onsite.go_offline(ap, first)
            # Never compared on this phone: the comparison says it needs the network.
            ap.locator(f'[data-pair-id="{pair_id}"]').wait_for()
            onsite.open_onsite(ap, f"/pair/{pair_id}")
            assert "需要联网查看双方评分对比" in ap.inner_text("#pair-needs-network")
            ap.go_back()
            ap.click(f'[data-rate-pair="{pair_id}"]')
            ap.wait_for_selector("#onsite-submit")
            # Only the items the demo plan gives mode A (open inspection), not B's (seed 003).
            assert ap.locator("#pair-items").get_attribute("data-planned") == "yes"
            cards = ap.locator("[data-item-card]").evaluate_all(
                "els => els.map(e => e.dataset.itemCard)"
            )
            assert len(cards) == 15 and "4.1" not in cards and "1.2" in cards
            rate(ap, A_LEVELS)
            ap.fill('[data-item-note="1.2"]', "设备完好，巡检记录齐全")
            ap.screenshot(path=str(shots / "pair-rate.png"), full_page=True)
            onsite.submit_queued(ap)
            assert rater_records(world, pair_id) == []
            ap.reload()
            wait_for_app(ap)
            first.set_offline(False)
            onsite.wait_synced(ap)
            (sent,) = rater_records(world, pair_id)
            assert sent.status.value == "submitted"

        # --- the second rater: the first one's ratings are sealed until they submit too -----
        with onsite.phone(browser, world, SECOND[:2]) as (_, bp):
            onsite.open_onsite(bp, f"/pair/{pair_id}")
            bp.wait_for_selector("#pair-sealed")
            open_pairs(bp)
            bp.click(f'[data-rate-pair="{pair_id}"]')
            bp.wait_for_selector("#onsite-submit")
            rate(bp, B_LEVELS)
            onsite.submit_queued(bp)
            onsite.wait_synced(bp)
            bp.reload()
            wait_for_app(bp)
            bp.wait_for_selector('#onsite-state[data-state="sent"]', timeout=30_000)
            records = rater_records(world, pair_id)
            assert len(records) == 2 and {r.status.value for r in records} == {"submitted"}

        # --- the team leader compares: 1.2 is flagged; agreement 2 of 3 exact --------------
        onsite.open_onsite(lp, f"/pairs/{engagement_id}")
        lp.reload()
        wait_for_app(lp)
        row = lp.locator(f'[data-pair-id="{pair_id}"]')
        row.wait_for()
        assert row.get_attribute("data-status") == "both_submitted"
        assert row.locator("[data-differing]").get_attribute("data-differing") == "1.2"
        assert float(row.locator("[data-exact]").get_attribute("data-exact") or "nan") == (
            pytest.approx(2 / 3)
        )
        assert row.locator("[data-items]").inner_text() == "3"
        # Across engagements, per rater pair (the organisation's agreement figures).
        across = lp.locator("#agreement-across [data-agreement-pair]")
        assert across.count() == 1
        assert across.locator("[data-items]").get_attribute("data-items") == "3"
        lp.screenshot(path=str(shots / "pair-list.png"), full_page=True)
        row.locator(f'[data-open-pair="{pair_id}"]').click()
        lp.wait_for_selector('[data-compare="1.2"]')
        # Seen once online, the comparison stays on the phone: the reconciliation goes offline.
        onsite.go_offline(lp, leader)
        lp.reload()
        wait_for_app(lp)
        lp.wait_for_selector("#pair-offline")
        lp.wait_for_selector('[data-compare="1.2"]')
        flagged = lp.locator("[data-compare]").evaluate_all(
            "els => els.filter(e => e.dataset.differs === 'yes').map(e => e.dataset.compare)"
        )
        assert flagged == ["1.2"]
        # Without the discussion of the differing item, the phone refuses.
        lp.click("#reconcile-submit")
        assert "1.2" in lp.inner_text("#reconcile-error")
        lp.locator('[data-agreed="1.2"][data-level="4"]').check()
        lp.fill('[data-discussion="1.2"]', "复看照片：设备完好，巡检记录齐全，取 4")
        lp.screenshot(path=str(shots / "pair-reconcile.png"), full_page=True)
        lp.click("#reconcile-submit")
        lp.wait_for_selector('#pair-status[data-status="pending"]')
        assert lp.inner_text("#pair-status") == "协调结果待同步"
        assert lp.locator("#reconcile-submit").is_disabled()
        lp.screenshot(path=str(shots / "pair-reconcile-offline.png"), full_page=True)
        with world.session() as session:
            assert session.get_one(RaterPair, uuid.UUID(pair_id)).reconciled_at is None
        leader.set_offline(False)
        onsite.wait_synced(lp)
        lp.wait_for_selector('#pair-status[data-status="reconciled"]', timeout=30_000)
        lp.screenshot(path=str(shots / "pair-reconciled.png"), full_page=True)
        assert audit_count(world, "rater_pair.reconciled", pair_id) == 1

        with world.session() as session:
            pair = session.get_one(RaterPair, uuid.UUID(pair_id))
            assert pair.reconciliation is not None
            assert pair.reconciliation["1.2"]["discussion"].startswith("复看照片")
            assert set(pair.reconciliation) == set(A_LEVELS)

        # --- the scores count the agreed evaluation once, not the two raters' ratings -------
        after = lp.evaluate(
            "id => fetch(`/api/engagements/${id}/scores`).then(r => r.json())", engagement_id
        )
        assert after["evaluations_counted"] == before["evaluations_counted"] + 1
        sources = [e["source"] for e in after["evaluations"]]
        assert sources.count("reconciled_pair") == 1
