"""POST /api/users/<id>/password-reset: an administrator gives a user a temporary password."""

from __future__ import annotations

import uuid

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.devices.models import Device
from backend.users.models import Role
from tests.factories import DEFAULT_PASSWORD, make_organisation, make_user, sign_in


def test_the_user_signs_in_with_the_new_password_only_and_loses_sessions_and_devices(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    organisation = make_organisation(db_session)
    admin = make_user(db_session, role=Role.ADMIN, organisation=organisation)
    auditor = make_user(db_session, role=Role.AUDITOR, organisation=organisation)
    # The auditor is signed in elsewhere and has a paired phone.
    other = app.test_client()
    sign_in(other, auditor)
    paired = other.post("/api/devices", json={"name": "刘的手机"})
    assert paired.status_code == 201
    sign_in(client, admin)

    response = client.post(f"/api/users/{auditor.id}/password-reset")

    assert response.status_code == 200
    password = response.get_json()["temporary_password"]
    assert len(password) == 17 and password.count("-") == 2
    assert other.get("/api/auth/me").status_code == 401
    db_session.expire_all()
    device = db_session.get(Device, uuid.UUID(paired.get_json()["id"]))
    assert device is not None and device.revoked_at is not None
    fresh = app.test_client()
    old = fresh.post("/api/auth/login", json={"email": auditor.email, "password": DEFAULT_PASSWORD})
    assert old.status_code == 401
    sign_in(fresh, auditor, password)
    entry = db_session.query(AuditEntry).filter_by(action="user.password_reset").one()
    assert password not in str(entry.details)
    assert entry.details["devices_revoked"] == [paired.get_json()["id"]]


def test_not_for_myself_another_organisation_or_a_deactivated_account(
    client: FlaskClient, db_session: Session
) -> None:
    organisation = make_organisation(db_session)
    admin = make_user(db_session, role=Role.ADMIN, organisation=organisation)
    stranger = make_user(db_session)
    inactive = make_user(db_session, organisation=organisation, is_active=False)
    sign_in(client, admin)

    assert client.post(f"/api/users/{admin.id}/password-reset").status_code == 409
    assert client.post(f"/api/users/{stranger.id}/password-reset").status_code == 404
    refused = client.post(f"/api/users/{inactive.id}/password-reset")
    assert refused.status_code == 409
    assert refused.get_json()["code"] == "CONFLICT"
