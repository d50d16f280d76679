"""The life of a certificate through the API: the CQC rule's dates (§7.3, §8, §9.4) computed by
the lifecycle core from the product's records. Today is the real day (Beijing time); the
certificates are dated around it."""

from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.certificates.services import today_in_china
from backend.engagements.models import Engagement, EngagementKind
from backend.lifecycle import add_months
from backend.surveillance.models import CertificateAudit
from tests.surveillance.support import certified, lifecycle, plan_surveillance, post, suspend

TODAY = today_in_china()


def _actions(db_session: Session, certificate_id: str) -> list[str]:
    return list(
        db_session.scalars(
            sa.select(AuditEntry.action)
            .where(AuditEntry.object_id == certificate_id)
            .order_by(AuditEntry.id)
        )
    )


def test_first_surveillance_is_due_12_months_after_the_initial_audit_ended_month_end(
    client: FlaskClient, db_session: Session
) -> None:
    # §7.3: initial audit ended 2026-03-31 → the first surveillance is due by 2027-03-31;
    # the client may extend it to the end of that calendar year (2027-12-31).
    world, cert = certified(client, db_session, date(2026, 3, 31), date(2026, 4, 10))
    body = lifecycle(client, world.admin, cert["id"]).get_json()
    s = body["lifecycle"]["surveillance"]
    assert (s["number"], s["next_due"], s["extension_until"]) == (1, "2027-03-31", "2027-12-31")
    assert s["extended"] is False and s["overdue"] is False
    assert body["status"] == "active"
    assert body["lifecycle"]["certificate"]["valid_until"] == "2029-04-09"
    answer = post(
        client,
        world.admin,
        f"/api/certificates/{cert['id']}/surveillance-extension",
        reason="项目现场审查无法安排",
    )
    assert answer.status_code == 201, answer.get_json()
    s = answer.get_json()["lifecycle"]["surveillance"]
    assert s["extended"] is True and s["extension_until"] == "2027-12-31"
    again = post(
        client, world.admin, f"/api/certificates/{cert['id']}/surveillance-extension", reason="再"
    )
    assert again.status_code == 409
    assert again.get_json()["details"]["reason"] == "extended_already"
    assert "surveillance.extended" in _actions(db_session, cert["id"])


def test_an_initial_audit_ended_on_29_february_is_surveilled_by_28_february(
    client: FlaskClient, db_session: Session
) -> None:
    world, cert = certified(client, db_session, date(2024, 2, 29), date(2024, 3, 1))
    s = lifecycle(client, world.admin, cert["id"]).get_json()["lifecycle"]["surveillance"]
    # Due 2025-02-28 (no 29th) and never done: overdue today, flagged, not acted on.
    assert s["next_due"] == "2025-02-28"
    assert s["overdue"] is True


def test_a_surveillance_audit_is_an_engagement_whose_result_sets_the_next_due_date(
    client: FlaskClient, db_session: Session
) -> None:
    world, cert = certified(client, db_session, date(2025, 11, 30), date(2025, 12, 10))
    # Planned as an engagement of kind surveillance, linked to the certificate.
    start, end = date(2026, 11, 2), date(2026, 11, 3)
    answer = plan_surveillance(client, world, cert["id"], starts_on=start, ends_on=end)
    assert answer.status_code == 201, answer.get_json()
    audit = answer.get_json()["audits"][0]
    assert audit["purpose"] == "annual" and audit["kind"] == "surveillance"
    engagement = db_session.get_one(Engagement, uuid.UUID(audit["engagement_id"]))
    assert engagement.kind is EngagementKind.SURVEILLANCE
    assert engagement.client_id == world.engagement.client_id
    assert {s.site_id for s in engagement.sites} == {world.site.id, world.other_site.id}
    # Not concluded: it counts as done (ended) but not passed; the schedule counts from it.
    conclude = post(
        client,
        world.admin,
        f"/api/certificate-audits/{audit['engagement_id']}/conclusion",
        passed=True,
        note="符合认证要求，保持证书",
    )
    assert conclude.status_code == 200, conclude.get_json()
    s = conclude.get_json()["lifecycle"]["surveillance"]
    # §7.3: the second is due 12 months after the FIRST surveillance's date.
    assert s["number"] == 2
    assert s["first_on"] == "2026-11-03"
    assert s["next_due"] == "2027-11-03"
    assert s["done"][0]["passed"] is True and s["done"][0]["due"] == "2026-11-30"
    twice = post(
        client,
        world.admin,
        f"/api/certificate-audits/{audit['engagement_id']}/conclusion",
        passed=False,
        note="改判",
    )
    assert twice.status_code == 409
    assert "surveillance.planned" in _actions(db_session, cert["id"])
    assert "surveillance.concluded" in _actions(db_session, cert["id"])


