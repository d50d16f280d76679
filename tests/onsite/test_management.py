"""Management audit records (Tengbiao §5.2, Annexes 2–4) through the offline-safe API.

Annex 3 points: clauses 4.1–4.3, 5.1, 5.2, 6.1–6.3 score 2/4/6/8/10, the other thirteen
1/2/3/4/5. Levels from the total: 20 ≤ t < 45 → 1, 45–70 → 2, 70–95 → 3, 95–105 → 4, ≥ 105 → 5.
"""

from __future__ import annotations

import uuid

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from tests.evaluations.helpers import World, make_evidence, make_world
from tests.onsite.support import levels, patch_record, put_record, review_record


@pytest.fixture
def world(db_session: Session) -> World:
    return make_world(db_session)


def test_all_clauses_at_level_3_score_87_level_3(client: FlaskClient, world: World) -> None:
    # 13 clauses × 3 + 8 clauses × 6 = 39 + 48 = 87 → level 3 (70 ≤ 87 < 95).
    made = put_record(client, world.auditor, world, "management", levels(3))
    assert made.status_code == 201, made.get_json()
    management = made.get_json()["computed"]["management"]
    assert management["total"] == 87
    assert management["level"] == 3
    assert management["missing"] == []
    assert made.headers["ETag"] == '"v1"'


def test_unrated_clauses_are_listed_and_the_level_is_provisional(
    client: FlaskClient, world: World
) -> None:
    content = levels({"1.1": 5, "4.1": 5})
    content["clauses"]["1.2"] = {"level": None, "note": "资料未到"}
    made = put_record(client, world.auditor, world, "management", content)
    assert made.status_code == 201, made.get_json()
    management = made.get_json()["computed"]["management"]
    # 5 + 10 = 15 of the two rated clauses; 19 clauses still missing, 1.2 among them.
    assert management["total"] == 15
    assert "1.2" in management["missing"] and len(management["missing"]) == 19
    assert made.get_json()["content"]["clauses"]["1.2"] == {
        "level": None,
        "note": "资料未到",
        "evidence": [],
    }


def test_a_level_outside_1_to_5_and_an_unknown_clause_are_refused(
    client: FlaskClient, world: World
) -> None:
    made = put_record(client, world.auditor, world, "management", levels({"1.1": 6, "9.9": 3}))
    assert made.status_code == 422
    details = made.get_json()["details"]
    assert "content.clauses.1.1.level" in details
    assert "content.clauses.9.9" in details


def test_the_same_create_replayed_writes_nothing_and_other_content_conflicts(
    client: FlaskClient, world: World, db_session: Session
) -> None:
    record_id = uuid.uuid4()
    first = put_record(client, world.auditor, world, "management", levels(4), record_id=record_id)
    again = put_record(client, world.auditor, world, "management", levels(4), record_id=record_id)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["version"] == 1
    other = put_record(client, world.auditor, world, "management", levels(2), record_id=record_id)
    assert other.status_code == 409
    assert other.get_json()["code"] == "IDEMPOTENCY_CONFLICT"
    created = db_session.query(AuditEntry).filter_by(
        action="onsite.created", object_id=str(record_id)
    )
    assert created.count() == 1


def test_edits_need_if_match_keep_every_version_and_replay_safely(
    client: FlaskClient, world: World
) -> None:
    made = put_record(client, world.auditor, world, "management", levels(2)).get_json()
    rid = made["id"]
    assert patch_record(client, world.auditor, rid, {"content": levels(3)}, None).status_code == 428
    edited = patch_record(client, world.auditor, rid, {"content": levels(3)}, '"v1"')
    assert edited.status_code == 200 and edited.get_json()["version"] == 2
    replay = patch_record(client, world.auditor, rid, {"content": levels(3)}, '"v1"')
    assert replay.status_code == 200 and replay.get_json()["version"] == 2
    stale = patch_record(client, world.auditor, rid, {"content": levels(5)}, '"v1"')
    assert stale.status_code == 412
    versions = client.get(f"/api/onsite-records/{rid}/versions", headers=world.auditor.headers)
    assert [v["content"]["clauses"]["1.1"]["level"] for v in versions.get_json()] == [2, 3]


