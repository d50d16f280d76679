"""Server-side sessions (issue 9 B3): a cookie names a session the server can end for good.

Before, the cookie itself was the session: a copy made before signing out kept working for 31
days, a user deactivated and reactivated got old cookies back, and a device token survived a
password change.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.auth.models import UserSession
from backend.auth.session import SESSION_TOKEN_KEY
from backend.db import utcnow
from backend.devices.models import Device
from backend.push.models import PushSubscription
from backend.users.models import Role, User
from tests.auth.client import CsrfClient
from tests.factories import DEFAULT_PASSWORD, make_user, sign_in
from tests.push.conftest import BrowserKeys

NEW_PASSWORD = "另一个 horse battery 2026"
COOKIE = "fieldcert_session"


@pytest.fixture(autouse=True)
def _fresh_limits(client: FlaskClient) -> None:
    """The client fixture starts the limits from zero: these tests sign in many times."""


def browser(app: Flask) -> FlaskClient:
    return app.test_client()


def copy_of(app: Flask, original: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of ``original``'s session cookie (a stolen cookie)."""
    cookie = original.get_cookie(COOKIE)
    assert cookie is not None
    thief = browser(app)
    thief.set_cookie(COOKIE, cookie.value)
    return thief


def me(client: FlaskClient, **kwargs: object) -> int:
    return client.get("/api/auth/me", **kwargs).status_code  # type: ignore[arg-type]


def pair(client: FlaskClient, name: str = "暗访手机") -> str:
    response = client.post("/api/devices", json={"name": name})
    assert response.status_code == 201, response.get_json()
    token: str = response.get_json()["token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_cookie_copied_before_signing_out_is_dead_after_it(
    app: Flask, db_session: Session
) -> None:
    user = make_user(db_session)
    original = browser(app)
    sign_in(original, user)
    thief = copy_of(app, original)
    assert me(thief) == 200

    assert original.post("/api/auth/logout").status_code == 204

    assert me(original) == 401
    assert me(thief) == 401
    row = db_session.scalars(sa.select(UserSession).where(UserSession.user_id == user.id)).one()
    assert row.revoked_at is not None and row.revoked_reason == "logout"


def test_deactivating_and_reactivating_a_user_does_not_bring_old_cookies_back(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    admin = make_user(db_session, role=Role.ADMIN)
    user = make_user(db_session, organisation=admin.organisation)
    theirs = browser(app)
    sign_in(theirs, user)
    kept = copy_of(app, theirs)
    device = pair(theirs)
    sign_in(client, admin)

    assert client.patch(f"/api/users/{user.id}", json={"is_active": False}).status_code == 200
    assert client.patch(f"/api/users/{user.id}", json={"is_active": True}).status_code == 200

    assert me(theirs) == 401 and me(kept) == 401
    answer = browser(app).get("/api/auth/me", headers=bearer(device))
    assert answer.status_code == 401 and answer.get_json()["code"] == "DEVICE_REVOKED"
    # Signing in again works: the account is active, only the old credentials are gone.
    sign_in(theirs, user)
    assert me(theirs) == 200
    entry = db_session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.action == "user.updated", AuditEntry.object_id == str(user.id))
        .order_by(AuditEntry.id)
    ).first()
    assert entry is not None and entry.details["sessions_ended"] == 1
    assert len(entry.details["devices_revoked"]) == 1


def test_a_password_change_ends_the_other_sessions_and_revokes_the_devices(
    app: Flask, db_session: Session
) -> None:
    user = make_user(db_session)
    here, elsewhere = browser(app), browser(app)
    sign_in(here, user)
    sign_in(elsewhere, user)
    stolen = copy_of(app, elsewhere)
    device = pair(here)
    subscribed = browser(app).post(
        "/api/push/subscriptions",
        json={"endpoint": "https://push.example.test/phone", "keys": BrowserKeys().as_json()},
        headers=bearer(device),
    )
    assert subscribed.status_code == 201

    response = here.post(
        "/api/auth/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
    )

    assert response.status_code == 204
    assert me(here) == 200  # the browser that changed it stays signed in
    assert me(elsewhere) == 401 and me(stolen) == 401
    answer = browser(app).get("/api/auth/me", headers=bearer(device))
    assert answer.status_code == 401 and answer.get_json()["code"] == "DEVICE_REVOKED"
    assert db_session.scalar(sa.select(sa.func.count()).select_from(PushSubscription)) == 0
    entry = db_session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "user.password_changed")
    ).one()
    assert entry.details["sessions_ended"] == 1
    assert len(entry.details["devices_revoked"]) == 1