def test_a_failed_surveillance_asks_for_suspension(
    client: FlaskClient, db_session: Session
) -> None:
    world, cert = certified(client, db_session, date(2025, 11, 30), date(2025, 12, 10))
    planned = plan_surveillance(
        client, world, cert["id"], starts_on=date(2026, 11, 2), ends_on=date(2026, 11, 3)
    ).get_json()
    engagement_id = planned["audits"][0]["engagement_id"]
    failed = post(
        client,
        world.admin,
        f"/api/certificate-audits/{engagement_id}/conclusion",
        passed=False,
        note="不符合认证要求",
    ).get_json()
    # §7.4 c: suspended until the body records the suspension or withdraws.
    assert failed["status"] == "suspended"
    due = failed["lifecycle"]["certificate"]["suspension_due"]
    assert [d["because"] for d in due] == ["surveillance_failed"]


def test_reduced_sampling_needs_the_flag_and_what_did_not_change(
    client: FlaskClient, db_session: Session
) -> None:
    world, cert = certified(client, db_session, date(2025, 11, 30), date(2025, 12, 10))
    dates = {"starts_on": date(2026, 11, 2), "ends_on": date(2026, 11, 3)}
    one_site = [str(world.site.id)]
    fewer = plan_surveillance(client, world, cert["id"], site_ids=one_site, **dates)
    assert fewer.status_code == 422
    assert "site_ids" in fewer.get_json()["details"]
    no_note = plan_surveillance(
        client, world, cert["id"], site_ids=one_site, reduced_sampling=True, **dates
    )
    assert no_note.status_code == 422
    assert "unchanged_note" in no_note.get_json()["details"]
    ok = plan_surveillance(
        client,
        world,
        cert["id"],
        site_ids=one_site,
        reduced_sampling=True,
        unchanged_note="服务管理制度、服务场所均未变化（§7.1）",
        **dates,
    )
    assert ok.status_code == 201, ok.get_json()
    link = db_session.get_one(
        CertificateAudit, uuid.UUID(ok.get_json()["audits"][0]["engagement_id"])
    )
    assert link.reduced_sampling is True
    assert link.unchanged_note.startswith("服务管理制度")


def test_suspension_lasts_at_most_12_months_at_the_clients_request_and_3_for_other_causes(
    client: FlaskClient, db_session: Session
) -> None:
    world, cert = certified(client, db_session, date(2025, 11, 1), date(2025, 11, 30))
    # Other causes: 2026-08-31 + 3 months = 2026-11-30 (month end); lifted on 2026-12-01, a day
    # late: flagged as overdue (the body decides; nothing is withdrawn by itself).
    answer = suspend(client, world, cert["id"], date(2026, 8, 31), "other")
    assert answer.status_code == 200, answer.get_json()
    body = lifecycle(client, world.admin, cert["id"]).get_json()
    (s,) = body["lifecycle"]["suspensions"]
    assert (s["cause"], s["ends_by"], s["open"]) == ("other", "2026-11-30", True)
    assert s["overdue"] is (date(2026, 11, 30) < TODAY)
    assert body["status"] == "suspended"
    reinstated = post(
        client,
        world.admin,
        f"/api/certificates/{cert['id']}/status",
        action="reinstate",
        on=date(2026, 12, 1),
        reason="已整改，恢复",
    )
    assert reinstated.status_code == 200, reinstated.get_json()
    # At the client's request: 2026-12-02 + 12 months = 2027-12-02.
    suspend(client, world, cert["id"], date(2026, 12, 2), "client_request")
    body = lifecycle(client, world.admin, cert["id"]).get_json()
    first, second = body["lifecycle"]["suspensions"]
    assert (first["ended_on"], first["overdue"]) == ("2026-12-01", True)
    assert (second["cause"], second["ends_by"], second["open"], second["overdue"]) == (
        "client_request",
        "2027-12-02",
        True,
        False,
    )
    assert [s["ended_how"] for s in body["suspensions"]] == ["reinstated", None]
    actions = _actions(db_session, cert["id"])
    assert actions.count("certificate.suspend") == 2 and "certificate.reinstate" in actions


