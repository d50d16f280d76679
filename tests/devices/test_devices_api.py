"""/api/devices: pairing with a one-time token and QR code, device-token requests, revocation."""

from __future__ import annotations

import base64
import hashlib
import re
import uuid

import png  # type: ignore[import-untyped]
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.devices import qr
from backend.devices.models import Device
from backend.push.models import PushSubscription
from backend.users.models import Role, User
from tests.factories import make_organisation, make_user, sign_in

TOKEN = re.compile(r"^fcd_[A-Za-z0-9_-]{43}$")


def pair(client: FlaskClient, name: str = "张三的手机") -> dict[str, str]:
    response = client.post("/api/devices", json={"name": name})
    assert response.status_code == 201, response.get_json()
    body: dict[str, str] = response.get_json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def device_client(app: Flask) -> FlaskClient:
    """A client with no cookie and no CSRF token: only the device token authenticates."""
    return FlaskClient(app, app.response_class, use_cookies=False)


def audit(db_session: Session, action: str) -> list[AuditEntry]:
    return list(db_session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def decode_png_modules(data_uri: str) -> list[list[bool]]:
    """The dark/light modules of a QR PNG (8 px per module, 4-module quiet zone)."""
    prefix = "data:image/png;base64,"
    assert data_uri.startswith(prefix)
    width, height, rows, _ = png.Reader(bytes=base64.b64decode(data_uri[len(prefix) :])).read()
    pixels = [list(row) for row in rows]
    size = width // qr.PNG_BOX_SIZE - 8
    assert width == height
    centre = qr.PNG_BOX_SIZE // 2
    return [
        [
            pixels[(4 + y) * qr.PNG_BOX_SIZE + centre][(4 + x) * qr.PNG_BOX_SIZE + centre] == 0
            for x in range(size)
        ]
        for y in range(size)
    ]


# --------------------------------------------------------------------------- pairing


def test_pairing_answers_the_token_once_and_stores_only_its_hash(
    client: FlaskClient, db_session: Session
) -> None:
    user = make_user(db_session, role=Role.SHOPPER)
    sign_in(client, user)

    body = pair(client)

    assert TOKEN.match(body["token"])
    assert body["name"] == "张三的手机" and body["user_id"] == str(user.id)
    device = db_session.get_one(Device, uuid.UUID(body["id"]))
    assert device.token_hash == hashlib.sha256(body["token"].encode()).hexdigest()
    assert device.revoked_at is None
    (entry,) = audit(db_session, "device.paired")
    assert entry.object_id == body["id"] and entry.actor_id == user.id
    assert body["token"] not in str(entry.details)
    listed = client.get("/api/devices").get_json()
    assert [row["id"] for row in listed] == [body["id"]]
    assert "token" not in listed[0] and "qr_png" not in listed[0]


def test_the_pairing_qr_code_encodes_the_pairing_url_with_the_token_in_the_fragment(
    client: FlaskClient, db_session: Session
) -> None:
    sign_in(client, make_user(db_session))

    response = client.post("/api/devices", json={"name": "平板"}, base_url="https://localhost")

    body = response.get_json()
    assert body["pairing_url"] == f"https://localhost/#pair={body['token']}"
    assert decode_png_modules(body["qr_png"]) == qr.modules(body["pairing_url"])
    svg_prefix = "data:image/svg+xml;base64,"
    assert body["qr_svg"].startswith(svg_prefix)
    svg = base64.b64decode(body["qr_svg"][len(svg_prefix) :]).decode()
    assert svg.startswith("<svg") and "<path" in svg
    # The token leaves the server only in this answer, which nothing may cache.
    assert response.headers["Cache-Control"] == "no-store"


def test_each_pairing_gets_its_own_token(client: FlaskClient, db_session: Session) -> None:
    sign_in(client, make_user(db_session))
    assert pair(client)["token"] != pair(client)["token"]


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "x" * 201}, {"name": "a", "x": 1}])
def test_invalid_pairing_requests_are_refused_and_store_nothing(
    client: FlaskClient, db_session: Session, body: dict[str, object]
) -> None:
    sign_in(client, make_user(db_session))
    response = client.post("/api/devices", json=body)
    assert response.status_code == 422
    assert response.get_json()["code"] == "VALIDATION_ERROR"
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Device)) == 0


def test_pairing_needs_a_session(client: FlaskClient) -> None:
    assert client.post("/api/devices", json={"name": "x"}).status_code == 401


# --------------------------------------------------------------------------- device tokens


