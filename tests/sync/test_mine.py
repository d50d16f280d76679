"""GET /api/sync/mine: what the server holds of mine, to reconcile after a failure."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.evaluations.models import Evaluation
from backend.evaluations.services import Content, apply_payload
from tests.evaluations.helpers import (
    World,
    make_device,
    make_evidence,
    make_world,
    patch,
    put,
    visit_payload,
)
from tests.factories import make_assignment


@pytest.fixture
def world(db_session: Session) -> World:
    return make_world(db_session)


def test_mine_lists_my_evaluations_assignments_and_evidence_with_hashes(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    photo = make_evidence(db_session, world.shopper)
    make_evidence(db_session, world.other_shopper)  # someone else's: not listed
    evaluation_id = uuid.uuid4()
    body = visit_payload(world, evidence=[{"evidence_id": str(photo.id), "item": None}])
    assert put(client, world.shopper, evaluation_id, body).status_code == 201
    edited = patch(client, world.shopper, evaluation_id, {"notes": "改"}, if_match='"v1"')
    assert edited.status_code == 200
    other_assignment = make_assignment(
        db_session, engagement=world.engagement, site=world.site, shopper=world.other_shopper.user
    )

    response = client.get("/api/sync/mine", headers=world.shopper.headers)

    assert response.status_code == 200
    mine = response.get_json()
    assert mine["user_id"] == str(world.shopper.user.id)
    assert mine["device_id"] == str(world.shopper.device.id)
    assert mine["evaluations"] == [
        {
            "id": str(evaluation_id),
            "version": 2,
            "content_hash": edited.get_json()["content"]["content_hash"],
            "status": "draft",
            "device_id": str(world.shopper.device.id),
            "updated_at": mine["evaluations"][0]["updated_at"],
        }
    ]
    assert mine["assignments"] == [
        # The visit has a draft: in progress (the assignment follows its evaluation).
        {"id": str(world.assignment.id), "version": 1, "status": "in_progress"}
    ]
    assert str(other_assignment.id) not in str(mine)
    assert mine["evidence"] == [
        {
            "id": str(photo.id),
            "sha256": photo.sha256,
            "device_id": str(world.shopper.device.id),
            "received_at": mine["evidence"][0]["received_at"],
        }
    ]


def test_the_content_hash_lets_the_phone_check_its_copy(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    evaluation_id = uuid.uuid4()
    body = visit_payload(world)
    assert put(client, world.shopper, evaluation_id, body).status_code == 201
    # The phone computes the same hash from what it sent (canonical JSON, docs/sync.md).
    loaded = dict(body)
    loaded["started_at"] = datetime.fromisoformat(body["started_at"])
    loaded["ended_at"] = datetime.fromisoformat(body["ended_at"])
    loaded["gps_fixes"] = [
        {**fix, "captured_at": datetime.fromisoformat(fix["captured_at"])}
        for fix in body["gps_fixes"]
    ]
    expected = apply_payload(loaded, Content({}, "", {}, None, None, (), ())).hash

    mine = client.get("/api/sync/mine", headers=world.shopper.headers).get_json()

    assert mine["evaluations"][0]["content_hash"] == expected


def test_since_keeps_what_changed_or_arrived_after_it(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    old_photo = make_evidence(
        db_session, world.shopper, received_at=datetime.now(UTC) - timedelta(days=3)
    )
    old_id = uuid.uuid4()
    assert put(client, world.shopper, old_id, visit_payload(world)).status_code == 201
    old = db_session.get(Evaluation, old_id)
    assert old is not None
    old.updated_at = datetime.now(UTC) - timedelta(days=3)
    db_session.commit()
    since = datetime.now(UTC) - timedelta(days=1)
    new_photo = make_evidence(db_session, world.shopper, received_at=datetime.now(UTC))

    mine = client.get(
        "/api/sync/mine", query_string={"since": since.isoformat()}, headers=world.shopper.headers
    ).get_json()

    assert mine["evaluations"] == []
    assert [e["id"] for e in mine["evidence"]] == [str(new_photo.id)]
    assert str(old_photo.id) not in str(mine)
    assert len(mine["assignments"]) == 1  # assignments are always listed in full
    assert datetime.fromisoformat(mine["since"]) == since


def test_this_device_only_leaves_out_other_phones_records(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    second_phone = make_device(db_session, world.shopper.user)
    token = second_phone.token  # type: ignore[attr-defined]
    make_evidence(db_session, world.shopper)  # from the first phone

    mine = client.get(
        "/api/sync/mine?this_device_only=true", headers={"Authorization": f"Bearer {token}"}
    ).get_json()
    everything = client.get(
        "/api/sync/mine", headers={"Authorization": f"Bearer {token}"}
    ).get_json()

    assert mine["device_id"] == str(second_phone.id)
    assert mine["evidence"] == []
    assert len(everything["evidence"]) == 1


def test_mine_refuses_naive_timestamps(client: FlaskClient, world: World) -> None:
    naive = client.get("/api/sync/mine?since=2026-11-01T00:00:00", headers=world.shopper.headers)

    assert naive.status_code == 422
    assert "since" in naive.get_json()["details"]


def test_mine_needs_a_signed_in_user(client: FlaskClient) -> None:
    response = client.get("/api/sync/mine")

    assert response.status_code == 401
