"""Planning engagements: one audit of one client against one pinned scheme version.

Create and change the plan (kind, modes, dates, team, sites) while the engagement is planned or
in fieldwork; team members are never removed, the team list being the record reviewer
independence relies on (CQC §6.1, §6.2).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.changes import apply_changes
from backend.audit.services import record
from backend.auth.access import Actor
from backend.clients.models import CertificationUnit, Client, Site
from backend.engagements.access import (
    CREATORS,
    TEAM_ROLES,
    VIEWERS,
    Need,
    check,
    check_role,
    get_engagement_for,
    visible,
)
from backend.engagements.models import (
    Assignment,
    Engagement,
    EngagementMember,
    EngagementSite,
    EngagementStatus,
    TeamRole,
)
from backend.engagements.views import EngagementView, engagement_view, engagement_views
from backend.errors import Conflict, InvalidTransition, ValidationFailed
from backend.schemes.models import SchemeVersion
from backend.unit_of_work import flush_as_stored
from backend.users.models import Role, User

#: Engagement states in which the plan (team, sites, assignments) may still change.
PLANNING = frozenset({EngagementStatus.PLANNED, EngagementStatus.FIELDWORK})


def invalid(field: str, message: str, **extra: Any) -> ValidationFailed:
    return ValidationFailed(details={field: [message], **extra})


# --------------------------------------------------------------------------- engagements


def list_engagements(session: Session, actor: Actor) -> list[EngagementView]:
    """The engagements the actor may see, newest first."""
    check_role(actor, VIEWERS)
    engagements = session.scalars(
        visible(actor).order_by(Engagement.starts_on.desc(), Engagement.created_at.desc())
    ).all()
    return engagement_views(session, engagements)


def get_engagement(session: Session, actor: Actor, engagement_id: uuid.UUID) -> EngagementView:
    check_role(actor, VIEWERS)
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
        raise invalid("leader_id", "Must be an active team leader of your organisation.") from None
    unknown = []
    for user_id in auditor_ids:
        if user_id == leader_id:
            raise invalid("auditor_ids", "The team leader is already on the team.")
        try:
            _team_user(session, actor, user_id, TEAM_ROLES)
        except LookupError:
            unknown.append(str(user_id))
    if unknown:
        raise invalid(
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
        raise invalid("site_ids", "Must be sites of the engagement's client.", unknown=unknown)
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
    check_role(actor, CREATORS)
    client = session.get(Client, client_id)
    if client is None or client.organisation_id != actor.user.organisation_id:
        raise invalid("client_id", "Unknown client.")
    if session.get(SchemeVersion, scheme_version_id) is None:
        raise invalid("scheme_version_id", "Unknown scheme version.")
    if starts_on > ends_on:
        raise invalid("ends_on", "Must not be before starts_on.")
    if leader_id is None:
        if actor.role is not Role.TEAM_LEADER:
            raise invalid("leader_id", "Required when an administrator creates an engagement.")
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
    flush_as_stored(session)
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
    check_role(actor, CREATORS)
    engagement = get_engagement_for(session, actor, engagement_id)
    check(session, actor, engagement, Need.PLAN)
    if engagement.status not in PLANNING:
        raise InvalidTransition(details={"status": engagement.status.value})
    diff: dict[str, Any] = {}
    starts = changes.get("starts_on", engagement.starts_on)
    ends = changes.get("ends_on", engagement.ends_on)
    if starts > ends:
        raise invalid("ends_on", "Must not be before starts_on.")
    diff |= apply_changes(
        engagement,
        {f: changes[f] for f in ("kind", "title", "starts_on", "ends_on") if f in changes},
    )
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
        flush_as_stored(session)
    return engagement


def _update_auditors(
    session: Session, actor: Actor, engagement: Engagement, auditor_ids: Sequence[uuid.UUID]
) -> dict[str, Any]:
    current = {m.user_id: m for m in engagement.members}
    current_auditors = {i for i, m in current.items() if m.team_role is TeamRole.AUDITOR}
    removed = current_auditors - set(auditor_ids)
    if removed:
        raise invalid(
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
