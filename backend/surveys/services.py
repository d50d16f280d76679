"""Customer surveys: campaigns, the public answer, face-to-face entry, integrity and callbacks.

Who may do what (DOMAIN.md "Who uses the product"):

* plan and change a campaign, print its posters, issue one-time codes, draw callbacks:
  administrators, and team leaders on the engagement's team;
* enter face-to-face answers, decide on flagged answers, call back, read the responses:
  the engagement's audit team (team leaders and auditors on it); contact numbers are shown
  masked, and a full number only to a team member who gives a reason (audited);
* read the analysis: the team, administrators, reviewers who were not on the team (CQC rule
  §6.1, §6.2) and the client's own users (aggregates only: never a response, a comment or a
  contact number);
* answer: anyone with the poster's link, once per device.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.audit.services import record
from backend.auth.access import Actor
from backend.clients.models import Site
from backend.concurrency import check_version
from backend.db import utcnow
from backend.engagements.models import Engagement, EngagementMember, EngagementSite, TeamRole
from backend.errors import (
    AlreadyAnswered,
    ConflictOfInterest,
    ContactUnreadable,
    Forbidden,
    IdempotencyConflict,
    InvalidTransition,
    NotFound,
    OneTimeCodeInvalid,
    SchemeInvalid,
    SurveyClosed,
    SurveyNotOpen,
    ValidationFailed,
)
from backend.schemes import services as schemes
from backend.scoring import Scheme
from backend.surveys import crypto, logic
from backend.surveys.models import (
    CallbackDraw,
    CallbackOutcome,
    Channel,
    SurveyCampaign,
    SurveyCode,
    SurveyResponse,
    SurveySite,
)
from backend.users.models import Role, User

logger = logging.getLogger(__name__)

#: The poster codes' alphabet: lowercase letters and digits without look-alikes (0/o, 1/l/i).
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_CODE_LENGTH = 10
MAX_QUESTIONS = 40
MAX_COMMENT = 500


class Need(Enum):
    """What the actor wants to do with a campaign (see the module docstring)."""

    MANAGE = "manage"
    TEAM = "team"
    RESPONSES = "responses"
    ANALYSIS = "analysis"


def _invalid(path: str, message: str) -> ValidationFailed:
    return ValidationFailed(details={path: [message]})


def _team_role(session: Session, engagement_id: uuid.UUID, user_id: uuid.UUID) -> TeamRole | None:
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
    on_team = _team_role(session, engagement.id, actor.user.id)
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
    campaign = session.get(SurveyCampaign, campaign_id)
    if campaign is None or campaign.organisation_id != actor.user.organisation_id:
        raise NotFound()
    return campaign, engagement_for(session, actor, campaign.engagement_id, need)


def scheme_of(session: Session, engagement: Engagement) -> Scheme:
    try:
        return schemes.load_scheme_version(session, engagement.scheme_version_id)
    except schemes.StoredSchemeCorrupt as exc:
        raise SchemeInvalid(
            details={"scheme_version_id": str(engagement.scheme_version_id)}
        ) from exc


# --------------------------------------------------------------------------- campaigns


def new_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))


def validate_questions(
    scheme: Scheme, questions: Sequence[Mapping[str, Any]]
) -> list[dict[str, str]]:
    """Questions must name distinct five-point items of the pinned scheme."""
    ratable = logic.survey_items(scheme)
    if not ratable:
        raise _invalid("questions", f"scheme {scheme.id} has no items a customer can rate")
    if not questions:
        raise _invalid("questions", "at least one question")
    if len(questions) > MAX_QUESTIONS:
        raise _invalid("questions", f"at most {MAX_QUESTIONS} questions")
    seen: set[str] = set()
    out: list[dict[str, str]] = []
    for i, question in enumerate(questions):
        item = question["item"]
        if item not in ratable:
            raise _invalid(
                f"questions.{i}.item",
                f"{item!r} is not a five-point item of scheme {scheme.id}",
            )
        if item in seen:
            raise _invalid(f"questions.{i}.item", f"item {item} is asked twice")
        seen.add(item)
        out.append(
            {"item": item, "zh": question["zh"].strip(), "en": question.get("en", "").strip()}
        )
    return out


def _check_sites(
    session: Session, engagement: Engagement, sites: Sequence[Mapping[str, Any]]
) -> None:
    ids = [s["site_id"] for s in sites]
    if len(set(ids)) != len(ids):
        raise _invalid("sites", "a site is listed twice")
    allowed = set(
        session.scalars(
            sa.select(EngagementSite.site_id).where(EngagementSite.engagement_id == engagement.id)
        )
    )
    for i, site_id in enumerate(ids):
        if site_id not in allowed:
            raise _invalid(f"sites.{i}.site_id", "not a site of the engagement")


def _check_dates(opens_at: datetime, closes_at: datetime) -> None:
    if opens_at >= closes_at:
        raise _invalid("closes_at", "must be after opens_at")


def _check_hours(opening: str | None, closing: str | None) -> None:
    if (opening is None) != (closing is None):
        raise _invalid("opening_time", "give both opening_time and closing_time, or neither")


_SETTINGS = (
    "instructions",
    "callback_share",
    "contact_retention_days",
    "min_seconds_per_question",
    "burst_threshold",
    "burst_window_minutes",
    "opening_time",
    "closing_time",
    "requires_code",
)


def create_campaign(
    session: Session,
    actor: Actor,
    engagement_id: uuid.UUID,
    data: Mapping[str, Any],
    *,
    ip: str | None = None,
    codes: Mapping[uuid.UUID, str] | None = None,
) -> SurveyCampaign:
    """Plan a campaign; without questions, the default questionnaire of the pinned scheme.

    ``codes`` fixes a site's poster code (demo data: ``/s/demo``); otherwise codes are random.
    """
    engagement = engagement_for(session, actor, engagement_id, Need.MANAGE)
    if "E" not in engagement.modes:
        raise _invalid("engagement_id", "the engagement does not use mode E (customer survey)")
    scheme = scheme_of(session, engagement)
    raw_questions = data.get("questions")
    questions = validate_questions(
        scheme, raw_questions if raw_questions is not None else logic.default_questions(scheme)
    )
    _check_dates(data["opens_at"], data["closes_at"])
    _check_hours(data.get("opening_time"), data.get("closing_time"))
    _check_sites(session, engagement, data["sites"])
    campaign = SurveyCampaign(
        id=uuid.uuid4(),
        organisation_id=engagement.organisation_id,
        engagement_id=engagement.id,
        title=data["title"].strip(),
        opens_at=data["opens_at"],
        closes_at=data["closes_at"],
        questions=questions,
        created_by_id=actor.user.id,
        version=1,
        **{key: data[key] for key in _SETTINGS if key in data},
    )
    for position, entry in enumerate(data["sites"]):
        campaign.sites.append(
            SurveySite(
                id=uuid.uuid4(),
                site_id=entry["site_id"],
                code=(codes or {}).get(entry["site_id"]) or new_code(),
                target=entry.get("target", 30),
                position=position,
            )
        )
    session.add(campaign)
    record(
        session,
        actor=actor,
        action="survey_campaign.created",
        object_type="survey_campaign",
        object_id=campaign.id,
        details={"engagement_id": str(engagement.id), "title": campaign.title},
        ip=ip,
    )
    session.commit()
    return campaign


def response_count(session: Session, campaign_id: uuid.UUID) -> int:
    return (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(SurveyResponse)
            .where(SurveyResponse.campaign_id == campaign_id)
        )
        or 0
    )


def update_campaign(
    session: Session,
    actor: Actor,
    campaign_id: uuid.UUID,
    changes: Mapping[str, Any],
    expected_version: int | None,
    *,
    ip: str | None = None,
) -> SurveyCampaign:
    """Change dates, settings, targets, sites or (before the first answer) the questions."""
    campaign, engagement = campaign_for(session, actor, campaign_id, Need.MANAGE)
    check_version(expected_version, campaign.version)
    answered = response_count(session, campaign.id)
    if "questions" in changes:
        if answered:
            raise InvalidTransition(
                details={
                    "questions": ["cannot change once answers exist: they are keyed by item"],
                    "responses": answered,
                }
            )
        campaign.questions = validate_questions(
            scheme_of(session, engagement), changes["questions"]
        )
    opens_at = changes.get("opens_at", campaign.opens_at)
    closes_at = changes.get("closes_at", campaign.closes_at)
    _check_dates(opens_at, closes_at)
    campaign.opens_at, campaign.closes_at = opens_at, closes_at
    if "title" in changes:
        campaign.title = changes["title"].strip()
    for key in _SETTINGS:
        if key in changes:
            setattr(campaign, key, changes[key])
    _check_hours(campaign.opening_time, campaign.closing_time)
    if "sites" in changes:
        _check_sites(session, engagement, changes["sites"])
        by_site = {s.site_id: s for s in campaign.sites}
        wanted = {entry["site_id"]: entry for entry in changes["sites"]}
        for site_id, survey_site in by_site.items():
            if site_id not in wanted:
                used = session.scalar(
                    sa.select(sa.func.count())
                    .select_from(SurveyResponse)
                    .where(SurveyResponse.survey_site_id == survey_site.id)
                )
                if used:
                    raise InvalidTransition(
                        details={"sites": [f"site {site_id} has answers and stays"]}
                    )
                campaign.sites.remove(survey_site)
        for position, (site_id, entry) in enumerate(wanted.items()):
            existing = by_site.get(site_id)
            if existing is None:
                campaign.sites.append(
                    SurveySite(
                        id=uuid.uuid4(),
                        site_id=site_id,
                        code=new_code(),
                        target=entry.get("target", 30),
                        position=position,
                    )
                )
            else:
                existing.position = position
                if "target" in entry:
                    existing.target = entry["target"]
    campaign.version += 1
    record(
        session,
        actor=actor,
        action="survey_campaign.updated",
        object_type="survey_campaign",
        object_id=campaign.id,
        details={"fields": sorted(changes), "version": campaign.version},
        ip=ip,
    )
    session.commit()
    forget_public(campaign.id)
    return campaign


def list_campaigns(
    session: Session, actor: Actor, engagement_id: uuid.UUID
) -> list[SurveyCampaign]:
    engagement = engagement_for(session, actor, engagement_id, Need.RESPONSES)
    return list(
        session.scalars(
            sa.select(SurveyCampaign)
            .where(SurveyCampaign.engagement_id == engagement.id)
            .order_by(SurveyCampaign.created_at, SurveyCampaign.id)
        )
    )


@dataclass(frozen=True)
class SiteView:
    id: uuid.UUID
    site_id: uuid.UUID
    site_name: str
    code: str
    path: str
    target: int
    #: Worst-case margin of error (95 %) once the target is reached.
    target_margin_of_error: float | None


@dataclass(frozen=True)
class CampaignView:
    campaign: SurveyCampaign
    sites: list[SiteView]
    responses: int
    state: str

    def __getattr__(self, name: str) -> Any:
        return getattr(self.campaign, name)


def campaign_state(campaign: SurveyCampaign, now: datetime) -> str:
    if now < campaign.opens_at:
        return "not_open"
    if now >= campaign.closes_at:
        return "closed"
    return "open"


def campaign_view(session: Session, campaign: SurveyCampaign) -> CampaignView:
    names = dict(
        session.execute(
            sa.select(Site.id, Site.name).where(Site.id.in_([s.site_id for s in campaign.sites]))
        ).all()
    )
    sites = [
        SiteView(
            id=s.id,
            site_id=s.site_id,
            site_name=names.get(s.site_id, ""),
            code=s.code,
            path=f"/s/{s.code}",
            target=s.target,
            target_margin_of_error=(
                round(logic.margin_of_error(s.target), 4) if s.target > 0 else None
            ),
        )
        for s in campaign.sites
    ]
    return CampaignView(
        campaign=campaign,
        sites=sites,
        responses=response_count(session, campaign.id),
        state=campaign_state(campaign, utcnow()),
    )


def get_campaign(session: Session, actor: Actor, campaign_id: uuid.UUID) -> CampaignView:
    campaign, _ = campaign_for(session, actor, campaign_id, Need.RESPONSES)
    return campaign_view(session, campaign)


def survey_site(
    session: Session, actor: Actor, campaign_id: uuid.UUID, site_id: uuid.UUID
) -> tuple[SurveyCampaign, SurveySite, Site]:
    """A campaign's site, for its poster and QR code (the campaign's managers)."""
    campaign, _ = campaign_for(session, actor, campaign_id, Need.MANAGE)
    for entry in campaign.sites:
        if entry.site_id == site_id:
            site = session.get(Site, site_id)
            if site is None:
                break
            return campaign, entry, site
    raise NotFound(details={"site_id": str(site_id)})


def issue_codes(
    session: Session,
    actor: Actor,
    campaign_id: uuid.UUID,
    count: int,
    key: bytes,
    *,
    ip: str | None = None,
) -> list[str]:
    """New one-time codes (8 characters) for receipts or cards: shown once, stored hashed."""
    campaign, _ = campaign_for(session, actor, campaign_id, Need.MANAGE)
    codes = ["".join(secrets.choice(_CODE_ALPHABET) for _ in range(8)) for _ in range(count)]
    for code in codes:
        session.add(
            SurveyCode(
                id=uuid.uuid4(),
                campaign_id=campaign.id,
                code_hash=crypto.keyed_hash(key, "one-time-code", f"{campaign.id}:{code}"),
            )
        )
    record(
        session,
        actor=actor,
        action="survey_codes.issued",
        object_type="survey_campaign",
        object_id=campaign.id,
        details={"count": count},
        ip=ip,
    )
    session.commit()
    return codes


# --------------------------------------------------------------------------- the public page


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
        flag_settings=_flag_settings(campaign),
        levels=frozenset(level for q in questions for level, _, _ in q.labels),
    )


def _flag_settings(campaign: SurveyCampaign) -> logic.FlagSettings:
    return logic.FlagSettings(
        min_seconds_per_question=campaign.min_seconds_per_question,
        burst_threshold=campaign.burst_threshold,
        burst_window_minutes=campaign.burst_window_minutes,
        opening_time=campaign.opening_time,
        closing_time=campaign.closing_time,
    )


def device_hash(key: bytes, campaign_id: uuid.UUID, token: str) -> str:
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
            raise _invalid(name, "not a question of this survey")
        value = value.strip()
        if value == "":
            continue
        if value == logic.NA:
            answers[item] = logic.NA
        elif value.isdigit() and int(value) in levels:
            answers[item] = int(value)
        else:
            raise _invalid(name, f"{value[:20]!r} is not an answer (1–5 or na)")
    if not answers:
        raise _invalid("answers", "answer at least one question")
    return answers


def normalise_phone(raw: str) -> str:
    """A mainland mobile (11 digits, 1[3-9]…) or a landline with area code (0…), digits only."""
    digits = "".join(ch for ch in raw if ch not in " -()")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not digits.isdigit() or not digits.isascii():
        raise _invalid("phone", "只能包含数字 (digits only)")
    mobile = len(digits) == 11 and digits[0] == "1" and digits[1] in "3456789"
    landline = digits.startswith("0") and 10 <= len(digits) <= 12
    if not (mobile or landline):
        raise _invalid(
            "phone", "请输入 11 位手机号或带区号的固定电话 (a mobile or landline number)"
        )
    return digits


@dataclass(frozen=True, slots=True)
class Submission:
    response_id: uuid.UUID
    flags: list[dict[str, Any]]
    #: True: the number was stored (encrypted); False: given without consent, not stored.
    contact_stored: bool | None


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
    started_at: datetime | None,
    client_address: str,
    key: bytes,
    now: datetime | None = None,
) -> Submission:
    """Store one online answer: once per device, only while open, flags computed on arrival.

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
        raise _invalid("comment", f"at most {MAX_COMMENT} characters")
    phone = phone.strip()
    number = normalise_phone(phone) if phone and consent else None
    ip_hash = crypto.keyed_hash(key, "survey-ip", client_address)
    settings = survey.flag_settings
    hashes = {
        device_hash(key, survey.campaign_id, token)
        for token in (device_token, *other_tokens)
        if token
    }
    # One round trip for both checks: this device's earlier answer, and the address's burst.
    answered = (
        sa.select(SurveyResponse.id)
        .where(
            SurveyResponse.campaign_id == survey.campaign_id,
            SurveyResponse.device_hash.in_(hashes),
        )
        .limit(1)
        .scalar_subquery()
    )
    earlier_count = (
        sa.select(sa.func.count())
        .select_from(SurveyResponse)
        .where(
            SurveyResponse.campaign_id == survey.campaign_id,
            SurveyResponse.ip_hash == ip_hash,
            SurveyResponse.received_at >= now - timedelta(minutes=settings.burst_window_minutes),
        )
        .scalar_subquery()
    )
    connection = session.connection()
    previous, earlier = connection.execute(sa.select(answered, earlier_count)).one()
    if previous is not None:
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
        "ip_hash": ip_hash,
        "flags": flags,
        "one_time_code_id": code_row.id if code_row is not None else None,
        "staff_absent": False,
        "contact_ciphertext": None,
        "contact_key_id": None,
        "contact_consent_at": None,
    }
    if number is not None:
        row["contact_ciphertext"] = crypto.encrypt(key, number, str(response_id))
        row["contact_key_id"] = crypto.key_id(key)
        row["contact_consent_at"] = now
    # A plain INSERT: the busiest write of the public page needs no unit of work.
    try:
        connection.execute(sa.insert(SurveyResponse), [row])
        session.commit()
    except IntegrityError as exc:
        # The same device twice at once: the unique (campaign, device) index decided.
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


