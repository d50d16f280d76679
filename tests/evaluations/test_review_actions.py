"""The review actions the server tells each user (``review`` on the evaluation and the queue) are
exactly the ones POST /api/evaluations/<id>/review accepts from them (issue 9, C2).

A reviewer (复核人) and an auditor on their own inspection used to be offered accept/return and
got a bare 403: now the views say which actions apply and, when none, why.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.evaluations import actions
from backend.evaluations.models import EvaluationStatus
from backend.users.models import Role
from tests.evaluations.helpers import (
    Person,
    World,
    inspection_payload,
    make_world,
    put,
    review,
    submitted_visit,
)


@pytest.fixture
def world(db_session: Session) -> World:
    return make_world(db_session)


def view(client: FlaskClient, who: Person, evaluation_id: uuid.UUID) -> dict[str, Any]:
    response = client.get(f"/api/evaluations/{evaluation_id}", headers=who.headers)
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def queued(client: FlaskClient, world: World, who: Person, evaluation_id: uuid.UUID) -> Any:
    response = client.get(
        f"/api/engagements/{world.engagement.id}/evaluations?status=submitted",
        headers=who.headers,
    )
    assert response.status_code == 200, response.get_json()
    return next(row for row in response.get_json() if row["id"] == str(evaluation_id))


def test_the_audit_team_is_offered_every_review_action_of_a_submitted_visit(
    client: FlaskClient, world: World
) -> None:
    evaluation_id, _ = submitted_visit(client, world)

    for who in (world.auditor, world.leader):
        expected = {"actions": ["accept", "return", "reject", "exclude"], "reason": None}
        assert view(client, who, evaluation_id)["review"] == expected
        assert queued(client, world, who, evaluation_id)["review"] == expected


def test_the_independent_reviewer_is_told_they_read_only_and_is_refused_alike(
    client: FlaskClient, world: World
) -> None:
    evaluation_id, _ = submitted_visit(client, world)

    shown = view(client, world.reviewer, evaluation_id)["review"]
    listed = queued(client, world, world.reviewer, evaluation_id)["review"]
    attempt = review(client, world.reviewer, evaluation_id, "accept")

    assert shown == listed == {"actions": [], "reason": "independent_reviewer"}
    assert attempt.status_code == 403


def test_an_auditor_is_offered_nothing_on_their_own_inspection_and_refused_alike(
    client: FlaskClient, world: World
) -> None:
    evaluation_id = uuid.uuid4()
    created = put(client, world.auditor, evaluation_id, inspection_payload(world, submit=True))
    assert created.status_code == 201, created.get_json()

    shown = view(client, world.auditor, evaluation_id)["review"]
    listed = queued(client, world, world.auditor, evaluation_id)["review"]
    attempt = review(client, world.auditor, evaluation_id, "accept")

    assert shown == listed == {"actions": [], "reason": "own_evaluation"}
    assert attempt.status_code == 403
    assert attempt.get_json()["details"] == {"reason": "own_evaluation"}
    # The team leader, on the team and not its evaluator, may review it.
    leader = view(client, world.leader, evaluation_id)["review"]
    assert leader["actions"] == ["accept", "return", "reject", "exclude"]


def test_the_actions_follow_the_status_and_the_review_answer_says_what_is_left(
    client: FlaskClient, world: World
) -> None:
    evaluation_id, _ = submitted_visit(client, world)

    accepted = review(client, world.auditor, evaluation_id, "accept")

    assert accepted.status_code == 200
    assert accepted.get_json()["review"] == {"actions": ["exclude"], "reason": None}
    assert view(client, world.leader, evaluation_id)["review"]["actions"] == ["exclude"]
    excluded = review(client, world.leader, evaluation_id, "exclude", "重复走访", if_match='"v1"')
    assert excluded.get_json()["review"] == {"actions": [], "reason": "status"}
    again = review(client, world.auditor, evaluation_id, "return", "请补拍")
    assert again.status_code == 409
    assert again.get_json()["code"] == "INVALID_TRANSITION"


def test_the_evaluator_reading_their_own_visit_is_offered_nothing(
    client: FlaskClient, world: World
) -> None:
    evaluation_id, _ = submitted_visit(client, world)

    assert view(client, world.shopper, evaluation_id)["review"] == {
        "actions": [],
        "reason": "own_evaluation",
    }


@pytest.mark.parametrize("status", list(EvaluationStatus))
@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(("own", "on_team"), [(False, True), (False, False), (True, True)])
def test_the_offered_actions_are_the_allowed_transitions_of_whoever_may_review(
    status: EvaluationStatus, role: Role, own: bool, on_team: bool
) -> None:
    offered = actions.review_actions(role, own=own, on_team=on_team, status=status)
    may_review = actions.refusal(role, own=own, on_team=on_team) is None

    assert may_review == (role in (Role.TEAM_LEADER, Role.AUDITOR) and on_team and not own)
    expected = [a for a in actions.REVIEW_ACTIONS if (status, a) in actions.TRANSITIONS]
    assert list(offered.actions) == (expected if may_review else [])
    assert (offered.reason is None) == bool(offered.actions)
