"""Certificates of approved engagements, dated as a test needs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from backend.clients.models import Client
from backend.decisions.models import Decision
from backend.engagements.models import Engagement
from tests.decisions.support import approve, approved_world
from tests.evaluations.helpers import Person, World
from tests.factories import make_assignment, make_engagement


def backdate(db_session: Session, world: World, audit_ended: date, decided: date) -> None:
    """Move the audit and the decision into the past (seed 003's certificate is from 2022)."""
    engagement = db_session.get_one(Engagement, world.engagement.id)
    engagement.starts_on = date(audit_ended.year, audit_ended.month, 1)
    engagement.ends_on = audit_ended
    decision = db_session.query(Decision).filter_by(engagement_id=engagement.id).one()
    decision.decided_at = datetime(decided.year, decided.month, decided.day, 2, tzinfo=UTC)
    db_session.commit()


def issue(client: FlaskClient, who: Person, world: World, **body: Any) -> TestResponse:
    return client.post(
        f"/api/engagements/{world.engagement.id}/certificate",
        json={k: v.isoformat() if isinstance(v, date) else v for k, v in body.items()},
        headers=who.headers,
    )


def issued(
    client: FlaskClient, db_session: Session, issued_on: date | None = None, **body: Any
) -> tuple[World, dict[str, Any]]:
    world = approved_world(client, db_session)
    if issued_on is not None:
        backdate(db_session, world, issued_on.replace(day=1), issued_on)
        body["issued_on"] = issued_on
    answer = issue(client, world.admin, world, **body)
    assert answer.status_code == 201, answer.get_json()
    return world, answer.get_json()


def second_engagement(client: FlaskClient, db_session: Session, world: World) -> World:
    """Another approved engagement of the same organisation, client, team and reviewer."""
    engagement = db_session.get_one(Engagement, world.engagement.id)
    other = make_engagement(
        db_session,
        client=db_session.get_one(Client, engagement.client_id),
        leader=world.leader.user,
        auditors=[world.auditor.user],
        sites=[world.site],
        modes=("A", "B"),
    )
    assignment = make_assignment(
        db_session, engagement=other, site=world.site, shopper=world.shopper.user
    )
    second = replace(world, engagement=other, assignment=assignment)
    approve(client, second)
    return second
