"""POST /api/auth/password: change my own password (argon2id, at least 10, not the address)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from backend.audit.models import AuditEntry
from backend.auth.passwords import verify_password
from backend.users.models import User
from tests.factories import DEFAULT_PASSWORD, make_user, sign_in

NEW_PASSWORD = "新密码 horse battery 2026"


def change(client: FlaskClient, current: str, new: str) -> TestResponse:
    return client.post(
        "/api/auth/password", json={"current_password": current, "new_password": new}
    )


def login_status(client: FlaskClient, user: User, password: str) -> int:
    response = client.post("/api/auth/login", json={"email": user.email, "password": password})
    return response.status_code


def test_changing_the_password_replaces_the_old_one(
    client: FlaskClient, db_session: Session
) -> None:
    user = make_user(db_session)
    sign_in(client, user)

    response = change(client, DEFAULT_PASSWORD, NEW_PASSWORD)

    assert response.status_code == 204
    db_session.refresh(user)
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert login_status(client, user, DEFAULT_PASSWORD) == 401
    assert login_status(client, user, NEW_PASSWORD) == 200
    entry = db_session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "user.password_changed")
    ).one()
    assert entry.actor_id == user.id and entry.object_id == str(user.id)
    assert NEW_PASSWORD not in str(entry.details) and DEFAULT_PASSWORD not in str(entry.details)


def test_a_wrong_current_password_changes_nothing(client: FlaskClient, db_session: Session) -> None:
    user = make_user(db_session)
    sign_in(client, user)
    before = user.password_hash

    response = change(client, "not my password", NEW_PASSWORD)

    assert response.status_code == 422
    assert set(response.get_json()["details"]) == {"current_password"}
    db_session.refresh(user)
    assert user.password_hash == before


@pytest.mark.parametrize(
    ("new", "accepted"),
    [("123456789", False), ("1234567890", True), ("", False), ("x" * 1025, False)],
)
def test_the_new_password_has_at_least_ten_characters(
    client: FlaskClient, db_session: Session, new: str, accepted: bool
) -> None:
    user = make_user(db_session)
    sign_in(client, user)

    response = change(client, DEFAULT_PASSWORD, new)

    assert response.status_code == (204 if accepted else 422)
    if not accepted:
        assert set(response.get_json()["details"]) == {"new_password"}


def test_the_new_password_may_not_be_the_email_address(
    client: FlaskClient, db_session: Session
) -> None:
    user = make_user(db_session, email="long.address@example.test")
    sign_in(client, user)

    response = change(client, DEFAULT_PASSWORD, " Long.Address@Example.TEST ")

    assert response.status_code == 422
    assert set(response.get_json()["details"]) == {"new_password"}


def test_the_new_password_must_differ_from_the_current_one(
    client: FlaskClient, db_session: Session
) -> None:
    user = make_user(db_session)
    sign_in(client, user)
    response = change(client, DEFAULT_PASSWORD, DEFAULT_PASSWORD)
    assert response.status_code == 422
    assert set(response.get_json()["details"]) == {"new_password"}


def test_changing_the_password_needs_a_session(client: FlaskClient) -> None:
    response = change(client, DEFAULT_PASSWORD, NEW_PASSWORD)
    assert response.status_code == 401
    assert response.get_json()["code"] == "AUTH_REQUIRED"


def test_unknown_fields_are_refused(client: FlaskClient, db_session: Session) -> None:
    user = make_user(db_session)
    sign_in(client, user)
    response = client.post(
        "/api/auth/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD, "user_id": 1},
    )
    assert response.status_code == 422
    assert set(response.get_json()["details"]) == {"user_id"}


def test_a_password_change_signs_out_the_other_browsers_only(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    user = make_user(db_session)
    other_browser = app.test_client()
    sign_in(client, user)
    sign_in(other_browser, user)
    assert other_browser.get("/api/auth/me").status_code == 200

    assert change(client, DEFAULT_PASSWORD, NEW_PASSWORD).status_code == 204

    # The browser that changed it stays signed in; the other one is signed out for good.
    assert client.get("/api/auth/me").status_code == 200
    assert other_browser.get("/api/auth/me").get_json()["code"] == "AUTH_REQUIRED"
    assert other_browser.get("/api/auth/me").status_code == 401
    sign_in(other_browser, user, NEW_PASSWORD)
    assert other_browser.get("/api/auth/me").status_code == 200
