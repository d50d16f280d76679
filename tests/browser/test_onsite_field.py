"""Issue 11, the on-site parts finished in session 4, in Debian's Chromium against the real server
(``tests/browser/live.py``, the demo data, 360 px phone):

* the document review (CQC rule §5.1.4) recorded by the auditor offline, reloaded offline, synced
  exactly once (one review row, one audit entry);
* a returned record's correction that meets 412 because the record changed on the server: the
  server's version is shown and the auditor re-applies the correction on it, sent once;
* on-site photos: removed before submission, sent with the phone's GPS fix, and pruned from
  IndexedDB once the server acknowledged the record (shown from the server afterwards).

Run alone: ``.venv/bin/pytest tests/browser/test_onsite_field.py -q`` (needs ``make pwa``).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser

from backend.audit.models import AuditEntry
from backend.auth.actor import Actor
from backend.demo import DEMO_ENGAGEMENT
from backend.onsite import records
from backend.onsite.models import OnsiteAuditRecord
from backend.planning.models import DocumentReview
from backend.unit_of_work import transaction
from backend.users.models import Role, User
from tests.browser import onsite_support as onsite
from tests.browser.live import (
    SCREENSHOTS,
    World,
    login_of,
    make_photo,
    save_screenshot,
    stored_photos,
    wait_for_app,
)

pytestmark = pytest.mark.browser

world = onsite.world_fixture()
browser = onsite.browser_fixture


#: Whether the page's IndexedDB holds no photo any more.
PHOTOS_LEFT_IS_ZERO = """async () => {
  const db = await new Promise((ok) => {
    const r = indexedDB.open('fieldcert');
    r.onsuccess = () => ok(r.result);
  });
  const n = await new Promise((ok) => {
    const r = db.transaction('photos').objectStore('photos').count();
    r.onsuccess = () => ok(r.result);
  });
  db.close();
  return n === 0;
}"""


def as_user(world: World, role: Role, action: Any) -> Any:
    """Run ``action(session, actor)`` on the server's database as the demo user of ``role``."""
    email, _ = login_of(role)
    with world.session() as session, transaction(session):
        user = session.scalars(sa.select(User).where(User.email == email)).one()
        return action(session, Actor(user))


def test_the_document_review_recorded_offline_arrives_once(
    world: World, browser: Browser, tmp_path: Path
) -> None:
    with onsite.phone(browser, world) as (context, page):
        review_id = onsite.start_offline(page, context, DEMO_ENGAGEMENT, "document_review")
        # Offline: the three outcomes of §5.1.4 in the rule's words.
        outcomes = page.locator("[data-outcome]").evaluate_all("els => els.map(e => e.value)")
        assert outcomes == ["fit", "fix_during_audit", "resubmit"]
        assert "可在现场审查时提交整改证据" in page.inner_text("#doc-outcomes")
        page.locator('[data-outcome="fix_during_audit"]').check()
        page.click("#onsite-submit")
        # §5.1.4 2): the problems and what the client must supply are required.
        assert page.locator("#onsite-problems li").count() == 2
        page.fill("#doc-findings", "应急预案未覆盖设备通信故障")
        page.fill("#doc-requested", "修订后的应急预案\n设备通信故障处置记录")
        save_screenshot(page, "onsite-document-review")
        onsite.submit_queued(page)
        with world.session() as session:
            assert session.get(DocumentReview, uuid.UUID(review_id)) is None

        onsite.reload_offline_and_sync(page, context, review_id)

        with world.session() as session:
            review = session.get(DocumentReview, uuid.UUID(review_id))
            assert review is not None
            assert review.outcome.value == "fix_during_audit"
            assert review.requested == ["修订后的应急预案", "设备通信故障处置记录"]
            assert review.device_sent_at is not None
            entries = session.scalars(
                sa.select(AuditEntry).where(AuditEntry.action == "document_review.recorded")
            ).all()
            mine = [e for e in entries if (e.details or {}).get("review_id") == review_id]
            assert len(mine) == 1 and mine[0].details["via"] == "field"
        # Another reload sends nothing again.
        page.reload()
        wait_for_app(page)
        page.wait_for_selector(f'[data-onsite-id="{review_id}"][data-state="sent"]')
        with world.session() as session:
            count = session.scalar(
                sa.select(sa.func.count())
                .select_from(DocumentReview)
                .where(DocumentReview.id == uuid.UUID(review_id))
            )
            assert count == 1


