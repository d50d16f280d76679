"""On-site records through the API, as the field app sends them (device tokens)."""

from __future__ import annotations

import uuid
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from backend.scoring import load_scheme
from tests.evaluations.helpers import Person, World, make_world
from tests.factories import make_scheme_version

TBSC = load_scheme("schemes/cts-tbsc034-2026.yaml")
CQC = load_scheme("schemes/cqc83-831102-2025.yaml")
assert TBSC.management is not None and CQC.conformity is not None


def cqc_world(session: Session) -> World:
    """The usual world, its engagement on the CQC fire-IoT rule (model 2 with timing tables)."""
    world = make_world(session)
    world.engagement.scheme_version_id = make_scheme_version(
        session, name="cqc83-831102-2025.yaml"
    ).id
    session.commit()
    return world


def levels(value: int | dict[str, int]) -> dict[str, Any]:
    """Management content rating every clause (one level, or clause → level)."""
    assert TBSC.management is not None
    given = value if isinstance(value, dict) else dict.fromkeys(TBSC.management.clauses, value)
    return {"clauses": {code: {"level": lv} for code, lv in given.items()}}


def put_record(
    client: FlaskClient,
    who: Person,
    world: World,
    kind: str,
    content: dict[str, Any],
    *,
    record_id: uuid.UUID | None = None,
    submit: bool = False,
) -> TestResponse:
    record_id = record_id or uuid.uuid4()
    body = {
        "engagement_id": str(world.engagement.id),
        "kind": kind,
        "content": content,
        "submit": submit,
    }
    return client.put(f"/api/onsite-records/{record_id}", json=body, headers=who.headers)


def patch_record(
    client: FlaskClient, who: Person, record_id: str, body: dict[str, Any], if_match: str | None
) -> TestResponse:
    headers = dict(who.headers)
    if if_match is not None:
        headers["If-Match"] = if_match
    return client.patch(f"/api/onsite-records/{record_id}", json=body, headers=headers)


def review_record(
    client: FlaskClient,
    who: Person,
    record_id: str,
    action: str,
    comment: str | None = None,
    if_match: str = '"v1"',
) -> TestResponse:
    body: dict[str, Any] = {"action": action}
    if comment is not None:
        body["comment"] = comment
    return client.post(
        f"/api/onsite-records/{record_id}/review",
        json=body,
        headers={**who.headers, "If-Match": if_match},
    )


def accepted(
    client: FlaskClient, world: World, kind: str, content: dict[str, Any]
) -> dict[str, Any]:
    """A record the auditor submits and the team leader accepts."""
    made = put_record(client, world.auditor, world, kind, content, submit=True)
    assert made.status_code == 201, made.get_json()
    done = review_record(client, world.leader, made.get_json()["id"], "accept")
    assert done.status_code == 200, done.get_json()
    return done.get_json()
