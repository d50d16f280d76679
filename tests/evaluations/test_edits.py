"""PATCH /api/evaluations/<id>: corrections with If-Match, submission, replayed edits."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.evaluations.models import EvaluationVersion
from backend.evidence.models import EvaluationEvidence
from tests.evaluations.helpers import (
    World,
    make_evidence,
    make_world,
    patch,
    put,
    review,
    visit_payload,
)


@pytest.fixture
def world(db_session: Session) -> World:
    return make_world(db_session)


@pytest.fixture
def draft(client: FlaskClient, world: World) -> uuid.UUID:
    evaluation_id = uuid.uuid4()
    assert put(client, world.shopper, evaluation_id, visit_payload(world)).status_code == 201
    return evaluation_id


def _versions(session: Session, evaluation_id: uuid.UUID) -> list[int]:
    return list(
        session.scalars(
            sa.select(EvaluationVersion.number)
            .where(EvaluationVersion.evaluation_id == evaluation_id)
            .order_by(EvaluationVersion.number)
        )
    )


def test_an_edit_without_if_match_is_428(
    client: FlaskClient, db_session: Session, world: World, draft: uuid.UUID
) -> None:
    response = patch(client, world.shopper, draft, {"notes": "改"}, if_match=None)

    assert response.status_code == 428
    assert response.get_json()["code"] == "PRECONDITION_REQUIRED"
    assert _versions(db_session, draft) == [1]


@pytest.mark.parametrize("if_match", ['"v7"', '"v0"', "garbage", "*"])
def test_a_stale_or_unreadable_if_match_is_412(
    client: FlaskClient, db_session: Session, world: World, draft: uuid.UUID, if_match: str
) -> None:
    response = patch(client, world.shopper, draft, {"notes": "改"}, if_match=if_match)

    assert response.status_code == 412
    assert response.get_json()["code"] == "PRECONDITION_FAILED"
    assert response.get_json()["details"]["current_version"] == 1
    assert _versions(db_session, draft) == [1]


def test_an_edit_adds_a_version_and_keeps_the_old_one(
    client: FlaskClient, db_session: Session, world: World, draft: uuid.UUID
) -> None:
    response = patch(
        client, world.shopper, draft, {"ratings": {"1.1": {"level": 5}}}, if_match='"v1"'
    )

    assert response.status_code == 200
    assert response.headers["ETag"] == '"v2"'
    body = response.get_json()
    assert body["version"] == 2
    assert body["content"]["ratings"] == {"1.1": {"level": 5}}
    # Fields not given are kept from version 1.
    assert body["content"]["notes"] == "工作人员主动问候。"
    versions = client.get(f"/api/evaluations/{draft}/versions", headers=world.shopper.headers)
    assert [v["number"] for v in versions.get_json()] == [1, 2]
    assert versions.get_json()[0]["ratings"]["1.1"] == {"level": 4}
    assert versions.get_json()[0]["content_hash"] != versions.get_json()[1]["content_hash"]


def test_a_replayed_identical_edit_answers_the_current_state(
    client: FlaskClient, db_session: Session, world: World, draft: uuid.UUID
) -> None:
    edit = {"notes": "补充：等候 3 分钟。"}
    first = patch(client, world.shopper, draft, edit, if_match='"v1"')
    assert first.status_code == 200

    # The phone never saw the answer, so it sends the same edit, still based on v1.
    replay = patch(client, world.shopper, draft, edit, if_match='"v1"')

    assert replay.status_code == 200
    assert replay.headers["ETag"] == '"v2"'
    assert replay.get_json() == first.get_json()
    assert _versions(db_session, draft) == [1, 2]


def test_a_different_edit_based_on_an_old_version_is_still_412(
    client: FlaskClient, db_session: Session, world: World, draft: uuid.UUID
) -> None:
    assert patch(client, world.shopper, draft, {"notes": "甲"}, if_match='"v1"').status_code == 200

    response = patch(client, world.shopper, draft, {"notes": "乙"}, if_match='"v1"')

    assert response.status_code == 412
    assert response.get_json()["details"]["current_version"] == 2
    assert _versions(db_session, draft) == [1, 2]


def test_an_edit_that_changes_nothing_adds_no_version(
    client: FlaskClient, db_session: Session, world: World, draft: uuid.UUID
) -> None:
    response = patch(client, world.shopper, draft, {"notes": "工作人员主动问候。"}, if_match='"v1"')

    assert response.status_code == 200
    assert response.get_json()["version"] == 1
    assert _versions(db_session, draft) == [1]


def test_submitting_freezes_the_evaluation(
    client: FlaskClient, db_session: Session, world: World, draft: uuid.UUID
) -> None:
    submitted = patch(client, world.shopper, draft, {"submit": True}, if_match='"v1"')
    later = patch(client, world.shopper, draft, {"notes": "再改"}, if_match='"v1"')

    assert submitted.status_code == 200
    assert submitted.get_json()["status"] == "submitted"
    assert submitted.get_json()["version"] == 1  # no content change, no new version
    assert later.status_code == 409
    assert later.get_json()["code"] == "INVALID_TRANSITION"


def test_a_replayed_submission_answers_the_current_state(
    client: FlaskClient, db_session: Session, world: World, draft: uuid.UUID
) -> None:
    only_submit = {"submit": True}
    assert patch(client, world.shopper, draft, only_submit, if_match='"v1"').status_code == 200
    replay_submit = patch(client, world.shopper, draft, only_submit, if_match='"v1"')

    assert replay_submit.status_code == 200
    assert replay_submit.get_json()["status"] == "submitted"
    submissions = [e for e in replay_submit.get_json()["events"] if e["to_status"] == "submitted"]
    assert len(submissions) == 1


def test_a_replayed_edit_with_submit_answers_the_current_state(
    client: FlaskClient, db_session: Session, world: World, draft: uuid.UUID
) -> None:
    edit = {"ratings": {"1.1": {"level": 3}}, "submit": True}
    first = patch(client, world.shopper, draft, edit, if_match='"v1"')
    replay = patch(client, world.shopper, draft, edit, if_match='"v1"')
    # The same content change without the submission is another edit: it is stale.
    without_submit = patch(client, world.shopper, draft, {"ratings": {"1.1": {"level": 3}}}, '"v1"')

    assert first.status_code == 200
    assert replay.status_code == 200
    assert replay.get_json() == first.get_json()
    assert without_submit.status_code == 412


def test_resubmission_after_return_keeps_every_version(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    evaluation_id = uuid.uuid4()
    assert (
        put(client, world.shopper, evaluation_id, visit_payload(world, submit=True)).status_code
        == 201
    )
    returned = review(client, world.leader, evaluation_id, "return", "1.2 请说明扣分原因")
    assert returned.status_code == 200
    assert returned.get_json()["status"] == "returned"

    corrected = patch(
        client,
        world.shopper,
        evaluation_id,
        {"item_notes": {"1.1": "着装整洁", "1.2": "设备指示牌缺失"}},
        if_match='"v1"',
    )
    resubmitted = patch(client, world.shopper, evaluation_id, {"submit": True}, if_match='"v2"')

    assert corrected.status_code == 200
    assert corrected.get_json()["status"] == "returned"
    assert resubmitted.status_code == 200
    body = resubmitted.get_json()
    assert body["status"] == "submitted"
    assert body["version"] == 2
    assert [(e["from_status"], e["to_status"], e["version"]) for e in body["events"]] == [
        (None, "draft", 1),
        ("draft", "submitted", 1),
        ("submitted", "returned", 1),
        ("returned", "submitted", 2),
    ]
    assert body["events"][2]["comment"] == "1.2 请说明扣分原因"
    assert _versions(db_session, evaluation_id) == [1, 2]


def test_only_the_evaluator_edits(
    client: FlaskClient, db_session: Session, world: World, draft: uuid.UUID
) -> None:
    leader = patch(client, world.leader, draft, {"notes": "组长改"}, if_match='"v1"')
    other = patch(client, world.other_shopper, draft, {"notes": "他人改"}, if_match='"v1"')

    assert leader.status_code == 403
    assert other.status_code == 404
    assert _versions(db_session, draft) == [1]


def test_an_invalid_edit_writes_nothing(
    client: FlaskClient, db_session: Session, world: World, draft: uuid.UUID
) -> None:
    missing = uuid.uuid4()
    bad_rating = patch(
        client, world.shopper, draft, {"ratings": {"1.1": {"alpha": -1}}}, if_match='"v1"'
    )
    bad_evidence = patch(
        client,
        world.shopper,
        draft,
        {"notes": "附照片", "evidence": [{"evidence_id": str(missing), "item": None}]},
        if_match='"v1"',
    )
    not_editable = patch(client, world.shopper, draft, {"mode": "A"}, if_match='"v1"')

    assert bad_rating.status_code == 422
    assert "ratings.1.1.alpha" in bad_rating.get_json()["details"]
    assert bad_evidence.status_code == 422
    assert bad_evidence.get_json()["details"]["missing_evidence"] == [str(missing)]
    assert not_editable.status_code == 422
    assert _versions(db_session, draft) == [1]


def test_an_edit_links_new_evidence(
    client: FlaskClient, db_session: Session, world: World, draft: uuid.UUID
) -> None:
    photo = make_evidence(db_session, world.shopper)

    response = patch(
        client,
        world.shopper,
        draft,
        {"evidence": [{"evidence_id": str(photo.id), "item": "1.2"}]},
        if_match='"v1"',
    )

    assert response.status_code == 200
    links = db_session.scalars(
        sa.select(EvaluationEvidence.evidence_id).where(EvaluationEvidence.evaluation_id == draft)
    ).all()
    assert links == [photo.id]