def test_evidence_must_be_uploaded_first(
    client: FlaskClient, world: World, db_session: Session
) -> None:
    missing = str(uuid.uuid4())
    content = {"clauses": {"1.1": {"level": 3, "evidence": [missing]}}}
    refused = put_record(client, world.auditor, world, "management", content)
    assert refused.status_code == 422
    assert refused.get_json()["code"] == "MISSING_EVIDENCE"
    assert refused.get_json()["details"]["missing_evidence"] == [missing]
    photo = make_evidence(db_session, world.auditor)
    content = {"clauses": {"1.1": {"level": 3, "evidence": [str(photo.id)]}}}
    made = put_record(client, world.auditor, world, "management", content)
    assert made.status_code == 201
    assert made.get_json()["content"]["clauses"]["1.1"]["evidence"] == [str(photo.id)]


def test_the_iso_9001_exemption_is_a_decision_with_its_certificate_not_a_score_change(
    client: FlaskClient, world: World, db_session: Session
) -> None:
    no_certificate = levels(3) | {"exemption": {"note": "持有 ISO 9001 证书"}}
    refused = put_record(client, world.auditor, world, "management", no_certificate)
    assert refused.status_code == 422
    assert "content.exemption.certificate_evidence" in refused.get_json()["details"]
    certificate = make_evidence(db_session, world.auditor)
    content = levels(3) | {
        "exemption": {
            "certificate_evidence": str(certificate.id),
            "certificate_number": "00124Q12345R0M",
            "valid_until": "2027-05-31",
            "note": "§5.2.2 部分豁免通用质量管理体系审核",
        }
    }
    made = put_record(client, world.auditor, world, "management", content)
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["content"]["exemption"]["certificate_evidence"] == str(certificate.id)
    # The same 87 points as without the exemption.
    assert body["computed"]["management"]["total"] == 87


def test_the_team_leader_accepts_or_returns_and_a_returned_record_is_corrected(
    client: FlaskClient, world: World
) -> None:
    made = put_record(client, world.auditor, world, "management", levels(3), submit=True)
    rid = made.get_json()["id"]
    assert made.get_json()["status"] == "submitted"
    # Not the auditor, and not without saying what to correct.
    assert review_record(client, world.auditor, rid, "accept").status_code == 403
    assert review_record(client, world.leader, rid, "return").status_code == 422
    returned = review_record(client, world.leader, rid, "return", "4.1 证据不足")
    assert returned.get_json()["status"] == "returned"
    assert returned.get_json()["status_reason"] == "4.1 证据不足"
    fixed = patch_record(client, world.auditor, rid, {"content": levels(4), "submit": True}, '"v1"')
    assert fixed.get_json()["status"] == "submitted" and fixed.get_json()["version"] == 2
    done = review_record(client, world.leader, rid, "accept", if_match='"v2"')
    assert done.status_code == 200 and done.get_json()["status"] == "accepted"
    again = review_record(client, world.leader, rid, "accept", if_match='"v2"')
    assert again.status_code == 200
    frozen = patch_record(client, world.auditor, rid, {"content": levels(5)}, '"v2"')
    assert frozen.status_code == 409


def test_only_the_audit_team_records(client: FlaskClient, world: World) -> None:
    assert put_record(
        client, world.outside_auditor, world, "management", levels(3)
    ).status_code in (
        403,
        404,
    )
    assert put_record(client, world.reviewer, world, "management", levels(3)).status_code == 403


def test_the_form_gives_the_phone_clauses_points_descriptions_and_levels(
    client: FlaskClient, world: World
) -> None:
    answer = client.get(
        f"/api/engagements/{world.engagement.id}/onsite-form", headers=world.auditor.headers
    )
    assert answer.status_code == 200, answer.get_json()
    management = answer.get_json()["management"]
    clauses = {c["code"]: c for c in management["clauses"]}
    assert len(clauses) == 21
    assert clauses["4.1"]["points_by_level"] == [2, 4, 6, 8, 10]
    assert clauses["1.1"]["points_by_level"] == [1, 2, 3, 4, 5]
    assert len(clauses["1.1"]["levels"]) == 5 and "萌芽" in clauses["1.1"]["levels"][0]["zh"]
    assert [b["level"] for b in management["grading"]] == [1, 2, 3, 4, 5]
