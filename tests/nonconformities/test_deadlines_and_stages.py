"""Nonconformities through the API: deadlines (§5.2.3.1, §7.4 b), stages, who may do what."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.auth.actor import Actor
from backend.engagements.models import EngagementKind
from backend.nonconformities import services
from backend.nonconformities.deadlines import today_in_china
from backend.nonconformities.models import Nonconformity
from tests.evaluations.helpers import make_evidence, make_world
from tests.nonconformities.support import (
    answer,
    answered,
    cqc_world,
    open_api,
    opened,
    storage_dir,
    upload,
    verify,
)

__all__ = ["storage_dir"]


def test_after_an_initial_audit_typically_20_days_at_most_60(db_session: Session) -> None:
    world = cqc_world(db_session)
    nc = opened(db_session, world, date(2026, 3, 10))
    # §5.2.3.1: 整改期限通常为20天，最长不超过60天; the clock starts the day it is opened.
    assert (nc.typical_due, nc.latest_due) == (date(2026, 3, 30), date(2026, 5, 9))
    assert (nc.audit_kind, nc.on_miss) == ("initial", "audit_failed")


def test_after_a_surveillance_audit_typically_30_days_at_most_90(db_session: Session) -> None:
    world = cqc_world(db_session, EngagementKind.SURVEILLANCE)
    nc = opened(db_session, world, date(2026, 11, 30))
    # §7.4 b: 整改期限（通常30天，最长不超过90天）.
    assert (nc.typical_due, nc.latest_due) == (date(2026, 12, 30), date(2027, 2, 28))
    assert nc.on_miss == "certificate_suspended"


def test_after_a_recertification_audit_20_and_60_as_the_initial(db_session: Session) -> None:
    world = cqc_world(db_session, EngagementKind.RECERTIFICATION)
    nc = opened(db_session, world, date(2027, 1, 1))
    assert (nc.typical_due, nc.latest_due) == (date(2027, 1, 21), date(2027, 3, 2))
    assert nc.on_miss == "audit_failed"


def test_a_scheme_without_lifecycle_data_uses_the_cqc_numbers(db_session: Session) -> None:
    world = make_world(db_session)  # cts-tbsc034: no lifecycle section
    nc = opened(db_session, world, date(2026, 3, 10), clause="1.1")
    assert (nc.typical_due, nc.latest_due) == (date(2026, 3, 30), date(2026, 5, 9))


def test_the_api_opens_one_with_its_deadlines_shown(
    client: FlaskClient, db_session: Session
) -> None:
    world = cqc_world(db_session)
    photo = make_evidence(db_session, world.auditor)
    reply = open_api(client, world.auditor, world, evidence_ids=[str(photo.id)])
    assert reply.status_code == 201, reply.get_json()
    body = reply.get_json()
    opened_on = date.fromisoformat(body["opened_on"])
    assert opened_on == today_in_china()
    assert date.fromisoformat(body["typical_due"]) - opened_on == timedelta(days=20)
    assert date.fromisoformat(body["latest_due"]) - opened_on == timedelta(days=60)
    assert (body["number"], body["stage"], body["overdue"]) == (1, "open", False)
    assert body["days_left"] == 60
    assert "通常为20天" in body["explanation"]["zh"] and "60天" in body["explanation"]["zh"]
    assert body["evidence"]["finding"] == [str(photo.id)]
    assert body["rejudgement_cap"] == "basic"
    assert [j["code"] for j in body["rejudgement_allowed"]] == ["partial", "basic"]
    second = open_api(client, world.leader, world, clause="4.4.2")
    assert second.status_code == 201 and second.get_json()["number"] == 2
    entry = db_session.query(AuditEntry).filter_by(action="nonconformity.opened").first()
    assert entry is not None and entry.details["latest_due"] == body["latest_due"]


def test_opening_from_a_judgement_is_idempotent_on_its_source_ref(
    client: FlaskClient, db_session: Session
) -> None:
    world = cqc_world(db_session)
    first = services.open_nonconformity(
        db_session,
        Actor(world.auditor.user),
        world.engagement.id,
        clause="4.3.2",
        finding="条款 4.3.2 判定为不符合。",
        evidence_ids=[],
        source="conformity",
        source_ref="judgement-42",
    )
    again = services.open_nonconformity(
        db_session,
        Actor(world.leader.user),
        world.engagement.id,
        clause="4.3.2",
        finding="再次提交",
        evidence_ids=[],
        source="conformity",
        source_ref="judgement-42",
    )
    assert again.id == first.id and again.finding == "条款 4.3.2 判定为不符合。"
    reply = open_api(client, world.auditor, world, source="conformity", source_ref="judgement-42")
    assert reply.status_code == 201 and reply.get_json()["id"] == str(first.id)


def test_only_the_audit_team_opens_and_cited_evidence_must_exist(
    client: FlaskClient, db_session: Session
) -> None:
    world = cqc_world(db_session)
    assert open_api(client, world.outside_auditor, world).get_json()["code"] == "FORBIDDEN"
    assert open_api(client, world.client_user, world).status_code == 403
    missing = open_api(client, world.auditor, world, evidence_ids=[str(uuid.uuid4())])
    assert missing.status_code == 422 and missing.get_json()["code"] == "MISSING_EVIDENCE"


def test_the_answer_needs_a_correction_and_evidence(
    client: FlaskClient, db_session: Session
) -> None:
    world = cqc_world(db_session)
    nc = opened(db_session, world, today_in_china())
    empty = answer(client, world.client_user, nc.id, cause="配置错误")
    assert empty.status_code == 422
    assert empty.get_json()["code"] == "NONCONFORMITY_ANSWER_INCOMPLETE"
    assert empty.get_json()["details"]["missing"] == ["correction", "evidence"]
    no_photo = answer(client, world.client_user, nc.id, correction="已修正")
    assert no_photo.get_json()["details"]["missing"] == ["evidence"]
    # Someone else's evidence (the auditor's finding photo) is not the client's to cite.
    shopper_photo = make_evidence(db_session, world.shopper)
    hidden = answer(
        client, world.client_user, nc.id, correction="已修正", evidence_ids=[str(shopper_photo.id)]
    )
    assert hidden.get_json()["code"] == "MISSING_EVIDENCE"
    body = answered(client, db_session, world, nc.id)
    assert body["stage"] == "answered" and len(body["evidence"]["answer"]) == 1
    late = answer(client, world.client_user, nc.id, correction="x", evidence_ids=[])
    assert late.status_code == 409 and late.get_json()["code"] == "NONCONFORMITY_STAGE"
    assert late.get_json()["details"]["allowed"] == ["open"]


def test_only_the_clients_users_answer_and_they_never_see_who_opened_it(
    client: FlaskClient, db_session: Session
) -> None:
    world = cqc_world(db_session)
    nc = opened(db_session, world, today_in_china())
    assert answer(client, world.auditor, nc.id, correction="x").status_code == 403
    other = answer(client, world.other_client_user, nc.id, correction="x")
    assert other.status_code == 404
    seen = client.get(f"/api/nonconformities/{nc.id}", headers=world.client_user.headers)
    body = seen.get_json()
    assert body["opened_by_id"] is None and body["source"] is None
    assert body["evidence"] == {"finding": [], "finding_count": 1, "answer": []}
    staff = client.get(f"/api/nonconformities/{nc.id}", headers=world.leader.headers).get_json()
    assert staff["opened_by_id"] == str(world.auditor.user.id)
    portal = client.get("/api/portal/nonconformities", headers=world.client_user.headers)
    assert [row["id"] for row in portal.get_json()] == [str(nc.id)]
    other_portal = client.get(
        "/api/portal/nonconformities", headers=world.other_client_user.headers
    )
    assert other_portal.get_json() == []
    assert (
        client.get(
            f"/api/nonconformities/{nc.id}", headers=world.outside_auditor.headers
        ).status_code
        == 403
    )


def test_the_client_uploads_a_photo_through_the_evidence_pipeline(
    client: FlaskClient, db_session: Session, storage_dir: Path
) -> None:
    world = cqc_world(db_session)
    nc = opened(db_session, world, today_in_china())
    stored = upload(client, world.client_user, nc.id)
    assert stored.status_code == 201, stored.get_json()
    assert stored.get_json()["media_type"] == "image/jpeg"
    reply = answer(
        client,
        world.client_user,
        nc.id,
        correction="已整改",
        evidence_ids=[stored.get_json()["id"]],
    )
    assert reply.status_code == 200 and reply.get_json()["stage"] == "answered"
    # Once answered, no more uploads to it; another client's user never could.
    assert upload(client, world.client_user, nc.id).get_json()["code"] == "NONCONFORMITY_STAGE"
    assert upload(client, world.other_client_user, nc.id).status_code == 404
    # The auditor sees the client's photo (staff).
    photo = client.get(
        f"/api/evidence/{stored.get_json()['id']}/display", headers=world.auditor.headers
    )
    assert photo.status_code == 200
    photo.close()


def test_closing_needs_the_verification_and_rejudges_at_most_basic(
    client: FlaskClient, db_session: Session
) -> None:
    world = cqc_world(db_session)
    nc = opened(db_session, world, today_in_china())
    early = verify(client, world.auditor, nc.id, accept=True)
    assert early.status_code == 409 and early.get_json()["code"] == "NONCONFORMITY_STAGE"
    answered(client, db_session, world, nc.id)
    bare = verify(client, world.auditor, nc.id, accept=True)
    assert bare.get_json()["code"] == "NONCONFORMITY_VERIFICATION_INCOMPLETE"
    assert bare.get_json()["details"]["missing"] == ["method", "verification", "rejudged"]
    full = verify(
        client,
        world.auditor,
        nc.id,
        accept=True,
        method="written",
        verification="复核整改记录与复测截图",
        rejudged="full",
    )
    # §5.2.3.1: 整改后的符合程度最高只能判定为“基本符合”.
    assert full.status_code == 422
    assert full.get_json()["code"] == "NONCONFORMITY_REJUDGEMENT_ABOVE_CAP"
    assert full.get_json()["details"]["cap"] == "basic"
    assert full.get_json()["details"]["allowed"] == ["partial", "basic"]
    non = verify(
        client,
        world.auditor,
        nc.id,
        accept=True,
        method="written",
        verification="x",
        rejudged="non",
    )
    assert non.get_json()["code"] == "NONCONFORMITY_REJUDGEMENT_ABOVE_CAP"
    assert (
        verify(
            client,
            world.client_user,
            nc.id,
            accept=True,
            method="written",
            verification="x",
            rejudged="basic",
        ).status_code
        == 403
    )
    closed = verify(
        client,
        world.auditor,
        nc.id,
        accept=True,
        method="on_site",
        verification="现场复测 10 次火警转发，均在 3s 内。",
        rejudged="basic",
    )
    assert closed.status_code == 200, closed.get_json()
    body = closed.get_json()
    assert (body["stage"], body["rejudged"], body["verification_method"]) == (
        "closed",
        "basic",
        "on_site",
    )
    assert body["rejudged_label"]["zh"] == "基本符合"
    assert body["closed_on"] == today_in_china().isoformat()
    assert body["overdue"] is False and body["consequence"] is None


def test_an_equivalent_fix_is_accepted_only_with_a_reason(
    client: FlaskClient, db_session: Session
) -> None:
    world = cqc_world(db_session)
    nc = opened(db_session, world, today_in_china())
    answered(client, db_session, world, nc.id)
    common = {
        "accept": True,
        "method": "written",
        "verification": "审阅培训证书",
        "rejudged": "basic",
    }
    unexplained = verify(client, world.leader, nc.id, equivalent=True, **common)
    assert unexplained.get_json()["details"]["missing"] == ["equivalent_reason"]
    reason = "以人员急救培训取得同等救助能力（seed 003 溱湖湿地 AED 案例）。"
    closed = verify(
        client, world.leader, nc.id, equivalent=True, equivalent_reason=reason, **common
    )
    assert closed.status_code == 200 and closed.get_json()["equivalent_reason"] == reason


def test_a_fix_not_accepted_goes_back_to_the_client_with_the_reason(
    client: FlaskClient, db_session: Session
) -> None:
    world = cqc_world(db_session)
    nc = opened(db_session, world, today_in_china())
    answered(client, db_session, world, nc.id)
    silent = verify(client, world.auditor, nc.id, accept=False)
    assert silent.get_json()["details"]["missing"] == ["verification"]
    back = verify(client, world.auditor, nc.id, accept=False, verification="复测仍有 4s 时差。")
    assert back.status_code == 200
    assert (back.get_json()["stage"], back.get_json()["returned_comment"]) == (
        "open",
        "复测仍有 4s 时差。",
    )
    assert answered(client, db_session, world, nc.id)["stage"] == "answered"


def test_a_racing_open_returns_the_first_or_takes_the_next_number(
    db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two requests at once: the same source_ref gives the first record back; the same next
    number is retried with the following one (the savepoint keeps the transaction usable)."""
    world = cqc_world(db_session)
    actor = Actor(world.auditor.user)

    def open_from(ref: str | None) -> Nonconformity:
        return services.open_nonconformity(
            db_session,
            actor,
            world.engagement.id,
            clause="4.4.2",
            finding="通信故障 120s 后才告警。",
            evidence_ids=[],
            source="conformity" if ref else "auditor",
            source_ref=ref,
        )

    first = open_from("judgement-7")
    real_existing = services._existing
    calls = iter([None])
    # The racing request did not see the first record yet: its insert meets the unique key.
    monkeypatch.setattr(services, "_existing", lambda *a: next(calls, "real") and real_existing(*a))
    assert open_from("judgement-7").id == first.id
    monkeypatch.setattr(services, "_existing", real_existing)
    real_next = services._next_number
    numbers = iter([1])
    monkeypatch.setattr(services, "_next_number", lambda *a: next(numbers, 0) or real_next(*a))
    assert open_from(None).number == 2
    assert db_session.query(Nonconformity).count() == 2


def test_the_team_sees_what_waits_for_verification_first(
    client: FlaskClient, db_session: Session
) -> None:
    world = cqc_world(db_session)
    first = opened(db_session, world, today_in_china(), clause="4.3.1")
    second = opened(db_session, world, today_in_china(), clause="4.3.2")
    answered(client, db_session, world, second.id)
    rows = client.get("/api/nonconformities/team", headers=world.leader.headers).get_json()
    assert [(r["id"], r["stage"]) for r in rows] == [
        (str(second.id), "answered"),
        (str(first.id), "open"),
    ]
    assert rows[0]["opened_by_id"] == str(world.auditor.user.id)
    outsider = client.get("/api/nonconformities/team", headers=world.outside_auditor.headers)
    assert outsider.status_code == 200 and outsider.get_json() == []
    verify(
        client,
        world.auditor,
        second.id,
        accept=True,
        method="written",
        verification="已核对",
        rejudged="basic",
    )
    rows = client.get("/api/nonconformities/team", headers=world.auditor.headers).get_json()
    assert [r["id"] for r in rows] == [str(first.id)]
