"""Engagements (one audit of one client against one pinned scheme version) and assignments.

Who sees an engagement (DOMAIN.md "Who uses the product", issue 3 "Who may do what"):
administrators every engagement of their organisation; team leaders and auditors those they are
on; reviewers those they are *not* on, because someone who was on the audit team may not review
or decide it (CQC rule §6.1, §6.2; ``is_member`` is the check the review endpoints use). Shoppers
see only their own assignments, never the engagement or other shoppers; client users see no
assignment at all (shopper identities are confidential).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.services import record
from backend.auth.access import Actor
from backend.clients.models import CertificationUnit, Client, Datum, Site
from backend.concurrency import check_version
from backend.engagements.models import (
    Assignment,
    AssignmentStatus,
    Engagement,
    EngagementMember,
    EngagementSite,
    EngagementStatus,
    TeamRole,
)
from backend.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from backend.schemes.models import SchemeVersion
from backend.schemes.services import parsed_scheme
from backend.scoring import Scheme
from backend.scoring.scheme import Text
from backend.users.models import Role, User

logger = logging.getLogger(__name__)

#: Who may create engagements.
CREATORS: frozenset[Role] = frozenset({Role.ADMIN, Role.TEAM_LEADER})
#: Roles that may list engagements (each sees a different subset, see the module docstring).
VIEWERS: frozenset[Role] = frozenset({Role.ADMIN, Role.TEAM_LEADER, Role.AUDITOR, Role.REVIEWER})
#: Roles that may be on an audit team.
TEAM_ROLES: frozenset[Role] = frozenset({Role.TEAM_LEADER, Role.AUDITOR})
#: Engagement states in which the plan (team, sites, assignments) may still change.
_PLANNING = frozenset({EngagementStatus.PLANNED, EngagementStatus.FIELDWORK})
#: Assignment states a team leader may cancel from (a submitted visit is reviewed instead).
_CANCELLABLE = frozenset({AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS})

#: Called after an assignment was created and committed, e.g. to push a notification to the
#: shopper. A callback must not block (hand slow work to a thread or queue); its exceptions are
#: logged and do not undo the assignment.
AssignmentCallback = Callable[[Session, Assignment], None]
on_assignment_created: list[AssignmentCallback] = []


def _check(actor: Actor, roles: frozenset[Role]) -> None:
    if actor.role not in roles:
        raise Forbidden(
            details={"role": actor.role.value, "allowed": sorted(r.value for r in roles)}
        )


def _invalid(field: str, message: str, **extra: Any) -> ValidationFailed:
    return ValidationFailed(details={field: [message], **extra})


# --------------------------------------------------------------------------- membership


def member_role(session: Session, engagement_id: uuid.UUID, user_id: uuid.UUID) -> TeamRole | None:
    """The user's role on the engagement's audit team, or None when not on it."""
    return session.scalar(
        sa.select(EngagementMember.team_role).where(
            EngagementMember.engagement_id == engagement_id,
            EngagementMember.user_id == user_id,
        )
    )


def is_member(session: Session, engagement_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """Whether the user is on the engagement's audit team.

    CQC rule §6.1, §6.2: a team member may not review or decide the engagement. Members are never
    removed from a team (see ``update_engagement``), so this also covers former members.
    """
    return member_role(session, engagement_id, user_id) is not None


def _visible(actor: Actor) -> sa.Select[Engagement]:
    """The engagements the actor may see, as a query."""
    query = sa.select(Engagement).where(Engagement.organisation_id == actor.user.organisation_id)
    on_team = (
        sa.select(EngagementMember.id)
        .where(
            EngagementMember.engagement_id == Engagement.id,
            EngagementMember.user_id == actor.user.id,
        )
        .exists()
    )
    match actor.role:
        case Role.ADMIN:
            return query
        case Role.TEAM_LEADER | Role.AUDITOR:
            return query.where(on_team)
        case Role.REVIEWER:
            # CQC §6.1/§6.2: reviewers see what they may review, i.e. what they were not on.
            return query.where(~on_team)
        case _:
            return query.where(sa.false())


def get_engagement_for(session: Session, actor: Actor, engagement_id: uuid.UUID) -> Engagement:
    """The engagement if the actor may see it; 404 otherwise (also for other organisations)."""
    engagement = session.scalars(
        _visible(actor).where(Engagement.id == engagement_id)
    ).one_or_none()
    if engagement is None:
        raise NotFound(details={"engagement_id": str(engagement_id)})
    return engagement


def _require_leader(session: Session, actor: Actor, engagement: Engagement) -> None:
    """Only the engagement's team leader plans its visits (DOMAIN.md: 审查组长 assigns visits)."""
    if member_role(session, engagement.id, actor.user.id) is not TeamRole.LEADER:
        raise Forbidden(details={"reason": "only the engagement's team leader may do this"})


