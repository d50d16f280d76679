"""Who may do what with a campaign: the surveys' needs, as the engagement access table says.

Each survey need is one need of the engagement (``backend.engagements.access``, where the table
of standing × need is); the campaign's engagement decides:

* plan and change a campaign, print its posters, issue one-time codes, draw callbacks
  (``Need.MANAGE``, the engagement's ``PLAN``): administrators, and the engagement's team leader;
* enter face-to-face answers, decide on flagged answers, call back (``Need.TEAM``), read the
  responses (``Need.RESPONSES``): the engagement's audit team (its leader and auditors);
  administrators and reviewers who were not on the team read the responses too;
* read the analysis (``Need.ANALYSIS``): the team, administrators, reviewers who were not on the
  team (CQC rule §6.1, §6.2) and the client's own users (aggregates only: never a response, a
  comment or a contact number).

Answering needs no account: anyone with the poster's link, once per device (``answering``).
"""

from __future__ import annotations

import uuid
from enum import Enum

from sqlalchemy.orm import Session

from backend.auth.access import Actor
from backend.engagements.access import Need as EngagementNeed
from backend.engagements.access import require
from backend.engagements.models import Engagement
from backend.errors import NotFound
from backend.surveys.models import SurveyCampaign


class Need(Enum):
    """What the actor wants to do with a campaign (see the module docstring)."""

    MANAGE = "manage"
    TEAM = "team"
    RESPONSES = "responses"
    ANALYSIS = "analysis"


#: What each survey need asks of the engagement (``backend.engagements.access.ALLOWED``).
_ENGAGEMENT_NEED: dict[Need, EngagementNeed] = {
    Need.MANAGE: EngagementNeed.PLAN,
    Need.TEAM: EngagementNeed.TEAM_WORK,
    Need.RESPONSES: EngagementNeed.RESPONSES,
    Need.ANALYSIS: EngagementNeed.ANALYSIS,
}


def engagement_for(
    session: Session, actor: Actor, engagement_id: uuid.UUID, need: Need
) -> Engagement:
    """The engagement, if the actor may ``need`` its surveys; 404 / 403 otherwise."""
    return require(session, actor, engagement_id, _ENGAGEMENT_NEED[need]).engagement


def campaign_for(
    session: Session, actor: Actor, campaign_id: uuid.UUID, need: Need
) -> tuple[SurveyCampaign, Engagement]:
    """The campaign and its engagement, if the actor may ``need`` it; 404 / 403 otherwise."""
    campaign = session.get(SurveyCampaign, campaign_id)
    if campaign is None or campaign.organisation_id != actor.user.organisation_id:
        raise NotFound()
    return campaign, engagement_for(session, actor, campaign.engagement_id, need)
