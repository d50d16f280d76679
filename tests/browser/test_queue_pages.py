"""The office review queues show one page and "加载更多" (issue 13, "Flat costs").

A queue longer than a page (pwa/src/data/queues.ts, 50 rows per engagement) shows its first page
on the team leader's home, on the engagement page and on the review list, with a load-more
control that brings the next page and disappears once the whole queue is shown. Real server on
the demo data (``tests/browser/live.py``), Debian's Chromium.
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
from backend.evaluations.models import Evaluation, EvaluationStatus
from backend.users.models import Role
from tests.browser.live import AT_SITE, World, live_world, phone_context, sign_in
from tests.browser.office import demo_engagement_row, desk_context, office_ready, open_desk
from tests.chromium import launch_chromium

pytestmark = pytest.mark.browser

#: pwa/src/data/queues.ts QUEUE_PAGE_SIZE
PAGE = 50
VISITS = PAGE + 5


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with live_world(tmp_path_factory.mktemp("queue-pages")) as world:
        yield world


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as browser:
        yield browser


def _inspection(engagement_id: uuid.UUID, site_id: uuid.UUID) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "engagement_id": str(engagement_id),
        "site_id": str(site_id),
        "mode": "A",
        "ratings": {"1.1": {"level": 4}, "1.2": {"alpha": 0.75}},
        "started_at": (now - timedelta(minutes=40)).isoformat(),
        "ended_at": (now - timedelta(minutes=5)).isoformat(),
        "gps_fixes": [
            {
                "latitude": AT_SITE["latitude"],
                "longitude": AT_SITE["longitude"],
                "accuracy_m": AT_SITE["accuracy"],
                "captured_at": (now - timedelta(minutes=39)).isoformat(),
            }
        ],
        "evidence": [],
        "submit": True,
    }


def _long_queue(browser: Browser, world: World) -> int:
    """``VISITS`` inspections submitted by the demo auditor; the demo queue's length."""
    with world.session() as session:
        engagement = session.scalars(
            sa.select(Engagement).where(Engagement.title == DEMO_ENGAGEMENT)
        ).one()
        site_id = session.scalars(
            sa.select(Assignment.site_id)
            .where(Assignment.engagement_id == engagement.id)
            .order_by(Assignment.window_start)
        ).first()
        assert site_id is not None
        engagement_id = engagement.id
    context = phone_context(browser, world.server.url)
    try:
        page = context.new_page()
        sign_in(page, Role.AUDITOR)
        token = page.request.get("/api/auth/csrf").json()["csrf_token"]
        for _ in range(VISITS):
            answer = page.request.put(
                f"/api/evaluations/{uuid.uuid4()}",
                data=_inspection(engagement_id, site_id),
                headers={"X-CSRF-Token": token},
            )
            assert answer.status == 201, answer.text()
    finally:
        context.close()
    with world.session() as session:
        waiting = session.scalar(
            sa.select(sa.func.count())
            .select_from(Evaluation)
            .where(
                Evaluation.engagement_id == engagement_id,
                Evaluation.status == EvaluationStatus.SUBMITTED,
            )
        )
    assert waiting is not None and waiting >= VISITS
    return waiting


def _more(page: Page, rows: str, control: str) -> int:
    """Click the load-more control; the number of rows once the next page is shown."""
    before = page.locator(rows).count()
    page.click(control)
    page.wait_for_function(f"document.querySelectorAll({rows!r}).length > {before}", polling=100)
    return page.locator(rows).count()


def test_long_queues_show_a_page_and_load_more_on_request(browser: Browser, world: World) -> None:
    waiting = _long_queue(browser, world)
    context = desk_context(browser, world.server.url)
    try:
        page = context.new_page()
        open_desk(page, Role.TEAM_LEADER)

        # The home panel: the first page of each engagement's queue, then the next pages.
        home_rows = "#home-review-table tr[data-evaluation-id]"
        demo_rows = page.locator(home_rows).filter(
            has=page.locator("td[data-col='engagement']", has_text=DEMO_ENGAGEMENT)
        )
        assert demo_rows.count() == PAGE
        _more(page, home_rows, "[data-load-more='home-review']")
        assert demo_rows.count() == waiting

        # The engagement page: 50 of its queue, then all of it, and no control left.
        page.click(demo_engagement_row(world))
        office_ready(page, "engagement")
        queue_rows = "#engagement-queue-table tr[data-evaluation-id]"
        assert page.locator(queue_rows).count() == PAGE
        assert page.get_attribute("#engagement-queue", "data-count") == str(PAGE)
        assert _more(page, queue_rows, "[data-load-more='engagement-queue']") == waiting
        assert page.locator("[data-load-more='engagement-queue']").count() == 0
        assert page.get_attribute("#engagement-queue", "data-count") == str(waiting)
        ids = page.eval_on_selector_all(queue_rows, "rows => rows.map(r => r.dataset.evaluationId)")
        assert len(set(ids)) == waiting  # no row twice

        # The review list: the same, with its own control.
        page.click("#engagement-open-queue")
        page.wait_for_selector("#review-queue [data-evaluation-id]")
        list_rows = "#review-queue [data-evaluation-id]"
        shown = page.locator(list_rows).count()
        assert shown < waiting
        assert page.inner_text("#review-more") == "加载更多"
        assert _more(page, list_rows, "#review-more") > shown
    finally:
        context.close()
