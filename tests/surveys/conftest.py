"""A survey world: an engagement using mode E with two sites, its team, and an open campaign."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.surveys import answering
from backend.surveys.models import SurveyCampaign, SurveyResponse
from tests.factories import sign_in
from tests.world import World, build_world

#: The survey tests' name for the one world (tests/world.py).
SurveyWorld = World


@pytest.fixture(autouse=True)
def _fresh_public_cache() -> Iterator[None]:
    # Tests change campaigns behind the service's back (close dates): no stale cached survey.
    answering.forget_public()
    yield
    answering.forget_public()


@pytest.fixture
def world(db_session: Session) -> SurveyWorld:
    return make_survey_world(db_session)


def make_survey_world(db_session: Session) -> SurveyWorld:
    """The world with project-department sites, modes A and E and two auditors on the team."""
    return build_world(
        db_session,
        site_names=("一号项目部", "二号项目部"),
        modes=("A", "E"),
        second_auditor_on_team=True,
    )


def campaign_body(world: SurveyWorld, **extra: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "engagement_id": str(world.engagement.id),
        "title": "顾客满意度调查",
        "opens_at": (now - timedelta(days=1)).isoformat(),
        "closes_at": (now + timedelta(days=10)).isoformat(),
        "sites": [
            {"site_id": str(world.site.id), "target": 30},
            {"site_id": str(world.other_site.id), "target": 20},
        ],
        # Tests answer in milliseconds: only flag what a test asks for.
        "min_seconds_per_question": 0,
        **extra,
    }


def create_campaign(client: FlaskClient, world: SurveyWorld, **extra: Any) -> dict[str, Any]:
    sign_in(client, world.leader)
    response = client.post("/api/survey-campaigns", json=campaign_body(world, **extra))
    assert response.status_code == 201, response.get_json()
    body: dict[str, Any] = response.get_json()
    client.post("/api/auth/logout")
    client.environ_base.pop("HTTP_X_CSRF_TOKEN", None)
    return body


@pytest.fixture
def campaign(client: FlaskClient, world: SurveyWorld) -> dict[str, Any]:
    return create_campaign(client, world)


def respondent(app: Flask, address: str = "203.0.113.7") -> FlaskClient:
    """A phone of its own: its own cookie jar and address."""
    phone = app.test_client()
    phone.environ_base["REMOTE_ADDR"] = address
    return phone


def load_form(phone: FlaskClient, code: str) -> dict[str, Any]:
    """GET the page; the hidden fields and the questions it asks."""
    page = phone.get(f"/s/{code}")
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    html = page.get_data(as_text=True)
    token = re.search(r'name="t" value="([^"]+)"', html)
    device = re.search(r'name="device" id="device" value="([^"]+)"', html)
    assert token and device
    items = list(dict.fromkeys(re.findall(r'name="q\.([^"]+)" value="', html)))
    return {"t": token.group(1), "device": device.group(1), "items": items, "html": html}


def answer(
    browser: FlaskClient,
    poster: str,
    levels: dict[str, Any] | int = 4,
    *,
    form: dict[str, Any] | None = None,
    **fields: str,
) -> Any:
    """Load the page and submit it: every question ``levels`` (or per item), plus ``fields``."""
    form = form or load_form(browser, poster)
    if isinstance(levels, int):
        values = {f"q.{item}": str(levels) for item in form["items"]}
        # Two different levels: a uniform answer would be flagged as straight-lining.
        values[f"q.{form['items'][0]}"] = str(5 if levels != 5 else 4)
    else:
        values = {f"q.{item}": str(value) for item, value in levels.items()}
    return browser.post(
        f"/s/{poster}", data={"t": form["t"], "device": form["device"], **values, **fields}
    )


def responses(db_session: Session, campaign_id: str | uuid.UUID) -> list[SurveyResponse]:
    db_session.expire_all()
    return list(
        db_session.scalars(
            sa.select(SurveyResponse)
            .where(SurveyResponse.campaign_id == uuid.UUID(str(campaign_id)))
            .order_by(SurveyResponse.received_at)
        )
    )


def set_dates(db_session: Session, campaign_id: str, *, opens: datetime, closes: datetime) -> None:
    row = db_session.get_one(SurveyCampaign, uuid.UUID(campaign_id))
    row.opens_at, row.closes_at = opens, closes
    db_session.commit()
    answering.forget_public()


@pytest.fixture(autouse=True)
def _fresh_survey_limits(app: Flask) -> Iterator[None]:
    # The per-address survey windows count per app, like the rate limiter the client fixture
    # resets: each test starts from zero.
    from backend.surveys.setup import EXTENSION

    app.extensions[EXTENSION].local_windows.reset()
    yield
