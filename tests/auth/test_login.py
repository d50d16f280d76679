"""POST /api/auth/login, POST /api/auth/logout, GET /api/auth/me."""

from __future__ import annotations

from collections.abc import Callable
from http.cookies import SimpleCookie

import pytest
from argon2 import PasswordHasher, Type
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from backend.auth import passwords, services
from backend.users.models import Role, User
from tests.factories import DEFAULT_PASSWORD, make_user


def login(client: FlaskClient, email: str, password: str = DEFAULT_PASSWORD) -> TestResponse:
    return client.post("/api/auth/login", json={"email": email, "password": password})


def session_cookie(response: TestResponse) -> SimpleCookie:
    headers = response.headers.getlist("Set-Cookie")
    cookie: SimpleCookie = SimpleCookie()
    for header in headers:
        cookie.load(header)
    assert "fieldcert_session" in cookie, headers
    return cookie


def test_login_answers_the_user_and_sets_a_session_cookie(
    client: FlaskClient, db_session: Session
) -> None:
    user = make_user(db_session, role=Role.TEAM_LEADER, email="leader@example.test")

    response = login(client, "leader@example.test")

    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == str(user.id)
    assert body["email"] == "leader@example.test"
    assert body["role"] == "team_leader"
    assert body["display_name"] == user.display_name
    assert body["organisation"] == {
        "id": str(user.organisation.id),
        "name": user.organisation.name,
    }
    assert "password" not in body and "password_hash" not in body
    assert "$argon2id$" not in response.get_data(as_text=True)
    morsel = session_cookie(response)["fieldcert_session"]
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Lax"
    assert not morsel["secure"]


def test_login_email_is_case_insensitive(client: FlaskClient, db_session: Session) -> None:
    make_user(db_session, email="mixed@example.test")
    assert login(client, "  Mixed@Example.TEST ").status_code == 200


def test_session_cookie_is_secure_when_configured(
    client: FlaskClient, db_session: Session, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    make_user(db_session, email="secure@example.test")
    response = login(client, "secure@example.test")
    assert session_cookie(response)["fieldcert_session"]["secure"] is True


def test_session_cookie_is_secure_on_https_requests(
    client: FlaskClient, db_session: Session
) -> None:
    make_user(db_session, email="https@example.test")
    response = client.post(
        "/api/auth/login",
        json={"email": "https@example.test", "password": DEFAULT_PASSWORD},
        base_url="https://fieldcert.example.test",
    )
    assert response.status_code == 200
    assert session_cookie(response)["fieldcert_session"]["secure"] is True


def test_session_cookie_is_secure_behind_a_trusted_https_proxy(
    make_app: Callable[..., Flask], client: FlaskClient, db_session: Session
) -> None:
    make_user(db_session, email="proxied@example.test")
    credentials = {"email": "proxied@example.test", "password": DEFAULT_PASSWORD}
    forwarded = {"X-Forwarded-Proto": "https"}
    behind_proxy = make_app(FIELDCERT_TRUSTED_PROXIES=1).test_client()

    trusted = behind_proxy.post("/api/auth/login", json=credentials, headers=forwarded)
    untrusted = client.post("/api/auth/login", json=credentials, headers=forwarded)

    assert session_cookie(trusted)["fieldcert_session"]["secure"] is True
    # Without FIELDCERT_TRUSTED_PROXIES anyone could send the header: it is ignored.
    assert not session_cookie(untrusted)["fieldcert_session"]["secure"]


def test_wrong_password_and_unknown_email_get_the_same_answer(
    client: FlaskClient, db_session: Session
) -> None:
    make_user(db_session, email="known@example.test")

    wrong_password = login(client, "known@example.test", "not the password")
    unknown_email = login(client, "nobody@example.test")

    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.get_json() == unknown_email.get_json()
    assert wrong_password.get_json()["code"] == "INVALID_CREDENTIALS"
    assert "Set-Cookie" not in wrong_password.headers


def test_unknown_email_still_spends_a_password_verification(
    db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    verified: list[str] = []
    real_verify = passwords.verify_password

    def spy(password_hash: str, password: str) -> bool:
        verified.append(password_hash)
        return real_verify(password_hash, password)

    monkeypatch.setattr(passwords, "verify_password", spy)

    with pytest.raises(services.InvalidCredentials):
        services.authenticate(db_session, email="nobody@example.test", password="guess")

    assert len(verified) == 1 and verified[0].startswith("$argon2id$")


def test_deactivated_user_cannot_log_in(client: FlaskClient, db_session: Session) -> None:
    make_user(db_session, email="gone@example.test", is_active=False)
    response = login(client, "gone@example.test")
    assert response.status_code == 401
    assert response.get_json()["code"] == "INVALID_CREDENTIALS"


def test_login_with_invalid_email_answers_validation_error(client: FlaskClient) -> None:
    response = login(client, "not-an-email")
    assert response.status_code == 422
    assert set(response.get_json()["details"]) == {"email"}


def test_login_with_non_json_body_answers_400(client: FlaskClient) -> None:
    response = client.post(
        "/api/auth/login", data="x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert response.get_json()["code"] == "MALFORMED_JSON"


def test_login_upgrades_a_hash_made_with_outdated_parameters(
    client: FlaskClient, db_session: Session
) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.ID)
    user = make_user(db_session, email="old@example.test", password_hash=weak.hash("old-pw"))

    assert login(client, "old@example.test", "old-pw").status_code == 200

    db_session.refresh(user)
    assert not passwords.needs_rehash(user.password_hash)
    assert passwords.verify_password(user.password_hash, "old-pw")


def test_me_requires_a_session(client: FlaskClient) -> None:
    response = client.get("/api/auth/me")
    assert response.status_code == 401
    assert response.get_json()["code"] == "AUTH_REQUIRED"


def test_me_answers_the_logged_in_user(client: FlaskClient, db_session: Session) -> None:
    user = make_user(db_session, role=Role.AUDITOR, email="me@example.test")
    login(client, "me@example.test")

    response = client.get("/api/auth/me")

    assert response.status_code == 200
    assert response.get_json()["id"] == str(user.id)
    assert response.get_json()["role"] == "auditor"


def test_logout_ends_the_session(client: FlaskClient, db_session: Session) -> None:
    make_user(db_session, email="bye@example.test")
    login(client, "bye@example.test")
    assert client.get("/api/auth/me").status_code == 200

    response = client.post("/api/auth/logout")

    assert response.status_code == 204
    assert client.get("/api/auth/me").status_code == 401


def test_logout_without_a_session_succeeds(client: FlaskClient) -> None:
    assert client.post("/api/auth/logout").status_code == 204


def test_session_of_a_deactivated_user_stops_working(
    client: FlaskClient, db_session: Session
) -> None:
    user = make_user(db_session, email="later@example.test")
    login(client, "later@example.test")

    stored = db_session.get(User, user.id)
    assert stored is not None
    stored.is_active = False
    db_session.commit()

    assert client.get("/api/auth/me").status_code == 401
