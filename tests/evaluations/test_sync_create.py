"""PUT /api/evaluations/<id>: the offline-safe, idempotent create (docs/sync.md)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.engagements.models import AssignmentStatus, EngagementStatus
from backend.evaluations.models import Evaluation, EvaluationEvent, EvaluationVersion
from backend.evidence.models import EvaluationEvidence
from tests.database import row_snapshot
from tests.evaluations.helpers import (
    VISIT_START,
    World,
    beijing,
    inspection_payload,
    make_evidence,
    make_world,
    put,
    visit_payload,
)
from tests.factories import make_assignment


@pytest.fixture
def world(db_session: Session) -> World:
    return make_world(db_session)


def _count(session: Session, model: type, evaluation_id: uuid.UUID) -> int:
    column = model.id if model is Evaluation else model.evaluation_id  # type: ignore[attr-defined]
    return session.scalar(sa.select(sa.func.count()).where(column == evaluation_id)) or 0


_TABLES = {
    "evaluations": Evaluation.__table__,
    "evaluation_versions": EvaluationVersion.__table__,
    "evaluation_events": EvaluationEvent.__table__,
    "evaluation_evidence": EvaluationEvidence.__table__,
    "audit_log": AuditEntry.__table__,
}


def test_first_create_answers_201_with_the_etag_of_version_1(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    evaluation_id = uuid.uuid4()

    response = put(client, world.shopper, evaluation_id, visit_payload(world))

    assert response.status_code == 201
    assert response.headers["ETag"] == '"v1"'
    body = response.get_json()
    assert body["id"] == str(evaluation_id)
    assert body["status"] == "draft"
    assert body["version"] == 1
    assert body["evaluator"]["id"] == str(world.shopper.user.id)
    assert body["device_id"] == str(world.shopper.device.id)
    # α is answered as the JSON number the phone sent (issue 9, C8: it was the text "0.75");
    # times in one UTC spelling.
    assert body["content"]["ratings"]["1.2"] == {"alpha": 0.75}
    fix_time = (VISIT_START + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S.000000Z")
    assert body["content"]["gps_fixes"][0]["captured_at"] == fix_time
    assert _count(db_session, Evaluation, evaluation_id) == 1
    assert _count(db_session, EvaluationVersion, evaluation_id) == 1


def test_replaying_the_same_create_answers_200_and_creates_nothing(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    evaluation_id = uuid.uuid4()
    first = put(client, world.shopper, evaluation_id, visit_payload(world))
    assert first.status_code == 201
    before = row_snapshot(db_session, _TABLES)

    # Same content, written differently: other key order and another spelling of the same times.
    replay = visit_payload(world, started_at=VISIT_START.strftime("%Y-%m-%dT%H:%M:%SZ"))
    replay = dict(reversed(list(replay.items())))
    second = put(client, world.shopper, evaluation_id, replay)

    assert second.status_code == 200
    assert second.headers["ETag"] == '"v1"'
    assert second.get_json() == first.get_json()
    assert row_snapshot(db_session, _TABLES) == before
    assert _count(db_session, Evaluation, evaluation_id) == 1
    assert _count(db_session, EvaluationVersion, evaluation_id) == 1


def test_the_same_id_with_other_content_is_an_idempotency_conflict(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    evaluation_id = uuid.uuid4()
    assert put(client, world.shopper, evaluation_id, visit_payload(world)).status_code == 201
    before = row_snapshot(db_session, _TABLES)

    response = put(client, world.shopper, evaluation_id, visit_payload(world, notes="另一次"))

    assert response.status_code == 409
    assert response.get_json()["code"] == "IDEMPOTENCY_CONFLICT"
    assert response.get_json()["details"]["current_version"] == 1
    assert row_snapshot(db_session, _TABLES) == before


def test_another_user_replaying_an_id_is_a_conflict_that_reveals_nothing(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    evaluation_id = uuid.uuid4()
    assert put(client, world.auditor, evaluation_id, inspection_payload(world)).status_code == 201

    response = put(client, world.leader, evaluation_id, inspection_payload(world))

    assert response.status_code == 409
    assert response.get_json()["code"] == "IDEMPOTENCY_CONFLICT"
    assert "current_version" not in response.get_json()["details"]


def test_submit_on_create_records_the_submission(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    evaluation_id = uuid.uuid4()

    response = put(client, world.shopper, evaluation_id, visit_payload(world, submit=True))

    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "submitted"
    assert body["submitted_at"] is not None
    assert [(e["from_status"], e["to_status"]) for e in body["events"]] == [
        (None, "draft"),
        ("draft", "submitted"),
    ]
    actions = db_session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.object_id == str(evaluation_id))
    ).all()
    assert sorted(actions) == ["evaluation.created", "evaluation.submitted"]


def test_evidence_is_linked_to_the_evaluation(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    photo = make_evidence(db_session, world.shopper)
    evaluation_id = uuid.uuid4()
    body = visit_payload(world, evidence=[{"evidence_id": str(photo.id), "item": "1.1"}])

    response = put(client, world.shopper, evaluation_id, body)

    assert response.status_code == 201
    assert response.get_json()["content"]["evidence"] == [
        {"evidence_id": str(photo.id), "item": "1.1"}
    ]
    link = db_session.scalars(
        sa.select(EvaluationEvidence).where(EvaluationEvidence.evaluation_id == evaluation_id)
    ).one()
    assert (link.evidence_id, link.item_code) == (photo.id, "1.1")


def test_missing_evidence_is_named_and_a_half_done_create_leaves_nothing(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    uploaded = make_evidence(db_session, world.shopper)
    missing = uuid.uuid4()
    before = row_snapshot(db_session, _TABLES)
    evaluation_id = uuid.uuid4()
    # The evaluation, its version, its event, its audit entry and the first link are staged
    # (and flushed) before the second evidence id is found missing.
    body = visit_payload(
        world,
        submit=True,
        evidence=[
            {"evidence_id": str(uploaded.id), "item": "1.1"},
            {"evidence_id": str(missing), "item": None},
        ],
    )

    response = put(client, world.shopper, evaluation_id, body)

    assert response.status_code == 422
    error = response.get_json()
    # Its own code (issue 9), with the same details an app of before reads.
    assert error["code"] == "MISSING_EVIDENCE"
    assert error["details"]["missing_evidence"] == [str(missing)]
    assert error["details"]["evidence"] == [
        f"evidence {missing} has not been uploaded: upload it first"
    ]
    assert row_snapshot(db_session, _TABLES) == before
    assert db_session.get(Evaluation, evaluation_id) is None


def test_another_shoppers_evidence_counts_as_missing(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    theirs = make_evidence(db_session, world.other_shopper)
    body = visit_payload(world, evidence=[{"evidence_id": str(theirs.id), "item": None}])

    response = put(client, world.shopper, uuid.uuid4(), body)

    assert response.status_code == 422
    assert response.get_json()["details"]["missing_evidence"] == [str(theirs.id)]


@pytest.mark.parametrize(
    ("ratings", "path"),
    [
        ({"1.2": {"alpha": 1.3}}, "ratings.1.2.alpha"),
        ({"9.9": {"level": 3}}, "ratings.9.9"),
        ({"1.1": {"level": 6}}, "ratings.1.1.level"),
        ({"1.3": {"na": True}}, "ratings.1.3.reason"),
        ({"1.1": {"level": 2, "alpha": 0.9}}, "ratings.1.1.alpha"),
    ],
)
def test_ratings_are_validated_against_the_pinned_scheme_with_their_path(
    client: FlaskClient, db_session: Session, world: World, ratings: dict[str, object], path: str
) -> None:
    evaluation_id = uuid.uuid4()

    response = put(client, world.shopper, evaluation_id, visit_payload(world, ratings=ratings))

    assert response.status_code == 422
    error = response.get_json()
    assert error["code"] == "VALIDATION_ERROR"
    assert list(error["details"]) == [path]
    assert db_session.get(Evaluation, evaluation_id) is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"mode": "E"}, "mode"),  # not a mode of this engagement (A, B)
        ({"item_notes": {"8.8": "?"}}, "item_notes.8.8"),
        ({"evidence": [{"evidence_id": str(uuid.UUID(int=1)), "item": "0.0"}]}, "evidence[0].item"),
        ({"ended_at": beijing(VISIT_START - timedelta(hours=1))}, "ended_at"),
        ({"started_at": "2026-11-03T10:00:00"}, "started_at"),  # naive: no offset
        (
            {
                "gps_fixes": [
                    {
                        "latitude": 91,
                        "longitude": 0,
                        "accuracy_m": 5,
                        "captured_at": "2026-11-03T10:00:00Z",
                    }
                ]
            },
            "gps_fixes",
        ),
        ({"unexpected": 1}, "unexpected"),
        ({"engagement_id": str(uuid.UUID(int=7))}, "engagement_id"),
    ],
)
def test_invalid_creates_are_422_and_write_nothing(
    client: FlaskClient, db_session: Session, world: World, overrides: dict[str, object], field: str
) -> None:
    evaluation_id = uuid.uuid4()

    response = put(client, world.shopper, evaluation_id, visit_payload(world, **overrides))

    assert response.status_code == 422, response.get_json()
    assert response.get_json()["code"] == "VALIDATION_ERROR"
    assert field in response.get_json()["details"]
    assert db_session.get(Evaluation, evaluation_id) is None


def test_mode_b_needs_the_shoppers_own_assignment(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    without = visit_payload(world)
    del without["assignment_id"]
    theirs = make_assignment(
        db_session, engagement=world.engagement, site=world.site, shopper=world.other_shopper.user
    )

    missing = put(client, world.shopper, uuid.uuid4(), without)
    foreign = put(
        client, world.shopper, uuid.uuid4(), visit_payload(world, assignment_id=str(theirs.id))
    )
    auditor = put(client, world.auditor, uuid.uuid4(), inspection_payload(world, mode="B"))

    assert missing.status_code == 422
    assert "assignment_id" in missing.get_json()["details"]
    assert foreign.status_code == 403
    assert foreign.get_json()["details"] == {"reason": "not_your_assignment"}
    assert auditor.status_code == 422
    assert "assignment_id" in auditor.get_json()["details"]


def test_an_assignment_is_recorded_by_one_evaluation(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    first = uuid.uuid4()
    assert put(client, world.shopper, first, visit_payload(world)).status_code == 201

    response = put(client, world.shopper, uuid.uuid4(), visit_payload(world))

    assert response.status_code == 409
    # Its own code (issue 9); details say which evaluation counts and where it stands.
    assert response.get_json()["code"] == "ASSIGNMENT_ALREADY_RECORDED"
    assert response.get_json()["details"] == {
        "reason": "assignment_already_recorded",
        "evaluation_id": str(first),
        "evaluation_status": "draft",
    }


def test_a_second_phone_learns_the_assignment_was_submitted_from_another(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    first = uuid.uuid4()
    assert put(client, world.shopper, first, visit_payload(world, submit=True)).status_code == 201
    second = uuid.uuid4()

    response = put(client, world.shopper, second, visit_payload(world, submit=True))

    assert response.status_code == 409
    error = response.get_json()
    assert error["code"] == "ASSIGNMENT_ALREADY_RECORDED"
    assert error["details"]["evaluation_id"] == str(first)
    assert error["details"]["evaluation_status"] == "submitted"
    assert db_session.get(Evaluation, second) is None


def test_auditors_record_open_inspections_only_on_their_engagements(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    member = put(client, world.auditor, uuid.uuid4(), inspection_payload(world))
    outsider = put(client, world.outside_auditor, uuid.uuid4(), inspection_payload(world))

    assert member.status_code == 201
    assert outsider.status_code == 403
    assert outsider.get_json()["details"] == {"reason": "not_on_the_audit_team"}


def test_a_site_outside_the_engagement_is_refused(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    from tests.factories import make_site

    stranger = make_site(db_session)

    response = put(
        client, world.auditor, uuid.uuid4(), inspection_payload(world, site_id=str(stranger.id))
    )

    assert response.status_code == 422
    assert "site_id" in response.get_json()["details"]


def test_cancelled_assignments_and_decided_engagements_take_no_new_evaluations(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    world.assignment.status = AssignmentStatus.CANCELLED
    db_session.commit()
    cancelled = put(client, world.shopper, uuid.uuid4(), visit_payload(world))
    world.engagement.status = EngagementStatus.DECIDED
    db_session.commit()
    decided = put(client, world.auditor, uuid.uuid4(), inspection_payload(world))

    assert cancelled.status_code == 409
    assert cancelled.get_json()["code"] == "INVALID_TRANSITION"
    assert decided.status_code == 409
    assert decided.get_json()["details"] == {"engagement_status": "decided"}


@pytest.mark.parametrize("role", ["reviewer", "client_user", "admin"])
def test_roles_that_do_not_record_evaluations_are_refused(
    client: FlaskClient, db_session: Session, world: World, role: str
) -> None:
    who = getattr(world, role)

    response = put(client, who, uuid.uuid4(), inspection_payload(world))

    assert response.status_code == 403
    assert response.get_json()["code"] == "FORBIDDEN"


def test_creating_requires_authentication(client: FlaskClient, world: World) -> None:
    response = client.put(f"/api/evaluations/{uuid.uuid4()}", json=visit_payload(world))

    assert response.status_code == 401
    assert response.get_json()["code"] == "AUTH_REQUIRED"


# --------------------------------------------------------------------------- Prefer: return=minimal


def _stored(session: Session, evaluation_id: uuid.UUID) -> dict[str, object]:
    """What a create wrote for one evaluation, without its ids and times."""
    evaluation = session.get_one(Evaluation, evaluation_id)
    version = session.scalars(
        sa.select(EvaluationVersion).where(EvaluationVersion.evaluation_id == evaluation_id)
    ).one()
    events = session.scalars(
        sa.select(EvaluationEvent)
        .where(EvaluationEvent.evaluation_id == evaluation_id)
        .order_by(EvaluationEvent.id)
    ).all()
    entries = session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.object_id == str(evaluation_id))
        .order_by(AuditEntry.id)
    ).all()
    links = session.scalars(
        sa.select(EvaluationEvidence).where(EvaluationEvidence.evaluation_id == evaluation_id)
    ).all()
    return {
        "evaluation": (
            evaluation.status,
            evaluation.version,
            evaluation.mode,
            evaluation.evaluator_id,
            evaluation.device_id,
            evaluation.create_hash,
            evaluation.submitted_at is not None,
        ),
        "version": (
            version.number,
            version.ratings,
            version.notes,
            version.item_notes,
            version.gps_fixes,
            version.evidence,
            version.content_hash,
            version.created_by_id,
            version.device_id,
        ),
        "events": [(e.from_status, e.to_status, e.version, e.actor_id) for e in events],
        "audit": [
            (e.action, e.actor_id, e.device_id, e.organisation_id, e.details) for e in entries
        ],
        "links": [(link.evidence_id, link.item_code) for link in links],
    }


def test_a_minimal_create_answers_the_receipt_and_stores_what_a_full_one_stores(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    photo = make_evidence(db_session, world.auditor)
    body = inspection_payload(
        world, submit=True, evidence=[{"evidence_id": str(photo.id), "item": "1.1"}]
    )
    full_id, minimal_id = uuid.uuid4(), uuid.uuid4()
    minimal_headers = {**world.auditor.headers, "Prefer": "handling=lenient, return=minimal"}

    full = put(client, world.auditor, full_id, body)
    minimal = client.put(f"/api/evaluations/{minimal_id}", json=body, headers=minimal_headers)

    assert full.status_code == minimal.status_code == 201
    assert "Preference-Applied" not in full.headers
    assert minimal.headers["Preference-Applied"] == "return=minimal"
    assert minimal.headers["ETag"] == '"v1"'
    assert minimal.get_json() == {
        "id": str(minimal_id),
        "status": "submitted",
        "version": 1,
        "content": {"number": 1, "content_hash": full.get_json()["content"]["content_hash"]},
    }
    db_session.expire_all()
    assert _stored(db_session, minimal_id) == {
        **_stored(db_session, full_id),
        "links": [(photo.id, "1.1")],
    }
    replay = client.put(f"/api/evaluations/{minimal_id}", json=body, headers=minimal_headers)
    assert replay.status_code == 200
    assert replay.get_json() == minimal.get_json()


def test_a_minimal_create_of_an_assignment_moves_the_assignment_along(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    headers = {**world.shopper.headers, "Prefer": "return=minimal"}

    response = client.put(
        f"/api/evaluations/{uuid.uuid4()}", json=visit_payload(world, submit=True), headers=headers
    )

    assert response.status_code == 201
    db_session.refresh(world.assignment)
    assert world.assignment.status is AssignmentStatus.SUBMITTED
