"""GET /api/users."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.users.models import Role
from tests.factories import DEFAULT_PASSWORD, make_organisation, make_user


def sign_in(client: FlaskClient, email: str) -> None:
    response = client.post("/api/auth/login", json={"email": email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200


def test_admin_lists_the_users_of_their_own_organisation(
    client: FlaskClient, db_session: Session
) -> None:
    organisation = make_organisation(db_session)
    make_user(db_session, role=Role.ADMIN, email="b-admin@example.test", organisation=organisation)
    make_user(db_session, email="a-auditor@example.test", organisation=organisation)
    make_user(db_session, email="stranger@example.test")  # another organisation
    sign_in(client, "b-admin@example.test")

    response = client.get("/api/users")

    assert response.status_code == 200
    assert [user["email"] for user in response.get_json()] == [
        "a-auditor@example.test",
        "b-admin@example.test",
    ]


@pytest.mark.parametrize("role", [role for role in Role if role is not Role.ADMIN])
def test_other_roles_may_not_list_users(
    client: FlaskClient, db_session: Session, role: Role
) -> None:
    make_user(db_session, role=role, email="someone@example.test")
    sign_in(client, "someone@example.test")

    response = client.get("/api/users")

    assert response.status_code == 403
    assert response.get_json()["code"] == "FORBIDDEN"


def test_listing_users_requires_a_session(client: FlaskClient) -> None:
    response = client.get("/api/users")
    assert response.status_code == 401
    assert response.get_json()["code"] == "AUTH_REQUIRED"
