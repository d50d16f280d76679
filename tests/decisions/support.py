"""An engagement taken through the file, review and decision by the API (CQC rule §6)."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from backend.scoring import load_scheme
from backend.users.models import Role
from tests.evaluations.helpers import (
    Person,
    World,
    add_member,
    make_world,
    person,
    review,
    submitted_visit,
)

SCHEME = load_scheme("schemes/cts-tbsc034-2026.yaml")
assert SCHEME.service is not None and SCHEME.management is not None
#: Every service item at the top level (α = 1): a service score of 100.
ALL_TOP = {code: {"level": 5} for code in SCHEME.service.items}
#: Every management clause rated: level 5 everywhere, the highest management level.
MANAGEMENT_TOP = {code: 5 for code in SCHEME.management.clauses}
MANAGEMENT_LOW = {code: 1 for code in SCHEME.management.clauses}

CONFIRM_ALL = {
    key: {"confirmed": True, "note": "已核对"}
    for key in (
        "scores",
        "management",
        "conformity",
        "timing",
        "nonconformities",
        "integrity",
        "callbacks",
    )
}


def accepted_visit(client: FlaskClient, world: World, ratings: dict[str, Any] = ALL_TOP) -> None:
    evaluation_id, _ = submitted_visit(client, world, ratings=ratings)
    answer = review(client, world.leader, evaluation_id, "accept")
    assert answer.status_code == 200, answer.get_json()


def on_site(client: FlaskClient, who: Person, world: World, body: dict[str, Any]) -> TestResponse:
    return client.put(
        f"/api/engagements/{world.engagement.id}/on-site-record", json=body, headers=who.headers
    )


def file_of(client: FlaskClient, who: Person, world: World) -> TestResponse:
    return client.get(f"/api/engagements/{world.engagement.id}/file", headers=who.headers)


def submit_review(
    client: FlaskClient,
    who: Person,
    world: World,
    checklist: dict[str, Any] = CONFIRM_ALL,
    conclusion: str = "recommend",
    comment: str = "资料齐全，评分与记录一致。",
) -> TestResponse:
    return client.post(
        f"/api/engagements/{world.engagement.id}/review",
        json={"checklist": checklist, "conclusion": conclusion, "comment": comment},
        headers=who.headers,
    )


def decide(
    client: FlaskClient,
    who: Person,
    world: World,
    approve: bool = True,
    reasons: str = "同意认证。",
) -> TestResponse:
    return client.post(
        f"/api/engagements/{world.engagement.id}/decision",
        json={"approve": approve, "reasons": reasons},
        headers=who.headers,
    )


def conflicted_reviewer(db_session: Session, world: World) -> Person:
    """A reviewer who was on the engagement's audit team (an auditor promoted since, say)."""
    who = person(db_session, Role.REVIEWER, world.organisation)
    add_member(db_session, world.engagement, who.user)
    return who


def complete_file(client: FlaskClient, world: World) -> None:
    accepted_visit(client, world)
    answer = on_site(client, world.leader, world, {"management": MANAGEMENT_TOP})
    assert answer.status_code == 200, answer.get_json()


def approve(client: FlaskClient, world: World) -> None:
    """Complete the engagement's file, review it and approve it (grade 一级)."""
    complete_file(client, world)
    assert submit_review(client, world.reviewer, world).status_code == 200
    answer = decide(client, world.reviewer, world)
    assert answer.status_code == 201, answer.get_json()


def approved_world(client: FlaskClient, db_session: Session) -> World:
    """An engagement with a complete file, reviewed and approved (grade 一级)."""
    world = make_world(db_session)
    approve(client, world)
    return world
