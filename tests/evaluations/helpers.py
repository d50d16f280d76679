"""Test data for evaluations and sync: one engagement with its people, devices and evidence.

Requests authenticate with device tokens (``Authorization: Bearer fcd_…``), as the field app
does; that also keeps cookie CSRF out of these tests.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from backend.clients.models import Client, Site
from backend.devices.models import Device
from backend.devices.tokens import DEVICE_TOKEN_PREFIX, hash_device_token
from backend.engagements.models import Assignment, Engagement, EngagementMember, TeamRole
from backend.evidence.models import Evidence, EvidenceKind
from backend.users.models import Organisation, Role, User
from tests.factories import (
    make_assignment,
    make_client,
    make_engagement,
    make_organisation,
    make_site,
    make_unit,
    make_user,
)

_sequence = itertools.count(1)

#: The visit every payload describes: two days ago, 10:00–10:40 Beijing time (in the past, so
#: that no device clock looks ahead of the server's).
VISIT_START = (datetime.now(UTC) - timedelta(days=2)).replace(
    hour=2, minute=0, second=0, microsecond=0
)
VISIT_END = VISIT_START + timedelta(minutes=40)
BEIJING = timezone(timedelta(hours=8))


def beijing(at: datetime) -> str:
    """A timestamp as a phone in China writes it: local time with +08:00."""
    return at.astimezone(BEIJING).isoformat()


@dataclass
class Person:
    user: User
    device: Device
    headers: dict[str, str]


def make_device(session: Session, user: User) -> Device:
    token = DEVICE_TOKEN_PREFIX + secrets.token_urlsafe(24)
    device = Device(
        id=uuid.uuid4(), user_id=user.id, name="测试手机", token_hash=hash_device_token(token)
    )
    session.add(device)
    session.commit()
    device.token = token  # type: ignore[attr-defined]
    return device


def person(session: Session, role: Role, organisation: Organisation) -> Person:
    user = make_user(session, role=role, organisation=organisation)
    device = make_device(session, user)
    token = device.token  # type: ignore[attr-defined]
    return Person(user, device, {"Authorization": f"Bearer {token}"})


@dataclass
class World:
    organisation: Organisation
    site: Site
    other_site: Site
    engagement: Engagement
    assignment: Assignment
    leader: Person
    auditor: Person
    shopper: Person
    other_shopper: Person
    reviewer: Person
    outside_auditor: Person
    client_user: Person  # a user of the engagement's client
    other_client_user: Person  # a user of another client of the same body
    admin: Person

    def headers(self, who: Person, **extra: str) -> dict[str, str]:
        return {**who.headers, **extra}


def make_world(session: Session, *, modes: tuple[str, ...] = ("A", "B")) -> World:
    organisation = make_organisation(session)
    leader = person(session, Role.TEAM_LEADER, organisation)
    auditor = person(session, Role.AUDITOR, organisation)
    client = make_client(session, organisation=organisation)
    unit = make_unit(session, client=client)
    site = make_site(session, unit=unit, name="南昌红谷滩门店")
    other_site = make_site(
        session, unit=unit, name="南昌青山湖门店", latitude=28.69, longitude=115.95
    )
    engagement = make_engagement(
        session,
        client=client,
        leader=leader.user,
        auditors=[auditor.user],
        sites=[site, other_site],
        modes=modes,
    )
    shopper = person(session, Role.SHOPPER, organisation)
    assignment = make_assignment(session, engagement=engagement, site=site, shopper=shopper.user)
    return World(
        organisation=organisation,
        site=site,
        other_site=other_site,
        engagement=engagement,
        assignment=assignment,
        leader=leader,
        auditor=auditor,
        shopper=shopper,
        other_shopper=person(session, Role.SHOPPER, organisation),
        reviewer=person(session, Role.REVIEWER, organisation),
        outside_auditor=person(session, Role.AUDITOR, organisation),
        client_user=client_person(session, organisation, client),
        other_client_user=client_person(
            session, organisation, make_client(session, organisation=organisation)
        ),
        admin=person(session, Role.ADMIN, organisation),
    )


def client_person(session: Session, organisation: Organisation, client: Client) -> Person:
    """A client user linked to ``client`` (users.client_id)."""
    who = person(session, Role.CLIENT_USER, organisation)
    who.user.client_id = client.id
    session.commit()
    return who


def add_member(session: Session, engagement: Engagement, user: User) -> None:
    session.add(
        EngagementMember(
            id=uuid.uuid4(),
            engagement_id=engagement.id,
            user_id=user.id,
            team_role=TeamRole.AUDITOR,
        )
    )
    session.commit()


def make_evidence(
    session: Session,
    uploader: Person,
    *,
    data: bytes | None = None,
    phash: str | None = None,
    captured_at: datetime | None = VISIT_START + timedelta(minutes=10),
    received_at: datetime | None = None,
    capture: tuple[float, float, float] | None = None,
    exif_taken_at: datetime | None = None,
    exif_position: tuple[float, float] | None = None,
) -> Evidence:
    """An evidence row as the upload pipeline leaves it (no file needed for these tests)."""
    body = data if data is not None else f"photo {next(_sequence)}".encode()
    digest = hashlib.sha256(body).hexdigest()
    evidence = Evidence(
        id=uuid.uuid4(),
        organisation_id=uploader.user.organisation_id,
        sha256=digest,
        size_bytes=len(body),
        media_type="image/jpeg",
        kind=EvidenceKind.PHOTO,
        uploaded_by_id=uploader.user.id,
        device_id=uploader.device.id,
        captured_at=captured_at,
        received_at=received_at or (VISIT_END + timedelta(minutes=5)),
        capture_latitude=capture[0] if capture else None,
        capture_longitude=capture[1] if capture else None,
        capture_accuracy_m=capture[2] if capture else None,
        exif_taken_at=exif_taken_at,
        exif_latitude=exif_position[0] if exif_position else None,
        exif_longitude=exif_position[1] if exif_position else None,
        metadata_json={},
        phash=phash,
        original_key=f"originals/{digest}",
    )
    session.add(evidence)
    session.commit()
    return evidence


def visit_payload(world: World, **overrides: Any) -> dict[str, Any]:
    """A mystery-shopper visit (mode B) of the shopper's assignment, as the phone sends it."""
    body: dict[str, Any] = {
        "engagement_id": str(world.engagement.id),
        "site_id": str(world.site.id),
        "assignment_id": str(world.assignment.id),
        "mode": "B",
        "ratings": {
            "1.1": {"level": 4},
            "1.2": {"alpha": 0.75},
            "1.3": {"na": True, "reason": "门店无候客区"},
        },
        "notes": "工作人员主动问候。",
        "item_notes": {"1.1": "着装整洁"},
        "started_at": beijing(VISIT_START),
        "ended_at": beijing(VISIT_END),
        "gps_fixes": [
            {
                "latitude": world.site.latitude,
                "longitude": world.site.longitude,
                "accuracy_m": 12.5,
                "captured_at": beijing(VISIT_START + timedelta(minutes=1)),
            }
        ],
        "evidence": [],
    }
    body.update(overrides)
    return body


