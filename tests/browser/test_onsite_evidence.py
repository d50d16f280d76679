"""Evidence photos per clause on the on-site screens and the ISO 9001 partial exemption (Tengbiao
§5.2.2) recorded on the phone as a decision with its certificate as evidence, offline: the photos
go through the visits' pipeline and the outbox uploads them before the record, exactly once,
byte-identical.

Run alone: ``.venv/bin/pytest tests/browser/test_onsite_evidence.py -q`` (needs ``make pwa``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from backend.demo import DEMO_ENGAGEMENT
from tests.browser import onsite_support as onsite
from tests.browser.live import World, make_photo, stored_photos

pytestmark = pytest.mark.browser

world = onsite.world_fixture()
browser = onsite.browser_fixture


def test_clause_photos_and_the_exemption_certificate_arrive_once_with_the_record(
    world: World, browser: Browser, tmp_path: Path
) -> None:
    with onsite.phone(browser, world) as (context, page):
        record_id = onsite.start_offline(page, context, DEMO_ENGAGEMENT, "management")
        onsite.rate_every_clause(page, 3)
        page.set_input_files(
            '[data-photo-input="4.1"]', str(make_photo(tmp_path / "a.jpg", 1600, 1200, 1))
        )
        page.wait_for_selector('[data-photos="4.1"] [data-photo-count="1"]')
        # The exemption without its certificate is refused on the phone (§5.2.2).
        page.check("#exemption-on")
        page.fill("#exemption-certificate_number", "00123Q45678R0M")
        page.locator("#exemption-certificate_number").dispatch_event("change")
        page.fill("#exemption-valid_until", "2028-05-31")
        page.locator("#exemption-valid_until").dispatch_event("change")
        page.click("#onsite-submit")
        assert "§5.2.2" in page.inner_text("#onsite-problems")
        page.set_input_files(
            '[data-photo-input="exemption"]', str(make_photo(tmp_path / "c.jpg", 1200, 1700, 2))
        )
        page.wait_for_selector('[data-photos="exemption"] [data-photo-count="1"]')
        # The score is unchanged by the exemption: every clause at 3 is 87, level 3.
        assert page.inner_text("#onsite-total") == "87"
        page.screenshot(path=str(tmp_path / "onsite-evidence.png"), full_page=True)
        onsite.submit_queued(page)
        local = {p.id: p for p in stored_photos(page)}
        assert len(local) == 2

        onsite.reload_offline_and_sync(page, context, record_id)
        record, versions, creates = onsite.stored(world, record_id)
        assert record is not None and creates == 1 and len(versions) == 1
        content = versions[0]
        (clause_photo,) = content["clauses"]["4.1"]["evidence"]
        certificate = content["exemption"]["certificate_evidence"]
        assert {clause_photo, certificate} == set(local)
        assert content["exemption"]["certificate_number"] == "00123Q45678R0M"
        assert content["exemption"]["valid_until"] == "2028-05-31"
        for photo_id, photo in local.items():
            assert photo.recorded_sha256 == photo.sha256
            server = world.evidence([photo_id])[photo_id]
            assert server.sha256 == photo.sha256
            assert world.original_bytes(server.sha256) == photo.data
        assert world.evidence_count() >= 2
