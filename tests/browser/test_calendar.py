"""The due-dates calendar at the desk (issue 12): an administrator sees the next annual
surveillance (§7.3), an overdue suspension (§9.4: 3 months for other causes), an extra
surveillance and the recertification window, in Chinese, grouped by month, overdue first; the
client filter narrows it.

Real server on the demo data plus one certificate written into its database, Debian's Chromium.
Screenshots: ``test-artifacts/screenshots/office-calendar-*.png``.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page

from backend.certificates.models import Certificate, CertificateSuspension
from backend.certificates.services import today_in_china
from backend.demo import DEMO_ENGAGEMENT
from backend.engagements.models import Engagement
from backend.lifecycle import add_months, valid_until
from backend.scoring.model import CertificateRule
from backend.surveillance.models import ExtraSurveillance
from backend.users.models import Role, User
from tests.browser.live import World, live_world, save_screenshot
from tests.browser.office import desk_page, office_ready
from tests.chromium import launch_chromium

pytestmark = pytest.mark.browser

TODAY = today_in_china()
#: The audit ended a year before the first surveillance we want to see next month.
AUDIT_ENDED = add_months(TODAY, -11)
ISSUED_ON = add_months(AUDIT_ENDED, 0)
SUSPENDED_ON = add_months(TODAY, -4)  # other cause: ends by 3 months later, overdue now


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with live_world(tmp_path_factory.mktemp("office-calendar")) as world:
        with world.session() as session:
            # The field demo engagement (the demo's certified one has its own certificate).
            engagement = session.scalars(
                sa.select(Engagement).where(Engagement.title == DEMO_ENGAGEMENT)
            ).first()
            assert engagement is not None
            admin = session.scalars(
                sa.select(User).where(
                    User.role == Role.ADMIN, User.organisation_id == engagement.organisation_id
                )
            ).first()
            assert admin is not None
            engagement.starts_on = AUDIT_ENDED
            engagement.ends_on = AUDIT_ENDED
            rule = CertificateRule(issue_within_days=30, validity_years=3, section="§9.2")
            certificate = Certificate(
                id=uuid.uuid4(),
                organisation_id=engagement.organisation_id,
                engagement_id=engagement.id,
                number="FC-TEST-00001",
                sequence=1
                + (
                    session.scalar(
                        sa.select(sa.func.max(Certificate.sequence)).where(
                            Certificate.organisation_id == engagement.organisation_id
                        )
                    )
                    or 0
                ),
                token=secrets.token_urlsafe(12),
                fields={},
                payload="-",
                issued_on=ISSUED_ON,
                valid_until=valid_until(rule, ISSUED_ON),
                issue_by=ISSUED_ON,
                suspended_on=SUSPENDED_ON,
                issued_by_id=admin.id,
                scans=0,
            )
            session.add(certificate)
            session.flush()
            session.add(
                CertificateSuspension(
                    certificate_id=certificate.id,
                    started_on=SUSPENDED_ON,
                    cause="other",
                    reason="监督审查不符合项逾期未整改",
                    created_by_id=admin.id,
                )
            )
            session.add(
                ExtraSurveillance(
                    certificate_id=certificate.id,
                    cause="complaint",
                    reason="用户严重投诉并经查实",
                    decided_on=TODAY,
                    due_by=add_months(TODAY, 2),
                    created_by_id=admin.id,
                )
            )
            session.commit()
        yield world


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as browser:
        yield browser


@pytest.fixture
def admin(browser: Browser, world: World) -> Iterator[Page]:
    with desk_page(browser, world.server.url, Role.ADMIN) as page:
        yield page


def test_the_calendar_shows_what_is_due_overdue_first(admin: Page, world: World) -> None:
    page = admin
    page.goto("#/office/calendar")
    office_ready(page, "calendar")
    page.wait_for_selector("#calendar-results[data-state='ready']")
    overdue = page.locator("#calendar-overdue")
    assert overdue.get_attribute("data-count") == "1"
    row = overdue.locator("tr[data-kind='suspension_ends_by']")
    assert row.get_attribute("data-overdue") == "true"
    ends_by = add_months(SUSPENDED_ON, 3).isoformat()
    assert row.locator("td[data-col='on']").inner_text() == ends_by
    assert "其他原因暂停" in row.inner_text()
    due = page.locator("tr[data-kind='surveillance_due']")
    assert due.locator("td[data-col='on']").inner_text() == add_months(AUDIT_ENDED, 12).isoformat()
    assert "第1次年度监督" in due.inner_text()
    assert "年度监督到期" in due.inner_text()
    extra = page.locator("tr[data-kind='extra_surveillance_due']")
    assert "增加监督（严重投诉）" in extra.inner_text()
    assert page.locator("section.calendar-month").count() >= 2
    # The page fits a desk: no horizontal scrolling of the whole page at 1280 px.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    save_screenshot(page, "office-calendar-admin")
    # Per team: the administrator is on no audit team, so "my engagements" has nothing due.
    page.select_option("#calendar-team", index=1)
    page.click("#calendar-apply")
    page.wait_for_selector("#calendar-results[data-state='ready'] [data-empty='calendar']")
    assert page.locator("#calendar-overdue").get_attribute("data-count") == "0"
    save_screenshot(page, "office-calendar-mine")
    assert date.fromisoformat(ends_by) < TODAY


def test_the_calendar_in_english(admin: Page) -> None:
    page = admin
    page.click("#lang-en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    page.goto("#/office/calendar")
    office_ready(page, "calendar")
    page.wait_for_selector("#calendar-results[data-state='ready']")
    due = page.locator("tr[data-kind='surveillance_due']")
    assert "Annual surveillance due" in due.inner_text()
    assert "Annual surveillance 1 due by" in due.inner_text()
    assert "Overdue" in page.locator("#calendar-overdue h2").inner_text()
    save_screenshot(page, "office-calendar-en")
