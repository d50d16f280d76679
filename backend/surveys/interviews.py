"""Face-to-face answers: what auditors take in person and the field app replays from its outbox.

``PUT /api/survey-responses/<uuid>`` (docs/surveys.md "Face-to-face answers"): the phone chooses
the id, so the same create sent again is a no-op and the same id with other content a conflict.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.audit.services import record
from backend.auth.actor import Actor
from backend.db import utcnow
from backend.engagements.access import is_member
from backend.errors import IdempotencyConflict
from backend.surveys import crypto, logic, tallies
from backend.surveys.access import Need, campaign_for
from backend.surveys.answering import flag_settings
from backend.surveys.campaigns import scheme_of
from backend.surveys.fields import invalid, normalise_phone
from backend.surveys.models import Channel, SurveyResponse
from backend.unit_of_work import flush_as_stored


def canonical_json(value: Any) -> str:
    """The payload as one canonical text: its hash tells a replay from a conflicting reuse."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def put_offline_response(
    session: Session,
    actor: Actor,
    response_id: uuid.UUID,
    payload: Mapping[str, Any],
    key: bytes,
    *,
    ip: str | None = None,
) -> tuple[SurveyResponse, bool]:
    """Create a face-to-face answer under the phone's id; the same create again is a no-op.

    Returns (response, created). The audit team only; every interviewer must be on the team;
    ``staff_absent`` must be attested (seed 003: the client's staff are kept away).
    """
    campaign, engagement = campaign_for(session, actor, payload["campaign_id"], Need.TEAM)
    content_hash = hashlib.sha256(canonical_json(dict(payload)).encode("utf-8")).hexdigest()
    existing = session.get(SurveyResponse, response_id)
    if existing is not None:
        if existing.content_hash == content_hash and existing.channel is Channel.OFFLINE:
            return existing, False
        raise IdempotencyConflict(details={"response_id": str(response_id)})
    if not payload["staff_absent"]:
        raise invalid(
            "staff_absent",
            "face-to-face answers are taken with the client's staff absent: attest it (true)",
        )
    entry = next((s for s in campaign.sites if s.site_id == payload["site_id"]), None)
    if entry is None:
        raise invalid("site_id", "not a site of this campaign")
    conducted_at: datetime = payload["conducted_at"]
    now = utcnow()
    if not campaign.opens_at <= conducted_at <= campaign.closes_at:
        raise invalid("conducted_at", "outside the campaign's open and close dates")
    if conducted_at > now + timedelta(minutes=5):
        raise invalid("conducted_at", "in the future")
    interviewers = list(dict.fromkeys(payload["interviewer_ids"]))
    for i, user_id in enumerate(interviewers):
        if not is_member(session, engagement.id, user_id):
            raise invalid(f"interviewer_ids.{i}", "not on the engagement's audit team")
    questions = {q["item"] for q in campaign.questions}
    answers: dict[str, Any] = {}
    for item, value in payload["answers"].items():
        if item not in questions:
            raise invalid(f"answers.{item}", "not a question of this campaign")
        answers[item] = value
    if not answers:
        raise invalid("answers", "answer at least one question")
    phone = (payload.get("phone") or "").strip()
    if phone and not payload.get("consent"):
        raise invalid("consent", "a phone number is kept only with the customer's consent")
    number = normalise_phone(phone) if phone else None
    flags = logic.quality_flags(
        answers,
        flag_settings(campaign),
        received_at=conducted_at,
        started_at=None,
        earlier_from_address=None,
    )
    response = SurveyResponse(
        id=response_id,
        campaign_id=campaign.id,
        survey_site_id=entry.id,
        channel=Channel.OFFLINE,
        answers=answers,
        comment=(payload.get("comment") or "").strip(),
        started_at=conducted_at,
        received_at=conducted_at,
        flags=flags,
        entered_by_id=actor.user.id,
        interviewer_ids=[str(u) for u in interviewers],
        staff_absent=True,
        content_hash=content_hash,
        **tallies.stored_columns(tallies.scale_of(scheme_of(session, engagement)), answers, flags),
    )
    if number is not None:
        response.contact_ciphertext = crypto.encrypt(key, number, str(response_id))
        response.contact_key_id = crypto.key_id(key)
        response.contact_consent_at = now
    session.add(response)
    record(
        session,
        actor=actor,
        action="survey_response.entered",
        object_type="survey_response",
        object_id=response_id,
        details={
            "campaign_id": str(campaign.id),
            "channel": "offline",
            "interviewer_ids": [str(u) for u in interviewers],
            "staff_absent": True,
            "flags": [f["flag"] for f in flags],
        },
        ip=ip,
    )
    try:
        flush_as_stored(session)
    except IntegrityError:
        # The same id sent twice at once: answer as a replay would.
        session.rollback()
        existing = session.get(SurveyResponse, response_id)
        if existing is not None and existing.content_hash == content_hash:
            return existing, False
        raise IdempotencyConflict(details={"response_id": str(response_id)}) from None
    return response, True
