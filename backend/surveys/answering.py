"""Answering on the public page: the survey behind a poster code, and storing an online answer.

``public_survey`` reads what the page needs once and keeps it a few seconds per process (the
busiest read); ``submit_online`` stores one answer per device while the campaign is open, with
its quality flags computed on arrival. The page itself (HTML, form token, cookies) is
``public.py``; this module never reads the request.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.clients.models import Site
from backend.db import utcnow
from backend.engagements.models import Engagement
from backend.errors import (
    AlreadyAnswered,
    NotFound,
    OneTimeCodeInvalid,
    SurveyClosed,
    SurveyNotOpen,
)
from backend.schemes import services as schemes
from backend.surveys import crypto, logic, tallies
from backend.surveys.fields import MAX_COMMENT, invalid, normalise_phone
from backend.surveys.models import Channel, SurveyCampaign, SurveyCode, SurveyResponse, SurveySite


@dataclass(frozen=True, slots=True)
class Question:
    item: str
    zh: str
    en: str
    #: (level, zh, en) lowest first, from the scheme's scale (§5.1.1 table).
    labels: tuple[tuple[int, str, str], ...]


@dataclass(frozen=True, slots=True)
class PublicSurvey:
    """What the public page needs: read once, kept a few seconds per process."""

    campaign_id: uuid.UUID
    organisation_id: uuid.UUID
    survey_site_id: uuid.UUID
    code: str
    title: str
    instructions: str
    site_name: str
    questions: tuple[Question, ...]
    opens_at: datetime
    closes_at: datetime
    requires_code: bool
    retention_days: int
    flag_settings: logic.FlagSettings
    levels: frozenset[int] = field(default_factory=frozenset)
    #: The pinned scheme's scale: each answer is scored once, here (tallies.py).
    scale: tallies.AnswerScale | None = None

    def state(self, now: datetime) -> str:
        if now < self.opens_at:
            return "not_open"
        if now >= self.closes_at:
            return "closed"
        return "open"


#: Seconds a process keeps a public survey: a changed close date reaches every worker in time.
PUBLIC_TTL = 5.0
#: "<database url>|<code>" -> (expiry on the monotonic clock, survey or None for unknown codes).
_public: dict[str, tuple[float, PublicSurvey | None]] = {}
_public_lock = threading.Lock()


def forget_public(campaign_id: uuid.UUID | None = None) -> None:
    with _public_lock:
        if campaign_id is None:
            _public.clear()
            return
        for code, (_, survey) in list(_public.items()):
            if survey is None or survey.campaign_id == campaign_id:
                del _public[code]


def public_survey(session: Session, code: str) -> PublicSurvey:
    """The survey behind a poster code; 404 for unknown codes (also cached, briefly)."""
    if not 1 <= len(code) <= 32:
        # Longer than any code (the column holds 32): not worth a query or a cache entry.
        raise NotFound()
    now = time.monotonic()
    # Keyed by database too: one process may serve several apps (tests build several).
    cache_key = f"{session.get_bind().engine.url}|{code}"
    with _public_lock:
        hit = _public.get(cache_key)
    if hit is not None and hit[0] > now:
        if hit[1] is None:
            raise NotFound()
        return hit[1]
    survey = _load_public(session, code)
    with _public_lock:
        if len(_public) > 10_000:
            _public.clear()
        _public[cache_key] = (now + PUBLIC_TTL, survey)
    if survey is None:
        raise NotFound()
    return survey


def _load_public(session: Session, code: str) -> PublicSurvey | None:
    row = session.execute(
        sa.select(SurveySite, SurveyCampaign, Site.name, Engagement.scheme_version_id)
        .join(SurveyCampaign, SurveyCampaign.id == SurveySite.campaign_id)
        .join(Site, Site.id == SurveySite.site_id)
        .join(Engagement, Engagement.id == SurveyCampaign.engagement_id)
        .where(SurveySite.code == code)
    ).first()
    if row is None:
        return None
    entry, campaign, site_name, scheme_version_id = row
    scheme = schemes.load_scheme_version(session, scheme_version_id)
    ratable = logic.survey_items(scheme)
    questions = tuple(
        Question(
            item=q["item"],
            zh=q["zh"],
            en=q.get("en", ""),
            labels=tuple(logic.scale_labels(scheme, q["item"])),
        )
        for q in campaign.questions
        if q["item"] in ratable
    )
    return PublicSurvey(
        campaign_id=campaign.id,
        organisation_id=campaign.organisation_id,
        survey_site_id=entry.id,
        code=entry.code,
        title=campaign.title,
        instructions=campaign.instructions,
        site_name=site_name,
        questions=questions,
        opens_at=campaign.opens_at,
        closes_at=campaign.closes_at,
        requires_code=campaign.requires_code,
        retention_days=campaign.contact_retention_days,
        flag_settings=flag_settings(campaign),
        levels=frozenset(level for q in questions for level, _, _ in q.labels),
        scale=tallies.scale_of(scheme),
    )


def flag_settings(campaign: SurveyCampaign) -> logic.FlagSettings:
    """The campaign's quality-flag thresholds, for the pure rules in ``logic``."""
    return logic.FlagSettings(
        min_seconds_per_question=campaign.min_seconds_per_question,
        burst_threshold=campaign.burst_threshold,
        burst_window_minutes=campaign.burst_window_minutes,
        opening_time=campaign.opening_time,
        closing_time=campaign.closing_time,
    )


