"""GET /api/users/directory: the field people a team leader puts on a team (issue 9 C10)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.users.models import Role, User
from tests.factories import DEFAULT_PASSWORD, make_organisation, make_user


@dataclass
class People:
    admin: User
    leader: User
    auditor: User
    former_auditor: User
    reviewer: User
    shopper: User
    scheme_manager: User
    client_user: User
    stranger: User


@pytest.fixture
def people(db_session: Session) -> People:
    organisation = make_organisation(db_session)

    def user(role: Role, name: str, **extra: bool) -> User:
        return make_user(
            db_session, role=role, display_name=name, organisation=organisation, **extra
        )

    return People(
        admin=user(Role.ADMIN, "王管理"),
        leader=user(Role.TEAM_LEADER, "张组长"),
        auditor=user(Role.AUDITOR, "刘审查"),
        former_auditor=user(Role.AUDITOR, "赵离职", is_active=False),
        reviewer=user(Role.REVIEWER, "陈复核"),
        shopper=user(Role.SHOPPER, "周暗访"),
        scheme_manager=user(Role.SCHEME_MANAGER, "李方案"),
        client_user=user(Role.CLIENT_USER, "孙委托"),
        # Another organisation's auditor: never listed.
        stranger=make_user(db_session, role=Role.AUDITOR, display_name="外机构审查"),
    )


def sign_in(client: FlaskClient, user: User) -> None:
    response = client.post(
        "/api/auth/login", json={"email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200


def test_a_team_leader_lists_the_auditors_to_put_on_a_team(
    client: FlaskClient, people: People
) -> None:
    sign_in(client, people.leader)

    response = client.get("/api/users/directory?role=auditor")

    assert response.status_code == 200, response.get_json()
    # Active or not, each marked (the service refuses to put a deactivated one on a team).
    assert response.get_json() == [
        {
            "id": str(people.auditor.id),
            "display_name": "刘审查",
            "role": "auditor",
            "is_active": True,
        },
        {
            "id": str(people.former_auditor.id),
            "display_name": "赵离职",
            "role": "auditor",
            "is_active": False,
        },
    ]


def test_the_directory_lists_field_people_only_without_email(
    client: FlaskClient, people: People
) -> None:
    sign_in(client, people.leader)

    listed = client.get("/api/users/directory").get_json()

    assert {entry["id"] for entry in listed} == {
        str(u.id)
        for u in (
            people.leader,
            people.auditor,
            people.former_auditor,
            people.reviewer,
            people.shopper,
        )
    }
    assert all(set(entry) == {"id", "display_name", "role", "is_active"} for entry in listed)
    assert [entry["role"] for entry in listed] == sorted(entry["role"] for entry in listed)


def test_roles_and_active_narrow_the_directory(client: FlaskClient, people: People) -> None:
    sign_in(client, people.leader)

    several = client.get("/api/users/directory?role=reviewer&role=shopper").get_json()
    active_auditors = client.get("/api/users/directory?role=auditor&active=true").get_json()
    deactivated = client.get("/api/users/directory?active=false").get_json()

    assert sorted(entry["display_name"] for entry in several) == sorted(["陈复核", "周暗访"])
    assert [entry["id"] for entry in active_auditors] == [str(people.auditor.id)]
    assert [entry["id"] for entry in deactivated] == [str(people.former_auditor.id)]


@pytest.mark.parametrize("role", ["admin", "client_user", "scheme_manager", "superuser"])
def test_a_role_outside_the_directory_is_refused(
    client: FlaskClient, people: People, role: str
) -> None:
    sign_in(client, people.leader)

    response = client.get(f"/api/users/directory?role={role}")

    assert response.status_code == 422
    assert response.get_json()["code"] == "VALIDATION_ERROR"
    assert "role" in response.get_json()["details"]


def test_the_administrator_reads_it_too(client: FlaskClient, people: People) -> None:
    sign_in(client, people.admin)

    response = client.get("/api/users/directory?role=shopper")

    assert response.status_code == 200
    assert [entry["id"] for entry in response.get_json()] == [str(people.shopper.id)]


@pytest.mark.parametrize("who", ["auditor", "reviewer", "shopper", "scheme_manager", "client_user"])
def test_other_roles_may_not_read_it(client: FlaskClient, people: People, who: str) -> None:
    sign_in(client, getattr(people, who))

    response = client.get("/api/users/directory")

    assert response.status_code == 403
    assert response.get_json()["code"] == "FORBIDDEN"


def test_the_directory_requires_a_session(client: FlaskClient) -> None:
    response = client.get("/api/users/directory")

    assert response.status_code == 401
    assert response.get_json()["code"] == "AUTH_REQUIRED"