# --------------------------------------------------------------------------- views


@dataclass(frozen=True, slots=True)
class TeamMember:
    user_id: uuid.UUID
    display_name: str
    team_role: TeamRole


@dataclass(frozen=True, slots=True)
class EngagementView:
    """An engagement with what its answer shows: client, scheme version, team, sites."""

    engagement: Engagement
    client: Client
    scheme_version: SchemeVersion
    team: list[TeamMember]
    sites: list[Site]


def engagement_views(session: Session, engagements: Sequence[Engagement]) -> list[EngagementView]:
    """Views of several engagements, loaded with a fixed number of queries."""
    if not engagements:
        return []
    ids = [e.id for e in engagements]
    clients = {
        c.id: c
        for c in session.scalars(
            sa.select(Client).where(Client.id.in_({e.client_id for e in engagements}))
        )
    }
    schemes = {
        s.id: s
        for s in session.scalars(
            sa.select(SchemeVersion).where(
                SchemeVersion.id.in_({e.scheme_version_id for e in engagements})
            )
        )
    }
    team: dict[uuid.UUID, list[TeamMember]] = {i: [] for i in ids}
    for member, user in session.execute(
        sa.select(EngagementMember, User)
        .join(User, User.id == EngagementMember.user_id)
        .where(EngagementMember.engagement_id.in_(ids))
        .order_by(EngagementMember.team_role.desc(), User.display_name, User.id)
    ):
        team[member.engagement_id].append(
            TeamMember(user_id=user.id, display_name=user.display_name, team_role=member.team_role)
        )
    sites: dict[uuid.UUID, list[Site]] = {i: [] for i in ids}
    for link, site in session.execute(
        sa.select(EngagementSite, Site)
        .join(Site, Site.id == EngagementSite.site_id)
        .where(EngagementSite.engagement_id.in_(ids))
        .order_by(Site.name, Site.id)
    ):
        sites[link.engagement_id].append(site)
    return [
        EngagementView(
            engagement=e,
            client=clients[e.client_id],
            scheme_version=schemes[e.scheme_version_id],
            team=team[e.id],
            sites=sites[e.id],
        )
        for e in engagements
    ]


def engagement_view(session: Session, engagement: Engagement) -> EngagementView:
    return engagement_views(session, [engagement])[0]


# --------------------------------------------------------------------------- engagements


def list_engagements(session: Session, actor: Actor) -> list[EngagementView]:
    """The engagements the actor may see, newest first."""
    _check(actor, VIEWERS)
    engagements = session.scalars(
        _visible(actor).order_by(Engagement.starts_on.desc(), Engagement.created_at.desc())
    ).all()
    return engagement_views(session, engagements)


def get_engagement(session: Session, actor: Actor, engagement_id: uuid.UUID) -> EngagementView:
    _check(actor, VIEWERS)
    return engagement_view(session, get_engagement_for(session, actor, engagement_id))


