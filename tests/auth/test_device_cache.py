"""Device tokens: the records kept between requests (backend/auth/device_cache.py) never outlive
a change of the rows: revocation, deactivation and a new role count on the very next request."""

from __future__ import annotations

from datetime import UTC, datetime

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.auth import device_cache
from backend.devices.tokens import hash_device_token
from backend.users.models import Role
from tests.evaluations.helpers import person
from tests.factories import make_organisation


def _me(client: FlaskClient, headers: dict[str, str]) -> tuple[int, dict[str, object]]:
    response = client.get("/api/auth/me", headers=headers)
    return response.status_code, response.get_json()


def test_a_second_request_reuses_the_records_built_for_the_first(
    client: FlaskClient, db_session: Session
) -> None:
    someone = person(db_session, Role.AUDITOR, make_organisation(db_session))
    token_hash = hash_device_token(someone.headers["Authorization"].removeprefix("Bearer "))

    # The first request notes the device's last_seen_at: a changed row, so the second builds
    # the records afresh; the third finds the rows as the second left them.
    assert _me(client, someone.headers)[0] == 200
    assert _me(client, someone.headers)[0] == 200
    kept = device_cache._kept[token_hash]
    assert _me(client, someone.headers)[0] == 200

    assert device_cache._kept[token_hash] is kept


def test_a_device_revoked_in_the_database_is_refused_at_once(
    client: FlaskClient, db_session: Session
) -> None:
    someone = person(db_session, Role.AUDITOR, make_organisation(db_session))
    assert _me(client, someone.headers)[0] == 200

    someone.device.revoked_at = datetime.now(UTC)
    db_session.commit()

    status, body = _me(client, someone.headers)
    assert status == 401 and body["code"] == "DEVICE_REVOKED"


def test_a_deactivated_user_and_a_new_role_count_on_the_next_request(
    client: FlaskClient, db_session: Session
) -> None:
    someone = person(db_session, Role.AUDITOR, make_organisation(db_session))
    assert _me(client, someone.headers)[1]["role"] == "auditor"

    someone.user.role = Role.TEAM_LEADER
    db_session.commit()
    assert _me(client, someone.headers)[1]["role"] == "team_leader"

    someone.user.is_active = False
    db_session.commit()
    status, body = _me(client, someone.headers)
    assert status == 401 and body["code"] == "AUTH_REQUIRED"