def device_hash(key: bytes, campaign_id: uuid.UUID, token: str) -> str:
    """The stored form of a device token: keyed, per campaign (tokens are not kept in clear)."""
    return crypto.keyed_hash(key, "survey-device", f"{campaign_id}:{token}")


def already_answered(
    session: Session, key: bytes, campaign_id: uuid.UUID, tokens: Iterable[str | None]
) -> bool:
    hashes = [device_hash(key, campaign_id, t) for t in tokens if t]
    if not hashes:
        return False
    found = session.scalar(
        sa.select(SurveyResponse.id)
        .where(SurveyResponse.campaign_id == campaign_id, SurveyResponse.device_hash.in_(hashes))
        .limit(1)
    )
    return found is not None


def parse_answers(
    questions: Sequence[Question], raw: Mapping[str, str], levels: frozenset[int]
) -> dict[str, Any]:
    """``q.<item>`` form fields → {item: level | "na"}; unknown items or values are refused."""
    asked = {q.item for q in questions}
    answers: dict[str, Any] = {}
    for name, value in raw.items():
        item = name.removeprefix("q.")
        if item not in asked:
            raise invalid(name, "not a question of this survey")
        value = value.strip()
        if value == "":
            continue
        if value == logic.NA:
            answers[item] = logic.NA
        elif value.isdigit() and int(value) in levels:
            answers[item] = int(value)
        else:
            raise invalid(name, f"{value[:20]!r} is not an answer (1–5 or na)")
    if not answers:
        raise invalid("answers", "answer at least one question")
    return answers


@dataclass(frozen=True, slots=True)
class Submission:
    response_id: uuid.UUID
    flags: list[dict[str, Any]]
    #: True: the number was stored (encrypted); False: given without consent, not stored.
    contact_stored: bool | None


def _answer_checks() -> sa.Select[tuple[Any, Any, Any]]:
    """One round trip for all checks of an online answer: this device's earlier answer, this
    form's earlier answer (each on its own unique index), and the address's burst."""
    campaign = SurveyResponse.campaign_id == sa.bindparam("campaign_id")
    answered = (
        sa.select(SurveyResponse.id)
        .where(campaign, SurveyResponse.device_hash.in_(sa.bindparam("hashes", expanding=True)))
        .limit(1)
        .scalar_subquery()
    )
    form_used = (
        sa.select(SurveyResponse.id)
        .where(campaign, SurveyResponse.form_nonce == sa.bindparam("form_nonce"))
        .limit(1)
        .scalar_subquery()
    )
    earlier_count = (
        sa.select(sa.func.count())
        .select_from(SurveyResponse)
        .where(
            campaign,
            SurveyResponse.ip_hash == sa.bindparam("ip_hash"),
            SurveyResponse.received_at >= sa.bindparam("since"),
        )
        .scalar_subquery()
    )
    return sa.select(answered, form_used, earlier_count)


# Built once, not per answer (issue 13): building these statements took more CPU than their
# round trips; executed with parameters, they also hit SQLAlchemy's compiled cache directly.
_ANSWER_CHECKS = _answer_checks()
_INSERT_ANSWER = sa.insert(SurveyResponse)