def _team_user(session: Session, actor: Actor, user_id: uuid.UUID, roles: frozenset[Role]) -> User:
    user = session.get(User, user_id)
    if (
        user is None
        or user.organisation_id != actor.user.organisation_id
        or not user.is_active
        or user.role not in roles
    ):
        raise LookupError(str(user_id))
    return user


def _check_team(
    session: Session, actor: Actor, leader_id: uuid.UUID, auditor_ids: Iterable[uuid.UUID]
) -> None:
    try:
        _team_user(session, actor, leader_id, frozenset({Role.TEAM_LEADER}))
    except LookupError:
        raise _invalid("leader_id", "Must be an active team leader of your organisation.") from None
    unknown = []
    for user_id in auditor_ids:
        if user_id == leader_id:
            raise _invalid("auditor_ids", "The team leader is already on the team.")
        try:
            _team_user(session, actor, user_id, TEAM_ROLES)
        except LookupError:
            unknown.append(str(user_id))
    if unknown:
        raise _invalid(
            "auditor_ids",
            "Must be active auditors or team leaders of your organisation.",
            unknown=unknown,
        )


def _check_sites(
    session: Session, client_id: uuid.UUID, site_ids: Iterable[uuid.UUID]
) -> list[uuid.UUID]:
    wanted = list(site_ids)
    if not wanted:
        return wanted
    found = set(
        session.scalars(
            sa.select(Site.id)
            .join(CertificationUnit)
            .where(Site.id.in_(wanted), CertificationUnit.client_id == client_id)
        )
    )
    unknown = [str(i) for i in wanted if i not in found]
    if unknown:
        raise _invalid("site_ids", "Must be sites of the engagement's client.", unknown=unknown)
    return wanted


def create_engagement(
    session: Session,
    actor: Actor,
    *,
    client_id: uuid.UUID,
    scheme_version_id: uuid.UUID,
    kind: Any,
    modes: Sequence[str],
    title: str,
    starts_on: Any,
    ends_on: Any,
    leader_id: uuid.UUID | None = None,
    auditor_ids: Sequence[uuid.UUID] = (),
    site_ids: Sequence[uuid.UUID] = (),
    ip: str | None = None,
) -> Engagement:
    """Plan an engagement: client, pinned scheme version, kind, modes, dates, team and sites."""
    _check(actor, CREATORS)
    client = session.get(Client, client_id)
    if client is None or client.organisation_id != actor.user.organisation_id:
        raise _invalid("client_id", "Unknown client.")
    if session.get(SchemeVersion, scheme_version_id) is None:
        raise _invalid("scheme_version_id", "Unknown scheme version.")
    if starts_on > ends_on:
        raise _invalid("ends_on", "Must not be before starts_on.")
    if leader_id is None:
        if actor.role is not Role.TEAM_LEADER:
            raise _invalid("leader_id", "Required when an administrator creates an engagement.")
        leader_id = actor.user.id
    _check_team(session, actor, leader_id, auditor_ids)
    _check_sites(session, client.id, site_ids)
    engagement = Engagement(
        id=uuid.uuid4(),
        organisation_id=actor.user.organisation_id,
        client_id=client.id,
        scheme_version_id=scheme_version_id,
        kind=kind,
        status=EngagementStatus.PLANNED,
        modes=sorted(modes),
        title=title,
        starts_on=starts_on,
        ends_on=ends_on,
        members=[EngagementMember(id=uuid.uuid4(), user_id=leader_id, team_role=TeamRole.LEADER)]
        + [
            EngagementMember(id=uuid.uuid4(), user_id=user_id, team_role=TeamRole.AUDITOR)
            for user_id in auditor_ids
        ],
        sites=[EngagementSite(id=uuid.uuid4(), site_id=site_id) for site_id in site_ids],
    )
    session.add(engagement)
    record(
        session,
        actor=actor,
        action="engagement.created",
        object_type="engagement",
        object_id=engagement.id,
        details={
            "client_id": str(client.id),
            "scheme_version_id": str(scheme_version_id),
            "kind": str(kind),
            "modes": engagement.modes,
            "title": title,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "leader_id": str(leader_id),
            "auditor_ids": [str(i) for i in auditor_ids],
            "site_ids": [str(i) for i in site_ids],
        },
        ip=ip,
    )
    session.commit()
    return engagement


