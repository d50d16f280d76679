"""GET /api/audit (administrators) and the append-only audit log."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.extensions import db
from backend.users.models import Organisation, Role, User
from tests.factories import make_organisation, make_user, sign_in
from tests.paging import follow_pages
from tests.plans import captured, plan_of

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def add_entry(
    db_session: Session,
    organisation: Organisation,
    *,
    action: str = "evaluation.submitted",
    object_type: str = "evaluation",
    object_id: str | None = None,
    actor: User | None = None,
    at: datetime = T0,
) -> AuditEntry:
    entry = AuditEntry(
        organisation_id=organisation.id,
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=object_type,
        object_id=object_id or str(uuid.uuid4()),
        details={"n": 1},
        at=at,
    )
    db_session.add(entry)
    db_session.commit()
    return entry


@pytest.fixture
def organisation(db_session: Session) -> Organisation:
    return make_organisation(db_session)


@pytest.fixture
def admin(client: FlaskClient, db_session: Session, organisation: Organisation) -> User:
    user = make_user(db_session, role=Role.ADMIN, organisation=organisation)
    sign_in(client, user)
    return user


def read(client: FlaskClient, **query: object) -> list[dict[str, object]]:
    """Entries of a read, without the auth.login and audit.read entries the test itself made."""
    response = client.get("/api/audit", query_string=query)
    assert response.status_code == 200, response.get_json()
    return [
        item
        for item in response.get_json()["items"]
        if item["action"] not in {"auth.login", "audit.read"}
    ]


def test_an_administrator_reads_their_organisations_entries_newest_first(
    client: FlaskClient, db_session: Session, organisation: Organisation, admin: User
) -> None:
    older = add_entry(db_session, organisation, at=T0)
    newer = add_entry(db_session, organisation, at=T0 + timedelta(minutes=1))
    add_entry(db_session, make_organisation(db_session))  # another organisation

    items = read(client)

    assert [item["id"] for item in items] == [newer.id, older.id]
    assert items[0]["action"] == "evaluation.submitted"
    assert items[0]["details"] == {"n": 1}
    assert items[0]["at"] == "2026-11-01T08:01:00+00:00"


def test_filters_combine(
    client: FlaskClient, db_session: Session, organisation: Organisation, admin: User
) -> None:
    other_actor = make_user(db_session, organisation=organisation)
    target = add_entry(
        db_session,
        organisation,
        action="device.revoked",
        object_type="device",
        object_id="d-1",
        actor=other_actor,
        at=T0 + timedelta(hours=1),
    )
    add_entry(db_session, organisation, action="device.revoked", object_type="device", at=T0)
    add_entry(
        db_session, organisation, action="device.paired", object_type="device", object_id="d-1"
    )

    assert [i["id"] for i in read(client, action="device.revoked", object_id="d-1")] == [target.id]
    assert [i["id"] for i in read(client, actor=str(other_actor.id))] == [target.id]
    assert [i["id"] for i in read(client, object_type="device", since="2026-11-01T08:30:00Z")] == [
        target.id
    ]
    # until is exclusive.
    assert target.id not in [i["id"] for i in read(client, until="2026-11-01T09:00:00+00:00")]
    assert target.id in [i["id"] for i in read(client, until="2026-11-01T09:00:01+00:00")]


def test_pages_are_cut_by_id(
    client: FlaskClient, db_session: Session, organisation: Organisation, admin: User
) -> None:
    entries = [add_entry(db_session, organisation, action="x.y") for _ in range(5)]
    newest_first = [entry.id for entry in reversed(entries)]

    first = client.get("/api/audit", query_string={"action": "x.y", "limit": 2}).get_json()
    second = client.get(
        "/api/audit",
        query_string={"action": "x.y", "limit": 2, "before_id": first["next_before_id"]},
    ).get_json()
    third = client.get(
        "/api/audit",
        query_string={"action": "x.y", "limit": 2, "before_id": second["next_before_id"]},
    ).get_json()

    pages = [[item["id"] for item in page["items"]] for page in (first, second, third)]
    assert pages == [newest_first[:2], newest_first[2:4], newest_first[4:]]
    assert third["next_before_id"] is None


def test_pages_come_with_a_cursor_and_link_to_the_next_page_of_the_same_filters(
    client: FlaskClient, db_session: Session, organisation: Organisation, admin: User
) -> None:
    entries = [add_entry(db_session, organisation, action="x.y") for _ in range(5)]
    add_entry(db_session, organisation, action="other.action")
    newest_first = [entry.id for entry in reversed(entries)]

    bodies = [p.get_json() for p in follow_pages(client.get, "/api/audit?action=x.y&limit=2")]
    pages = [[item["id"] for item in body["items"]] for body in bodies]
    # A page asked for by before_id links onward by cursor alone.
    by_id = client.get(
        "/api/audit", query_string={"action": "x.y", "limit": 2, "before_id": newest_first[1]}
    )

    assert pages == [newest_first[:2], newest_first[2:4], newest_first[4:]]
    assert [b["next_before_id"] for b in bodies] == [newest_first[1], newest_first[3], None]
    assert "before_id" not in by_id.headers["Link"] and "cursor=" in by_id.headers["Link"]
    onward = client.get(by_id.headers["Link"][1 : by_id.headers["Link"].index(">")])
    assert [i["id"] for i in onward.get_json()["items"]] == newest_first[4:]


def test_a_cursor_of_other_filters_or_with_before_id_is_refused(
    client: FlaskClient, db_session: Session, organisation: Organisation, admin: User
) -> None:
    for _ in range(3):
        add_entry(db_session, organisation, action="x.y")
    cursor = client.get("/api/audit?action=x.y&limit=1").headers["X-Next-Cursor"]

    answers = [
        client.get("/api/audit", query_string={"action": "device.revoked", "cursor": cursor}),
        client.get("/api/audit", query_string={"action": "x.y", "cursor": cursor, "before_id": 9}),
        client.get("/api/audit", query_string={"cursor": "bm90IGpzb24"}),
    ]

    assert [a.status_code for a in answers] == [422, 422, 422]
    assert all(list(a.get_json()["details"]) == ["cursor"] for a in answers)


@pytest.mark.postgres
def test_a_page_reads_the_organisation_id_index_backwards(
    app: Flask, client: FlaskClient, db_session: Session, organisation: Organisation, admin: User
) -> None:
    for _ in range(3):
        add_entry(db_session, organisation, action="x.y")
    cursor = client.get("/api/audit?limit=1").headers["X-Next-Cursor"]
    with app.app_context(), captured(db.engine) as statements:
        assert client.get("/api/audit", query_string={"cursor": cursor}).status_code == 200
    page = next((s, p) for s, p in statements if "FROM audit_log" in s and "LIMIT" in s)

    plan = plan_of(db_session, *page)

    assert "Index Scan Backward using ix_audit_log_organisation_id_id" in plan, plan
    assert "Sort" not in plan, plan


def test_reading_the_log_is_itself_logged(
    client: FlaskClient, db_session: Session, organisation: Organisation, admin: User
) -> None:
    client.get("/api/audit", query_string={"action": "device.revoked"})

    entry = db_session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "audit.read")).one()
    assert entry.actor_id == admin.id
    assert entry.details["filters"] == {"action": "device.revoked"}


@pytest.mark.parametrize(
    "query",
    [
        {"limit": 0},
        {"limit": 501},
        {"before_id": 0},
        {"actor": "not-a-uuid"},
        {"since": "2026-11-01T08:00:00"},  # no UTC offset
        {"since": "2026-11-02T00:00:00Z", "until": "2026-11-01T00:00:00Z"},
        {"surprise": "1"},
    ],
)
def test_invalid_queries_are_refused(
    client: FlaskClient, admin: User, query: dict[str, object]
) -> None:
    response = client.get("/api/audit", query_string=query)
    assert response.status_code == 422
    assert response.get_json()["code"] == "VALIDATION_ERROR"


@pytest.mark.parametrize("role", [role for role in Role if role is not Role.ADMIN])
def test_only_administrators_read_the_log(
    client: FlaskClient, db_session: Session, role: Role
) -> None:
    sign_in(client, make_user(db_session, role=role))
    response = client.get("/api/audit")
    assert response.status_code == 403
    assert response.get_json()["code"] == "FORBIDDEN"


def test_reading_the_log_needs_a_session(client: FlaskClient) -> None:
    assert client.get("/api/audit").status_code == 401


# --------------------------------------------------------------------------- append-only


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET action = 'rewritten' WHERE id = :id",
        "DELETE FROM audit_log WHERE id = :id",
    ],
)
def test_the_database_refuses_to_change_or_delete_an_entry(
    db_session: Session, organisation: Organisation, statement: str
) -> None:
    entry = add_entry(db_session, organisation)

    savepoint = db_session.begin_nested()
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db_session.execute(sa.text(statement), {"id": entry.id})
    savepoint.rollback()

    db_session.expire_all()
    assert db_session.get_one(AuditEntry, entry.id).action == "evaluation.submitted"
