"""Face-to-face customer-survey answers (issue 5) entered by an auditor in the field app, offline,
in Debian's Chromium against the real server (``tests/browser/live.py``: one migrated database
with the demo data, whose open campaign has the demo auditor and team leader on its team).

Run alone: ``.venv/bin/pytest tests/browser/test_survey_interviews.py -q`` (needs ``make pwa``);
``TEST_DATABASE_URL=postgresql+psycopg://…`` runs the server on PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page

from backend.demo import DEMO_SURVEY_TITLE
from backend.surveys.models import Channel, SurveyCampaign, SurveyResponse
from backend.users.models import Role, User
from tests.browser.live import (
    World,
    live_world,
    login_of,
    phone_context,
    sign_in,
    wait_for_app,
    wait_for_controller,
)
from tests.chromium import launch_chromium

pytestmark = pytest.mark.browser

#: The question answered "not applicable" and the one answered 5; the rest get 4.
NA_QUESTION = 0
TOP_QUESTION = 1


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with live_world(tmp_path_factory.mktemp("survey-interviews")) as world:
        yield world


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as browser:
        yield browser


def user_id(world: World, role: Role) -> str:
    with world.session() as session:
        return str(session.scalars(sa.select(User.id).where(User.email == login_of(role)[0])).one())


def offline_responses(world: World) -> list[SurveyResponse]:
    with world.session() as session:
        rows = list(
            session.scalars(
                sa.select(SurveyResponse)
                .join(SurveyCampaign, SurveyCampaign.id == SurveyResponse.campaign_id)
                .where(
                    SurveyCampaign.title == DEMO_SURVEY_TITLE,
                    SurveyResponse.channel == Channel.OFFLINE,
                )
            )
        )
        for row in rows:
            session.expunge(row)
        return rows


def answer_every_question(page: Page) -> dict[str, object]:
    """4 for each question, 5 for one, 不适用 for another; returns what was chosen per item."""
    items = page.locator("[data-question]").evaluate_all("els => els.map(e => e.dataset.question)")
    assert len(items) >= 3
    chosen: dict[str, object] = {}
    for index, item in enumerate(items):
        value: object = "na" if index == NA_QUESTION else 5 if index == TOP_QUESTION else 4
        block = page.locator(f'fieldset[data-question="{item}"]')
        block.locator(f'[data-answer="{value}"]').click()
        page.wait_for_function(
            "([item, value]) => document.querySelector("
            '`fieldset[data-question="${item}"]`).dataset.answered === String(value)',
            arg=[item, value],
        )
        chosen[item] = value
    return chosen


def test_an_interview_entered_offline_arrives_once_as_an_attested_offline_answer(
    world: World, browser: Browser
) -> None:
    auditor, leader = user_id(world, Role.AUDITOR), user_id(world, Role.TEAM_LEADER)
    assert offline_responses(world) == []
    context = phone_context(browser, world.server.url)
    page = context.new_page()
    try:
        sign_in(page, Role.AUDITOR)
        wait_for_controller(page)
        # Online once: the campaigns and the scheme's labels are kept on the phone.
        page.click("#nav-surveys")
        campaign = page.locator("#survey-campaigns li", has_text=DEMO_SURVEY_TITLE)
        campaign.locator("[data-new-survey]").wait_for()
        assert campaign.get_attribute("data-state") == "open"

        context.set_offline(True)
        page.wait_for_selector('#connection-status[data-status="offline"]')
        campaign.locator("[data-new-survey]").click()
        page.wait_for_selector("[data-screen=surveys] #survey-save")
        # The five labelled levels come from the scheme (cached), highest first, then 不适用.
        first = page.locator("[data-question]").first
        labels = first.locator("[data-answer]").all_inner_texts()
        assert len(labels) == 6 and "不适用" in labels[-1]
        assert all(len(text.strip()) > 1 for text in labels[:5]), labels

        # Saving with nothing filled in names every problem and stores nothing.
        page.click("#survey-save")
        problems = page.locator("#survey-errors [data-problem]").evaluate_all(
            "els => els.map(e => e.dataset.problem)"
        )
        assert problems == ["site", "unanswered", "absent"]

        site_option = page.locator("#survey-site option:not([value=''])").first
        site_id = site_option.get_attribute("value")
        assert site_id
        page.select_option("#survey-site", site_id)
        chosen = answer_every_question(page)
        page.fill("#survey-comment", "工地围挡整洁，夜间施工噪声已减少。")
        page.fill("#survey-phone", "13800138000")
        assert "不会提供给被评价单位" in page.inner_text("#survey-consent-text")
        page.check("#survey-consent")
        # Switching the language re-renders the screen: nothing entered is lost, same id.
        interview_id = page.locator("[data-screen=surveys]").get_attribute("data-survey-id")
        page.click("#lang-en")
        page.wait_for_selector("html[lang=en] #survey-save")
        assert "Not applicable" in page.locator("[data-answer=na]").first.inner_text()
        assert page.locator("[data-screen=surveys]").get_attribute("data-survey-id") == interview_id
        assert page.locator("#survey-progress").get_attribute("data-answered") == str(len(chosen))
        assert page.input_value("#survey-comment") == "工地围挡整洁，夜间施工噪声已减少。"
        assert page.is_checked("#survey-consent")
        page.click("#lang-zh-CN")
        page.wait_for_selector("html[lang=zh-CN] #survey-save")
        assert page.input_value("#survey-site") == site_id
        assert page.locator("#survey-interviewer").get_attribute("data-user-id") == auditor
        page.select_option("#survey-second-interviewer", leader)
        page.check("#survey-staff-absent")
        page.click("#survey-save")

        page.wait_for_selector("[data-screen=surveys] #survey-answers [data-survey-id]")
        card = page.locator("#survey-answers [data-survey-id]")
        assert card.count() == 1
        response_id = card.get_attribute("data-survey-id")
        assert response_id == interview_id
        assert card.get_attribute("data-state") == "queued"
        indicator = page.locator("#sync-indicator")
        assert indicator.get_attribute("data-pending-records") == "1"
        assert indicator.get_attribute("data-state") == "offline"
        assert offline_responses(world) == []

        # A reload without a network: the answer is still on the phone, still queued.
        page.reload()
        wait_for_app(page)
        page.wait_for_selector(f'[data-survey-id="{response_id}"][data-state="queued"]')
        assert offline_responses(world) == []

        context.set_offline(False)
        page.wait_for_selector(
            f'[data-survey-id="{response_id}"][data-state="sent"]', timeout=60_000
        )
        page.wait_for_function(
            "document.getElementById('sync-indicator').dataset.pending === '0'", timeout=60_000
        )

        rows = offline_responses(world)
        assert len(rows) == 1
        row = rows[0]
        assert row.id == uuid.UUID(response_id)
        assert row.channel is Channel.OFFLINE
        assert row.staff_absent is True
        assert row.interviewer_ids == [auditor, leader]
        assert str(row.entered_by_id) == auditor
        assert row.answers == chosen
        assert row.comment == "工地围挡整洁，夜间施工噪声已减少。"
        assert row.contact_ciphertext is not None  # kept (encrypted) with the consent

        # Sending the outbox again sends nothing more: the answer left it once confirmed.
        page.click("#nav-surveys")
        page.wait_for_selector(f'[data-survey-id="{response_id}"][data-state="sent"]')
        assert len(offline_responses(world)) == 1
    finally:
        context.close()


def move_demo_opening(world: World, opens_at: datetime) -> datetime:
    """Set the demo campaign's opening instant; returns the previous one."""
    with world.session() as session:
        campaign = session.scalars(
            sa.select(SurveyCampaign).where(SurveyCampaign.title == DEMO_SURVEY_TITLE)
        ).one()
        previous = campaign.opens_at
        campaign.opens_at = opens_at
        session.commit()
        return previous


