"""A lockout an attacker cannot use to keep the owner out (issue 9 B5).

Before, five wrong passwords from anywhere locked the account for everyone, the administrator's
too, again and again. Now an account is locked per address, an address that fails too often is
blocked, an account attacked from many addresses is slowed for addresses it does not know, an
administrator can unlock it, and the user is told.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from backend.audit.models import AuditEntry
from backend.auth.throttle import ACCOUNT_THRESHOLD, ADDRESS_THRESHOLD, SLOW_SECONDS
from backend.users.models import Role, User
from tests.factories import DEFAULT_PASSWORD, make_user, sign_in

OWNER = "198.51.100.10"
ATTACKER = "203.0.113.66"


def login(
    client: FlaskClient,
    email: str,
    password: str = DEFAULT_PASSWORD,
    *,
    ip: str,
    language: str = "zh-CN",
) -> TestResponse:
    return client.post(
        "/api/auth/login",
        json={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": ip},
        headers={"Accept-Language": language},
    )


@pytest.fixture
def roomy(make_app: Callable[..., Flask]) -> FlaskClient:
    """A client of an app whose per-address rate limit does not get in the way of counting."""
    return make_app(FIELDCERT_LOGIN_RATE_LIMIT="10000 per minute").test_client()


def test_an_attacker_cannot_lock_the_administrator_out(
    roomy: FlaskClient, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = make_user(db_session, role=Role.ADMIN)
    real_time = time.time
    for round_number in range(3):  # again and again, each time the lock ends, as in the finding
        later = real_time() + round_number * 16 * 60
        monkeypatch.setattr(time, "time", lambda later=later: later)
        for _ in range(5):
            login(roomy, admin.email, "guess", ip=ATTACKER)
        assert login(roomy, admin.email, ip=ATTACKER).get_json()["code"] == "ACCOUNT_LOCKED"

        assert login(roomy, admin.email, ip=OWNER).status_code == 200


def test_one_address_failing_over_many_accounts_is_blocked(
    roomy: FlaskClient, db_session: Session
) -> None:
    victim = make_user(db_session)
    for number in range(ADDRESS_THRESHOLD):
        answer = login(roomy, f"guess{number}@example.test", "guess", ip=ATTACKER)
        assert answer.status_code == 401, (number, answer.get_json())

    blocked = login(roomy, victim.email, ip=ATTACKER)

    assert blocked.status_code == 429
    assert blocked.get_json()["code"] == "TOO_MANY_REQUESTS"
    assert 0 < int(blocked.headers["Retry-After"]) <= 15 * 60
    assert login(roomy, victim.email, ip=OWNER).status_code == 200


def test_a_distributed_attack_is_slowed_not_turned_into_a_denial(
    roomy: FlaskClient, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = make_user(db_session)
    assert login(roomy, owner.email, ip=OWNER).status_code == 200  # a known address now
    for number in range(ACCOUNT_THRESHOLD):
        login(roomy, owner.email, "guess", ip=f"10.9.0.{number + 1}")

    # From an address the account does not know: one password check per SLOW_SECONDS.
    first = login(roomy, owner.email, "guess", ip="10.9.1.1")
    second = login(roomy, owner.email, "guess", ip="10.9.1.2")
    from_new_address = login(roomy, owner.email, ip="192.0.2.44")
    from_known_address = login(roomy, owner.email, ip=OWNER)

    assert first.status_code == 401  # checked, and wrong
    assert second.status_code == 429 and second.get_json()["code"] == "SIGN_IN_THROTTLED"
    assert 0 < int(second.headers["Retry-After"]) <= SLOW_SECONDS
    assert from_new_address.get_json()["code"] == "SIGN_IN_THROTTLED"
    assert from_known_address.status_code == 200  # the owner is not kept out
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + SLOW_SECONDS + 1)
    assert login(roomy, owner.email, ip="192.0.2.44").status_code == 200  # only slowed

    # The attack goes on into the next 15-minute window: no free burst of guesses there.
    monkeypatch.setattr(time, "time", lambda: real_time() + 16 * 60)
    assert login(roomy, owner.email, "guess", ip="10.9.2.1").status_code == 401
    assert login(roomy, owner.email, "guess", ip="10.9.2.2").get_json()["code"] == (
        "SIGN_IN_THROTTLED"
    )
    # Long after the attack stopped, unknown addresses are not slowed any more.
    monkeypatch.setattr(time, "time", lambda: real_time() + 3 * 3600)
    assert login(roomy, owner.email, "guess", ip="10.9.3.1").status_code == 401
    assert login(roomy, owner.email, "guess", ip="10.9.3.2").status_code == 401


def test_an_administrator_unlocks_an_account_and_it_is_audited(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    admin = make_user(db_session, role=Role.ADMIN)
    user = make_user(db_session, organisation=admin.organisation)
    for _ in range(5):
        login(app.test_client(), user.email, "guess", ip=OWNER)
    assert login(app.test_client(), user.email, ip=OWNER).get_json()["code"] == "ACCOUNT_LOCKED"
    sign_in(client, admin)

    response = client.post(f"/api/users/{user.id}/unlock")

    assert response.status_code == 204
    assert login(app.test_client(), user.email, ip=OWNER).status_code == 200
    entry = db_session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "user.sign_in_unlocked")
    ).one()
    assert entry.actor_id == admin.id and entry.object_id == str(user.id)
    assert entry.details["was_locked"] is True


def test_only_an_administrator_of_the_users_organisation_unlocks(
    client: FlaskClient, db_session: Session
) -> None:
    user = make_user(db_session)
    stranger = make_user(db_session, role=Role.ADMIN)  # another organisation's administrator
    sign_in(client, stranger)
    assert client.post(f"/api/users/{user.id}/unlock").status_code == 404
    colleague = make_user(db_session, organisation=user.organisation, role=Role.TEAM_LEADER)
    sign_in(client, colleague)
    assert client.post(f"/api/users/{user.id}/unlock").status_code == 403


def activity(response: TestResponse) -> dict[str, object]:
    assert response.status_code == 200, response.get_json()
    found: dict[str, object] = response.get_json()["sign_in_activity"]
    return found


def test_the_user_is_told_of_failed_sign_ins_and_of_a_lock(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    user: User = make_user(db_session)
    assert activity(login(client, user.email, ip=OWNER))["message"] is None
    for _ in range(5):
        login(app.test_client(), user.email, "guess", ip=ATTACKER)

    told = activity(login(client, user.email, ip=OWNER))

    assert told["failed_attempts"] == 5
    assert told["locked"] is True
    assert told["last_failed_at"] is not None
    assert "5 次密码错误" in str(told["message"]) and "锁定" in str(told["message"])
    me = client.get("/api/auth/me", headers={"Accept-Language": "en"})
    in_english = activity(me)
    assert in_english["failed_attempts"] == 5
    assert "5 sign-in attempts with a wrong password" in str(in_english["message"])
    assert "locked" in str(in_english["message"])


def test_failures_before_the_previous_sign_in_are_not_told_again(
    client: FlaskClient, db_session: Session
) -> None:
    user = make_user(db_session)
    login(client, user.email, "typo", ip=OWNER)
    assert activity(login(client, user.email, ip=OWNER))["failed_attempts"] == 1

    again = activity(login(client, user.email, ip=OWNER))

    assert again["failed_attempts"] == 0 and again["locked"] is False
    assert again["message"] is None