def test_a_correction_meeting_412_shows_the_server_version_and_is_reapplied(
    world: World, browser: Browser, tmp_path: Path
) -> None:
    with onsite.phone(browser, world) as (context, page):
        record_id = onsite.sent_management_audit(page, context)
        rid = uuid.UUID(record_id)

        def give_back(comment: str) -> Any:
            return lambda s, a: records.review_record(
                s,
                a,
                rid,
                action="return",
                comment=comment,
                expected_version=s.get_one(OnsiteAuditRecord, rid).version,
            )

        as_user(world, Role.TEAM_LEADER, give_back("4.1 应为 5 级"))
        # Pulled back to this phone as a draft to correct (version 1).
        onsite.open_onsite(page)
        page.reload()
        wait_for_app(page)
        page.wait_for_selector(f'[data-onsite-id="{record_id}"][data-state="draft"]')

        # Meanwhile the record changes on the server: corrected from another phone, returned
        # again by the team leader (version 2).
        _, versions, _ = onsite.stored(world, record_id)
        other = dict(versions[0])
        other["clauses"] = {**other["clauses"], "4.1": {**other["clauses"]["4.1"], "level": 4}}
        as_user(
            world,
            Role.AUDITOR,
            lambda s, a: records.edit_record(
                s, a, rid, {"content": other, "submit": True}, expected_version=1
            ),
        )
        as_user(world, Role.TEAM_LEADER, give_back("再核实 4.1 的证据"))

        # This phone corrects the version it has (1), offline, and submits.
        page.locator(f'[data-onsite-id="{record_id}"] a').click()
        page.wait_for_selector("#onsite-returned")
        onsite.go_offline(page, context)
        page.locator('[data-clause="4.1"][data-level="5"]').check()
        onsite.submit_queued(page)
        context.set_offline(False)
        # 412: the server's version is shown beside the correction, nothing is lost.
        page.wait_for_selector("#onsite-conflict", timeout=60_000)
        conflict = page.locator("#onsite-conflict")
        assert conflict.get_attribute("data-server-version") == "2"
        assert conflict.get_attribute("data-server-status") == "returned"
        assert "再核实 4.1 的证据" in conflict.inner_text()
        assert "4.1" in page.inner_text("#conflict-differences")
        assert page.locator('[data-clause="4.1"][data-level="5"]').is_checked()
        save_screenshot(page, "onsite-conflict")
        conflict.screenshot(path=str(SCREENSHOTS / "onsite-conflict-card.png"))
        record, versions, _ = onsite.stored(world, record_id)
        assert record is not None and record.version == 2 and len(versions) == 2

        page.click("#conflict-mine")
        onsite.wait_synced(page)
        page.reload()
        wait_for_app(page)
        onsite.open_onsite(page)
        page.wait_for_selector(f'[data-onsite-id="{record_id}"][data-state="sent"]')
        record, versions, creates = onsite.stored(world, record_id)
        assert record is not None
        assert record.status.value == "submitted" and record.version == 3
        assert creates == 1 and len(versions) == 3
        assert sorted(v["clauses"]["4.1"]["level"] for v in versions) == [3, 4, 5]


def test_onsite_photos_are_removable_carry_gps_and_leave_the_phone_once_acknowledged(
    world: World, browser: Browser, tmp_path: Path
) -> None:
    with onsite.phone(browser, world) as (context, page):
        record_id = onsite.start_offline(page, context, DEMO_ENGAGEMENT, "management")
        for n in (1, 2):
            page.set_input_files(
                '[data-photo-input="4.1"]', str(make_photo(tmp_path / f"{n}.jpg", 1600, 1200, n))
            )
            page.wait_for_selector(f'[data-photos="4.1"] [data-photo-count="{n}"]')
        first, second = page.locator('[data-photos="4.1"] [data-photo-id]').evaluate_all(
            "els => els.map(e => e.dataset.photoId)"
        )
        assert len(stored_photos(page)) == 2
        # Taken by mistake: removed before submission, from the record and from the phone.
        page.click(f'[data-remove-photo="{first}"]')
        page.wait_for_selector('[data-photos="4.1"] [data-photo-count="1"]')
        assert [p.id for p in stored_photos(page)] == [second]
        page.locator('[data-clause="4.1"][data-level="4"]').check()
        save_screenshot(page, "onsite-photos")
        page.locator('[data-clause-card="4.1"]').screenshot(
            path=str(SCREENSHOTS / "onsite-photos-4.1.png")
        )
        onsite.submit_queued(page)
        onsite.reload_offline_and_sync(page, context, record_id)

        _, versions, _ = onsite.stored(world, record_id)
        assert versions[0]["clauses"]["4.1"]["evidence"] == [second]
        server = world.evidence([first, second])
        assert set(server) == {second}
        # The phone's position at capture (live.AT_SITE) went with the photo.
        assert server[second].capture_latitude == pytest.approx(28.71695)
        assert server[second].capture_longitude == pytest.approx(115.96026)
        # Acknowledged: the start-up after the sync pruned it; the record still shows it.
        page.reload()
        wait_for_app(page)
        onsite.wait_synced(page, timeout=30_000)
        page.wait_for_function(
            PHOTOS_LEFT_IS_ZERO,
            timeout=30_000,
        )
        onsite.open_onsite(page, f"/edit/{record_id}")
        page.wait_for_selector(f'[data-photo-id="{second}"][data-source="shown"]')
