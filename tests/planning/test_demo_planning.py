"""The demo's planning work: a plan for the client user to confirm, an application to review."""

from __future__ import annotations

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.demo import DEMO_LOGINS, load_demo_data
from backend.planning.demo import DEMO_PENDING_NOTE, DEMO_PLANNED_NOTE
from backend.users.models import Role


def sign_in_demo(client: FlaskClient, role: Role) -> None:
    login = next(d for d in DEMO_LOGINS if d.role is role)
    client.environ_base.pop("HTTP_X_CSRF_TOKEN", None)
    token = client.get("/api/auth/csrf").get_json()["csrf_token"]
    response = client.post(
        "/api/auth/login",
        json={"email": login.email, "password": login.password},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 200, response.get_json()
    client.environ_base["HTTP_X_CSRF_TOKEN"] = response.get_json()["csrf_token"]


def test_the_demo_gives_the_leader_and_the_client_user_planning_work(
    client: FlaskClient, db_session: Session
) -> None:
    load_demo_data(db_session)
    entries = db_session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    load_demo_data(db_session)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == entries

    sign_in_demo(client, Role.TEAM_LEADER)
    by_note = {a["note"]: a for a in client.get("/api/applications").get_json()}
    assert by_note[DEMO_PLANNED_NOTE]["status"] == "accepted"
    assert by_note[DEMO_PLANNED_NOTE]["engagement_id"] is not None
    assert len(by_note[DEMO_PLANNED_NOTE]["documents"]) == 3
    assert by_note[DEMO_PENDING_NOTE]["status"] == "submitted"
    assert by_note[DEMO_PENDING_NOTE]["missing_documents"] == ["authenticity_declaration"]

    sign_in_demo(client, Role.CLIENT_USER)
    (plan,) = client.get("/api/portal/plans").get_json()
    assert plan["status"] == "issued" and plan["revision"] == 1
    assert plan["content"]["person_days"]["total"] == "4"
    assert plan["content"]["person_days"]["source"] == "manual"
