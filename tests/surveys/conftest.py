"""A survey world: an engagement using mode E with two sites, its team, and an open campaign."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.clients.models import Client, Site
from backend.engagements.models import Engagement
from backend.surveys import answering
from backend.surveys.models import SurveyCampaign, SurveyResponse
from backend.users.models import Organisation, Role, User
from tests.factories import (
    make_client,
    make_engagement,
    make_organisation,
    make_site,
    make_unit,
    make_user,
    sign_in,
)


@dataclass
class SurveyWorld:
    organisation: Organisation
    client: Client
    site: Site
    other_site: Site
    engagement: Engagement
    admin: User
    leader: User
    auditor: User
    second_auditor: User
    other_leader: User
    other_auditor: User
    reviewer: User
    reviewer_on_team: User
    client_user: User
    shopper: User


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
    """The world, committed (also on a database of a test's own)."""
    organisation = make_organisation(db_session)
    client = make_client(db_session, organisation=organisation, name="江西某污水处理工程有限公司")
    unit = make_unit(db_session, client=client)
    site = make_site(db_session, unit=unit, name="一号项目部")
    other_site = make_site(db_session, unit=unit, name="二号项目部")

    def user(role: Role, name: str) -> User:
        return make_user(db_session, role=role, organisation=organisation, display_name=name)

    leader = user(Role.TEAM_LEADER, "张组长")
    auditor = user(Role.AUDITOR, "刘审查")
    second_auditor = user(Role.AUDITOR, "吴审查")
    reviewer_on_team = user(Role.REVIEWER, "曾在组复核")
    engagement = make_engagement(
        db_session,
        client=client,
        leader=leader,
        auditors=[auditor, second_auditor, reviewer_on_team],
        sites=[site, other_site],
        modes=("A", "E"),
    )
    client_user = user(Role.CLIENT_USER, "孙委托")
    client_user.client_id = client.id
    built = SurveyWorld(
        organisation=organisation,
        client=client,
        site=site,
        other_site=other_site,
        engagement=engagement,
        admin=user(Role.ADMIN, "王管理"),
        leader=leader,
        auditor=auditor,
        second_auditor=second_auditor,
        other_leader=user(Role.TEAM_LEADER, "李组长"),
        other_auditor=user(Role.AUDITOR, "赵审查"),
        reviewer=user(Role.REVIEWER, "陈复核"),
        reviewer_on_team=reviewer_on_team,
        client_user=client_user,
        shopper=user(Role.SHOPPER, "周暗访"),
    )
    db_session.commit()
    return built


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