def test_withdrawal_ends_surveillance_and_the_open_suspension(
    client: FlaskClient, db_session: Session
) -> None:
    world, cert = certified(client, db_session, date(2025, 11, 1), date(2025, 11, 30))
    suspend(client, world, cert["id"], date(2026, 10, 1), "other")
    post(
        client,
        world.admin,
        f"/api/certificates/{cert['id']}/status",
        action="withdraw",
        on=date(2026, 11, 2),
        reason="暂停期满未整改",
    )
    body = lifecycle(client, world.admin, cert["id"]).get_json()
    assert body["status"] == "withdrawn"
    assert body["lifecycle"]["surveillance"]["next_due"] is None
    assert body["suspensions"][0]["ended_how"] == "withdrawn"
    more = plan_surveillance(
        client, world, cert["id"], starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 2)
    )
    assert more.status_code == 409
    assert more.get_json()["code"] == "CERTIFICATE_ENDED"


def test_expiry_is_computed_and_seen_once_in_the_audit_log(
    client: FlaskClient, db_session: Session
) -> None:
    # Seed 003's certificate: 2022.1.21–2025.1.20.
    world, cert = certified(client, db_session, date(2022, 1, 5), date(2022, 1, 21))
    for _ in range(2):
        body = lifecycle(client, world.admin, cert["id"]).get_json()
        assert body["status"] == "expired"
    assert _actions(db_session, cert["id"]).count("certificate.expired") == 1
    # §8: more than 3 months after 2025-01-20 (finish by 2025-04-20): a new application.
    late = post(
        client,
        world.admin,
        f"/api/certificates/{cert['id']}/recertification",
        starts_on=TODAY,
        ends_on=TODAY,
        leader_id=str(world.leader.user.id),
    )
    assert late.status_code == 409
    assert late.get_json()["code"] == "RECERTIFICATION_WINDOW"
    assert late.get_json()["details"] == {
        "reason": "new_application",
        "apply_from": "2024-10-20",
        "finish_by": "2025-04-20",
    }


def test_recertification_opens_3_months_before_expiry(
    client: FlaskClient, db_session: Session
) -> None:
    # Valid until the day before three years on; the window opens 3 months before that.
    issued_on = add_months(TODAY, -36 + 2)  # expires in about 2 months: the window is open
    world, cert = certified(client, db_session, add_months(issued_on, -1), issued_on)
    valid_until = date.fromisoformat(cert["valid_until"])
    body = lifecycle(client, world.admin, cert["id"]).get_json()
    window = body["lifecycle"]["recertification"]
    assert window["apply_from"] == add_months(valid_until, -3).isoformat()
    assert window["finish_by"] == add_months(valid_until, 3).isoformat()
    assert window["open"] is True
    answer = post(
        client,
        world.admin,
        f"/api/certificates/{cert['id']}/recertification",
        starts_on=TODAY,
        ends_on=TODAY,
        leader_id=str(world.leader.user.id),
    )
    assert answer.status_code == 201, answer.get_json()
    (audit,) = answer.get_json()["audits"]
    assert audit["purpose"] == "recertification" and audit["kind"] == "recertification"
    assert audit["applied_on"] == TODAY.isoformat()
    assert "certificate.recertification_applied" in _actions(db_session, cert["id"])


def test_recertification_before_the_window_is_refused(
    client: FlaskClient, db_session: Session
) -> None:
    world, cert = certified(client, db_session, date(2025, 11, 1), date(2025, 11, 30))
    answer = post(
        client,
        world.admin,
        f"/api/certificates/{cert['id']}/recertification",
        starts_on=TODAY,
        ends_on=TODAY,
        leader_id=str(world.leader.user.id),
    )
    assert answer.status_code == 409
    assert answer.get_json()["details"]["reason"] == "not_open_yet"
    assert answer.get_json()["details"]["apply_from"] == "2028-08-29"