# --------------------------------------------------------------------------- face to face


def canonical_json(value: Any) -> str:
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
        raise _invalid(
            "staff_absent",
            "face-to-face answers are taken with the client's staff absent: attest it (true)",
        )
    entry = next((s for s in campaign.sites if s.site_id == payload["site_id"]), None)
    if entry is None:
        raise _invalid("site_id", "not a site of this campaign")
    conducted_at: datetime = payload["conducted_at"]
    now = utcnow()
    if not campaign.opens_at <= conducted_at <= campaign.closes_at:
        raise _invalid("conducted_at", "outside the campaign's open and close dates")
    if conducted_at > now + timedelta(minutes=5):
        raise _invalid("conducted_at", "in the future")
    interviewers = list(dict.fromkeys(payload["interviewer_ids"]))
    for i, user_id in enumerate(interviewers):
        if _team_role(session, engagement.id, user_id) is None:
            raise _invalid(f"interviewer_ids.{i}", "not on the engagement's audit team")
    questions = {q["item"] for q in campaign.questions}
    answers: dict[str, Any] = {}
    for item, value in payload["answers"].items():
        if item not in questions:
            raise _invalid(f"answers.{item}", "not a question of this campaign")
        answers[item] = value
    if not answers:
        raise _invalid("answers", "answer at least one question")
    phone = (payload.get("phone") or "").strip()
    if phone and not payload.get("consent"):
        raise _invalid("consent", "a phone number is kept only with the customer's consent")
    number = normalise_phone(phone) if phone else None
    flags = logic.quality_flags(
        answers,
        _flag_settings(campaign),
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
        session.commit()
    except IntegrityError:
        # The same id sent twice at once: answer as a replay would.
        session.rollback()
        existing = session.get(SurveyResponse, response_id)
        if existing is not None and existing.content_hash == content_hash:
            return existing, False
        raise IdempotencyConflict(details={"response_id": str(response_id)}) from None
    return response, True


# --------------------------------------------------------------------------- review


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
        raise _invalid("reason", "say why")
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
    session.commit()
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
    session.commit()
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
    session: Session, actor: Actor, campaign_id: uuid.UUID, key: bytes
) -> list[CallbackEntry]:
    """The drawn answers with masked numbers, for the team making the calls."""
    campaign, _ = campaign_for(session, actor, campaign_id, Need.TEAM)
    sites = {s.id: s.site_id for s in campaign.sites}
    rows = session.scalars(
        sa.select(SurveyResponse)
        .where(
            SurveyResponse.campaign_id == campaign.id,
            SurveyResponse.callback_outcome.is_not(None),
        )
        .order_by(SurveyResponse.received_at, SurveyResponse.id)
    ).all()
    out = []
    for r in rows:
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
    return out


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
    session.commit()
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
        raise _invalid("outcome", "confirmed, not_reached or denied")
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
    session.commit()
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
    session.commit()
    return total


# --------------------------------------------------------------------------- responses


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
