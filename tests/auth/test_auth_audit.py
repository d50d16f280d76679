"""Signing in and out leaves entries in the audit log."""

from __future__ import annotations

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from tests.factories import DEFAULT_PASSWORD, make_user


def entries(db_session: Session, action: str) -> list[AuditEntry]:
    return list(
        db_session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


def test_a_sign_in_is_recorded_with_the_user_and_address(
    client: FlaskClient, db_session: Session
) -> None:
    user = make_user(db_session)

    client.post(
        "/api/auth/login",
        json={"email": user.email, "password": DEFAULT_PASSWORD},
        environ_base={"REMOTE_ADDR": "198.51.100.20"},
    )

    (entry,) = entries(db_session, "auth.login")
    assert entry.actor_id == user.id
    assert entry.organisation_id == user.organisation_id
    assert entry.object_type == "user" and entry.object_id == str(user.id)
    assert entry.ip == "198.51.100.20"


def test_a_failed_sign_in_is_recorded_for_the_accounts_organisation(
    client: FlaskClient, db_session: Session
) -> None:
    user = make_user(db_session)

    client.post("/api/auth/login", json={"email": user.email.upper(), "password": "nope"})

    (entry,) = entries(db_session, "auth.login_failed")
    assert entry.actor_id is None
    assert entry.organisation_id == user.organisation_id
    assert entry.object_id == str(user.id)
    assert entry.details == {"email": user.email, "reason": "credentials"}
    assert "nope" not in str(entry.details)


def test_a_failed_sign_in_with_an_unknown_address_is_recorded_without_organisation(
    client: FlaskClient, db_session: Session
) -> None:
    client.post("/api/auth/login", json={"email": "nobody@example.test", "password": "x"})

    (entry,) = entries(db_session, "auth.login_failed")
    assert entry.organisation_id is None and entry.object_id is None
    assert entry.details["email"] == "nobody@example.test"


def test_signing_out_is_recorded(client: FlaskClient, db_session: Session) -> None:
    user = make_user(db_session)
    client.post("/api/auth/login", json={"email": user.email, "password": DEFAULT_PASSWORD})

    assert client.post("/api/auth/logout").status_code == 204

    (entry,) = entries(db_session, "auth.logout")
    assert entry.actor_id == user.id


def test_signing_out_without_a_session_records_nothing(
    client: FlaskClient, db_session: Session
) -> None:
    assert client.post("/api/auth/logout").status_code == 204
    assert entries(db_session, "auth.logout") == []
