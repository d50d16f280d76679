"""fieldcert demo load."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from backend import geo
from backend.audit.models import AuditEntry
from backend.auth.services import authenticate
from backend.cli import main
from backend.clients.models import CertificationUnit, Client, Datum, Site
from backend.demo import (
    DEMO_CLIENT,
    DEMO_ENGAGEMENT,
    DEMO_LOGINS,
    DEMO_ORGANISATION,
    DEMO_SITES,
    DemoLoadResult,
    load_demo_data,
)
from backend.engagements.models import (
    Assignment,
    AssignmentStatus,
    Engagement,
    EngagementMember,
    EngagementSite,
    TeamRole,
)
from backend.schemes.models import SchemeVersion
from backend.users.models import Organisation, Role, User
from tests.database import row_snapshot

TABLES = {
    model.__tablename__: model.__table__
    for model in (
        Organisation,
        User,
        SchemeVersion,
        Client,
        CertificationUnit,
        Site,
        Engagement,
        EngagementMember,
        EngagementSite,
        Assignment,
        AuditEntry,
    )
}
#: Organisation and users, three schemes, client, unit, two sites, engagement, assignment.
DEMO_ROWS = 1 + len(Role) + 3 + 1 + 1 + 2 + 1 + 1


def count(session: Session, model: type[Any]) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def demo_user(session: Session, role: Role) -> User:
    email = next(login.email for login in DEMO_LOGINS if login.role is role)
    return session.scalars(sa.select(User).where(User.email == email)).one()


def test_demo_load_creates_the_organisation_and_one_user_per_role(db_session: Session) -> None:
    result = load_demo_data(db_session)

    assert result == DemoLoadResult(created=DEMO_ROWS, updated=0, unchanged=0)
    organisation = db_session.scalars(sa.select(Organisation)).one()
    assert organisation.name == DEMO_ORGANISATION == "fieldcert 演示认证机构"
    users = db_session.scalars(sa.select(User)).all()
    assert sorted(user.role for user in users) == sorted(Role)
    assert all(user.organisation_id == organisation.id for user in users)


def test_every_demo_login_works(db_session: Session) -> None:
    load_demo_data(db_session)
    for login in DEMO_LOGINS:
        user = authenticate(db_session, email=login.email, password=login.password)
        assert user.role is login.role


def test_demo_load_twice_changes_nothing(db_session: Session) -> None:
    load_demo_data(db_session)
    before = row_snapshot(db_session, TABLES)

    result = load_demo_data(db_session)

    assert result == DemoLoadResult(created=0, updated=0, unchanged=DEMO_ROWS)
    assert count(db_session, Organisation) == 1
    assert count(db_session, User) == len(Role)
    assert count(db_session, Assignment) == 1
    # Hashes, timestamps and the audit log included: a second run writes nothing at all.
    assert row_snapshot(db_session, TABLES) == before


def test_demo_load_restores_a_changed_demo_user(db_session: Session) -> None:
    load_demo_data(db_session)
    auditor = db_session.scalars(sa.select(User).where(User.role == Role.AUDITOR)).one()
    auditor.role = Role.ADMIN
    auditor.is_active = False
    auditor.password_hash = "$argon2id$broken"
    db_session.commit()

    result = load_demo_data(db_session)

    assert result.updated == 1
    db_session.refresh(auditor)
    assert auditor.role is Role.AUDITOR and auditor.is_active
    authenticate(db_session, email="auditor@demo.fieldcert.cn", password="demo-auditor-2026")


def test_demo_load_command_prints_the_logins(app: Flask, db_session: Session) -> None:
    result = app.test_cli_runner().invoke(main, ["demo", "load"])

    assert result.exit_code == 0, result.output
    for login in DEMO_LOGINS:
        line = next(line for line in result.output.splitlines() if login.email in line)
        assert login.password in line and login.role.value in line
    assert count(db_session, User) == len(Role)


def test_demo_load_command_refuses_production(
    app: Flask, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "FIELDCERT_ENV", "production")

    result = app.test_cli_runner().invoke(main, ["demo", "load"])

    assert result.exit_code == 1
    assert "production" in result.output
    assert count(db_session, User) == 0


# --------------------------------------------------------------------------- field work


def test_demo_load_imports_the_three_schemes(db_session: Session) -> None:
    load_demo_data(db_session)
    rows = db_session.scalars(sa.select(SchemeVersion).order_by(SchemeVersion.scheme_id)).all()
    assert [row.scheme_id for row in rows] == [
        "cqc83-831102-2025",
        "cts-tbsc034-2026",
        "cts-tbsc134-2026",
    ]
    manager = demo_user(db_session, Role.SCHEME_MANAGER)
    assert all(row.imported_by_id == manager.id for row in rows)


def test_demo_load_plans_a_client_with_a_unit_and_two_sites(db_session: Session) -> None:
    load_demo_data(db_session)

    client = db_session.scalars(sa.select(Client)).one()
    assert client.name == DEMO_CLIENT == "江西某污水处理工程有限公司"
    unit = db_session.scalars(sa.select(CertificationUnit)).one()
    assert unit.client_id == client.id
    sites = {site.name: site for site in db_session.scalars(sa.select(Site))}
    assert set(sites) == {demo.name for demo in DEMO_SITES}
    amap = next(demo for demo in DEMO_SITES if demo.datum is Datum.GCJ02)
    site = sites[amap.name]
    assert (site.entered_latitude, site.entered_longitude) == (amap.latitude, amap.longitude)
    expected = geo.gcj02_to_wgs84(amap.latitude, amap.longitude)
    assert (site.latitude, site.longitude) == pytest.approx(expected)
    assert geo.haversine_m(amap.latitude, amap.longitude, site.latitude, site.longitude) > 100
    assert demo_user(db_session, Role.CLIENT_USER).client_id == client.id


def test_demo_load_plans_an_engagement_the_demo_reviewer_may_review(db_session: Session) -> None:
    load_demo_data(db_session)

    engagement = db_session.scalars(
        sa.select(Engagement).where(Engagement.title == DEMO_ENGAGEMENT)
    ).one()
    scheme = db_session.get_one(SchemeVersion, engagement.scheme_version_id)
    assert scheme.scheme_id == "cts-tbsc034-2026"
    assert engagement.modes == ["A", "B", "E"]
    team = {member.user_id: member.team_role for member in engagement.members}
    assert team == {
        demo_user(db_session, Role.TEAM_LEADER).id: TeamRole.LEADER,
        demo_user(db_session, Role.AUDITOR).id: TeamRole.AUDITOR,
    }
    assert demo_user(db_session, Role.REVIEWER).id not in team  # CQC §6.1: may review it
    assert len(engagement.sites) == 2


def test_demo_load_assigns_the_demo_shopper_a_visit_over_the_next_seven_days(
    db_session: Session,
) -> None:
    now = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
    load_demo_data(db_session, now=now)

    assignment = db_session.scalars(sa.select(Assignment)).one()
    assert assignment.shopper_id == demo_user(db_session, Role.SHOPPER).id
    assert assignment.mode == "B"
    assert assignment.status is AssignmentStatus.ASSIGNED
    assert assignment.window_start == now
    assert assignment.window_end == now + timedelta(days=7)


def test_a_later_demo_load_renews_an_expired_demo_visit_instead_of_adding_one(
    db_session: Session,
) -> None:
    then = datetime(2026, 11, 1, tzinfo=UTC)
    load_demo_data(db_session, now=then)
    later = then + timedelta(days=30)

    result = load_demo_data(db_session, now=later)

    assert result == DemoLoadResult(created=0, updated=1, unchanged=DEMO_ROWS - 1)
    assignment = db_session.scalars(sa.select(Assignment)).one()
    assert (assignment.window_start, assignment.window_end) == (later, later + timedelta(days=7))
    assert assignment.version == 2


def test_demo_load_restores_the_client_users_link(db_session: Session) -> None:
    load_demo_data(db_session)
    client_user = demo_user(db_session, Role.CLIENT_USER)
    client_user.client_id = None
    db_session.commit()

    result = load_demo_data(db_session)

    assert result == DemoLoadResult(created=0, updated=1, unchanged=DEMO_ROWS - 1)
    db_session.refresh(client_user)
    assert client_user.client_id == db_session.scalars(sa.select(Client.id)).one()
