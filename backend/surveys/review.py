"""Reviewing answers: counting flagged ones anyway, callbacks, revealing and purging numbers.

The team decides on flagged answers (audited), draws the answers to call back after the close
date (a reproducible draw, seed 003), records each call, and may read a drawn answer's full
number with a reason (audited). Numbers are deleted when the retention period ends (PIPL §19).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.services import record
from backend.auth.actor import Actor
from backend.db import utcnow
from backend.errors import ContactUnreadable, Forbidden, InvalidTransition, NotFound
from backend.paging import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, scope_of
from backend.surveys import crypto, logic, reads
from backend.surveys.access import Need, campaign_for
from backend.surveys.fields import invalid
from backend.surveys.models import (
    CallbackDraw,
    CallbackOutcome,
    Channel,
    SurveyCampaign,
    SurveyResponse,
)
from backend.unit_of_work import flush_as_stored


def _response_for(
    session: Session, actor: Actor, response_id: uuid.UUID, need: Need
) -> tuple[SurveyResponse, SurveyCampaign]:
    response = session.get(SurveyResponse, response_id)
    if response is None:
        raise NotFound()
    campaign, _ = campaign_for(session, actor, response.campaign_id, need)
    return response, campaign


def set_inclusion(
    session: Session,
    actor: Actor,
    response_id: uuid.UUID,
    *,
    include: bool,
    reason: str,
    ip: str | None = None,
) -> SurveyResponse:
    """Count a flagged answer anyway (with a reason), or withdraw that decision. Audited."""
    response, _ = _response_for(session, actor, response_id, Need.TEAM)
    if not response.flags:
        raise InvalidTransition(details={"reason": "the response has no quality flag"})
    reason = reason.strip()
    if not reason:
        raise invalid("reason", "say why")
    response.included_reason = reason if include else None
    response.included_by_id = actor.user.id if include else None
    record(
        session,
        actor=actor,
        action="survey_response.included" if include else "survey_response.excluded",
        object_type="survey_response",
        object_id=response.id,
        reason=reason,
        details={"flags": [f["flag"] for f in response.flags]},
        ip=ip,
    )
    flush_as_stored(session)
    return response


def draw_callbacks(
    session: Session,
    actor: Actor,
    campaign_id: uuid.UUID,
    *,
    seed: str | None = None,
    share: float | None = None,
    now: datetime | None = None,
    ip: str | None = None,
) -> CallbackDraw:
    """After the close date, draw the online answers with a phone number to call back.

    Seed 003: a random 10 % (the campaign's ``callback_share``) of online answers is confirmed by
    telephone. The seed is recorded in the audit log with the eligible ids, so anyone can repeat
    the draw (``logic.draw``). One draw per campaign.
    """
    campaign, _ = campaign_for(session, actor, campaign_id, Need.MANAGE)
    now = now or utcnow()
    if now < campaign.closes_at:
        raise InvalidTransition(
            details={
                "reason": "draw after the close date",
                "closes_at": campaign.closes_at.isoformat(),
            }
        )
    if session.scalar(sa.select(CallbackDraw.id).where(CallbackDraw.campaign_id == campaign.id)):
        raise InvalidTransition(details={"reason": "already drawn"})
    share = campaign.callback_share if share is None else share
    seed = seed or secrets.token_hex(16)
    eligible = sorted(
        str(rid)
        for rid in session.scalars(
            sa.select(SurveyResponse.id).where(
                SurveyResponse.campaign_id == campaign.id,
                SurveyResponse.channel == Channel.ONLINE,
                SurveyResponse.contact_ciphertext.is_not(None),
            )
        )
    )
    selected = logic.draw(eligible, share, seed)
    row = CallbackDraw(
        id=uuid.uuid4(),
        campaign_id=campaign.id,
        seed=seed,
        share=share,
        eligible_ids=eligible,
        selected_ids=selected,
        drawn_by_id=actor.user.id,
    )
    session.add(row)
    if selected:
        session.execute(
            sa.update(SurveyResponse)
            .where(SurveyResponse.id.in_([uuid.UUID(s) for s in selected]))
            .values(callback_outcome=CallbackOutcome.PENDING)
            .execution_options(synchronize_session=False)
        )
    record(
        session,
        actor=actor,
        action="survey_callbacks.drawn",
        object_type="survey_campaign",
        object_id=campaign.id,
        details={
            "seed": seed,
            "share": share,
            "algorithm": "rank by HMAC-SHA256(key=seed, msg=response id), take ceil(share × n)",
            "eligible_ids": eligible,
            "selected_ids": selected,
        },
        ip=ip,
    )
    flush_as_stored(session)
    return row


@dataclass(frozen=True)
class CallbackEntry:
    response_id: uuid.UUID
    site_id: uuid.UUID
    received_at: datetime
    phone_masked: str | None
    outcome: CallbackOutcome
    note: str | None
    called_at: datetime | None


def callback_list(
    session: Session,
    actor: Actor,
    campaign_id: uuid.UUID,
    key: bytes,
    *,
    cursor: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
) -> Page[CallbackEntry]:
    """One page of the drawn answers with masked numbers, for the team making the calls.

    In arrival order, cut by (received_at, id) through ``ix_survey_responses_campaign_callbacks``
    (only drawn answers), so a page costs the same however large the campaign (issue 13).
    """
    campaign, _ = campaign_for(session, actor, campaign_id, Need.TEAM)
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    sites = {s.id: s.site_id for s in campaign.sites}
    query = sa.select(SurveyResponse).where(
        SurveyResponse.campaign_id == campaign.id,
        SurveyResponse.callback_outcome.is_not(None),
    )
    page = reads.page_by_arrival(
        session, query, scope_of("survey_callbacks", campaign.id), cursor, limit
    )
    out = []
    for r in page.items:
        masked = None
        if r.contact_ciphertext is not None:
            masked = crypto.mask_phone(_open_contact(r, key))
        if r.callback_outcome is None:
            continue
        out.append(
            CallbackEntry(
                response_id=r.id,
                site_id=sites[r.survey_site_id],
                received_at=r.received_at,
                phone_masked=masked,
                outcome=r.callback_outcome,
                note=r.callback_note,
                called_at=r.callback_at,
            )
        )
    return Page(out, page.next_cursor)


def _open_contact(response: SurveyResponse, key: bytes) -> str:
    if response.contact_ciphertext is None:
        raise NotFound(details={"reason": "no contact number (none given, or deleted)"})
    try:
        return crypto.decrypt(key, response.contact_ciphertext, str(response.id))
    except crypto.ContactUnreadable as exc:
        raise ContactUnreadable(
            details={"response_id": str(response.id), "key_id": response.contact_key_id}
        ) from exc


def reveal_contact(
    session: Session,
    actor: Actor,
    response_id: uuid.UUID,
    key: bytes,
    *,
    reason: str,
    ip: str | None = None,
) -> str:
    """The full number of a drawn answer, for the team member calling; the read is audited."""
    response, _ = _response_for(session, actor, response_id, Need.TEAM)
    if response.callback_outcome is None:
        raise Forbidden(details={"reason": "only answers drawn for a callback are called"})
    if response.contact_ciphertext is None:
        raise NotFound(details={"reason": "no contact number (none given, or deleted)"})
    number = _open_contact(response, key)
    record(
        session,
        actor=actor,
        action="survey_contact.read",
        object_type="survey_response",
        object_id=response.id,
        reason=reason.strip(),
        details={"fields": ["phone"]},
        ip=ip,
    )
    flush_as_stored(session)
    return number


def record_callback(
    session: Session,
    actor: Actor,
    response_id: uuid.UUID,
    *,
    outcome: CallbackOutcome,
    note: str,
    ip: str | None = None,
) -> SurveyResponse:
    """The result of a call: confirmed, not reached or denied (denied leaves the score)."""
    response, _ = _response_for(session, actor, response_id, Need.TEAM)
    if response.callback_outcome is None:
        raise InvalidTransition(details={"reason": "the response was not drawn for a callback"})
    if outcome is CallbackOutcome.PENDING:
        raise invalid("outcome", "confirmed, not_reached or denied")
    previous = response.callback_outcome
    response.callback_outcome = outcome
    response.callback_note = note.strip() or None
    response.callback_at = utcnow()
    response.callback_by_id = actor.user.id
    record(
        session,
        actor=actor,
        action="survey_callback.recorded",
        object_type="survey_response",
        object_id=response.id,
        reason=note.strip() or None,
        details={"outcome": outcome.value, "previous": previous.value},
        ip=ip,
    )
    flush_as_stored(session)
    return response


def purge_expired_contacts(session: Session, now: datetime | None = None) -> int:
    """Delete the contact numbers of campaigns whose retention period has ended.

    PIPL §19: personal information is kept no longer than the purpose needs; the purpose (the
    callback check) ends with the campaign's ``contact_retention_days`` after its close date.
    Run daily (``fieldcert surveys purge-contacts``). Returns how many numbers were deleted.
    """
    now = now or utcnow()
    total = 0
    campaigns = session.scalars(sa.select(SurveyCampaign).where(SurveyCampaign.closes_at < now))
    for campaign in campaigns:
        if campaign.closes_at + timedelta(days=campaign.contact_retention_days) > now:
            continue
        result = session.execute(
            sa.update(SurveyResponse)
            .where(
                SurveyResponse.campaign_id == campaign.id,
                SurveyResponse.contact_ciphertext.is_not(None),
            )
            .values(contact_ciphertext=None, contact_key_id=None, contact_purged_at=now)
            .execution_options(synchronize_session=False)
        )
        count = result.rowcount  # type: ignore[attr-defined]
        if count:
            total += count
            record(
                session,
                actor=None,
                action="survey_contacts.purged",
                object_type="survey_campaign",
                object_id=campaign.id,
                organisation_id=campaign.organisation_id,
                reason="retention period ended (PIPL §19)",
                details={"count": count, "retention_days": campaign.contact_retention_days},
            )
    flush_as_stored(session)
    return total
