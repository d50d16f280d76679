"""Demo data: one organisation, one user per role and a small field-work plan, for a laptop.

``fieldcert demo load`` is idempotent: it creates what is missing, puts back what was changed,
and leaves rows that already match untouched (not even a new password salt). Besides the users it
imports the schemes in ``schemes/`` and plans one engagement: a client with one certification
unit and two sites (one entered in GCJ-02, as copied from Amap), the demo team leader and auditor
on the team (the demo reviewer deliberately not, so they may review it: CQC §6.1), and one
mystery-shopper assignment for the demo shopper over the next seven days, and an open customer
survey on that engagement whose first site answers at ``/s/demo``; and a second engagement
taken all the way to an issued certificate (``backend.demo_certified``).
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from backend.audit.services import record
from backend.auth.actor import Actor
from backend.auth.passwords import hash_password, verify_password
from backend.clients import services as clients
from backend.clients.models import CertificationUnit, Client, Datum, Site
from backend.config import REPO_ROOT
from backend.demo_certified import demo_verification_url, load_certified_demo
from backend.engagements import services as engagements
from backend.engagements.models import (
    Assignment,
    AssignmentStatus,
    Engagement,
    EngagementKind,
)
from backend.errors import Conflict
from backend.schemes.models import SchemeVersion
from backend.schemes.services import import_scheme
from backend.unit_of_work import after_commit, flush_as_stored, transaction
from backend.users.models import Organisation, Role, User
from backend.users.services import (
    add_organisation,
    add_user,
    get_organisation_by_name,
    get_user_by_email,
)

DEMO_ORGANISATION = "fieldcert 演示认证机构"


@dataclass(frozen=True, slots=True)
class DemoLogin:
    role: Role
    email: str
    password: str
    display_name: str


#: Fixed, published passwords: demo data never belongs on a server (see FIELDCERT_ENV).
DEMO_LOGINS: Sequence[DemoLogin] = (
    DemoLogin(Role.ADMIN, "admin@demo.fieldcert.cn", "demo-admin-2026", "王管理（认证机构管理员）"),
    DemoLogin(
        Role.SCHEME_MANAGER,
        "scheme-manager@demo.fieldcert.cn",
        "demo-scheme-manager-2026",
        "李方案（方案管理）",
    ),
    DemoLogin(
        Role.TEAM_LEADER,
        "team-leader@demo.fieldcert.cn",
        "demo-team-leader-2026",
        "张组长（审查组长）",
    ),
    DemoLogin(Role.AUDITOR, "auditor@demo.fieldcert.cn", "demo-auditor-2026", "刘审查（审查员）"),
    DemoLogin(
        Role.REVIEWER, "reviewer@demo.fieldcert.cn", "demo-reviewer-2026", "陈复核（复核人）"
    ),
    DemoLogin(Role.SHOPPER, "shopper@demo.fieldcert.cn", "demo-shopper-2026", "周暗访（神秘顾客）"),
    DemoLogin(
        Role.CLIENT_USER,
        "client@demo.fieldcert.cn",
        "demo-client-2026",
        "孙委托（服务提供者）",
    ),
)


@dataclass(frozen=True, slots=True)
class DemoSite:
    name: str
    address: str
    datum: Datum
    latitude: float
    longitude: float
    geofence_radius_m: float


DEMO_SCHEMES_DIR = REPO_ROOT / "schemes"
DEMO_SCHEME_FILES = ("cts-tbsc034-2026.yaml", "cts-tbsc134-2026.yaml", "cqc83-831102-2025.yaml")
DEMO_CLIENT = "江西某污水处理工程有限公司"
DEMO_UNIT = "城镇污水处理厂工程施工服务"
DEMO_SITES: Sequence[DemoSite] = (
    # Entered from a GPS reading on site (WGS-84).
    DemoSite(
        "南昌某污水处理厂提标改造工程项目部",
        "江西省南昌市青山湖区某污水处理厂内",
        Datum.WGS84,
        28.716890,
        115.960210,
        200.0,
    ),
    # Copied from Amap (GCJ-02): stored in WGS-84 about 500 m away from these numbers.
    DemoSite(
        "九江某污水处理厂新建工程项目部",
        "江西省九江市濂溪区某工业园污水处理厂工地",
        Datum.GCJ02,
        29.668530,
        116.012460,
        150.0,
    ),
)
DEMO_ENGAGEMENT_SCHEME = "cts-tbsc034-2026"
DEMO_ENGAGEMENT = "江西某污水处理工程有限公司 城镇污水处理厂工程施工服务认证（初次认证）"
DEMO_ENGAGEMENT_MODES = ("A", "B", "E")
DEMO_ASSIGNMENT_DAYS = 7
DEMO_INSTRUCTIONS = (
    "以咨询污水处理厂提标改造施工服务的潜在客户身份到项目部了解情况；"
    "不得表明身份；按评价项目逐项记录，并拍摄现场照片（不拍摄人员面部）。"
)


@dataclass(frozen=True, slots=True)
class DemoLoadResult:
    created: int
    updated: int
    unchanged: int


@dataclass
class _Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


class DemoRefused(click.ClickException):
    """Demo data was asked for where it must not go."""


def load_demo_data(session: Session, *, now: datetime | None = None) -> DemoLoadResult:
    """Create or restore the demo organisation, users, schemes and field-work plan; commit.

    Rows are found again by their natural keys (names, emails, the scheme's content hash), so a
    second run creates nothing. ``now`` (default: the clock) starts the assignment's window.
    """
    now = now or datetime.now(UTC)
    tally = _Tally()
    organisation = get_organisation_by_name(session, DEMO_ORGANISATION)
    if organisation is None:
        organisation = add_organisation(session, name=DEMO_ORGANISATION)
        tally.count("created")
    else:
        tally.count("unchanged")
    users: dict[Role, User] = {}
    #: How each demo user was counted: the client user's link to the client may change it.
    outcomes: dict[Role, str] = {}
    for login in DEMO_LOGINS:
        user = get_user_by_email(session, login.email)
        if user is None:
            outcomes[login.role] = "created"
            user = add_user(
                session,
                organisation=organisation,
                email=login.email,
                display_name=login.display_name,
                role=login.role,
                password=login.password,
            )
        elif _restore(user, login, organisation):
            outcomes[login.role] = "updated"
        else:
            outcomes[login.role] = "unchanged"
        users[login.role] = user
    flush_as_stored(session)
    # The demo client user belongs to the demo client: its directory, its results, never shoppers.
    admin = Actor(users[Role.ADMIN])
    client = session.scalars(
        sa.select(Client).where(
            Client.organisation_id == organisation.id, Client.name == DEMO_CLIENT
        )
    ).first()
    if client is None:
        client = clients.create_client(session, admin, name=DEMO_CLIENT)
        tally.count("created")
    else:
        tally.count("unchanged")
    client_user = users[Role.CLIENT_USER]
    if client_user.client_id != client.id:
        client_user.client_id = client.id
        flush_as_stored(session)
        if outcomes[Role.CLIENT_USER] == "unchanged":
            outcomes[Role.CLIENT_USER] = "updated"
    for outcome in outcomes.values():
        tally.count(outcome)
    _load_field_work(session, users, client, tally, now)
    return DemoLoadResult(created=tally.created, updated=tally.updated, unchanged=tally.unchanged)


def _load_field_work(
    session: Session, users: dict[Role, User], client: Client, tally: _Tally, now: datetime
) -> None:
    """Schemes, the demo client with its unit and sites, one engagement, one assignment.

    Goes through the same services as the API (so the audit log shows who did what), acting as
    the demo scheme manager, administrator and team leader.
    """
    scheme_manager = Actor(users[Role.SCHEME_MANAGER])
    admin = Actor(users[Role.ADMIN])
    leader = Actor(users[Role.TEAM_LEADER])
    for name in DEMO_SCHEME_FILES:
        path = DEMO_SCHEMES_DIR / name
        try:
            result = import_scheme(session, scheme_manager, path.read_bytes(), source=str(path))
        except Conflict:
            # The file was edited without a new version: keep the version already imported.
            tally.count("unchanged")
            continue
        tally.count("created" if result.created else "unchanged")

    unit = session.scalars(
        sa.select(CertificationUnit).where(
            CertificationUnit.client_id == client.id, CertificationUnit.name == DEMO_UNIT
        )
    ).first()
    if unit is None:
        unit = clients.create_unit(
            session, admin, client.id, name=DEMO_UNIT, scope="城镇污水处理厂工程施工服务"
        )
        tally.count("created")
    else:
        tally.count("unchanged")
    sites = [_demo_site(session, admin, unit, demo, tally) for demo in DEMO_SITES]

    engagement = session.scalars(
        sa.select(Engagement).where(
            Engagement.organisation_id == admin.user.organisation_id,
            Engagement.title == DEMO_ENGAGEMENT,
        )
    ).first()
    if engagement is None:
        scheme = session.scalars(
            sa.select(SchemeVersion)
            .where(SchemeVersion.scheme_id == DEMO_ENGAGEMENT_SCHEME)
            .order_by(SchemeVersion.imported_at.desc())
        ).first()
        if scheme is None:
            raise click.ClickException(f"scheme {DEMO_ENGAGEMENT_SCHEME} was not imported")
        today = now.date()
        engagement = engagements.create_engagement(
            session,
            leader,
            client_id=client.id,
            scheme_version_id=scheme.id,
            kind=EngagementKind.INITIAL,
            modes=DEMO_ENGAGEMENT_MODES,
            title=DEMO_ENGAGEMENT,
            starts_on=today,
            ends_on=today + timedelta(days=60),
            auditor_ids=[users[Role.AUDITOR].id],
            site_ids=[site.id for site in sites],
        )
        tally.count("created")
    else:
        tally.count("unchanged")
    _demo_assignment(session, leader, engagement, sites[0], users[Role.SHOPPER], tally, now)
    _demo_survey(session, leader, engagement, sites, now)
    from backend.planning.demo import load_planning_demo

    load_planning_demo(session, leader, client, unit, engagement, now)
    load_certified_demo(session, users, client, sites, now, DEMO_ENGAGEMENT_SCHEME)
    from backend.onsite.demo import load_onsite_demo

    load_onsite_demo(session, leader, Actor(users[Role.AUDITOR]), client, sites, engagement, now)


def _demo_site(
    session: Session, admin: Actor, unit: CertificationUnit, demo: DemoSite, tally: _Tally
) -> Site:
    site = session.scalars(
        sa.select(Site).where(Site.unit_id == unit.id, Site.name == demo.name)
    ).first()
    location = {"latitude": demo.latitude, "longitude": demo.longitude, "datum": demo.datum}
    if site is None:
        tally.count("created")
        return clients.create_site(
            session,
            admin,
            unit.id,
            name=demo.name,
            address=demo.address,
            location=location,
            geofence_radius_m=demo.geofence_radius_m,
        )
    as_entered = (site.entered_datum, site.entered_latitude, site.entered_longitude)
    changes: dict[str, object] = {}
    if as_entered != (demo.datum, demo.latitude, demo.longitude):
        changes["location"] = location
    if site.address != demo.address:
        changes["address"] = demo.address
    if site.geofence_radius_m != demo.geofence_radius_m:
        changes["geofence_radius_m"] = demo.geofence_radius_m
    if changes:
        clients.update_site(session, admin, site.id, changes)
        tally.count("updated")
    else:
        tally.count("unchanged")
    return site


def _demo_assignment(
    session: Session,
    leader: Actor,
    engagement: Engagement,
    site: Site,
    shopper: User,
    tally: _Tally,
    now: datetime,
) -> None:
    """One visit for the demo shopper, its window from now for seven days.

    Only one, ever: a later run leaves it alone, unless its window has passed while it was still
    open (or it was cancelled), when the window moves to the next seven days again.
    """
    assignment = session.scalars(
        sa.select(Assignment)
        .where(Assignment.engagement_id == engagement.id, Assignment.shopper_id == shopper.id)
        .order_by(Assignment.created_at)
    ).first()
    start, end = now, now + timedelta(days=DEMO_ASSIGNMENT_DAYS)
    if assignment is None:
        engagements.create_assignment(
            session,
            leader,
            engagement.id,
            site_id=site.id,
            shopper_id=shopper.id,
            window_start=start,
            window_end=end,
            instructions=DEMO_INSTRUCTIONS,
            mode="B",
        )
        tally.count("created")
        return
    stale = assignment.status is AssignmentStatus.CANCELLED or (
        assignment.status is AssignmentStatus.ASSIGNED and assignment.window_end <= now
    )
    if not stale:
        tally.count("unchanged")
        return
    previous = {
        "status": assignment.status.value,
        "window_start": assignment.window_start.isoformat(),
        "window_end": assignment.window_end.isoformat(),
    }
    assignment.status = AssignmentStatus.ASSIGNED
    assignment.window_start, assignment.window_end = start, end
    assignment.version += 1
    record(
        session,
        actor=leader,
        action="assignment.updated",
        object_type="assignment",
        object_id=assignment.id,
        reason="demo data restored",
        details={"from": previous, "version": assignment.version},
    )
    flush_as_stored(session)
    tally.count("updated")


#: Customer survey (issue 5): the demo campaign's poster codes, so that /s/demo answers.
DEMO_SURVEY_CODES = ("demo", "demo2")
DEMO_SURVEY_TITLE = "城镇污水处理厂工程施工服务 顾客满意度调查"
DEMO_SURVEY_DAYS = 30


def _demo_survey(
    session: Session, leader: Actor, engagement: Engagement, sites: Sequence[Site], now: datetime
) -> None:
    """An open survey campaign on the demo engagement, its first site at ``/s/demo``.

    Created once; a later run leaves it alone unless it has closed, when its close date moves
    to the next thirty days again (audited). Not counted in the load's tally (the tally counts
    the directory and plan rows).
    """
    from backend.surveys import answering, campaigns
    from backend.surveys.models import SurveySite

    existing = session.scalars(
        sa.select(SurveySite).where(SurveySite.code == DEMO_SURVEY_CODES[0])
    ).first()
    if existing is None:
        campaigns.create_campaign(
            session,
            leader,
            engagement.id,
            {
                "title": DEMO_SURVEY_TITLE,
                "instructions": "请根据您本次接受服务的真实感受作答，每题选择一项。",
                "opens_at": now - timedelta(days=1),
                "closes_at": now + timedelta(days=DEMO_SURVEY_DAYS),
                "sites": [{"site_id": site.id, "target": 30} for site in sites],
                # A person reading each question takes more than a second: the demo flags
                # only answers faster than that.
                "min_seconds_per_question": 1.0,
            },
            codes={site.id: code for site, code in zip(sites, DEMO_SURVEY_CODES, strict=False)},
        )
        return
    campaign = existing.campaign
    if campaign.closes_at > now:
        return
    previous = campaign.closes_at.isoformat()
    campaign.closes_at = now + timedelta(days=DEMO_SURVEY_DAYS)
    campaign.version += 1
    record(
        session,
        actor=leader,
        action="survey_campaign.updated",
        object_type="survey_campaign",
        object_id=campaign.id,
        reason="demo data restored",
        details={"closes_at": {"from": previous, "to": campaign.closes_at.isoformat()}},
    )
    flush_as_stored(session)
    # The cached page goes now and again once committed: a request in between may cache the
    # old campaign again.
    answering.forget_public(campaign.id)
    after_commit(session, functools.partial(answering.forget_public, campaign.id))


def _restore(user: User, login: DemoLogin, organisation: Organisation) -> bool:
    """Put a demo user back into its demo state; whether anything had to change."""
    changed = False
    if user.organisation_id != organisation.id:
        user.organisation = organisation
        changed = True
    if user.display_name != login.display_name:
        user.display_name = login.display_name
        changed = True
    if user.role is not login.role:
        user.role = login.role
        changed = True
    if not user.is_active:
        user.is_active = True
        changed = True
    # Only a password that no longer matches is rehashed: a fresh salt would be a change too.
    if not verify_password(user.password_hash, login.password):
        user.password_hash = hash_password(login.password)
        changed = True
    return changed


def format_logins_table(logins: Sequence[DemoLogin]) -> str:
    """The demo logins as a plain-text table, aligned also for Chinese (wide) characters."""
    rows = [("role", "email", "password", "name")] + [
        (login.role.value, login.email, login.password, login.display_name) for login in logins
    ]
    widths = [max(_display_width(row[column]) for row in rows) for column in range(4)]

    def line(cells: Sequence[str]) -> str:
        padded = (
            cell + " " * (width - _display_width(cell))
            for cell, width in zip(cells, widths, strict=True)
        )
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([line(rows[0]), rule, *(line(row) for row in rows[1:])])


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


demo_cli = AppGroup("demo", help="Demo data for trying fieldcert locally (never in production).")


@demo_cli.command("load")
def load_command() -> None:
    """Create the demo organisation and one user per role (idempotent)."""
    from backend.extensions import db

    if current_app.config["FIELDCERT_ENV"] == "production":
        raise DemoRefused(
            "FIELDCERT_ENV=production: refusing to load demo data with published passwords."
        )
    with transaction(db.session()) as session:
        result = load_demo_data(session)
    click.echo(
        f"Demo data for {DEMO_ORGANISATION}: {result.created} created, "
        f"{result.updated} restored, {result.unchanged} unchanged."
    )
    click.echo(format_logins_table(DEMO_LOGINS))
    _echo_verification_url()


@demo_cli.command("logins")
def logins_command() -> None:
    """Print the demo logins and the demo certificate's verification URL (changes nothing)."""
    click.echo(format_logins_table(DEMO_LOGINS))
    _echo_verification_url()


def _echo_verification_url() -> None:
    from backend.extensions import db

    try:
        url = demo_verification_url(db.session())
    except sa.exc.SQLAlchemyError:
        # No database yet (not migrated): the logins are still worth printing.
        db.session.rollback()
        return
    if url is not None:
        click.echo(f"演示证书验证 / demo certificate verification: {url}")
