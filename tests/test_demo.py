"""fieldcert demo load."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from backend.auth.services import authenticate
from backend.cli import main
from backend.demo import DEMO_LOGINS, DEMO_ORGANISATION, DemoLoadResult, load_demo_data
from backend.users.models import Organisation, Role, User
from tests.database import row_snapshot

TABLES = {"organisations": Organisation.__table__, "users": User.__table__}


def count(session: Session, model: type[Organisation] | type[User]) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_demo_load_creates_the_organisation_and_one_user_per_role(db_session: Session) -> None:
    result = load_demo_data(db_session)

    assert result == DemoLoadResult(created=1 + len(Role), updated=0, unchanged=0)
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

    assert result == DemoLoadResult(created=0, updated=0, unchanged=1 + len(Role))
    assert count(db_session, Organisation) == 1
    assert count(db_session, User) == len(Role)
    assert row_snapshot(db_session, TABLES) == before  # hashes and timestamps included


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
