"""Reading answers: which count, the campaigns one may analyse, the responses, user names."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth.actor import Actor
from backend.db import utcnow
from backend.errors import ConflictOfInterest, Forbidden, NotFound, ValidationFailed
from backend.paging import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Page,
    decode_cursor,
    encode_cursor,
    scope_of,
)
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


def list_responses(
    session: Session,
    actor: Actor,
    campaign_id: uuid.UUID,
    *,
    cursor: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
) -> Page[SurveyResponse]:
    """One page of a campaign's responses, oldest first (cut by received_at, id: paging.py)."""
    campaign, _ = campaign_for(session, actor, campaign_id, Need.RESPONSES)
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    scope = scope_of("survey_responses", campaign.id)
    query = sa.select(SurveyResponse).where(SurveyResponse.campaign_id == campaign.id)
    return page_by_arrival(session, query, scope, cursor, limit)


def page_by_arrival(
    session: Session,
    query: sa.Select[SurveyResponse],
    scope: str,
    cursor: str | None,
    limit: int,
) -> Page[SurveyResponse]:
    """One page of ``query``'s responses in arrival order (received_at, id), cut after ``cursor``.

    The cursor is a row-value comparison on (received_at, id), so a page seeks into an index
    that ends in those columns (issue 13, "Flat costs"); a malformed cursor is VALIDATION_ERROR.
    """
    if cursor is not None:
        received, last_id = decode_cursor(cursor, scope, 2)
        try:
            after = datetime.fromisoformat(received or "")
            after_id = uuid.UUID(last_id or "")
            if after.tzinfo is None:
                raise ValueError("naive")
        except ValueError:
            raise ValidationFailed(details={"cursor": ["not a cursor of this list"]}) from None
        query = query.where(
            sa.or_(
                SurveyResponse.received_at > after,
                sa.and_(SurveyResponse.received_at == after, SurveyResponse.id > after_id),
            )
        )
    rows = list(
        session.scalars(
            query.order_by(SurveyResponse.received_at, SurveyResponse.id).limit(limit + 1)
        )
    )
    if len(rows) <= limit:
        return Page(rows, None)
    last = rows[limit - 1]
    return Page(rows[:limit], encode_cursor(scope, [last.received_at.isoformat(), str(last.id)]))


def user_names(session: Session, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    wanted = set(ids)
    if not wanted:
        return {}
    return dict(
        session.execute(sa.select(User.id, User.display_name).where(User.id.in_(wanted))).all()
    )
