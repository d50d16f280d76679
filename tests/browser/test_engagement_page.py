"""The engagement page and the demo homes (issue 10): every demo role signs in to a home with its
work on it, and the engagement page says where the demo engagement stands, with its scores,
the radar chart drawn by the server and the review queue.

Real server on the demo data (``tests/browser/live.py``), Debian's Chromium; both databases
(``TEST_DATABASE_URL``). The demo's field work is made as the phones make it: the demo shopper's
visit and the demo auditor's inspection are sent with ``PUT /api/evaluations/<id>`` in their own
signed-in sessions, and the team leader accepts the inspection (``POST …/review``); everything
after that is clicks. Screenshots in ``test-artifacts/screenshots/engagement-*.png``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page

from backend.demo import DEMO_ENGAGEMENT
from backend.engagements.models import Assignment, Engagement
from backend.users.models import Role
from tests.browser.live import (
    AT_SITE,
    World,
    live_world,
    phone_context,
    save_screenshot,
    sign_in,
)
from tests.browser.office import (
    TABLET,
    demo_engagement_row,
    desk_context,
    office_ready,
    open_desk,
)
from tests.chromium import launch_chromium

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with live_world(tmp_path_factory.mktemp("engagement-page")) as world:
        yield world


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as browser:
        yield browser


def _beijing(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def _send(page: Page, method: str, url: str, body: Any, **headers: str) -> Any:
    """A write in the signed-in session of ``page``, with its CSRF token."""
    token = page.request.get("/api/auth/csrf").json()["csrf_token"]
    response = page.request.fetch(
        url, method=method, data=body, headers={"X-CSRF-Token": token, **headers}
    )
    assert response.ok, (response.status, response.text())
    return response.json()


def _evaluation(
    engagement: Engagement, site_id: uuid.UUID, mode: str, assignment: Assignment | None
) -> dict[str, Any]:
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "engagement_id": str(engagement.id),
        "site_id": str(site_id),
        "mode": mode,
        "ratings": {"1.1": {"level": 4}, "1.2": {"alpha": 0.75}},
        "notes": "演示测评：工作人员主动问候。",
        "started_at": _beijing(now - timedelta(minutes=40)),
        "ended_at": _beijing(now - timedelta(minutes=5)),
        "gps_fixes": [
            {
                "latitude": AT_SITE["latitude"],
                "longitude": AT_SITE["longitude"],
                "accuracy_m": AT_SITE["accuracy"],
                "captured_at": _beijing(now - timedelta(minutes=39)),
            }
        ],
        "evidence": [],
        "submit": True,
    }
    if assignment is not None:
        body["assignment_id"] = str(assignment.id)
    return body


def _field_work(browser: Browser, world: World) -> tuple[str, str]:
    """The demo shopper's visit (waits for review) and the auditor's inspection (accepted)."""
    with world.session() as session:
        engagement = session.scalars(
            sa.select(Engagement).where(Engagement.title == DEMO_ENGAGEMENT)
        ).one()
        assignment = session.scalars(
            sa.select(Assignment)
            .where(Assignment.engagement_id == engagement.id)
            .order_by(Assignment.window_start)
        ).first()
        assert assignment is not None
        session.expunge_all()
    visit_id, inspection_id = str(uuid.uuid4()), str(uuid.uuid4())
    for role, evaluation_id, mode, visit in (
        (Role.SHOPPER, visit_id, "B", assignment),
        (Role.AUDITOR, inspection_id, "A", None),
    ):
        context = phone_context(browser, world.server.url)
        try:
            page = context.new_page()
            sign_in(page, role)
            body = _evaluation(engagement, assignment.site_id, mode, visit)
            _send(page, "PUT", f"/api/evaluations/{evaluation_id}", body)
        finally:
            context.close()
    context = desk_context(browser, world.server.url)
    try:
        page = context.new_page()
        sign_in(page, Role.TEAM_LEADER)
        _send(
            page,
            "POST",
            f"/api/evaluations/{inspection_id}/review",
            {"action": "accept", "comment": "符合"},
            **{"If-Match": '"v1"'},
        )
    finally:
        context.close()
    return visit_id, inspection_id


def test_every_demo_role_signs_in_to_a_home_with_its_work(browser: Browser, world: World) -> None:
    # The shopper first: the demo visit is still to be made.
    context = phone_context(browser, world.server.url)
    try:
        page = context.new_page()
        sign_in(page, Role.SHOPPER)
        page.wait_for_selector("#assignment-list li[data-assignment-id][data-status='assigned']")
        assert page.get_attribute("html", "data-route") == "assignments"
    finally:
        context.close()

    visit_id, _ = _field_work(browser, world)

    # The auditor: the visit to check as the audit team's QA review, on the field home.
    context = phone_context(browser, world.server.url)
    try:
        page = context.new_page()
        sign_in(page, Role.AUDITOR)
        page.wait_for_selector(f"#review-queue [data-evaluation-id='{visit_id}']")
        assert page.get_attribute("html", "data-route") == "review"
    finally:
        context.close()

    # The office roles: each panel of work filled with the demo's rows.
    work = {
        Role.ADMIN: ["#home-users [data-count='7']", "#home-audit-table tr[data-row-id]"],
        Role.SCHEME_MANAGER: ["#home-schemes-table tr[data-row-id]"],
        Role.TEAM_LEADER: [
            "#home-applications-table tr[data-row-id]",
            "#home-engagements-table tr[data-row-id]",
            f"#home-review-table tr[data-evaluation-id='{visit_id}']",
        ],
        Role.REVIEWER: [
            "#home-engagements-table tr[data-row-id]",
            f"#home-review-table tr[data-evaluation-id='{visit_id}']",
        ],
        Role.CLIENT_USER: ["#home-client [data-sites='2']", "[data-panel='plans-to-confirm']"],
    }
    for role, selectors in work.items():
        context = desk_context(browser, world.server.url)
        try:
            page = context.new_page()
            open_desk(page, role)
            assert page.locator("section[data-screen='settings']").count() == 0
            for selector in selectors:
                assert page.locator(selector).count() >= 1, (role, selector)
            save_screenshot(page, f"engagement-home-{role.value}")
        finally:
            context.close()


def test_the_engagement_page_says_where_the_engagement_stands(
    browser: Browser, world: World
) -> None:
    # Runs after the homes' test made the demo field work (module order).
    context = desk_context(browser, world.server.url)
    try:
        page = context.new_page()
        open_desk(page, Role.TEAM_LEADER)
        page.click(demo_engagement_row(world))
        office_ready(page, "engagement")

        glance = "#engagement-glance"
        assert page.get_attribute(f"{glance} [data-stat='evaluations']", "data-submitted") == "1"
        assert page.get_attribute(f"{glance} [data-stat='evaluations']", "data-accepted") == "1"
        assert page.get_attribute(f"{glance} [data-stat='evaluations']", "data-returned") == "0"
        # The demo survey: two sites of 30 answers each.
        assert page.get_attribute(f"{glance} [data-stat='survey']", "data-target") == "60"
        # The open flags are those of the visit waiting for review.
        flagged = page.get_attribute(f"{glance} [data-stat='flags']", "data-flagged")
        assert flagged in ("0", "1")
        # Modes: A measured and nothing open (done); B waits for review; E waits for answers.
        states = {
            row.get_attribute("data-row-id"): row.get_attribute("data-state")
            for row in page.locator("#engagement-modes tr[data-row-id]").all()
        }
        assert states == {"A": "done", "B": "open", "E": "not_started"}
        assert page.get_attribute(f"{glance} [data-stat='modes']", "data-done") == "1"

        # The scores as the scoring core computes them: the inspection counts, the visit not yet.
        scores = page.request.get(
            f"/api/engagements/{page.get_attribute('#office-main', 'data-engagement-id')}/scores"
        ).json()
        assert scores["evaluations_counted"] == 1
        shown = page.get_attribute("#engagement-score", "data-score")
        assert shown == scores["overall"]["exact"]
        assert (
            page.inner_text("#engagement-score-explanation").strip()
            == (scores["overall"]["explanation"]["zh"])
        )
        assert page.locator("#engagement-mode-scores tr[data-row-id='A']").count() == 1
        assert page.locator("#engagement-site-scores tr[data-row-id]").count() == 1
        # The radar chart: an SVG drawn by the server, loaded.
        page.wait_for_function(
            "document.querySelector('#engagement-radar').complete && "
            "document.querySelector('#engagement-radar').naturalWidth > 0"
        )
        save_screenshot(page, "engagement-page-1280")

        # The review queue: the visit, and the way into the reviewer's screen.
        row = page.locator("#engagement-queue-table tr[data-evaluation-id]")
        assert row.count() == 1
        row.locator("td[data-col='site'] a").click()
        page.wait_for_selector("section[data-screen='review'][data-evaluation-id]")
        page.go_back()
        office_ready(page, "engagement")
        page.click("#engagement-open-queue")
        page.wait_for_selector("#review-queue [data-evaluation-id]")
        page.go_back()
        office_ready(page, "engagement")

        # The planning page is the other tab of the same engagement.
        page.click("[data-engagement-tab='planning']")
        office_ready(page, "engagement-planning")
        page.click("[data-engagement-tab='overview']")
        office_ready(page, "engagement")
    finally:
        context.close()


def test_the_engagement_page_for_a_reviewer_an_admin_and_on_a_tablet(
    browser: Browser, world: World
) -> None:
    context = desk_context(browser, world.server.url)
    try:
        page = context.new_page()
        open_desk(page, Role.REVIEWER)
        page.click(demo_engagement_row(world))
        office_ready(page, "engagement")
        assert page.locator("#engagement-glance").count() == 1
        assert page.locator("#engagement-queue-table tr[data-evaluation-id]").count() == 1
        assert page.locator("#engagement-report").count() == 1
        # Reviewers do not plan: no planning tab.
        assert page.locator("#engagement-tabs").count() == 0
    finally:
        context.close()
    context = desk_context(browser, world.server.url)
    try:
        page = context.new_page()
        open_desk(page, Role.ADMIN)
        page.click(demo_engagement_row(world))
        office_ready(page, "engagement")
        # Administrators read the scores; the field work and its flags are the audit team's.
        assert page.locator("#engagement-score").count() == 1
        assert page.locator("#engagement-no-status").count() == 1
        assert page.locator("#engagement-queue").count() == 0
    finally:
        context.close()
    context = desk_context(browser, world.server.url, TABLET)
    try:
        page = context.new_page()
        open_desk(page, Role.TEAM_LEADER)
        page.click(demo_engagement_row(world))
        office_ready(page, "engagement")
        assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
        save_screenshot(page, "engagement-page-768")
    finally:
        context.close()
