"""CSRF: cookie-authenticated writes need the session's X-CSRF-Token; device tokens do not."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from backend.devices.models import Device
from backend.devices.tokens import hash_device_token
from backend.users.models import Role, User
from tests.factories import DEFAULT_PASSWORD, make_user


def plain_client(app: Flask) -> FlaskClient:
    """A client that sends no CSRF token by itself (unlike the suite's CsrfClient)."""
    return FlaskClient(app, app.response_class, use_cookies=True)


def csrf_token(client: FlaskClient) -> str:
    response = client.get("/api/auth/csrf")
    assert response.status_code == 200
    token: str = response.get_json()["csrf_token"]
    return token


def login(client: FlaskClient, user: User, token: str | None) -> TestResponse:
    headers = {"X-CSRF-Token": token} if token is not None else {}
    return client.post(
        "/api/auth/login",
        json={"email": user.email, "password": DEFAULT_PASSWORD},
        headers=headers,
    )


def signed_in(app: Flask, user: User) -> tuple[FlaskClient, str]:
    """A plain client signed in as ``user``, and the session's CSRF token."""
    client = plain_client(app)
    response = login(client, user, csrf_token(client))
    assert response.status_code == 200, response.get_json()
    token: str = response.get_json()["csrf_token"]
    return client, token


def devices_of(db_session: Session, user: User) -> list[Device]:
    return list(db_session.scalars(sa.select(Device).where(Device.user_id == user.id)))


def assert_csrf_failed(response: TestResponse, reason: str) -> None:
    assert response.status_code == 403
    body = response.get_json()
    assert body["code"] == "CSRF_FAILED"
    assert body["details"] == {"header": "X-CSRF-Token", "reason": reason}


def test_the_csrf_token_is_stable_within_a_session_and_differs_between_sessions(
    app: Flask, db_session: Session
) -> None:
    first, second = plain_client(app), plain_client(app)
    token = csrf_token(first)
    assert len(token) >= 43
    assert csrf_token(first) == token
    assert csrf_token(second) != token


def test_a_signed_in_write_without_the_token_is_refused_and_changes_nothing(
    app: Flask, db_session: Session
) -> None:
    user = make_user(db_session)
    client, _ = signed_in(app, user)

    response = client.post("/api/devices", json={"name": "张三的手机"})

    assert_csrf_failed(response, "missing")
    assert devices_of(db_session, user) == []


def test_a_signed_in_write_with_a_wrong_token_is_refused(app: Flask, db_session: Session) -> None:
    user = make_user(db_session)
    client, token = signed_in(app, user)

    response = client.post(
        "/api/devices", json={"name": "张三的手机"}, headers={"X-CSRF-Token": token + "x"}
    )

    assert_csrf_failed(response, "mismatch")
    assert devices_of(db_session, user) == []


def test_a_signed_in_write_with_the_sessions_token_succeeds(
    app: Flask, db_session: Session
) -> None:
    user = make_user(db_session)
    client, token = signed_in(app, user)

    response = client.post(
        "/api/devices", json={"name": "张三的手机"}, headers={"X-CSRF-Token": token}
    )

    assert response.status_code == 201
    assert [device.name for device in devices_of(db_session, user)] == ["张三的手机"]


def test_another_sessions_token_does_not_work(app: Flask, db_session: Session) -> None:
    user, other = make_user(db_session), make_user(db_session)
    client, _ = signed_in(app, user)
    _, other_token = signed_in(app, other)

    response = client.post(
        "/api/devices", json={"name": "x"}, headers={"X-CSRF-Token": other_token}
    )

    assert_csrf_failed(response, "mismatch")


def test_every_unsafe_method_is_checked(app: Flask, db_session: Session) -> None:
    user = make_user(db_session, role=Role.ADMIN)
    client, _ = signed_in(app, user)
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        response = client.open(f"/api/users/{user.id}", method=method, json={"role": "auditor"})
        assert_csrf_failed(response, "missing")
    db_session.refresh(user)
    assert user.role is Role.ADMIN


def test_reads_need_no_token(app: Flask, db_session: Session) -> None:
    user = make_user(db_session)
    client, _ = signed_in(app, user)
    assert client.get("/api/auth/me").status_code == 200


def test_an_anonymous_write_without_a_token_is_answered_auth_required(
    app: Flask, db_session: Session
) -> None:
    # Without a signed-in session there is no authority to borrow: the endpoint answers 401.
    response = plain_client(app).post("/api/devices", json={"name": "x"})
    assert response.status_code == 401
    assert response.get_json()["code"] == "AUTH_REQUIRED"


def test_login_needs_the_pre_session_token(app: Flask, db_session: Session) -> None:
    user = make_user(db_session)
    client = plain_client(app)

    response = login(client, user, None)

    assert_csrf_failed(response, "missing")
    assert "Set-Cookie" not in response.headers
    assert client.get("/api/auth/me").status_code == 401


def test_login_with_a_token_of_no_session_is_refused(app: Flask, db_session: Session) -> None:
    # Login CSRF: an attacker's page can make up a token, but not the victim's session cookie.
    user = make_user(db_session)
    attacker_token = csrf_token(plain_client(app))

    response = login(plain_client(app), user, attacker_token)

    assert_csrf_failed(response, "missing")


def test_login_gives_a_new_token_and_the_pre_session_token_stops_working(
    app: Flask, db_session: Session
) -> None:
    user = make_user(db_session)
    client = plain_client(app)
    pre_session = csrf_token(client)

    response = login(client, user, pre_session)

    assert response.status_code == 200
    token = response.get_json()["csrf_token"]
    assert token != pre_session
    assert csrf_token(client) == token
    stale = client.post("/api/devices", json={"name": "x"}, headers={"X-CSRF-Token": pre_session})
    assert_csrf_failed(stale, "mismatch")


def test_logout_of_a_signed_in_session_needs_the_token(app: Flask, db_session: Session) -> None:
    user = make_user(db_session)
    client, token = signed_in(app, user)

    assert_csrf_failed(client.post("/api/auth/logout"), "missing")
    assert client.get("/api/auth/me").status_code == 200

    assert client.post("/api/auth/logout", headers={"X-CSRF-Token": token}).status_code == 204
    assert client.get("/api/auth/me").status_code == 401


def test_device_token_writes_need_no_csrf_token(app: Flask, db_session: Session) -> None:
    user = make_user(db_session)
    token = "fcd_" + "A" * 43
    device = Device(user_id=user.id, name="现场平板", token_hash=hash_device_token(token))
    db_session.add(device)
    db_session.commit()

    response = plain_client(app).delete(
        f"/api/devices/{device.id}", headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 204
    db_session.refresh(device)
    assert device.revoked_at is not None
