"""A campaign's responses in pages (issue 13, "Flat costs"): keyset cursor, bounded size."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.extensions import db
from backend.paging import MAX_PAGE_SIZE
from backend.surveys.models import CallbackOutcome, SurveyResponse
from tests.factories import sign_in
from tests.paging import follow_pages
from tests.plans import captured, plan_of
from tests.surveys.conftest import SurveyWorld, answer, create_campaign, respondent, responses


def test_responses_come_in_pages_once_each_in_order_across_ties(
    app: Flask, client: FlaskClient, db_session: Session, world: SurveyWorld
) -> None:
    campaign = create_campaign(client, world, burst_threshold=50)
    code = campaign["sites"][0]["code"]
    for i in range(5):
        assert answer(respondent(app, f"198.51.100.{i + 1}"), code).status_code == 200
    rows = responses(db_session, campaign["id"])
    # Three answers received at one instant: the id breaks the tie.
    same = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    db_session.execute(
        sa.update(SurveyResponse)
        .where(SurveyResponse.id.in_([r.id for r in rows[1:4]]))
        .values(received_at=same)
    )
    db_session.commit()
    sign_in(client, world.auditor)
    url = f"/api/survey-campaigns/{campaign['id']}/responses"
    whole = client.get(f"{url}?limit=500").get_json()

    pages = [[r["id"] for r in p.get_json()] for p in follow_pages(client.get, f"{url}?limit=2")]

    assert [len(p) for p in pages] == [2, 2, 1]
    assert [i for p in pages for i in p] == [r["id"] for r in whole]
    assert sorted(r["id"] for r in whole) == sorted(str(r.id) for r in rows)


def test_a_bad_cursor_or_page_size_is_refused(
    client: FlaskClient, world: SurveyWorld, campaign: dict[str, object]
) -> None:
    sign_in(client, world.auditor)
    url = f"/api/survey-campaigns/{campaign['id']}/responses"

    answers = [
        client.get(f"{url}?cursor=bm90IGpzb24"),
        client.get(f"{url}?limit=0"),
        client.get(f"{url}?limit={MAX_PAGE_SIZE + 1}"),
    ]

    assert [a.status_code for a in answers] == [422, 422, 422]
    assert [sorted(a.get_json()["details"]) for a in answers] == [["cursor"], ["limit"], ["limit"]]
    assert all(a.get_json()["code"] == "VALIDATION_ERROR" for a in answers)


def _drawn_campaign(
    app: Flask, client: FlaskClient, db_session: Session, world: SurveyWorld
) -> tuple[dict[str, object], list[SurveyResponse]]:
    """A campaign of seven answers, five of them drawn for a callback, three at one instant."""
    campaign = create_campaign(client, world, burst_threshold=50)
    code = campaign["sites"][0]["code"]
    for i in range(7):
        reply = answer(
            respondent(app, f"198.51.100.{i + 1}"), code, phone=f"1390000{i:04d}", consent="1"
        )
        assert reply.status_code == 200
    rows = responses(db_session, campaign["id"])
    drawn = rows[1:6]
    db_session.execute(
        sa.update(SurveyResponse)
        .where(SurveyResponse.id.in_([r.id for r in drawn]))
        .values(callback_outcome=CallbackOutcome.PENDING)
    )
    db_session.execute(
        sa.update(SurveyResponse)
        .where(SurveyResponse.id.in_([r.id for r in drawn[1:4]]))
        .values(received_at=datetime(2026, 5, 1, 8, 0, tzinfo=UTC))
    )
    db_session.commit()
    return campaign, drawn


def test_the_callback_list_comes_in_pages_of_drawn_answers_once_each_in_order(
    app: Flask, client: FlaskClient, db_session: Session, world: SurveyWorld
) -> None:
    campaign, drawn = _drawn_campaign(app, client, db_session, world)
    sign_in(client, world.auditor)
    url = f"/api/survey-campaigns/{campaign['id']}/callbacks"
    whole = client.get(url)

    pages = [
        [r["response_id"] for r in p.get_json()] for p in follow_pages(client.get, f"{url}?limit=2")
    ]

    assert "X-Next-Cursor" not in whole.headers
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [i for p in pages for i in p] == [r["response_id"] for r in whole.get_json()]
    assert sorted(r["response_id"] for r in whole.get_json()) == sorted(str(r.id) for r in drawn)
    assert all("****" in r["phone_masked"] for r in whole.get_json())


def test_a_bad_callback_cursor_or_one_of_the_responses_list_is_refused(
    app: Flask, client: FlaskClient, db_session: Session, world: SurveyWorld
) -> None:
    campaign, _ = _drawn_campaign(app, client, db_session, world)
    sign_in(client, world.auditor)
    url = f"/api/survey-campaigns/{campaign['id']}/callbacks"
    other = client.get(f"/api/survey-campaigns/{campaign['id']}/responses?limit=1")

    answers = [
        client.get(f"{url}?cursor=bm90IGpzb24"),
        client.get(f"{url}?cursor={other.headers['X-Next-Cursor']}"),
        client.get(f"{url}?limit=0"),
        client.get(f"{url}?limit={MAX_PAGE_SIZE + 1}"),
    ]

    assert [a.status_code for a in answers] == [422, 422, 422, 422]
    assert [sorted(a.get_json()["details"]) for a in answers] == [
        ["cursor"],
        ["cursor"],
        ["limit"],
        ["limit"],
    ]


@pytest.mark.postgres
def test_a_callback_page_reads_the_callback_index_in_order(
    app: Flask, client: FlaskClient, db_session: Session, world: SurveyWorld
) -> None:
    campaign, _ = _drawn_campaign(app, client, db_session, world)
    sign_in(client, world.auditor)
    url = f"/api/survey-campaigns/{campaign['id']}/callbacks"
    cursor = client.get(f"{url}?limit=2").headers["X-Next-Cursor"]
    with app.app_context(), captured(db.engine) as statements:
        assert client.get(f"{url}?limit=2&cursor={cursor}").status_code == 200
    page = next(
        (s, p) for s, p in statements if "callback_outcome IS NOT NULL" in s and "LIMIT" in s
    )

    plan = plan_of(db_session, *page)

    assert "ix_survey_responses_campaign_callbacks" in plan, plan
    assert "Sort" not in plan, plan
