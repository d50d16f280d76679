"""Who sees what: shoppers their own, the audit team its engagements, independent reviewers,
no client users yet; reads of personal data by others are in the audit log."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.auth.actor import Actor
from backend.evaluations import services
from backend.evaluations.schemas import ClientEvaluationSchema
from tests.evaluations.helpers import (
    World,
    add_member,
    make_world,
    put,
    review,
    submitted_visit,
    visit_payload,
)


@pytest.fixture
def world(db_session: Session) -> World:
    return make_world(db_session)


def _reads(session: Session, evaluation_id: uuid.UUID) -> list[AuditEntry]:
    return list(
        session.scalars(
            sa.select(AuditEntry)
            .where(
                AuditEntry.action.in_(
                    ["evaluation.read", "evaluation.versions_read", "evaluation.list_read"]
                ),
                AuditEntry.details["evaluation_ids"].as_string().contains(str(evaluation_id)),
            )
            .order_by(AuditEntry.id)
        )
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("shopper", 200),  # its evaluator
        ("leader", 200),  # on the team
        ("auditor", 200),  # on the team
        ("reviewer", 200),  # independent: not on the team
        ("other_shopper", 404),
        ("outside_auditor", 404),
        ("client_user", 403),  # results only: GET /api/engagements/<id>/results
        ("admin", 403),
    ],
)
def test_who_may_read_an_evaluation(
    client: FlaskClient, world: World, who: str, status: int
) -> None:
    evaluation_id, _ = submitted_visit(client, world)

    response = client.get(f"/api/evaluations/{evaluation_id}", headers=getattr(world, who).headers)
    versions = client.get(
        f"/api/evaluations/{evaluation_id}/versions", headers=getattr(world, who).headers
    )

    assert response.status_code == status
    assert versions.status_code == status
    if status == 200:
        assert response.headers["ETag"] == '"v1"'


def test_a_reviewer_who_was_on_the_team_has_a_conflict_of_interest(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    evaluation_id, _ = submitted_visit(client, world)
    add_member(db_session, world.engagement, world.reviewer.user)
    engagement = world.engagement.id

    detail = client.get(f"/api/evaluations/{evaluation_id}", headers=world.reviewer.headers)
    scores = client.get(f"/api/engagements/{engagement}/scores", headers=world.reviewer.headers)
    queue = client.get(f"/api/engagements/{engagement}/evaluations", headers=world.reviewer.headers)

    for response in (detail, scores, queue):
        assert response.status_code == 403
        assert response.get_json()["code"] == "CONFLICT_OF_INTEREST"


def test_reads_by_others_are_audited_with_a_reason_and_own_reads_are_not(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    evaluation_id, _ = submitted_visit(client, world)

    client.get(f"/api/evaluations/{evaluation_id}", headers=world.shopper.headers)
    client.get(
        f"/api/evaluations/{evaluation_id}?reason=核对照片位置", headers=world.leader.headers
    )
    client.get(f"/api/evaluations/{evaluation_id}/versions", headers=world.reviewer.headers)

    reads = _reads(db_session, evaluation_id)
    assert [(r.actor_id, r.action) for r in reads] == [
        (world.leader.user.id, "evaluation.read"),
        (world.reviewer.user.id, "evaluation.versions_read"),
    ]
    assert reads[0].reason == "核对照片位置"
    assert reads[0].device_id == world.leader.device.id
    assert "gps_fixes" in reads[0].details["fields"]
    assert reads[1].reason is not None and "independent" in reads[1].reason


def test_the_review_queue_lists_an_engagements_evaluations_by_status(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    submitted_id, _ = submitted_visit(client, world)
    draft_id = uuid.uuid4()
    other = visit_payload(world, assignment_id=None, mode="A")
    assert put(client, world.auditor, draft_id, other).status_code == 201
    url = f"/api/engagements/{world.engagement.id}/evaluations"

    queue = client.get(f"{url}?status=submitted", headers=world.leader.headers)
    everything = client.get(url, headers=world.leader.headers)

    assert queue.status_code == 200
    assert [e["id"] for e in queue.get_json()] == [str(submitted_id)]
    assert queue.get_json()[0]["evaluator"]["id"] == str(world.shopper.user.id)
    assert "gps_fixes" not in queue.get_json()[0]
    assert {e["id"] for e in everything.get_json()} == {str(submitted_id), str(draft_id)}
    listed = list(
        db_session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.action == "evaluation.list_read")
            .order_by(AuditEntry.id)
        )
    )
    # The query and a count (tests/evaluations/test_paging.py), not every id.
    assert [(r.object_id, r.details["count"]) for r in listed] == [
        (str(world.engagement.id), 1),
        (str(world.engagement.id), 2),
    ]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("leader", 200),
        ("auditor", 200),
        ("reviewer", 200),
        ("outside_auditor", 403),
        ("shopper", 403),
        ("client_user", 403),
        ("admin", 403),
    ],
)
def test_who_may_see_the_review_queue(
    client: FlaskClient, world: World, who: str, status: int
) -> None:
    response = client.get(
        f"/api/engagements/{world.engagement.id}/evaluations", headers=getattr(world, who).headers
    )

    assert response.status_code == status


def test_an_engagement_of_another_organisation_is_not_found(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    elsewhere = make_world(db_session)

    response = client.get(
        f"/api/engagements/{elsewhere.engagement.id}/evaluations", headers=world.reviewer.headers
    )
    detail_id, _ = submitted_visit(client, elsewhere)
    detail = client.get(f"/api/evaluations/{detail_id}", headers=world.reviewer.headers)

    assert response.status_code == 404
    assert detail.status_code == 404


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_client_users_see_their_own_clients_accepted_results_without_identity_or_gps(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    accepted_id, staff_view = submitted_visit(client, world)
    assert review(client, world.leader, accepted_id, "accept").status_code == 200
    second = _second_assignment(db_session, world)
    submitted_visit(client, world, assignment_id=str(second.id), site_id=str(world.other_site.id))
    url = f"/api/engagements/{world.engagement.id}/results"

    own = client.get(url, headers=world.client_user.headers)
    other = client.get(url, headers=world.other_client_user.headers)
    detail = client.get(f"/api/evaluations/{accepted_id}", headers=world.client_user.headers)

    assert own.status_code == 200
    results = own.get_json()
    assert [r["id"] for r in results] == [str(accepted_id)]  # the submitted one is not shown
    assert results[0]["content"]["ratings"] == staff_view["content"]["ratings"]
    assert {"evaluator", "gps_fixes", "device_id", "created_by_id"} <= _keys(staff_view)
    assert _keys(results).isdisjoint(
        {
            "evaluator",
            "gps_fixes",
            "device_id",
            "created_by_id",
            "latitude",
            "longitude",
            "actor_id",
            "events",
            "assignment_id",
            "started_at",
            "ended_at",
            "submitted_at",
        }
    )
    assert other.status_code == 404
    assert detail.status_code == 403


def _second_assignment(session: Session, world: World) -> Any:
    from tests.factories import make_assignment

    return make_assignment(
        session, engagement=world.engagement, site=world.other_site, shopper=world.shopper.user
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("client_user", 200),
        ("leader", 200),
        ("reviewer", 200),
        ("other_client_user", 404),
        ("outside_auditor", 403),
        ("shopper", 403),
        ("admin", 200),  # issue 9 C10
    ],
)
def test_who_may_see_results(client: FlaskClient, world: World, who: str, status: int) -> None:
    response = client.get(
        f"/api/engagements/{world.engagement.id}/results", headers=getattr(world, who).headers
    )

    assert response.status_code == status


def test_the_client_schema_leaves_out_identity_gps_and_times(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    evaluation_id, _ = submitted_visit(client, world)
    view = services.get_evaluation(
        db_session, Actor(world.shopper.user, world.shopper.device), evaluation_id
    )

    shown = ClientEvaluationSchema().dump(view)

    assert set(shown) == {"id", "engagement_id", "site_id", "mode", "status", "version", "content"}
    assert set(shown["content"]) == {"number", "ratings", "notes", "item_notes", "evidence"}