def update_engagement(
    session: Session,
    actor: Actor,
    engagement_id: uuid.UUID,
    changes: Mapping[str, Any],
    *,
    ip: str | None = None,
) -> Engagement:
    """Change an engagement's plan (administrators, and its own team leader).

    Auditors can be added but not removed: the team list is the record that someone was on the
    audit team, which reviewer independence relies on (CQC §6.1, §6.2).
    """
    _check(actor, CREATORS)
    engagement = get_engagement_for(session, actor, engagement_id)
    if actor.role is not Role.ADMIN:
        _require_leader(session, actor, engagement)
    if engagement.status not in _PLANNING:
        raise InvalidTransition(details={"status": engagement.status.value})
    diff: dict[str, Any] = {}
    starts = changes.get("starts_on", engagement.starts_on)
    ends = changes.get("ends_on", engagement.ends_on)
    if starts > ends:
        raise _invalid("ends_on", "Must not be before starts_on.")
    for field in ("kind", "title", "starts_on", "ends_on"):
        if field in changes and getattr(engagement, field) != changes[field]:
            old = getattr(engagement, field)
            setattr(engagement, field, changes[field])
            diff[field] = {"from": _plain(old), "to": _plain(changes[field])}
    if "modes" in changes and sorted(changes["modes"]) != list(engagement.modes):
        diff["modes"] = {"from": list(engagement.modes), "to": sorted(changes["modes"])}
        engagement.modes = sorted(changes["modes"])
    if "auditor_ids" in changes:
        diff |= _update_auditors(session, actor, engagement, changes["auditor_ids"])
    if "site_ids" in changes:
        diff |= _update_sites(session, engagement, changes["site_ids"])
    if diff:
        record(
            session,
            actor=actor,
            action="engagement.updated",
            object_type="engagement",
            object_id=engagement.id,
            details={"changes": diff},
            ip=ip,
        )
        session.commit()
    return engagement


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _update_auditors(
    session: Session, actor: Actor, engagement: Engagement, auditor_ids: Sequence[uuid.UUID]
) -> dict[str, Any]:
    current = {m.user_id: m for m in engagement.members}
    current_auditors = {i for i, m in current.items() if m.team_role is TeamRole.AUDITOR}
    removed = current_auditors - set(auditor_ids)
    if removed:
        raise _invalid(
            "auditor_ids",
            "Team members cannot be removed: the team list records who audited the engagement "
            "(a member may not review it, CQC §6.1).",
            removed=sorted(str(i) for i in removed),
        )
    added = [i for i in auditor_ids if i not in current]
    leader = next(i for i, m in current.items() if m.team_role is TeamRole.LEADER)
    _check_team(session, actor, leader, added)
    for user_id in added:
        engagement.members.append(
            EngagementMember(id=uuid.uuid4(), user_id=user_id, team_role=TeamRole.AUDITOR)
        )
    return {"auditors_added": [str(i) for i in added]} if added else {}


