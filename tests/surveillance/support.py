"""A certificate of an audit that ended on a given day, and the lifecycle calls on it."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from tests.certificates.support import backdate, issue
from tests.decisions.support import approved_world
from tests.evaluations.helpers import Person, World


def certified(
    client: FlaskClient, db_session: Session, audit_ended: date, issued_on: date
) -> tuple[World, dict[str, Any]]:
    """An approved engagement whose audit ended on ``audit_ended``, certified on ``issued_on``."""
    world = approved_world(client, db_session)
    backdate(db_session, world, audit_ended, issued_on)
    answer = issue(client, world.admin, world, issued_on=issued_on)
    assert answer.status_code == 201, answer.get_json()
    return world, answer.get_json()


def _json(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in body.items()}


def lifecycle(client: FlaskClient, who: Person, certificate_id: str) -> TestResponse:
    return client.get(f"/api/certificates/{certificate_id}/lifecycle", headers=who.headers)


def post(client: FlaskClient, who: Person, path: str, **body: Any) -> TestResponse:
    return client.post(path, json=_json(body), headers=who.headers)


def plan_surveillance(
    client: FlaskClient, world: World, certificate_id: str, **body: Any
) -> TestResponse:
    body.setdefault("leader_id", str(world.leader.user.id))
    return post(client, world.admin, f"/api/certificates/{certificate_id}/surveillances", **body)


def suspend(
    client: FlaskClient, world: World, certificate_id: str, on: date, cause: str
) -> TestResponse:
    return post(
        client,
        world.admin,
        f"/api/certificates/{certificate_id}/status",
        action="suspend",
        on=on,
        cause=cause,
        reason="暂停",
    )