def inspection_payload(world: World, **overrides: Any) -> dict[str, Any]:
    """An auditor's open inspection (mode A): no assignment needed."""
    body = visit_payload(world, mode="A")
    del body["assignment_id"]
    body.update(overrides)
    return body


def put(client: FlaskClient, who: Person, evaluation_id: uuid.UUID, body: Any) -> TestResponse:
    return client.put(f"/api/evaluations/{evaluation_id}", json=body, headers=who.headers)


def patch(
    client: FlaskClient,
    who: Person,
    evaluation_id: uuid.UUID,
    body: Any,
    if_match: str | None,
) -> TestResponse:
    headers = dict(who.headers)
    if if_match is not None:
        headers["If-Match"] = if_match
    return client.patch(f"/api/evaluations/{evaluation_id}", json=body, headers=headers)


def review(
    client: FlaskClient,
    who: Person,
    evaluation_id: uuid.UUID,
    action: str,
    comment: str | None = None,
    if_match: str | None = '"v1"',
) -> TestResponse:
    headers = dict(who.headers)
    if if_match is not None:
        headers["If-Match"] = if_match
    body: dict[str, Any] = {"action": action}
    if comment is not None:
        body["comment"] = comment
    return client.post(f"/api/evaluations/{evaluation_id}/review", json=body, headers=headers)


def submitted_visit(
    client: FlaskClient, world: World, **overrides: Any
) -> tuple[uuid.UUID, dict[str, Any]]:
    """A shopper's visit, created and submitted in one request."""
    evaluation_id = uuid.uuid4()
    response = put(
        client, world.shopper, evaluation_id, visit_payload(world, submit=True, **overrides)
    )
    assert response.status_code == 201, response.get_json()
    body: dict[str, Any] = response.get_json()
    return evaluation_id, body


def record_evaluation(
    client: FlaskClient,
    session: Session,
    world: World,
    ratings: dict[str, Any],
    *,
    by: Person | None = None,
    site: Any = None,
    outcome: tuple[str, ...] = ("accept",),
) -> uuid.UUID:
    """Record, submit and review one evaluation: a shopper's visit (mode B, on an assignment made
    for it) unless ``by`` names an auditor (an open inspection, mode A); ``outcome`` the team
    leader's review actions in order (none: left submitted)."""
    site = site or world.site
    evaluation_id = uuid.uuid4()
    if by is None:
        assignment = make_assignment(
            session, engagement=world.engagement, site=site, shopper=world.shopper.user
        )
        body = visit_payload(
            world,
            ratings=ratings,
            submit=True,
            site_id=str(site.id),
            assignment_id=str(assignment.id),
        )
        who = world.shopper
    else:
        body = inspection_payload(world, ratings=ratings, submit=True, site_id=str(site.id))
        who = by
    response = put(client, who, evaluation_id, body)
    assert response.status_code == 201, response.get_json()
    for action in outcome:
        reviewed = review(client, world.leader, evaluation_id, action, "理由")
        assert reviewed.status_code == 200, reviewed.get_json()
    return evaluation_id
