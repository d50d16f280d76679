"""Who may do what with a campaign: the surveys' access check (one place for its rules).

* plan and change a campaign, print its posters, issue one-time codes, draw callbacks
  (``Need.MANAGE``): administrators, and team leaders on the engagement's team;
* enter face-to-face answers, decide on flagged answers, call back (``Need.TEAM``), read the
  responses (``Need.RESPONSES``): the engagement's audit team (team leaders and auditors on it);
  administrators and reviewers who were not on the team read the responses too;
* read the analysis (``Need.ANALYSIS``): the team, administrators, reviewers who were not on the
  team (CQC rule §6.1, §6.2) and the client's own users (aggregates only: never a response, a
  comment or a contact number).

Answering needs no account: anyone with the poster's link, once per device (``answering``).
"""

from __future__ import annotations

import uuid
from enum import Enum

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth.access import Actor
from backend.engagements.models import Engagement, EngagementMember, TeamRole
from backend.errors import ConflictOfInterest, Forbidden, NotFound
from backend.surveys.models import SurveyCampaign
from backend.users.models import Role


class Need(Enum):
    """What the actor wants to do with a campaign (see the module docstring)."""

    MANAGE = "manage"
    TEAM = "team"
    RESPONSES = "responses"
    ANALYSIS = "analysis"


def team_role(session: Session, engagement_id: uuid.UUID, user_id: uuid.UUID) -> TeamRole | None:
    """The user's role on the engagement's audit team, or None when not on it."""
    return session.scalar(
        sa.select(EngagementMember.team_role).where(
            EngagementMember.engagement_id == engagement_id,
            EngagementMember.user_id == user_id,
        )
    )


def engagement_for(
    session: Session, actor: Actor, engagement_id: uuid.UUID, need: Need
) -> Engagement:
    """The engagement, if the actor may ``need`` its surveys; 404 / 403 otherwise."""
    engagement = session.get(Engagement, engagement_id)
    if engagement is None or engagement.organisation_id != actor.user.organisation_id:
        raise NotFound()
    role = actor.role
    on_team = team_role(session, engagement.id, actor.user.id)
    if role is Role.ADMIN and need in (Need.MANAGE, Need.RESPONSES, Need.ANALYSIS):
        return engagement
    if role is Role.TEAM_LEADER and on_team is not None:
        return engagement
    if role is Role.AUDITOR and on_team is not None and need is not Need.MANAGE:
        return engagement
    if role is Role.REVIEWER and need in (Need.RESPONSES, Need.ANALYSIS):
        if on_team is not None:
            # CQC rule §6.1, §6.2: who audited may not review or decide.
            raise ConflictOfInterest(details={"engagement_id": str(engagement.id)})
        return engagement
    if role is Role.CLIENT_USER and need is Need.ANALYSIS:
        if actor.user.client_id is None or actor.user.client_id != engagement.client_id:
            raise NotFound()
        return engagement
    if role in (Role.TEAM_LEADER, Role.AUDITOR) and on_team is None:
        raise Forbidden(details={"reason": "not_on_the_audit_team"})
    raise Forbidden(details={"role": role.value, "need": need.value})


def campaign_for(
    session: Session, actor: Actor, campaign_id: uuid.UUID, need: Need
) -> tuple[SurveyCampaign, Engagement]:
    """The campaign and its engagement, if the actor may ``need`` it; 404 / 403 otherwise."""
    campaign = session.get(SurveyCampaign, campaign_id)
    if campaign is None or campaign.organisation_id != actor.user.organisation_id:
        raise NotFound()
    return campaign, engagement_for(session, actor, campaign.engagement_id, need)