def submit_online(
    session: Session,
    survey: PublicSurvey,
    *,
    answers: Mapping[str, Any],
    comment: str,
    phone: str,
    consent: bool,
    one_time_code: str,
    device_token: str,
    other_tokens: Sequence[str | None],
    form_nonce: str,
    started_at: datetime | None,
    client_address: str,
    key: bytes,
    now: datetime | None = None,
) -> Submission:
    """Store one online answer: once per device and per served form, only while open.

    ``form_nonce`` is the random id signed into the form when it was served: stored with the
    answer under a unique (campaign, form) index, in the answer's own INSERT, so a page load
    stores at most one answer even when posted again (or twice at once) with fresh device
    tokens. The quality flags are computed on arrival.

    PIPL §14: the number is kept only with the explicit consent ticked beside it; without
    consent it is dropped (the answer itself is kept) and the thank-you page says so.
    """
    now = now or utcnow()
    state = survey.state(now)
    if state == "closed":
        raise SurveyClosed(details={"closes_at": survey.closes_at.isoformat()})
    if state == "not_open":
        raise SurveyNotOpen(details={"opens_at": survey.opens_at.isoformat()})
    if len(comment) > MAX_COMMENT:
        raise invalid("comment", f"at most {MAX_COMMENT} characters")
    phone = phone.strip()
    number = normalise_phone(phone) if phone and consent else None
    ip_hash = crypto.keyed_hash(key, "survey-ip", client_address)
    settings = survey.flag_settings
    hashes = {
        device_hash(key, survey.campaign_id, token)
        for token in (device_token, *other_tokens)
        if token
    }
    connection = session.connection()
    previous, used, earlier = connection.execute(
        _ANSWER_CHECKS,
        {
            "campaign_id": survey.campaign_id,
            "hashes": sorted(hashes),
            "form_nonce": form_nonce,
            "ip_hash": ip_hash,
            "since": now - timedelta(minutes=settings.burst_window_minutes),
        },
    ).one()
    if previous is not None or used is not None:
        raise AlreadyAnswered()
    code_row: SurveyCode | None = None
    if survey.requires_code:
        code_row = _claim_code(session, key, survey.campaign_id, one_time_code, now)
    flags = logic.quality_flags(
        answers,
        settings,
        received_at=now,
        started_at=started_at,
        earlier_from_address=earlier or 0,
    )
    response_id = uuid.uuid4()
    row: dict[str, Any] = {
        "id": response_id,
        "campaign_id": survey.campaign_id,
        "survey_site_id": survey.survey_site_id,
        "channel": Channel.ONLINE,
        "answers": dict(answers),
        "comment": comment.strip(),
        "started_at": started_at,
        "received_at": now,
        "device_hash": device_hash(key, survey.campaign_id, device_token),
        "form_nonce": form_nonce,
        "ip_hash": ip_hash,
        "flags": flags,
        "one_time_code_id": code_row.id if code_row is not None else None,
        "staff_absent": False,
        "contact_ciphertext": None,
        "contact_key_id": None,
        "contact_consent_at": None,
    }
    if survey.scale is not None:
        row.update(tallies.stored_columns(survey.scale, answers, flags))
    if number is not None:
        row["contact_ciphertext"] = crypto.encrypt(key, number, str(response_id))
        row["contact_key_id"] = crypto.key_id(key)
        row["contact_consent_at"] = now
    # A plain INSERT, no ORM object: the busiest write of the public page. The request commits it
    # (backend/unit_of_work.py).
    try:
        connection.execute(_INSERT_ANSWER, [row])
    except IntegrityError as exc:
        # The same device or the same form twice at once: a unique index decided.
        session.rollback()
        raise AlreadyAnswered() from exc
    return Submission(response_id, flags, None if not phone else number is not None)


def _claim_code(
    session: Session, key: bytes, campaign_id: uuid.UUID, code: str, now: datetime
) -> SurveyCode:
    code = code.strip().lower()
    if not code:
        raise OneTimeCodeInvalid(details={"reason": "missing"})
    digest = crypto.keyed_hash(key, "one-time-code", f"{campaign_id}:{code}")
    row = session.scalars(
        sa.select(SurveyCode).where(
            SurveyCode.campaign_id == campaign_id, SurveyCode.code_hash == digest
        )
    ).one_or_none()
    if row is None:
        raise OneTimeCodeInvalid(details={"reason": "unknown"})
    # Conditional update: of two answers racing with one code, exactly one claims it.
    claimed = session.execute(
        sa.update(SurveyCode)
        .where(SurveyCode.id == row.id, SurveyCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise OneTimeCodeInvalid(details={"reason": "used"})
    return row
