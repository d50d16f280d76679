"""``GET /api/calendar``: what is due, per client and per team, dated by the lifecycle core."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.certificates.services import today_in_china
from backend.engagements.models import Engagement
from backend.lifecycle import add_days, add_months, surveillance_due
from backend.scoring import load_scheme
from tests.decisions.support import approved_world
from tests.evaluations.helpers import Person
from tests.nonconformities.support import cqc_world, opened
from tests.surveillance.support import certified, plan_surveillance, post, suspend

TODAY = today_in_china()


def _calendar(client: FlaskClient, who: Person, **query: str) -> Any:
    answer = client.get("/api/calendar", query_string=query, headers=who.headers)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def _kinds(body: Any) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for item in body["items"]:
        out.setdefault(item["kind"], []).append(item)
    return out


def test_the_calendar_lists_surveillance_suspension_and_recertification_dates(
    client: FlaskClient, db_session: Session
) -> None:
    world, cert = certified(client, db_session, date(2026, 3, 31), date(2026, 4, 10))
    suspend(client, world, cert["id"], date(2026, 11, 30), "client_request")
    body = _calendar(client, world.admin, **{"from": "2026-01-01", "to": "2029-12-31"})
    kinds = _kinds(body)
    (due,) = kinds["surveillance_due"]
    assert due["on"] == "2027-03-31" and due["certificate_number"] == cert["number"]
    assert due["details"]["extension_until"] == "2027-12-31"
    assert due["label_zh"] == "年度监督到期"
    (ends,) = kinds["suspension_ends_by"]
    assert ends["on"] == "2027-11-30" and ends["overdue"] is False
    assert [i["on"] for i in kinds["certificate_expires"]] == ["2029-04-09"]
    assert [i["on"] for i in kinds["recertification_opens"]] == ["2029-01-09"]
    assert [i["on"] for i in kinds["recertification_closes"]] == ["2029-07-09"]
    # Sorted by date.
    days = [i["on"] for i in body["items"]]
    assert days == sorted(days)


def test_the_range_filters_but_overdue_items_always_show(
    client: FlaskClient, db_session: Session
) -> None:
    world, _cert = certified(client, db_session, date(2024, 2, 29), date(2024, 3, 1))
    body = _calendar(client, world.admin, **{"from": TODAY.isoformat()})
    (due,) = _kinds(body)["surveillance_due"]
    assert due["on"] == "2025-02-28" and due["overdue"] is True
    assert body["to"] == add_months(TODAY, 6).isoformat()
    # Issued 2024-03-01: valid until 2027-02-28, inside the range; the window opened on
    # 2026-11-28, before the range, and is not overdue: not shown.
    assert [i["on"] for i in _kinds(body)["certificate_expires"]] == ["2027-02-28"]
    assert "recertification_opens" not in _kinds(body)


def test_an_approved_engagement_without_a_certificate_is_due_within_30_days(
    client: FlaskClient, db_session: Session
) -> None:
    world = approved_world(client, db_session)
    ended = world.engagement.ends_on
    span = {"from": ended.isoformat(), "to": add_months(ended, 2).isoformat()}
    (item,) = _kinds(_calendar(client, world.admin, **span))["certificate_issue_by"]
    assert item["on"] == add_days(world.engagement.ends_on, 30).isoformat()
    assert item["engagement_id"] == str(world.engagement.id)


def test_per_client_and_per_team(client: FlaskClient, db_session: Session) -> None:
    world, _cert = certified(client, db_session, date(2026, 3, 31), date(2026, 4, 10))
    span = {"from": "2027-01-01", "to": "2027-12-31"}
    mine = _calendar(client, world.admin, client_id=str(world.engagement.client_id), **span)
    assert _kinds(mine)["surveillance_due"]
    other = _calendar(
        client, world.admin, client_id=str(world.other_client_user.user.client_id), **span
    )
    assert other["items"] == []
    team = _calendar(client, world.admin, team=str(world.auditor.user.id), **span)
    assert _kinds(team)["surveillance_due"]
    nobody = _calendar(client, world.admin, team=str(world.outside_auditor.user.id), **span)
    assert nobody["items"] == []
    # An auditor sees their own engagements' dates; one not on the team sees none.
    assert _kinds(_calendar(client, world.auditor, **span))["surveillance_due"]
    assert _calendar(client, world.outside_auditor, **span)["items"] == []
    assert client.get("/api/calendar", headers=world.client_user.headers).status_code == 403


def test_extra_surveillance_shows_until_its_audit_is_concluded(
    client: FlaskClient, db_session: Session
) -> None:
    world, cert = certified(client, db_session, date(2026, 3, 31), date(2026, 4, 10))
    due_by = add_months(TODAY, 1)
    post(
        client,
        world.admin,
        f"/api/certificates/{cert['id']}/extra-surveillances",
        cause="negative_news",
        reason="媒体披露服务质量问题",
        due_by=due_by,
    )
    (item,) = _kinds(_calendar(client, world.admin))["extra_surveillance_due"]
    assert item["on"] == due_by.isoformat()
    assert item["title_zh"].startswith("增加监督（外部负面信息）")


def test_the_range_is_checked(client: FlaskClient, db_session: Session) -> None:
    world = approved_world(client, db_session)
    backwards = client.get(
        "/api/calendar",
        query_string={"from": "2027-01-01", "to": "2026-01-01"},
        headers=world.admin.headers,
    )
    assert backwards.status_code == 422
    bad = client.get(
        "/api/calendar", query_string={"from": "2027-02-30"}, headers=world.admin.headers
    )
    assert bad.status_code == 422


def test_later_surveillances_count_from_the_first_not_the_previous() -> None:
    # §7.3 按照第一次监督日期为准: first done 2028-02-29 → the 2nd is due 2029-02-28, the 5th
    # 48 months on, 2032-02-29 (counting from the previous one would drift to 28 February).
    rule = load_scheme("schemes/cqc83-831102-2025.yaml").lifecycle
    assert rule is not None
    done = [date(2028, 2, 29), date(2029, 2, 28), date(2030, 2, 28), date(2031, 2, 28)]
    assert surveillance_due(rule.surveillance, 2, None, done) == date(2029, 2, 28)
    assert surveillance_due(rule.surveillance, 5, None, done) == date(2032, 2, 29)


def test_planned_audits_and_a_required_suspension_are_on_the_calendar(
    client: FlaskClient, db_session: Session
) -> None:
    world, cert = certified(client, db_session, date(2025, 11, 30), date(2025, 12, 10))
    # A surveillance that already took place and failed, and the next one planned ahead.
    done = plan_surveillance(
        client, world, cert["id"], starts_on=date(2026, 11, 2), ends_on=date(2026, 11, 3)
    ).get_json()
    post(
        client,
        world.admin,
        f"/api/certificate-audits/{done['audits'][0]['engagement_id']}/conclusion",
        passed=False,
        note="不符合认证要求",
    )
    ahead = add_months(TODAY, 1)
    plan_surveillance(client, world, cert["id"], starts_on=ahead, ends_on=ahead)
    kinds = _kinds(_calendar(client, world.admin))
    (required,) = kinds["suspension_required"]
    assert required["on"] == "2026-11-03" and required["overdue"] is True
    assert required["details"]["because"] == "surveillance_failed"
    (planned,) = kinds["audit_planned"]
    assert planned["on"] == ahead.isoformat()
    assert planned["details"]["purpose"] == "annual"


def test_the_calendar_notes_an_expiry_once(client: FlaskClient, db_session: Session) -> None:
    world, cert = certified(client, db_session, date(2022, 1, 5), date(2022, 1, 21))
    for _ in range(2):
        _calendar(client, world.admin)
    seen = db_session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.action == "certificate.expired", AuditEntry.object_id == cert["id"]
        )
    ).all()
    assert len(seen) == 1
    assert seen[0].details["valid_until"] == "2025-01-20"


def test_open_nonconformities_show_their_deadlines(
    client: FlaskClient, db_session: Session
) -> None:
    world = cqc_world(db_session)
    on = add_days(TODAY, -25)
    nc = opened(db_session, world, on)
    span = {"from": add_days(TODAY, -30).isoformat(), "to": add_months(TODAY, 2).isoformat()}
    kinds = _kinds(_calendar(client, world.admin, **span))
    (typical,) = kinds["nonconformity_typical_due"]
    (latest,) = kinds["nonconformity_latest_due"]
    # §5.2.3.1 after an initial audit: typically 20 days, at most 60.
    assert typical["on"] == add_days(on, 20).isoformat() and typical["overdue"] is False
    assert latest["on"] == add_days(on, 60).isoformat() and latest["overdue"] is False
    assert latest["details"]["nonconformity_id"] == str(nc.id)
    assert latest["engagement_id"] == str(world.engagement.id)


def test_a_surveillance_nonconformity_past_90_days_asks_for_suspension(
    client: FlaskClient, db_session: Session
) -> None:
    world, cert = certified(client, db_session, date(2025, 7, 31), date(2025, 8, 10))
    planned = plan_surveillance(
        client, world, cert["id"], starts_on=date(2026, 7, 1), ends_on=date(2026, 7, 2)
    ).get_json()
    engagement_id = planned["audits"][0]["engagement_id"]
    surveillance = replace(
        world, engagement=db_session.get_one(Engagement, uuid.UUID(engagement_id))
    )
    nc = opened(db_session, surveillance, date(2026, 7, 2), who=world.leader)
    body = client.get(
        f"/api/certificates/{cert['id']}/lifecycle", headers=world.admin.headers
    ).get_json()
    (result,) = body["lifecycle"]["nonconformities"]
    # §7.4 b: 30 days typically, 90 at most; not closed by 2026-09-30: the certificate is
    # suspended from the day after, until the body records it.
    assert (result["typical_due"], result["latest_due"]) == ("2026-08-01", "2026-09-30")
    assert result["consequence"] == "certificate_suspended"
    assert body["status"] == "suspended"
    (required,) = _kinds(_calendar(client, world.admin))["suspension_required"]
    assert required["details"] == {"because": "nonconformity_overdue", "ref": str(nc.id)}
    assert required["on"] == "2026-10-01"