def test_extra_surveillance_is_recorded_with_its_cause_and_reason(
    client: FlaskClient, db_session: Session
) -> None:
    world, cert = certified(client, db_session, date(2025, 11, 1), date(2025, 11, 30))
    bad = post(
        client,
        world.admin,
        f"/api/certificates/{cert['id']}/extra-surveillances",
        cause="rumour",
        reason="x",
        due_by=TODAY,
    )
    assert bad.status_code == 422
    answer = post(
        client,
        world.admin,
        f"/api/certificates/{cert['id']}/extra-surveillances",
        cause="complaint",
        reason="用户严重投诉并经查实",
        due_by=add_months(TODAY, 1),
    )
    assert answer.status_code == 201, answer.get_json()
    (extra,) = answer.get_json()["extras"]
    assert extra["cause"] == "complaint"
    planned = plan_surveillance(
        client,
        world,
        cert["id"],
        extra_id=extra["id"],
        starts_on=add_months(TODAY, 1),
        ends_on=add_months(TODAY, 1),
    )
    assert planned.status_code == 201, planned.get_json()
    assert planned.get_json()["audits"][0]["purpose"] == "extra"
    # An extra surveillance does not move the annual schedule (§7.3).
    assert planned.get_json()["lifecycle"]["surveillance"]["next_due"] == "2026-11-01"
    assert "surveillance.extra_decided" in _actions(db_session, cert["id"])


def test_team_members_read_the_lifecycle_others_do_not(
    client: FlaskClient, db_session: Session
) -> None:
    world, cert = certified(client, db_session, date(2025, 11, 1), date(2025, 11, 30))
    assert lifecycle(client, world.leader, cert["id"]).status_code == 200
    assert lifecycle(client, world.reviewer, cert["id"]).status_code == 200
    assert lifecycle(client, world.outside_auditor, cert["id"]).status_code == 404
    assert lifecycle(client, world.client_user, cert["id"]).status_code == 403


def test_only_the_body_concludes_and_only_those_who_see_it_plan(
    client: FlaskClient, db_session: Session
) -> None:
    world, cert = certified(client, db_session, date(2025, 11, 30), date(2025, 12, 10))
    # The certificate's own team leader plans the surveillance and leads it.
    answer = post(
        client,
        world.leader,
        f"/api/certificates/{cert['id']}/surveillances",
        starts_on=date(2026, 11, 2),
        ends_on=date(2026, 11, 3),
    )
    assert answer.status_code == 201, answer.get_json()
    engagement_id = answer.get_json()["audits"][0]["engagement_id"]
    engagement = db_session.get_one(Engagement, uuid.UUID(engagement_id))
    assert [m.user_id for m in engagement.members] == [world.leader.user.id]
    conclusion = f"/api/certificate-audits/{engagement_id}/conclusion"
    assert post(client, world.leader, conclusion, passed=True, note="x").status_code == 403
    early = post(
        client, world.admin, conclusion, passed=True, note="x", concluded_on=date(2026, 11, 2)
    )
    assert early.status_code == 422 and "concluded_on" in early.get_json()["details"]
    # An auditor not on any of its teams does not see the certificate.
    assert lifecycle(client, world.outside_auditor, cert["id"]).status_code == 404


def test_a_recertification_audit_must_end_within_the_window(
    client: FlaskClient, db_session: Session
) -> None:
    issued_on = add_months(TODAY, -36 + 2)
    world, cert = certified(client, db_session, add_months(issued_on, -1), issued_on)
    finish_by = add_months(date.fromisoformat(cert["valid_until"]), 3)
    answer = post(
        client,
        world.admin,
        f"/api/certificates/{cert['id']}/recertification",
        starts_on=TODAY,
        ends_on=add_months(finish_by, 1),
        leader_id=str(world.leader.user.id),
    )
    assert answer.status_code == 422
    assert "ends_on" in answer.get_json()["details"]
