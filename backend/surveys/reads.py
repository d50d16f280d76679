"""Reading answers: which count, the campaigns one may analyse, the responses, user names."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth.access import Actor
from backend.db import utcnow
from backend.errors import ConflictOfInterest, Forbidden, NotFound
from backend.surveys.access import Need, campaign_for, engagement_for
from backend.surveys.campaigns import campaign_state
from backend.surveys.models import CallbackOutcome, SurveyCampaign, SurveyResponse
from backend.users.models import User


def exclusion(response: SurveyResponse) -> str | None:
    """Why a response does not count, or None when it counts.

    Denied at callback: never counts. Flagged: not counted unless an auditor included it with a
    reason.
    """
    if response.callback_outcome is CallbackOutcome.DENIED:
        return "callback_denied"
    if response.flags and response.included_reason is None:
        return "flagged"
    return None


def analysable_campaigns(session: Session, actor: Actor) -> list[tuple[SurveyCampaign, str]]:
    """(campaign, state) for every campaign of the organisation the actor may analyse."""
    out = []
    now = utcnow()
    campaigns = session.scalars(
        sa.select(SurveyCampaign)
        .where(SurveyCampaign.organisation_id == actor.user.organisation_id)
        .order_by(SurveyCampaign.closes_at.desc(), SurveyCampaign.id)
    )
    for campaign in campaigns:
        try:
            engagement_for(session, actor, campaign.engagement_id, Need.ANALYSIS)
        except (Forbidden, NotFound, ConflictOfInterest):
            continue
        out.append((campaign, campaign_state(campaign, now)))
    return out


def list_responses(session: Session, actor: Actor, campaign_id: uuid.UUID) -> list[SurveyResponse]:
    campaign, _ = campaign_for(session, actor, campaign_id, Need.RESPONSES)
    return list(
        session.scalars(
            sa.select(SurveyResponse)
            .where(SurveyResponse.campaign_id == campaign.id)
            .order_by(SurveyResponse.received_at, SurveyResponse.id)
        )
    )


def user_names(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    return dict(
        session.execute(sa.select(User.id, User.display_name).where(User.id.in_(wanted))).all()
    )