def test_a_password_changed_from_a_device_keeps_that_device_only(
    app: Flask, db_session: Session
) -> None:
    user = make_user(db_session)
    signed_in = browser(app)
    sign_in(signed_in, user)
    this_phone, other_phone = pair(signed_in, "这台"), pair(signed_in, "那台")

    response = browser(app).post(
        "/api/auth/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(this_phone),
    )

    assert response.status_code == 204
    assert me(browser(app), headers=bearer(this_phone)) == 200
    assert me(browser(app), headers=bearer(other_phone)) == 401
    assert me(signed_in) == 401  # every cookie session ends: none of them made the change


def test_a_forged_cookie_with_a_valid_signature_signs_nobody_in(
    app: Flask, db_session: Session
) -> None:
    # Only a session the server made signs someone in: the signature alone is not enough.
    make_user(db_session)
    forger = browser(app)
    with forger.session_transaction() as cookie:
        cookie[SESSION_TOKEN_KEY] = "made-up-token"
        cookie["user_id"] = "anything"

    assert me(forger) == 401


def test_an_expired_session_signs_nobody_in(app: Flask, db_session: Session) -> None:
    user = make_user(db_session)
    signed_in = browser(app)
    sign_in(signed_in, user)
    row = db_session.scalars(sa.select(UserSession).where(UserSession.user_id == user.id)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db_session.commit()

    assert me(signed_in) == 401


def test_i_see_my_sessions_and_can_end_another_one(app: Flask, db_session: Session) -> None:
    user = make_user(db_session)
    laptop, phone = browser(app), browser(app)
    sign_in(laptop, user)
    phone.environ_base["HTTP_USER_AGENT"] = "Mozilla/5.0 (Linux; Android 14) MicroMessenger\x00"
    sign_in(phone, user)
    make_user(db_session)  # someone else's sessions are not mine to see

    listed = laptop.get("/api/auth/sessions").get_json()

    assert len(listed) == 2
    (current,) = [entry for entry in listed if entry["current"]]
    (other,) = [entry for entry in listed if not entry["current"]]
    assert other["user_agent"] == "Mozilla/5.0 (Linux; Android 14) MicroMessenger"
    assert current["id"] != other["id"]

    assert laptop.delete(f"/api/auth/sessions/{other['id']}").status_code == 204
    assert me(phone) == 401 and me(laptop) == 200
    assert [entry["id"] for entry in laptop.get("/api/auth/sessions").get_json()] == [current["id"]]


def test_nobody_ends_someone_elses_session(app: Flask, db_session: Session) -> None:
    mine, theirs = make_user(db_session), make_user(db_session)
    me_browser, their_browser = browser(app), browser(app)
    sign_in(me_browser, mine)
    sign_in(their_browser, theirs)
    (their_session,) = their_browser.get("/api/auth/sessions").get_json()

    response = me_browser.delete(f"/api/auth/sessions/{their_session['id']}")

    assert response.status_code == 404
    assert me(their_browser) == 200


def test_signing_in_again_starts_a_new_session_and_the_csrf_token_still_guards_writes(
    app: Flask, db_session: Session
) -> None:
    user: User = make_user(db_session)
    plain = FlaskClient(app, app.response_class, use_cookies=True)
    assert isinstance(browser(app), CsrfClient)
    token = plain.get("/api/auth/csrf").get_json()["csrf_token"]
    signed = plain.post(
        "/api/auth/login",
        json={"email": user.email, "password": DEFAULT_PASSWORD},
        headers={"X-CSRF-Token": token},
    )
    assert signed.status_code == 200

    without = plain.post("/api/devices", json={"name": "x"})
    with_token = plain.post(
        "/api/devices",
        json={"name": "x"},
        headers={"X-CSRF-Token": signed.get_json()["csrf_token"]},
    )

    assert without.status_code == 403 and without.get_json()["code"] == "CSRF_FAILED"
    assert with_token.status_code == 201
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Device)) == 1