def _update_sites(
    session: Session, engagement: Engagement, site_ids: Sequence[uuid.UUID]
) -> dict[str, Any]:
    _check_sites(session, engagement.client_id, site_ids)
    current = {link.site_id: link for link in engagement.sites}
    removed = set(current) - set(site_ids)
    added = [i for i in site_ids if i not in current]
    if removed:
        in_use = session.scalars(
            sa.select(Assignment.site_id)
            .where(Assignment.engagement_id == engagement.id, Assignment.site_id.in_(removed))
            .distinct()
        ).all()
        if in_use:
            raise Conflict(
                details={
                    "reason": "sites with assignments cannot be removed",
                    "site_ids": sorted(str(i) for i in in_use),
                }
            )
        for site_id in removed:
            engagement.sites.remove(current[site_id])
    for site_id in added:
        engagement.sites.append(EngagementSite(id=uuid.uuid4(), site_id=site_id))
    out: dict[str, Any] = {}
    if added:
        out["sites_added"] = [str(i) for i in added]
    if removed:
        out["sites_removed"] = sorted(str(i) for i in removed)
    return out


# --------------------------------------------------------------------------- assignments


@dataclass(frozen=True, slots=True)
class AssignmentView:
    assignment: Assignment
    site: Site
    shopper: User


def _assignment_views(session: Session, assignments: Sequence[Assignment]) -> list[AssignmentView]:
    if not assignments:
        return []
    sites = {
        s.id: s
        for s in session.scalars(
            sa.select(Site).where(Site.id.in_({a.site_id for a in assignments}))
        )
    }
    users = {
        u.id: u
        for u in session.scalars(
            sa.select(User).where(User.id.in_({a.shopper_id for a in assignments}))
        )
    }
    return [AssignmentView(a, sites[a.site_id], users[a.shopper_id]) for a in assignments]


def _may_see_all_assignments(session: Session, actor: Actor, engagement: Engagement) -> bool:
    """Administrators and the engagement's team see its assignments (and shopper identities)."""
    if actor.role is Role.ADMIN:
        return True
    return actor.role in TEAM_ROLES and is_member(session, engagement.id, actor.user.id)


def create_assignment(
    session: Session,
    actor: Actor,
    engagement_id: uuid.UUID,
    *,
    site_id: uuid.UUID,
    shopper_id: uuid.UUID,
    window_start: datetime,
    window_end: datetime,
    instructions: str = "",
    mode: str = "B",
    ip: str | None = None,
) -> AssignmentView:
    """Assign a mystery-shopper visit (the engagement's team leader only)."""
    engagement = get_engagement_for(session, actor, engagement_id)
    _require_leader(session, actor, engagement)
    if engagement.status not in _PLANNING:
        raise InvalidTransition(details={"status": engagement.status.value})
    if window_start >= window_end:
        raise _invalid("window_end", "Must be after window_start.")
    if mode not in engagement.modes:
        raise _invalid("mode", f"The engagement does not use mode {mode}.", modes=engagement.modes)
    in_engagement = session.scalar(
        sa.select(EngagementSite.id).where(
            EngagementSite.engagement_id == engagement.id, EngagementSite.site_id == site_id
        )
    )
    if in_engagement is None:
        raise _invalid("site_id", "Must be one of the engagement's sites.")
    shopper = session.get(User, shopper_id)
    if (
        shopper is None
        or shopper.organisation_id != actor.user.organisation_id
        or shopper.role is not Role.SHOPPER
        or not shopper.is_active
    ):
        raise _invalid("shopper_id", "Must be an active mystery shopper of your organisation.")
    assignment = Assignment(
        id=uuid.uuid4(),
        engagement_id=engagement.id,
        site_id=site_id,
        shopper_id=shopper.id,
        mode=mode,
        window_start=window_start,
        window_end=window_end,
        instructions=instructions,
        status=AssignmentStatus.ASSIGNED,
        version=1,
    )
    session.add(assignment)
    record(
        session,
        actor=actor,
        action="assignment.created",
        object_type="assignment",
        object_id=assignment.id,
        details={
            "engagement_id": str(engagement.id),
            "site_id": str(site_id),
            "shopper_id": str(shopper.id),
            "mode": mode,
            "window_start": window_start.isoformat(),
            "window_end": window_end.isoformat(),
        },
        ip=ip,
    )
    session.commit()
    for callback in list(on_assignment_created):
        try:
            callback(session, assignment)
        except Exception:
            # The assignment is committed; a failed notification must not turn it into an error.
            logger.exception("on_assignment_created callback %r failed", callback)
    return _assignment_views(session, [assignment])[0]


