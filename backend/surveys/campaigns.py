"""Survey campaigns: plan, change and list them, their sites and posters, one-time codes.

A campaign belongs to one mode-E engagement; each of its sites gets a poster code (``/s/<code>``).
Views add the site names, the response count and the open / closed state the API shows.
"""

from __future__ import annotations

import functools
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.services import record
from backend.auth.actor import Actor
from backend.clients.models import Site
from backend.concurrency import check_version
from backend.db import utcnow
from backend.engagements.models import Engagement, EngagementSite
from backend.errors import InvalidTransition, NotFound, SchemeInvalid
from backend.schemes import services as schemes
from backend.scoring import Scheme
from backend.surveys import crypto, logic
from backend.surveys.access import Need, campaign_for, engagement_for
from backend.surveys.answering import forget_public
from backend.surveys.fields import invalid
from backend.surveys.models import SurveyCampaign, SurveyCode, SurveyResponse, SurveySite
from backend.unit_of_work import after_commit, flush_as_stored

#: The poster codes' alphabet: lowercase letters and digits without look-alikes (0/o, 1/l/i).
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_CODE_LENGTH = 10
MAX_QUESTIONS = 40


def scheme_of(session: Session, engagement: Engagement) -> Scheme:
    """The engagement's pinned scheme version; SCHEME_INVALID when the stored copy is corrupt."""
    try:
        return schemes.load_scheme_version(session, engagement.scheme_version_id)
    except schemes.StoredSchemeCorrupt as exc:
        raise SchemeInvalid(
            details={"scheme_version_id": str(engagement.scheme_version_id)}
        ) from exc


def new_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))


def validate_questions(
    scheme: Scheme, questions: Sequence[Mapping[str, Any]]
) -> list[dict[str, str]]:
    """Questions must name distinct five-point items of the pinned scheme."""
    ratable = logic.survey_items(scheme)
    if not ratable:
        raise invalid("questions", f"scheme {scheme.id} has no items a customer can rate")
    if not questions:
        raise invalid("questions", "at least one question")
    if len(questions) > MAX_QUESTIONS:
        raise invalid("questions", f"at most {MAX_QUESTIONS} questions")
    seen: set[str] = set()
    out: list[dict[str, str]] = []
    for i, question in enumerate(questions):
        item = question["item"]
        if item not in ratable:
            raise invalid(
                f"questions.{i}.item",
                f"{item!r} is not a five-point item of scheme {scheme.id}",
            )
        if item in seen:
            raise invalid(f"questions.{i}.item", f"item {item} is asked twice")
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
        raise invalid("sites", "a site is listed twice")
    allowed = set(
        session.scalars(
            sa.select(EngagementSite.site_id).where(EngagementSite.engagement_id == engagement.id)
        )
    )
    for i, site_id in enumerate(ids):
        if site_id not in allowed:
            raise invalid(f"sites.{i}.site_id", "not a site of the engagement")


def _check_dates(opens_at: datetime, closes_at: datetime) -> None:
    if opens_at >= closes_at:
        raise invalid("closes_at", "must be after opens_at")


def _check_hours(opening: str | None, closing: str | None) -> None:
    if (opening is None) != (closing is None):
        raise invalid("opening_time", "give both opening_time and closing_time, or neither")


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
        raise invalid("engagement_id", "the engagement does not use mode E (customer survey)")
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
    flush_as_stored(session)
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
    flush_as_stored(session)
    # The cached page goes now and again once committed: a request in between may cache the
    # old campaign again.
    forget_public(campaign.id)
    after_commit(session, functools.partial(forget_public, campaign.id))
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
    flush_as_stored(session)
    return codes
