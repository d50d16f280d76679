"""POST /api/evaluations/<id>/review: QA review transitions, comments, If-Match, callbacks."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.engagements.models import Assignment
from backend.evaluations import signals
from backend.evaluations.models import Evaluation
from tests.evaluations.helpers import (
    World,
    inspection_payload,
    make_world,
    patch,
    put,
    review,
    submitted_visit,
    visit_payload,
)


@pytest.fixture
def world(db_session: Session) -> World:
    return make_world(db_session)


@pytest.fixture
def calls() -> Iterator[list[tuple[str, uuid.UUID, str]]]:
    """Record the events the push feature would hear: (which, evaluation id, status)."""
    seen: list[tuple[str, uuid.UUID, str]] = []

    def submitted(evaluation: Evaluation, *, session: Session) -> None:
        seen.append(("submitted", evaluation.id, evaluation.status.value))

    def returned(evaluation: Evaluation, *, session: Session) -> None:
        seen.append(("returned", evaluation.id, evaluation.status.value))

    with (
        signals.evaluation_submitted.connected_to(submitted),
        signals.evaluation_returned.connected_to(returned),
    ):
        yield seen


@pytest.mark.parametrize(
    ("action", "comment", "status"),
    [
        ("accept", None, "accepted"),
        ("return", "请补充照片", "returned"),
        ("reject", "未实际到店", "rejected"),
        ("exclude", "样本重复", "excluded"),
    ],
)
def test_a_submitted_evaluation_can_be_reviewed(
    client: FlaskClient,
    db_session: Session,
    world: World,
    action: str,
    comment: str | None,
    status: str,
) -> None:
    evaluation_id, _ = submitted_visit(client, world)

    response = review(client, world.auditor, evaluation_id, action, comment)

    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == status
    assert body["status_reason"] == comment
    assert body["events"][-1]["actor_id"] == str(world.auditor.user.id)
    audit = db_session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.object_id == str(evaluation_id), AuditEntry.action == f"evaluation.{status}"
        )
    ).one()
    assert audit.actor_id == world.auditor.user.id
    assert audit.reason == comment


def test_an_accepted_evaluation_can_still_be_excluded_with_a_reason(
    client: FlaskClient, world: World
) -> None:
    evaluation_id, _ = submitted_visit(client, world)
    assert review(client, world.leader, evaluation_id, "accept").status_code == 200

    response = review(client, world.leader, evaluation_id, "exclude", "该门店不在认证范围")

    assert response.status_code == 200
    assert response.get_json()["status"] == "excluded"


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("accept", "accept"),
        ("accept", "return"),
        ("accept", "reject"),
        ("reject", "accept"),
        ("exclude", "accept"),
        ("return", "accept"),
    ],
)
def test_other_transitions_are_invalid(
    client: FlaskClient, world: World, first: str, then: str
) -> None:
    evaluation_id, _ = submitted_visit(client, world)
    assert review(client, world.leader, evaluation_id, first, "理由").status_code == 200

    response = review(client, world.auditor, evaluation_id, then, "另一理由")

    assert response.status_code == 409
    assert response.get_json()["code"] == "INVALID_TRANSITION"


def test_a_draft_cannot_be_reviewed(client: FlaskClient, world: World) -> None:
    evaluation_id = uuid.uuid4()
    assert put(client, world.shopper, evaluation_id, visit_payload(world)).status_code == 201

    response = review(client, world.leader, evaluation_id, "accept")

    assert response.status_code == 409
    assert response.get_json()["details"]["status"] == "draft"


@pytest.mark.parametrize("action", ["return", "reject", "exclude"])
def test_return_reject_and_exclude_need_a_comment(
    client: FlaskClient, world: World, action: str
) -> None:
    evaluation_id, _ = submitted_visit(client, world)

    missing = review(client, world.leader, evaluation_id, action)
    blank = review(client, world.leader, evaluation_id, action, "   ")

    for response in (missing, blank):
        assert response.status_code == 422
        assert "comment" in response.get_json()["details"]


def test_review_needs_a_current_if_match(client: FlaskClient, world: World) -> None:
    evaluation_id, _ = submitted_visit(client, world)

    without = review(client, world.leader, evaluation_id, "accept", if_match=None)
    stale = review(client, world.leader, evaluation_id, "accept", if_match='"v2"')

    assert without.status_code == 428
    assert stale.status_code == 412


def test_a_decision_about_a_version_the_reviewer_has_not_seen_is_412(
    client: FlaskClient, world: World
) -> None:
    evaluation_id, _ = submitted_visit(client, world)
    assert review(client, world.leader, evaluation_id, "return", "请补充").status_code == 200
    assert (
        patch(
            client, world.shopper, evaluation_id, {"notes": "已补充", "submit": True}, '"v1"'
        ).status_code
        == 200
    )

    response = review(client, world.auditor, evaluation_id, "accept", if_match='"v1"')

    assert response.status_code == 412
    assert response.get_json()["details"]["current_version"] == 2


def test_a_replayed_review_answers_the_current_state(client: FlaskClient, world: World) -> None:
    evaluation_id, _ = submitted_visit(client, world)
    first = review(client, world.leader, evaluation_id, "return", "请补充照片")

    replay = review(client, world.leader, evaluation_id, "return", "请补充照片")

    assert replay.status_code == 200
    assert replay.get_json() == first.get_json()


def test_nobody_reviews_their_own_evaluation(client: FlaskClient, world: World) -> None:
    evaluation_id = uuid.uuid4()
    created = put(client, world.auditor, evaluation_id, inspection_payload(world, submit=True))
    assert created.status_code == 201

    own = review(client, world.auditor, evaluation_id, "accept")
    leader = review(client, world.leader, evaluation_id, "accept")

    assert own.status_code == 403
    assert own.get_json()["details"] == {"reason": "own_evaluation"}
    assert leader.status_code == 200


@pytest.mark.parametrize("who", ["shopper", "reviewer", "client_user", "admin"])
def test_only_team_leaders_and_auditors_review(client: FlaskClient, world: World, who: str) -> None:
    evaluation_id, _ = submitted_visit(client, world)

    response = review(client, getattr(world, who), evaluation_id, "accept")

    assert response.status_code == 403


def test_auditors_off_the_team_cannot_review(client: FlaskClient, world: World) -> None:
    evaluation_id, _ = submitted_visit(client, world)

    response = review(client, world.outside_auditor, evaluation_id, "accept")

    assert response.status_code == 404


def test_callbacks_hear_of_submissions_and_returns(
    client: FlaskClient, world: World, calls: list[tuple[str, uuid.UUID, str]]
) -> None:
    evaluation_id, _ = submitted_visit(client, world)
    review(client, world.leader, evaluation_id, "return", "请补充")
    patch(client, world.shopper, evaluation_id, {"notes": "已补充", "submit": True}, '"v1"')
    # A replay changes nothing and notifies nobody.
    patch(client, world.shopper, evaluation_id, {"notes": "已补充", "submit": True}, '"v1"')

    assert calls == [
        ("submitted", evaluation_id, "submitted"),
        ("returned", evaluation_id, "returned"),
        ("submitted", evaluation_id, "submitted"),
    ]


def test_a_failing_callback_does_not_fail_the_request(client: FlaskClient, world: World) -> None:
    def broken(evaluation: Evaluation, *, session: Session) -> None:
        raise RuntimeError("push service down")

    with signals.evaluation_submitted.connected_to(broken):
        _, body = submitted_visit(client, world)

    assert body["status"] == "submitted"


def test_the_assignment_follows_its_evaluation(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    def assignment_status() -> str:
        db_session.expire_all()
        return db_session.get_one(Assignment, world.assignment.id).status.value

    assert assignment_status() == "assigned"
    evaluation_id = uuid.uuid4()
    assert put(client, world.shopper, evaluation_id, visit_payload(world)).status_code == 201
    assert assignment_status() == "in_progress"
    assert patch(client, world.shopper, evaluation_id, {"submit": True}, '"v1"').status_code == 200
    assert assignment_status() == "submitted"
    assert review(client, world.auditor, evaluation_id, "return", "请补充照片").status_code == 200
    assert assignment_status() == "in_progress"
    assert patch(client, world.shopper, evaluation_id, {"submit": True}, '"v1"').status_code == 200
    assert review(client, world.auditor, evaluation_id, "accept").status_code == 200
    assert assignment_status() == "completed"