def list_engagement_assignments(
    session: Session, actor: Actor, engagement_id: uuid.UUID, *, ip: str | None = None
) -> list[AssignmentView]:
    """All assignments of an engagement, for its team and administrators.

    The answer names the shoppers (personal data), so the read is logged.
    """
    engagement = get_engagement_for(session, actor, engagement_id)
    if not _may_see_all_assignments(session, actor, engagement):
        raise Forbidden(details={"reason": "only the engagement's team sees its assignments"})
    assignments = session.scalars(
        sa.select(Assignment)
        .where(Assignment.engagement_id == engagement.id)
        .order_by(Assignment.window_start, Assignment.id)
    ).all()
    record(
        session,
        actor=actor,
        action="assignments.read",
        object_type="engagement",
        object_id=engagement.id,
        reason="list of the engagement's assignments (shopper identities)",
        details={"count": len(assignments)},
        ip=ip,
    )
    session.commit()
    return _assignment_views(session, assignments)


def _assignment_for(session: Session, actor: Actor, assignment_id: uuid.UUID) -> Assignment:
    """An assignment the actor may see: a shopper's own, or any of an engagement they see."""
    assignment = session.get(Assignment, assignment_id)
    not_found = NotFound(details={"assignment_id": str(assignment_id)})
    if assignment is None:
        raise not_found
    if actor.role is Role.SHOPPER:
        if assignment.shopper_id != actor.user.id:
            raise not_found
        return assignment
    try:
        engagement = get_engagement_for(session, actor, assignment.engagement_id)
    except NotFound:
        raise not_found from None
    if not _may_see_all_assignments(session, actor, engagement):
        raise not_found
    return assignment


def get_assignment(
    session: Session, actor: Actor, assignment_id: uuid.UUID, *, ip: str | None = None
) -> AssignmentView:
    """One assignment: the shopper's own, or for the engagement's team (logged: names a shopper)."""
    assignment = _assignment_for(session, actor, assignment_id)
    if actor.user.id != assignment.shopper_id:
        record(
            session,
            actor=actor,
            action="assignment.read",
            object_type="assignment",
            object_id=assignment.id,
            reason="assignment details (shopper identity)",
            ip=ip,
        )
        session.commit()
    return _assignment_views(session, [assignment])[0]


def update_assignment(
    session: Session,
    actor: Actor,
    assignment_id: uuid.UUID,
    changes: Mapping[str, Any],
    *,
    expected_version: int | None,
    ip: str | None = None,
) -> AssignmentView:
    """Cancel an assignment or change its window or instructions (the team leader, If-Match)."""
    assignment = _assignment_for(session, actor, assignment_id)
    engagement = session.get_one(Engagement, assignment.engagement_id)
    _require_leader(session, actor, engagement)
    check_version(expected_version, assignment.version)
    if assignment.status not in _CANCELLABLE:
        raise InvalidTransition(details={"status": assignment.status.value})
    start = changes.get("window_start", assignment.window_start)
    end = changes.get("window_end", assignment.window_end)
    if start >= end:
        raise _invalid("window_end", "Must be after window_start.")
    diff: dict[str, Any] = {}
    for field in ("window_start", "window_end", "instructions", "status"):
        if field in changes and getattr(assignment, field) != changes[field]:
            old = getattr(assignment, field)
            setattr(assignment, field, changes[field])
            diff[field] = {"from": _plain(old), "to": _plain(changes[field])}
    if diff:
        assignment.version += 1
        cancelled = assignment.status is AssignmentStatus.CANCELLED
        record(
            session,
            actor=actor,
            action="assignment.cancelled" if cancelled else "assignment.updated",
            object_type="assignment",
            object_id=assignment.id,
            details={"changes": diff, "version": assignment.version},
            ip=ip,
        )
        session.commit()
    return _assignment_views(session, [assignment])[0]


