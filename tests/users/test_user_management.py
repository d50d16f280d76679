"""POST /api/users and PATCH /api/users/<id>: administrators manage their organisation's users."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.devices.models import Device
from backend.devices.tokens import hash_device_token
from backend.users.models import Organisation, Role, User
from tests.factories import DEFAULT_PASSWORD, make_client, make_organisation, make_user, sign_in

INITIAL_PASSWORD = "初始密码 change me 2026"


@pytest.fixture
def organisation(db_session: Session) -> Organisation:
    return make_organisation(db_session)


@pytest.fixture
def admin(client: FlaskClient, db_session: Session, organisation: Organisation) -> User:
    user = make_user(db_session, role=Role.ADMIN, organisation=organisation)
    sign_in(client, user)
    return user


def new_user(**overrides: Any) -> dict[str, Any]:
    return {
        "email": "new.auditor@example.test",
        "display_name": "新审查员",
        "role": "auditor",
        "password": INITIAL_PASSWORD,
        **overrides,
    }


def audit(db_session: Session, action: str) -> list[AuditEntry]:
    return list(db_session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def users_count(db_session: Session) -> int:
    return db_session.scalar(sa.select(sa.func.count()).select_from(User)) or 0


# --------------------------------------------------------------------------- create


def test_an_administrator_creates_a_user_who_can_sign_in(
    app: Flask, client: FlaskClient, db_session: Session, admin: User
) -> None:
    response = client.post("/api/users", json=new_user(email=" New.Auditor@Example.TEST "))

    assert response.status_code == 201
    body = response.get_json()
    assert body["email"] == "new.auditor@example.test"
    assert body["role"] == "auditor" and body["is_active"] is True
    assert body["organisation"]["id"] == str(admin.organisation_id)
    assert "password" not in body and "password_hash" not in body
    created = db_session.get_one(User, uuid.UUID(body["id"]))
    assert created.password_hash.startswith("$argon2id$")
    (entry,) = audit(db_session, "user.created")
    assert entry.actor_id == admin.id and entry.object_id == body["id"]
    assert entry.details["role"] == "auditor"
    assert INITIAL_PASSWORD not in str(entry.details)
    fresh = app.test_client()
    sign_in(fresh, created, INITIAL_PASSWORD)


def test_an_address_with_an_account_is_a_conflict(
    client: FlaskClient, db_session: Session, admin: User
) -> None:
    make_user(db_session, email="taken@example.test")
    before = users_count(db_session)

    response = client.post("/api/users", json=new_user(email="TAKEN@example.test"))

    assert response.status_code == 409
    assert response.get_json()["code"] == "CONFLICT"
    assert users_count(db_session) == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password": "short pw"}, "password"),
        ({"password": "new.auditor@example.test"}, "password"),
        ({"role": "superuser"}, "role"),
        ({"email": "not-an-address"}, "email"),
        ({"display_name": ""}, "display_name"),
        ({"is_admin": True}, "is_admin"),
        ({"client_id": str(uuid.uuid4())}, "client_id"),
    ],
)
def test_invalid_users_are_refused_and_nothing_is_stored(
    client: FlaskClient,
    db_session: Session,
    admin: User,
    overrides: dict[str, Any],
    field: str,
) -> None:
    before = users_count(db_session)

    response = client.post("/api/users", json=new_user(**overrides))

    assert response.status_code == 422
    assert field in response.get_json()["details"]
    assert users_count(db_session) == before
    assert audit(db_session, "user.created") == []


def test_a_client_user_is_linked_to_a_client_of_the_organisation(
    client: FlaskClient, db_session: Session, organisation: Organisation, admin: User
) -> None:
    own = make_client(db_session, organisation=organisation)
    foreign = make_client(db_session)

    created = client.post(
        "/api/users",
        json=new_user(email="c1@example.test", role="client_user", client_id=str(own.id)),
    )
    foreign_link = client.post(
        "/api/users",
        json=new_user(email="c2@example.test", role="client_user", client_id=str(foreign.id)),
    )
    not_client_role = client.post(
        "/api/users", json=new_user(email="c3@example.test", client_id=str(own.id))
    )

    assert created.status_code == 201 and created.get_json()["client_id"] == str(own.id)
    assert foreign_link.status_code == 422 and "client_id" in foreign_link.get_json()["details"]
    assert not_client_role.status_code == 422


@pytest.mark.parametrize("role", [role for role in Role if role is not Role.ADMIN])
def test_only_administrators_create_users(
    client: FlaskClient, db_session: Session, role: Role
) -> None:
    sign_in(client, make_user(db_session, role=role))
    before = users_count(db_session)

    response = client.post("/api/users", json=new_user())

    assert response.status_code == 403
    assert response.get_json()["code"] == "FORBIDDEN"
    assert users_count(db_session) == before


# --------------------------------------------------------------------------- update


def test_an_administrator_changes_a_role_and_the_change_is_audited(
    client: FlaskClient, db_session: Session, organisation: Organisation, admin: User
) -> None:
    user = make_user(db_session, organisation=organisation, role=Role.AUDITOR)

    response = client.patch(f"/api/users/{user.id}", json={"role": "team_leader"})

    assert response.status_code == 200
    assert response.get_json()["role"] == "team_leader"
    db_session.refresh(user)
    assert user.role is Role.TEAM_LEADER
    (entry,) = audit(db_session, "user.updated")
    assert entry.details == {"changes": {"role": {"from": "auditor", "to": "team_leader"}}}


def test_a_deactivated_user_can_no_longer_sign_in_nor_use_their_devices(
    app: Flask, client: FlaskClient, db_session: Session, organisation: Organisation, admin: User
) -> None:
    user = make_user(db_session, organisation=organisation, role=Role.SHOPPER)
    token = "fcd_" + "D" * 43
    db_session.add(Device(user_id=user.id, name="手机", token_hash=hash_device_token(token)))
    db_session.commit()

    response = client.patch(f"/api/users/{user.id}", json={"is_active": False})

    assert response.status_code == 200 and response.get_json()["is_active"] is False
    login = app.test_client().post(
        "/api/auth/login", json={"email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert login.status_code == 401
    device = app.test_client().get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert device.status_code == 401


def test_leaving_the_client_user_role_drops_the_client_link(
    client: FlaskClient, db_session: Session, organisation: Organisation, admin: User
) -> None:
    linked = make_client(db_session, organisation=organisation)
    user = make_user(db_session, organisation=organisation, role=Role.CLIENT_USER)
    user.client_id = linked.id
    db_session.commit()

    response = client.patch(f"/api/users/{user.id}", json={"role": "auditor"})

    assert response.status_code == 200
    db_session.refresh(user)
    assert user.role is Role.AUDITOR and user.client_id is None


def test_an_administrator_cannot_demote_or_deactivate_themselves(
    client: FlaskClient, db_session: Session, admin: User
) -> None:
    for change in ({"role": "auditor"}, {"is_active": False}):
        response = client.patch(f"/api/users/{admin.id}", json=change)
        assert response.status_code == 409
        assert response.get_json()["code"] == "CONFLICT"
    db_session.refresh(admin)
    assert admin.role is Role.ADMIN and admin.is_active


def test_users_of_other_organisations_are_not_found(
    client: FlaskClient, db_session: Session, admin: User
) -> None:
    stranger = make_user(db_session)
    for user_id in (stranger.id, uuid.uuid4()):
        response = client.patch(f"/api/users/{user_id}", json={"role": "auditor"})
        assert response.status_code == 404
    db_session.refresh(stranger)
    assert stranger.role is Role.AUDITOR


def test_an_empty_change_is_refused(
    client: FlaskClient, db_session: Session, organisation: Organisation, admin: User
) -> None:
    user = make_user(db_session, organisation=organisation)
    response = client.patch(f"/api/users/{user.id}", json={})
    assert response.status_code == 422


def test_an_unchanged_value_records_nothing(
    client: FlaskClient, db_session: Session, organisation: Organisation, admin: User
) -> None:
    user = make_user(db_session, organisation=organisation, role=Role.AUDITOR)
    assert client.patch(f"/api/users/{user.id}", json={"role": "auditor"}).status_code == 200
    assert audit(db_session, "user.updated") == []