def test_a_device_token_authenticates_without_cookie_or_csrf_token(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    user = make_user(db_session, role=Role.SHOPPER)
    sign_in(client, user)
    token = pair(client)["token"]
    device = device_client(app)

    me = device.get("/api/auth/me", headers=bearer(token))
    write = device.post("/api/push/subscriptions", json={}, headers=bearer(token))

    assert me.status_code == 200 and me.get_json()["id"] == str(user.id)
    # Past authentication and CSRF: the body is what is wrong.
    assert write.status_code == 422
    stored = db_session.scalars(sa.select(Device).where(Device.user_id == user.id)).one()
    assert stored.last_seen_at is not None


def test_a_device_cannot_pair_further_devices(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    sign_in(client, make_user(db_session))
    token = pair(client)["token"]

    response = device_client(app).post("/api/devices", json={"name": "x"}, headers=bearer(token))

    assert response.status_code == 403
    assert response.get_json()["code"] == "FORBIDDEN"


@pytest.mark.parametrize(
    "header", ["Bearer fcd_" + "x" * 43, "Bearer not-a-device-token", "Basic dXNlcjpwYXNz"]
)
def test_unknown_or_malformed_tokens_are_refused(
    app: Flask, db_session: Session, header: str
) -> None:
    response = device_client(app).get("/api/auth/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.get_json()["code"] == "AUTH_REQUIRED"


# --------------------------------------------------------------------------- revocation


def test_a_revoked_token_is_answered_device_revoked(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    user = make_user(db_session)
    sign_in(client, user)
    paired = pair(client)
    device = device_client(app)
    assert device.get("/api/auth/me", headers=bearer(paired["token"])).status_code == 200

    assert client.delete(f"/api/devices/{paired['id']}").status_code == 204

    response = device.get("/api/auth/me", headers=bearer(paired["token"]))
    assert response.status_code == 401
    assert response.get_json()["code"] == "DEVICE_REVOKED"
    (entry,) = audit(db_session, "device.revoked")
    assert entry.object_id == paired["id"] and entry.actor_id == user.id
    listed = client.get("/api/devices").get_json()
    assert listed[0]["revoked_at"] is not None


def test_revoking_twice_changes_nothing_more(client: FlaskClient, db_session: Session) -> None:
    sign_in(client, make_user(db_session))
    device_id = pair(client)["id"]
    assert client.delete(f"/api/devices/{device_id}").status_code == 204
    revoked_at = db_session.get_one(Device, uuid.UUID(device_id)).revoked_at

    assert client.delete(f"/api/devices/{device_id}").status_code == 204

    db_session.expire_all()
    assert db_session.get_one(Device, uuid.UUID(device_id)).revoked_at == revoked_at
    assert len(audit(db_session, "device.revoked")) == 1


def test_a_device_may_revoke_itself(app: Flask, client: FlaskClient, db_session: Session) -> None:
    sign_in(client, make_user(db_session))
    paired = pair(client)
    device = device_client(app)

    response = device.delete(f"/api/devices/{paired['id']}", headers=bearer(paired["token"]))

    assert response.status_code == 204
    assert device.get("/api/auth/me", headers=bearer(paired["token"])).status_code == 401


def test_revoking_removes_the_devices_push_subscriptions(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    user = make_user(db_session)
    sign_in(client, user)
    paired = pair(client)
    db_session.add_all(
        [
            PushSubscription(
                user_id=user.id,
                device_id=uuid.UUID(paired["id"]),
                endpoint="https://push.example.test/phone",
                p256dh="k",
                auth="a",
            ),
            PushSubscription(
                user_id=user.id, endpoint="https://push.example.test/desktop", p256dh="k", auth="a"
            ),
        ]
    )
    db_session.commit()

    assert client.delete(f"/api/devices/{paired['id']}").status_code == 204

    remaining = db_session.scalars(sa.select(PushSubscription.endpoint)).all()
    assert remaining == ["https://push.example.test/desktop"]


def test_someone_elses_device_is_not_found(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    organisation = make_organisation(db_session)
    owner = make_user(db_session, organisation=organisation)
    colleague = make_user(db_session, organisation=organisation, role=Role.TEAM_LEADER)
    sign_in(client, owner)
    paired = pair(client)

    other = app.test_client()
    sign_in(other, colleague)
    response = other.delete(f"/api/devices/{paired['id']}")

    assert response.status_code == 404
    assert response.get_json()["code"] == "NOT_FOUND"
    assert db_session.get_one(Device, uuid.UUID(paired["id"])).revoked_at is None
    assert other.get("/api/devices").get_json() == []


def test_an_administrator_sees_and_revokes_the_organisations_devices_only(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    organisation = make_organisation(db_session)
    shopper: User = make_user(db_session, organisation=organisation, role=Role.SHOPPER)
    stranger = make_user(db_session)  # another organisation
    sign_in(client, shopper)
    mine = pair(client, "暗访手机")
    elsewhere = app.test_client()
    sign_in(elsewhere, stranger)
    theirs = pair(elsewhere, "别家的手机")

    admin = app.test_client()
    sign_in(admin, make_user(db_session, organisation=organisation, role=Role.ADMIN))
    listed = admin.get("/api/devices").get_json()

    assert [(row["id"], row["owner_email"]) for row in listed] == [(mine["id"], shopper.email)]
    assert admin.delete(f"/api/devices/{theirs['id']}").status_code == 404
    assert admin.delete(f"/api/devices/{mine['id']}").status_code == 204
    (entry,) = audit(db_session, "device.revoked")
    assert entry.organisation_id == organisation.id