# --------------------------------------------------------------------------- the shopper's packet


def my_assignments(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """The shopper's own assignments with all a phone needs to make the visits offline.

    Site (name, address, WGS-84 location, geofence), window, instructions, status, and the items
    to rate from the engagement's pinned scheme (codes, points, titles, Likert band labels).
    """
    _check(actor, frozenset({Role.SHOPPER}))
    rows = session.execute(
        sa.select(Assignment, Site, Engagement, SchemeVersion)
        .join(Site, Site.id == Assignment.site_id)
        .join(Engagement, Engagement.id == Assignment.engagement_id)
        .join(SchemeVersion, SchemeVersion.id == Engagement.scheme_version_id)
        .where(Assignment.shopper_id == actor.user.id)
        .order_by(Assignment.window_start, Assignment.id)
    )
    packets = []
    schemes: dict[uuid.UUID, dict[str, Any]] = {}
    for assignment, site, engagement, scheme_version in rows:
        if scheme_version.id not in schemes:
            schemes[scheme_version.id] = scheme_packet(
                scheme_version, parsed_scheme(scheme_version)
            )
        packets.append(
            {
                "id": assignment.id,
                "version": assignment.version,
                "engagement": {"id": engagement.id, "title": engagement.title},
                "mode": assignment.mode,
                "status": assignment.status,
                "window_start": assignment.window_start,
                "window_end": assignment.window_end,
                "instructions": assignment.instructions,
                "site": {
                    "id": site.id,
                    "name": site.name,
                    "address": site.address,
                    "location": {
                        "latitude": site.latitude,
                        "longitude": site.longitude,
                        "datum": Datum.WGS84,
                    },
                    "geofence_radius_m": site.geofence_radius_m,
                },
                "scheme": schemes[scheme_version.id],
            }
        )
    return packets


def _text(text: Text | None) -> dict[str, str] | None:
    return None if text is None else {"zh": text.zh, "en": text.en}


def _decimal(value: Fraction) -> str:
    """An exact decimal string of a scheme number (scheme files write decimals)."""
    if value.denominator == 1:
        return str(value.numerator)
    return format((Decimal(value.numerator) / Decimal(value.denominator)).normalize(), "f")


def scheme_packet(row: SchemeVersion, scheme: Scheme) -> dict[str, Any]:
    """The items to rate of a scheme, with their scales' labels (empty without a service model)."""
    items: list[dict[str, Any]] = []
    scales: dict[str, dict[str, Any]] = {}
    service = scheme.service
    if service is not None:
        titles = {c.code: c.title for c in service.characteristics}
        for item in service.items.values():
            scale = item.scale
            if scale.code not in scales:
                scales[scale.code] = {
                    "code": scale.code,
                    "kind": scale.kind,
                    "title": _text(scale.title),
                    "bands": [{"level": b.level, "label": _text(b.label)} for b in scale.bands],
                    "maximum": None if scale.maximum is None else _decimal(scale.maximum),
                }
            characteristic_title = (
                service.bonus_title if item.bonus else titles.get(item.characteristic)
            )
            items.append(
                {
                    "code": item.code,
                    "points": _decimal(item.points),
                    "characteristic": {
                        "code": item.characteristic,
                        "title": _text(characteristic_title),
                    },
                    "title": _text(item.title),
                    "text": _text(item.text),
                    "dimension": item.dimension,
                    "scale": scale.code,
                    "bonus": item.bonus,
                }
            )
    return {
        "id": row.id,
        "scheme_id": row.scheme_id,
        "version": row.version,
        "content_hash": row.content_hash,
        "title": {"zh": row.title_zh, "en": row.title_en},
        "scales": list(scales.values()),
        "items": items,
    }
