"""What the API shows of engagements and assignments, loaded with a fixed number of queries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.clients.models import Client, Site
from backend.engagements.models import (
    Assignment,
    Engagement,
    EngagementMember,
    EngagementSite,
    TeamRole,
)
from backend.schemes.models import SchemeVersion
from backend.users.models import User

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


# --------------------------------------------------------------------------- assignments


@dataclass(frozen=True, slots=True)
class AssignmentView:
    assignment: Assignment
    site: Site
    shopper: User


def assignment_views(session: Session, assignments: Sequence[Assignment]) -> list[AssignmentView]:
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
