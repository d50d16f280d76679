"""Factories for test data: users and organisations with sensible defaults."""

from __future__ import annotations

import functools
import itertools
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.auth.passwords import hash_password
from backend.clients.models import CertificationUnit, Client, Datum, Site
from backend.engagements.models import (
    Assignment,
    AssignmentStatus,
    Engagement,
    EngagementKind,
    EngagementMember,
    EngagementSite,
    EngagementStatus,
    TeamRole,
)
from backend.schemes.models import SchemeVersion
from backend.schemes.services import import_scheme
from backend.users.models import Organisation, Role, User

DEFAULT_PASSWORD = "correct horse battery staple"

_sequence = itertools.count(1)


@functools.cache
def _hashed(password: str) -> str:
    # argon2id at production cost takes tens of milliseconds: hash each test password once.
    return hash_password(password)


def make_organisation(session: Session, *, name: str | None = None) -> Organisation:
    organisation = Organisation(id=uuid.uuid4(), name=name or f"测试认证机构 {next(_sequence)}")
    session.add(organisation)
    session.commit()
    return organisation


def make_user(
    session: Session,
    *,
    role: Role = Role.AUDITOR,
    email: str | None = None,
    password: str = DEFAULT_PASSWORD,
    display_name: str | None = None,
    organisation: Organisation | None = None,
    is_active: bool = True,
    password_hash: str | None = None,
) -> User:
    """A user, committed (into the test's savepoint) so that requests can see it."""
    number = next(_sequence)
    user = User(
        id=uuid.uuid4(),
        organisation=organisation or make_organisation(session),
        email=email or f"user{number}@example.test",
        display_name=display_name or f"测试用户 {number}",
        role=role,
        password_hash=password_hash or _hashed(password),
        is_active=is_active,
    )
    session.add(user)
    session.commit()
    return user


# --------------------------------------------------------------------------- field work (issue 3)

#: The schemes/ folder at the top of the checkout.
SCHEMES_DIR = Path(__file__).resolve().parent.parent / "schemes"


def sign_in(client: FlaskClient, user: User, password: str = DEFAULT_PASSWORD) -> None:
    """Sign ``user`` in on the test client (session cookie) and send the CSRF token from then on.

    The token goes into every later request of this client as X-CSRF-Token, as the PWA does.
    """
    client.environ_base.pop("HTTP_X_CSRF_TOKEN", None)
    pre = client.get("/api/auth/csrf")
    headers = {"X-CSRF-Token": pre.get_json()["csrf_token"]} if pre.status_code == 200 else {}
    response = client.post(
        "/api/auth/login", json={"email": user.email, "password": password}, headers=headers
    )
    assert response.status_code == 200, response.get_json()
    token = response.get_json().get("csrf_token")
    if token:
        client.environ_base["HTTP_X_CSRF_TOKEN"] = token


def make_client(
    session: Session, *, organisation: Organisation | None = None, name: str | None = None
) -> Client:
    client = Client(
        id=uuid.uuid4(),
        organisation_id=(organisation or make_organisation(session)).id,
        name=name or f"测试委托人 {next(_sequence)}",
    )
    session.add(client)
    session.commit()
    return client


def make_unit(
    session: Session, *, client: Client | None = None, name: str | None = None
) -> CertificationUnit:
    unit = CertificationUnit(
        id=uuid.uuid4(),
        client_id=(client or make_client(session)).id,
        name=name or f"测试认证单元 {next(_sequence)}",
    )
    session.add(unit)
    session.commit()
    return unit


def make_site(
    session: Session,
    *,
    unit: CertificationUnit | None = None,
    name: str | None = None,
    latitude: float = 28.71689,
    longitude: float = 115.96021,
    geofence_radius_m: float = 150.0,
) -> Site:
    """A site entered in WGS-84 (so entered and stored coordinates are the same)."""
    site = Site(
        id=uuid.uuid4(),
        unit_id=(unit or make_unit(session)).id,
        name=name or f"测试场所 {next(_sequence)}",
        address="江西省南昌市测试路 1 号",
        latitude=latitude,
        longitude=longitude,
        geofence_radius_m=geofence_radius_m,
        entered_datum=Datum.WGS84,
        entered_latitude=latitude,
        entered_longitude=longitude,
    )
    session.add(site)
    session.commit()
    return site


def make_scheme_version(session: Session, *, name: str = "cts-tbsc034-2026.yaml") -> SchemeVersion:
    """The scheme file ``schemes/<name>`` as a stored version (the existing row if imported).

    Imported the way the command line does it (``fieldcert scheme import``: no actor), so a test
    row is exactly what the service stores, audit entry included.
    """
    raw = (SCHEMES_DIR / name).read_bytes()
    return import_scheme(session, None, raw, source=name).scheme_version


def make_engagement(
    session: Session,
    *,
    client: Client | None = None,
    leader: User | None = None,
    auditors: Sequence[User] = (),
    sites: Sequence[Site] = (),
    scheme_version: SchemeVersion | None = None,
    modes: Sequence[str] = ("A", "B", "E"),
    status: EngagementStatus = EngagementStatus.PLANNED,
) -> Engagement:
    """An engagement with its team (a new team leader unless given) and sites."""
    if client is None:
        organisation = leader.organisation if leader is not None else make_organisation(session)
        client = make_client(session, organisation=organisation)
    if leader is None:
        organisation = session.get_one(Organisation, client.organisation_id)
        leader = make_user(session, role=Role.TEAM_LEADER, organisation=organisation)
    engagement = Engagement(
        id=uuid.uuid4(),
        organisation_id=client.organisation_id,
        client_id=client.id,
        scheme_version_id=(scheme_version or make_scheme_version(session)).id,
        kind=EngagementKind.INITIAL,
        status=status,
        modes=sorted(modes),
        title=f"测试审查 {next(_sequence)}",
        starts_on=date(2026, 12, 1),
        ends_on=date(2026, 12, 31),
        members=[EngagementMember(id=uuid.uuid4(), user_id=leader.id, team_role=TeamRole.LEADER)]
        + [
            EngagementMember(id=uuid.uuid4(), user_id=user.id, team_role=TeamRole.AUDITOR)
            for user in auditors
        ],
        sites=[EngagementSite(id=uuid.uuid4(), site_id=site.id) for site in sites],
    )
    session.add(engagement)
    session.commit()
    return engagement


def make_assignment(
    session: Session,
    *,
    engagement: Engagement,
    site: Site,
    shopper: User,
    window_start: datetime | None = None,
    window_end: datetime | None = None,
    status: AssignmentStatus = AssignmentStatus.ASSIGNED,
    mode: str = "B",
) -> Assignment:
    start = window_start or datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    assignment = Assignment(
        id=uuid.uuid4(),
        engagement_id=engagement.id,
        site_id=site.id,
        shopper_id=shopper.id,
        mode=mode,
        window_start=start,
        window_end=window_end or start + timedelta(days=7),
        instructions="到店咨询，按项目逐项记录。",
        status=status,
        version=1,
    )
    session.add(assignment)
    session.commit()
    return assignment
