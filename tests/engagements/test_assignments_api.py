"""Assignments: /api/engagements/<id>/assignments, /api/assignments/<id>, /api/me/assignments."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.engagements import signals
from backend.engagements.models import Assignment, AssignmentStatus, EngagementStatus
from backend.users.models import Role
from tests.engagements.support import World, audit_entries, count
from tests.factories import (
    make_assignment,
    make_engagement,
    make_scheme_version,
    make_site,
    make_user,
    sign_in,
)

START = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


def body(world: World, **overrides: Any) -> dict[str, Any]:
    return {
        "site_id": str(world.site.id),
        "shopper_id": str(world.shopper.id),
        "window_start": "2026-12-02T09:00:00+08:00",
        "window_end": "2026-12-09T18:00:00+08:00",
        "instructions": "以潜在客户身份咨询。",
        **overrides,
    }


@pytest.fixture
def created() -> Iterator[list[uuid.UUID]]:
    """Hears assignment_created and collects the ids it was sent with."""
    seen: list[uuid.UUID] = []

    def receiver(assignment: Assignment, *, session: Session) -> None:
        seen.append(assignment.id)

    with signals.assignment_created.connected_to(receiver):
        yield seen


# --------------------------------------------------------------------------- create


def test_the_team_leader_assigns_a_visit(
    client: FlaskClient, db_session: Session, world: World, created: list[uuid.UUID]
) -> None:
    sign_in(client, world.leader)

    response = client.post(f"/api/engagements/{world.engagement.id}/assignments", json=body(world))

    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert response.headers["ETag"] == '"v1"'
    assert answer["version"] == 1
    assert answer["status"] == "assigned"
    assert answer["mode"] == "B"  # the default
    assert answer["site"] == {"id": str(world.site.id), "name": "一号场所"}
    assert answer["shopper"] == {"id": str(world.shopper.id), "display_name": "周暗访"}
    assert answer["window_start"] == "2026-12-02T01:00:00+00:00"
    assignment = db_session.get_one(Assignment, uuid.UUID(answer["id"]))
    assert assignment.window_end == datetime(2026, 12, 9, 10, 0, tzinfo=UTC)
    (entry,) = audit_entries(db_session, "assignment.created", assignment.id)
    assert entry.actor_id == world.leader.id
    assert entry.details["shopper_id"] == str(world.shopper.id)
    assert created == [assignment.id]


def test_a_failing_callback_does_not_undo_the_assignment(
    client: FlaskClient, db_session: Session, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(assignment: Assignment, *, session: Session) -> None:
        raise RuntimeError("push service down")

    with signals.assignment_created.connected_to(broken):
        sign_in(client, world.leader)
        response = client.post(
            f"/api/engagements/{world.engagement.id}/assignments", json=body(world)
        )

    assert response.status_code == 201
    assert count(db_session, Assignment) == 1
    assert "push service down" in caplog.text


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("auditor", 403),  # on the team, but the auditor role may not assign
        ("admin", 403),  # planning visits is the team leader's job
        ("reviewer", 403),
        ("shopper", 403),
        ("client_user", 403),
        ("other_leader", 404),  # a team leader not on this engagement does not see it
    ],
)
def test_only_the_engagements_team_leader_assigns_visits(
    client: FlaskClient, db_session: Session, world: World, user: str, status: int
) -> None:
    sign_in(client, getattr(world, user))

    response = client.post(f"/api/engagements/{world.engagement.id}/assignments", json=body(world))

    assert response.status_code == status
    assert count(db_session, Assignment) == 0


def test_creating_an_assignment_needs_a_signed_in_user(client: FlaskClient, world: World) -> None:
    response = client.post(f"/api/engagements/{world.engagement.id}/assignments", json=body(world))
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"window_end": "2026-12-02T09:00:00+08:00"}, "window_end"),  # equal: not after
        ({"window_end": "2026-12-01T09:00:00+08:00"}, "window_end"),
        ({"window_start": "2026-12-02T09:00:00"}, "window_start"),  # no offset
        ({"mode": "A"}, "mode"),  # not a shopper mode
        ({"mode": "D"}, "mode"),  # a shopper mode the engagement does not use
        ({"instructions": "x" * 10_001}, "instructions"),
        ({"status": "completed"}, "status"),  # unknown field on create
        ({"shopper_id": "周暗访"}, "shopper_id"),
        ({"window_start": "0001-01-01T00:00:00+14:00"}, "window_start"),  # not even UTC-able
        ({"window_end": "9999-12-31T23:59:59-12:00"}, "window_end"),
        ({"instructions": "\u0000"}, "instructions"),
    ],
)
def test_invalid_assignment_bodies_are_refused_and_nothing_is_stored(
    client: FlaskClient,
    db_session: Session,
    world: World,
    overrides: dict[str, Any],
    field: str,
) -> None:
    sign_in(client, world.leader)

    response = client.post(
        f"/api/engagements/{world.engagement.id}/assignments", json=body(world, **overrides)
    )

    assert response.status_code == 422
    assert response.get_json()["code"] == "VALIDATION_ERROR"
    assert field in response.get_json()["details"]
    assert count(db_session, Assignment) == 0
    assert audit_entries(db_session, "assignment.created") == []


def test_the_site_and_shopper_must_fit_the_engagement(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    outside = make_engagement(db_session, client=world.client, leader=world.other_leader)
    not_sampled = make_site(db_session, unit=world.unit)
    stranger = make_user(db_session, role=Role.SHOPPER)
    inactive = make_user(
        db_session, role=Role.SHOPPER, organisation=world.organisation, is_active=False
    )
    sign_in(client, world.leader)

    for overrides, field in [
        ({"site_id": str(not_sampled.id)}, "site_id"),
        ({"site_id": str(uuid.uuid4())}, "site_id"),
        ({"shopper_id": str(world.auditor.id)}, "shopper_id"),
        ({"shopper_id": str(stranger.id)}, "shopper_id"),
        ({"shopper_id": str(inactive.id)}, "shopper_id"),
        ({"shopper_id": str(uuid.uuid4())}, "shopper_id"),
    ]:
        response = client.post(
            f"/api/engagements/{world.engagement.id}/assignments", json=body(world, **overrides)
        )
        assert response.status_code == 422, overrides
        assert field in response.get_json()["details"], overrides
    assert outside.id != world.engagement.id
    assert count(db_session, Assignment) == 0


def test_no_assignments_once_the_engagement_is_decided(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    world.engagement.status = EngagementStatus.DECIDED
    db_session.commit()
    sign_in(client, world.leader)

    response = client.post(f"/api/engagements/{world.engagement.id}/assignments", json=body(world))

    assert response.status_code == 409
    assert response.get_json()["code"] == "INVALID_TRANSITION"


# --------------------------------------------------------------------------- read


@pytest.fixture
def two_visits(db_session: Session, world: World) -> tuple[Assignment, Assignment]:
    mine = make_assignment(
        db_session, engagement=world.engagement, site=world.site, shopper=world.shopper
    )
    theirs = make_assignment(
        db_session,
        engagement=world.engagement,
        site=world.other_site,
        shopper=world.other_shopper,
        window_start=START + timedelta(days=1),
    )
    return mine, theirs


@pytest.mark.parametrize("user", ["leader", "auditor", "admin"])
def test_the_team_and_admins_list_every_assignment_and_the_read_is_logged(
    client: FlaskClient,
    db_session: Session,
    world: World,
    two_visits: tuple[Assignment, Assignment],
    user: str,
) -> None:
    reader = getattr(world, user)
    sign_in(client, reader)

    response = client.get(f"/api/engagements/{world.engagement.id}/assignments")

    assert response.status_code == 200
    assert [a["id"] for a in response.get_json()] == [str(a.id) for a in two_visits]
    assert {a["shopper"]["display_name"] for a in response.get_json()} == {"周暗访", "吴暗访"}
    (entry,) = audit_entries(db_session, "assignments.read", world.engagement.id)
    assert entry.actor_id == reader.id and entry.details == {"count": 2}


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("reviewer", 403),
        ("shopper", 403),
        ("client_user", 403),  # shopper identities are confidential (DOMAIN.md)
        ("scheme_manager", 403),
        ("other_auditor", 404),  # not on this engagement's team
        ("other_leader", 404),
    ],
)
def test_others_do_not_list_an_engagements_assignments(
    client: FlaskClient,
    db_session: Session,
    world: World,
    two_visits: tuple[Assignment, Assignment],
    user: str,
    status: int,
) -> None:
    sign_in(client, getattr(world, user))

    response = client.get(f"/api/engagements/{world.engagement.id}/assignments")

    assert response.status_code == status
    assert audit_entries(db_session, "assignments.read") == []


def test_a_shopper_reads_their_own_assignment_only(
    client: FlaskClient,
    db_session: Session,
    world: World,
    two_visits: tuple[Assignment, Assignment],
) -> None:
    mine, theirs = two_visits
    sign_in(client, world.shopper)

    own = client.get(f"/api/assignments/{mine.id}")
    other = client.get(f"/api/assignments/{theirs.id}")

    assert own.status_code == 200
    assert own.headers["ETag"] == '"v1"'
    assert own.get_json()["shopper"]["id"] == str(world.shopper.id)
    assert other.status_code == 404
    assert "吴暗访" not in other.get_data(as_text=True)
    # A shopper's read of their own assignment is no read of someone else's personal data.
    assert audit_entries(db_session, "assignment.read") == []


def test_a_team_member_reads_an_assignment_and_the_read_is_logged(
    client: FlaskClient,
    db_session: Session,
    world: World,
    two_visits: tuple[Assignment, Assignment],
) -> None:
    sign_in(client, world.auditor)

    response = client.get(f"/api/assignments/{two_visits[1].id}")

    assert response.status_code == 200
    assert response.get_json()["shopper"]["display_name"] == "吴暗访"
    (entry,) = audit_entries(db_session, "assignment.read", two_visits[1].id)
    assert entry.actor_id == world.auditor.id


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("client_user", 403),
        ("reviewer", 403),
        ("scheme_manager", 403),
        ("other_auditor", 404),
        ("other_shopper", 404),  # the other shopper's is two_visits[1], not this one
    ],
)
def test_others_do_not_read_an_assignment(
    client: FlaskClient,
    db_session: Session,
    world: World,
    two_visits: tuple[Assignment, Assignment],
    user: str,
    status: int,
) -> None:
    sign_in(client, getattr(world, user))
    assert client.get(f"/api/assignments/{two_visits[0].id}").status_code == status


def test_an_assignment_of_another_organisation_is_not_found(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    theirs = make_engagement(db_session)
    shopper = make_user(db_session, role=Role.SHOPPER)
    assignment = make_assignment(
        db_session, engagement=theirs, site=make_site(db_session), shopper=shopper
    )
    sign_in(client, world.admin)
    assert client.get(f"/api/assignments/{assignment.id}").status_code == 404
    assert client.get(f"/api/assignments/{uuid.uuid4()}").status_code == 404


# --------------------------------------------------------------------------- update


def test_the_team_leader_cancels_with_if_match(
    client: FlaskClient,
    db_session: Session,
    world: World,
    two_visits: tuple[Assignment, Assignment],
) -> None:
    assignment = two_visits[0]
    sign_in(client, world.leader)
    path = f"/api/assignments/{assignment.id}"

    response = client.patch(path, json={"status": "cancelled"}, headers={"If-Match": '"v1"'})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "cancelled"
    assert response.get_json()["version"] == 2
    assert response.headers["ETag"] == '"v2"'
    (entry,) = audit_entries(db_session, "assignment.cancelled", assignment.id)
    assert entry.details["changes"]["status"] == {"from": "assigned", "to": "cancelled"}
    again = client.patch(path, json={"status": "cancelled"}, headers={"If-Match": '"v2"'})
    assert again.status_code == 409
    assert again.get_json()["code"] == "INVALID_TRANSITION"


def test_an_edit_without_if_match_is_428_and_a_stale_one_412(
    client: FlaskClient,
    db_session: Session,
    world: World,
    two_visits: tuple[Assignment, Assignment],
) -> None:
    assignment = two_visits[0]
    sign_in(client, world.leader)
    path = f"/api/assignments/{assignment.id}"

    missing = client.patch(path, json={"instructions": "新的说明"})
    malformed = client.patch(path, json={"instructions": "新的说明"}, headers={"If-Match": "v1"})
    updated = client.patch(path, json={"instructions": "新的说明"}, headers={"If-Match": '"v1"'})
    stale = client.patch(path, json={"status": "cancelled"}, headers={"If-Match": '"v1"'})

    assert missing.status_code == 428
    assert missing.get_json()["code"] == "PRECONDITION_REQUIRED"
    assert malformed.status_code == 412
    assert updated.status_code == 200 and updated.headers["ETag"] == '"v2"'
    assert stale.status_code == 412
    assert stale.get_json()["details"] == {"current_version": 2, "etag": '"v2"'}
    db_session.refresh(assignment)
    assert assignment.status is AssignmentStatus.ASSIGNED
    assert assignment.instructions == "新的说明"
    assert len(audit_entries(db_session, "assignment.updated", assignment.id)) == 1


def test_a_changed_window_must_stay_ordered(
    client: FlaskClient,
    db_session: Session,
    world: World,
    two_visits: tuple[Assignment, Assignment],
) -> None:
    assignment = two_visits[0]
    sign_in(client, world.leader)
    path = f"/api/assignments/{assignment.id}"
    after_the_end = (assignment.window_end + timedelta(hours=1)).isoformat()

    refused = client.patch(path, json={"window_start": after_the_end}, headers={"If-Match": '"v1"'})
    refused_schema = client.patch(
        path,
        json={"window_start": "2026-12-05T00:00:00+00:00", "window_end": "2026-12-04T00:00:00Z"},
        headers={"If-Match": '"v1"'},
    )

    assert refused.status_code == 422 and "window_end" in refused.get_json()["details"]
    assert refused_schema.status_code == 422
    db_session.refresh(assignment)
    assert assignment.version == 1


@pytest.mark.parametrize(
    "changes", [{"status": "completed"}, {"status": "assigned"}, {"shopper_id": str(uuid.uuid4())}]
)
def test_only_cancelling_is_a_status_change_and_the_shopper_is_fixed(
    client: FlaskClient,
    db_session: Session,
    world: World,
    two_visits: tuple[Assignment, Assignment],
    changes: dict[str, Any],
) -> None:
    sign_in(client, world.leader)
    response = client.patch(
        f"/api/assignments/{two_visits[0].id}", json=changes, headers={"If-Match": '"v1"'}
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("auditor", 403),
        ("shopper", 403),  # the shopper cannot cancel their own visit
        ("admin", 403),
        ("client_user", 403),
        ("other_leader", 404),
    ],
)
def test_only_the_team_leader_changes_an_assignment(
    client: FlaskClient,
    db_session: Session,
    world: World,
    two_visits: tuple[Assignment, Assignment],
    user: str,
    status: int,
) -> None:
    sign_in(client, getattr(world, user))
    response = client.patch(
        f"/api/assignments/{two_visits[0].id}",
        json={"status": "cancelled"},
        headers={"If-Match": '"v1"'},
    )
    assert response.status_code == status
    db_session.refresh(two_visits[0])
    assert two_visits[0].status is AssignmentStatus.ASSIGNED


# --------------------------------------------------------------------------- the shopper's packet


def test_a_shopper_gets_their_assignments_ready_for_offline_use(
    client: FlaskClient,
    db_session: Session,
    world: World,
    two_visits: tuple[Assignment, Assignment],
) -> None:
    sign_in(client, world.shopper)

    response = client.get("/api/me/assignments")

    assert response.status_code == 200
    (packet,) = response.get_json()
    assert packet["id"] == str(two_visits[0].id)
    assert packet["version"] == 1 and packet["status"] == "assigned" and packet["mode"] == "B"
    assert packet["engagement"] == {"id": str(world.engagement.id), "title": world.engagement.title}
    assert packet["window_start"] == "2026-12-02T01:00:00+00:00"
    assert packet["instructions"] == "到店咨询，按项目逐项记录。"
    assert packet["site"] == {
        "id": str(world.site.id),
        "name": "一号场所",
        "address": world.site.address,
        "location": {
            "latitude": world.site.latitude,
            "longitude": world.site.longitude,
            "datum": "wgs84",
        },
        "geofence_radius_m": 150.0,
    }
    scheme = packet["scheme"]
    assert scheme["id"] == str(world.scheme.id)
    assert scheme["scheme_id"] == "cts-tbsc034-2026"
    assert scheme["content_hash"] == world.scheme.content_hash
    items = scheme["items"]
    assert len(items) == 19
    assert sum(Decimal(item["points"]) for item in items) == 100
    first = items[0]
    assert first["code"] == "1.1" and first["points"] == "5"
    assert first["characteristic"] == {
        "code": "1",
        "title": {"zh": "功能性", "en": "Functionality"},
    }
    assert first["title"] == {"zh": "人员", "en": "People"}
    assert items[-1]["code"] == "7.1" and items[-1]["points"] == "8"
    (scale,) = scheme["scales"]
    assert scale["code"] == first["scale"] == "likert5"
    assert [band["level"] for band in scale["bands"]] == [1, 2, 3, 4, 5]
    assert scale["bands"][0]["label"] == {"zh": "远低于预期", "en": "Far below expectation"}
    # Nothing about other shoppers, and no shopper identity at all.
    text = response.get_data(as_text=True)
    assert "吴暗访" not in text and str(world.other_shopper.id) not in text


def test_a_shopper_without_assignments_gets_an_empty_list(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    sign_in(client, world.shopper)
    response = client.get("/api/me/assignments")
    assert response.status_code == 200
    assert response.get_json() == []


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.SHOPPER])
def test_only_shoppers_have_field_assignments(
    client: FlaskClient, db_session: Session, world: World, role: Role
) -> None:
    sign_in(client, world.user(role))
    response = client.get("/api/me/assignments")
    assert response.status_code == 403
    assert response.get_json()["code"] == "FORBIDDEN"


def test_field_assignments_need_a_signed_in_user(client: FlaskClient) -> None:
    assert client.get("/api/me/assignments").status_code == 401


def test_a_scheme_without_service_items_gives_an_empty_item_list(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    cqc = make_scheme_version(db_session, name="cqc83-831102-2025.yaml")
    engagement = make_engagement(
        db_session,
        client=world.client,
        leader=world.leader,
        sites=[world.site],
        scheme_version=cqc,
        modes=("A", "B", "E", "G"),
    )
    make_assignment(db_session, engagement=engagement, site=world.site, shopper=world.shopper)
    sign_in(client, world.shopper)

    (packet,) = client.get("/api/me/assignments").get_json()

    assert packet["scheme"]["scheme_id"] == "cqc83-831102-2025"
    assert packet["scheme"]["items"] == [] and packet["scheme"]["scales"] == []
