"""Past the latest deadline (§5.2.3.1 audit failed, §7.4 b certificate suspended), reminders
before it, and the decisions file's nonconformity line."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.auth.actor import Actor
from backend.certificates.models import Certificate, CertificateChange
from backend.clients.models import Client
from backend.engagements.models import Engagement, EngagementKind
from backend.errors import Forbidden
from backend.nonconformities import overdue
from backend.nonconformities.cli import nonconformities_cli
from backend.nonconformities.deadlines import today_in_china
from backend.nonconformities.models import Nonconformity
from tests.certificates.support import issued
from tests.evaluations.helpers import World
from tests.factories import make_engagement, make_scheme_version
from tests.nonconformities.support import CQC, answered, cqc_world, opened, verify


def _reload(db_session: Session, nc: Nonconformity) -> Nonconformity:
    db_session.expire_all()
    return db_session.get_one(Nonconformity, nc.id)


def test_an_initial_audit_fails_the_day_after_the_latest_deadline(db_session: Session) -> None:
    world = cqc_world(db_session)
    nc = opened(db_session, world, date(2026, 3, 10))  # latest 2026-05-09 (60 days)
    admin = Actor(world.admin.user)
    # The latest deadline is the last day that counts (inclusive).
    assert overdue.apply_overdue(db_session, admin, date(2026, 5, 9)) == []
    applied = overdue.apply_overdue(db_session, admin, date(2026, 5, 10))
    db_session.commit()
    assert [(a.number, a.consequence, a.certificate_id) for a in applied] == [
        (1, "audit_failed", None)
    ]
    stored = _reload(db_session, nc)
    assert (stored.consequence, stored.consequence_on) == ("audit_failed", date(2026, 5, 10))
    entry = (
        db_session.query(AuditEntry).filter_by(action="nonconformity.overdue.audit_failed").one()
    )
    assert entry.actor_id == world.admin.user.id and "§5.2.3.1" in (entry.reason or "")
    # Applied once.
    assert overdue.apply_overdue(db_session, admin, date(2026, 6, 1)) == []


def test_a_nonconformity_closed_in_time_has_no_consequence(
    client: FlaskClient, db_session: Session
) -> None:
    world = cqc_world(db_session)
    nc = opened(db_session, world, today_in_china())
    answered(client, db_session, world, nc.id)
    closed = verify(
        client,
        world.auditor,
        nc.id,
        accept=True,
        method="written",
        verification="已核对",
        rejudged="basic",
    )
    assert closed.status_code == 200
    later = today_in_china() + timedelta(days=200)
    assert overdue.apply_overdue(db_session, Actor(world.admin.user), later) == []


def test_only_an_administrator_applies_the_consequences(db_session: Session) -> None:
    world = cqc_world(db_session)
    with pytest.raises(Forbidden):
        overdue.apply_overdue(db_session, Actor(world.leader.user), date(2027, 1, 1))


def _surveillance_of(db_session: Session, world: World) -> World:
    """A surveillance audit (§7) of the certified client, under the CQC rule, same team."""
    first = db_session.get_one(Engagement, world.engagement.id)
    engagement = make_engagement(
        db_session,
        client=db_session.get_one(Client, first.client_id),
        leader=world.leader.user,
        auditors=[world.auditor.user],
        sites=[world.site],
        scheme_version=make_scheme_version(db_session, name=CQC),
    )
    engagement.kind = EngagementKind.SURVEILLANCE
    db_session.commit()
    from dataclasses import replace

    return replace(world, engagement=engagement)


def test_in_surveillance_the_certificate_is_suspended_after_90_days(
    client: FlaskClient, db_session: Session
) -> None:
    world, certificate = issued(client, db_session)
    surveillance = _surveillance_of(db_session, world)
    day = today_in_china()
    nc = opened(db_session, surveillance, day)
    assert nc.latest_due == day + timedelta(days=90)
    admin = Actor(world.admin.user)
    assert overdue.apply_overdue(db_session, admin, day + timedelta(days=90)) == []
    applied = overdue.apply_overdue(db_session, admin, day + timedelta(days=91))
    db_session.commit()
    assert [(a.consequence, a.certificate_id) for a in applied] == [
        ("certificate_suspended", certificate["id"])
    ]
    db_session.expire_all()
    stored = db_session.get_one(Certificate, uuid.UUID(certificate["id"]))
    assert stored.suspended_on == day + timedelta(days=91)
    change = db_session.query(CertificateChange).filter_by(certificate_id=stored.id).one()
    assert change.kind == "suspend" and "§7.4 b" in change.reason
    actions = {e.action for e in db_session.query(AuditEntry).all()}
    assert {"certificate.suspend", "nonconformity.overdue.certificate_suspended"} <= actions
    # Run again: the certificate is not suspended a second time.
    assert overdue.apply_overdue(db_session, admin, day + timedelta(days=92)) == []


def test_the_overdue_command_applies_them_in_an_administrators_name(
    app: Flask, db_session: Session
) -> None:
    world = cqc_world(db_session)
    nc = opened(db_session, world, date(2026, 3, 10))
    runner = app.test_cli_runner()
    refused = runner.invoke(
        nonconformities_cli, ["overdue", "--as", world.leader.user.email, "--today", "2026-05-10"]
    )
    assert refused.exit_code == 2
    result = runner.invoke(
        nonconformities_cli, ["overdue", "--as", world.admin.user.email, "--today", "2026-05-10"]
    )
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout.splitlines()[0])
    assert (line["nonconformity_id"], line["consequence"]) == (str(nc.id), "audit_failed")
    assert _reload(db_session, nc).consequence == "audit_failed"


def test_reminders_before_the_typical_and_the_latest_deadline_each_once(
    db_session: Session,
) -> None:
    world = cqc_world(db_session)
    nc = opened(db_session, world, date(2026, 3, 10))  # typical 03-30, latest 05-09
    assert overdue.send_reminders(db_session, date(2026, 3, 26)) == []
    assert overdue.send_reminders(db_session, date(2026, 3, 27)) == [(str(nc.id), "typical")]
    assert overdue.send_reminders(db_session, date(2026, 3, 28)) == []
    assert overdue.send_reminders(db_session, date(2026, 5, 1)) == []
    assert overdue.send_reminders(db_session, date(2026, 5, 2)) == [(str(nc.id), "latest")]
    assert overdue.send_reminders(db_session, date(2026, 5, 3)) == []
    db_session.commit()
    entries = db_session.query(AuditEntry).filter_by(action="nonconformity.reminded").all()
    assert sorted(e.details["which"] for e in entries) == ["latest", "typical"]


def test_the_portal_shows_a_reminder_near_the_deadline(
    client: FlaskClient, db_session: Session
) -> None:
    world = cqc_world(db_session)
    opened(db_session, world, today_in_china() - timedelta(days=55))  # 5 days left
    rows = client.get("/api/portal/nonconformities", headers=world.client_user.headers).get_json()
    assert (rows[0]["days_left"], rows[0]["reminder"]) == (5, "latest")


def test_the_decisions_file_line_reads_the_records(
    client: FlaskClient, db_session: Session
) -> None:
    world = cqc_world(db_session)

    def line() -> dict[str, object]:
        body = client.get(
            f"/api/engagements/{world.engagement.id}/file", headers=world.reviewer.headers
        ).get_json()
        found: dict[str, object] = next(
            item for item in body["checklist"] if item["key"] == "nonconformities"
        )
        return found

    assert line()["complete"] is True
    nc = opened(db_session, world, today_in_china())
    open_line = line()
    assert open_line["complete"] is False
    assert open_line["numbers"]["open"] == ["1:4.3.1"]  # type: ignore[index]
    assert "尚未整改关闭" in open_line["summary"]["zh"]  # type: ignore[index]
    answered(client, db_session, world, nc.id)
    verify(
        client,
        world.auditor,
        nc.id,
        accept=True,
        method="written",
        verification="已核对",
        rejudged="basic",
    )
    closed_line = line()
    assert closed_line["complete"] is True
    assert closed_line["numbers"]["closed"] == ["1:4.3.1"]  # type: ignore[index]