def test_an_answer_the_server_refuses_shows_its_code_and_is_sent_again_once_fixed(
    world: World, browser: Browser
) -> None:
    context = phone_context(browser, world.server.url)
    page = context.new_page()
    previous: datetime | None = None
    try:
        sign_in(page, Role.AUDITOR)
        page.click("#nav-surveys")
        page.locator("#survey-campaigns [data-new-survey]").first.click()
        page.wait_for_selector("[data-screen=surveys] #survey-save")
        page.select_option(
            "#survey-site",
            page.locator("#survey-site option:not([value=''])").first.get_attribute("value"),
        )
        answer_every_question(page)
        page.check("#survey-staff-absent")
        context.set_offline(True)
        page.click("#survey-save")
        page.wait_for_selector('#survey-answers [data-state="queued"]')
        response_id = page.locator('#survey-answers [data-state="queued"]').get_attribute(
            "data-survey-id"
        )
        before = len(offline_responses(world))

        # Meanwhile the campaign's opening moved past the interview: the server answers 422.
        previous = move_demo_opening(world, datetime.now(UTC) + timedelta(days=1))
        context.set_offline(False)
        card = page.locator(f'[data-survey-id="{response_id}"][data-state="blocked"]')
        card.wait_for(timeout=60_000)
        error = card.locator("[data-survey-error-code]")
        assert error.get_attribute("data-survey-error-code") == "VALIDATION_ERROR"
        assert "conducted_at" in error.inner_text()
        assert page.locator("#sync-indicator").get_attribute("data-state") == "error"
        assert len(offline_responses(world)) == before

        # Put right on the server; the auditor sends it again, unchanged: stored once.
        move_demo_opening(world, previous)
        previous = None
        card.locator("[data-survey-retry]").click()
        page.wait_for_selector(
            f'[data-survey-id="{response_id}"][data-state="sent"]', timeout=60_000
        )
        rows = [r for r in offline_responses(world) if str(r.id) == response_id]
        assert len(rows) == 1 and rows[0].staff_absent is True
    finally:
        if previous is not None:
            move_demo_opening(world, previous)
        context.close()
