"""The on-site record, the review (复核, CQC §6.1) and the certification decision (认证决定, §6.2).

Both the review and the decision are refused, on the server, to anyone who is or was on the
engagement's audit team: the access table's ``Need.REVIEW`` and ``Need.DECIDE`` let in only an
independent reviewer (403 CONFLICT_OF_INTEREST for a reviewer who was on the team, FORBIDDEN for
everyone else). The file must be complete before either (409 FILE_INCOMPLETE naming the missing
checklist lines); every line must be confirmed (422 CHECKLIST_INCOMPLETE); the decision needs a
review recommending certification (409 REVIEW_REQUIRED), is made once (409 ALREADY_DECIDED), and
approval where the scheme's decision rows give "not certified" is refused (409
DECISION_NOT_SUPPORTED). Services flush; the request commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.audit import services as audit
from backend.auth.actor import Actor
from backend.decisions.file import CHECKLIST_KEYS, EngagementFile, build_file
from backend.decisions.models import Decision, OnSiteRecord, Review
from backend.engagements.access import Need, require
from backend.engagements.models import EngagementStatus
from backend.errors import (
    AlreadyDecided,
    ChecklistIncomplete,
    DecisionNotSupported,
    FileIncomplete,
    ReviewRequired,
    ValidationFailed,
)
from backend.evaluations.content import load_scheme_version
from backend.scoring import InputError, parse_input
from backend.scoring.numbers import to_float
from backend.unit_of_work import flush_as_stored

ON_SITE_PARTS = ("management", "conformity", "timing")


@dataclass
class FileView:
    """The file with its review and decision, as the reviewer's screen shows it."""

    file: EngagementFile
    review: Review | None
    decision: Decision | None


def record_on_site(
    session: Session, actor: Actor, engagement_id: uuid.UUID, data: dict[str, Any]
) -> OnSiteRecord:
    """The team leader records the on-site results (scoring input format), checked against the
    engagement's scheme; a later record replaces it until the decision is made."""
    engagement = require(session, actor, engagement_id, Need.ASSIGN).engagement
    decided = _decision(session, engagement.id)
    if decided is not None:
        raise AlreadyDecided(engagement_id=str(engagement.id), approved=decided.approved)
    unknown = sorted(set(data) - set(ON_SITE_PARTS))
    if unknown:
        raise ValidationFailed(details={name: ["未知的部分 / unknown part"] for name in unknown})
    scheme = load_scheme_version(session, engagement.scheme_version_id)
    try:
        parse_input(data, scheme)
    except InputError as exc:
        raise ValidationFailed(details={exc.path: [exc.message]}) from exc
    record = session.get(OnSiteRecord, engagement.id)
    now = datetime.now(UTC)
    if record is None:
        record = OnSiteRecord(engagement_id=engagement.id, data=data)
        session.add(record)
    record.data = data
    record.recorded_by_id = actor.user.id
    record.recorded_at = now
    audit.record(
        session,
        actor=actor,
        action="engagement.on_site_recorded",
        object_type="engagement",
        object_id=engagement.id,
        details={"parts": sorted(data)},
    )
    flush_as_stored(session)
    return record


def _decision(session: Session, engagement_id: uuid.UUID) -> Decision | None:
    return session.scalars(select(Decision).where(Decision.engagement_id == engagement_id)).first()


def _review(session: Session, engagement_id: uuid.UUID) -> Review | None:
    return session.scalars(select(Review).where(Review.engagement_id == engagement_id)).first()


def engagement_file(session: Session, actor: Actor, engagement_id: uuid.UUID) -> FileView:
    """The file and its checklist, for the independent reviewer and decision maker."""
    engagement = require(session, actor, engagement_id, Need.REVIEW).engagement
    built = build_file(session, engagement, actor.user.organisation_id)
    return FileView(built, _review(session, engagement.id), _decision(session, engagement.id))


def submit_review(
    session: Session,
    actor: Actor,
    engagement_id: uuid.UUID,
    checklist: dict[str, dict[str, Any]],
    conclusion: str,
    comment: str,
) -> FileView:
    """The reviewer confirms every applicable checklist line and concludes (§6.1)."""
    engagement = require(session, actor, engagement_id, Need.REVIEW).engagement
    decided = _decision(session, engagement.id)
    if decided is not None:
        raise AlreadyDecided(engagement_id=str(engagement.id), approved=decided.approved)
    built = build_file(session, engagement, actor.user.organisation_id)
    if built.missing:
        raise FileIncomplete(engagement_id=str(engagement.id), missing=built.missing)
    unknown = sorted(set(checklist) - set(CHECKLIST_KEYS))
    if unknown:
        raise ValidationFailed(
            details={f"checklist.{k}": ["未知的项目 / unknown line"] for k in unknown}
        )
    unconfirmed = [
        line.key
        for line in built.lines
        if line.applies and not checklist.get(line.key, {}).get("confirmed", False)
    ]
    if unconfirmed:
        raise ChecklistIncomplete(unconfirmed=unconfirmed)
    if conclusion == "not_recommend" and not comment.strip():
        raise ValidationFailed(details={"comment": ["不建议认证时须说明理由 / give the reasons"]})
    stored = {
        line.key: {
            "confirmed": bool(checklist.get(line.key, {}).get("confirmed", False)),
            "note": str(checklist.get(line.key, {}).get("note", "")),
            "summary": {"zh": line.zh, "en": line.en},
        }
        for line in built.lines
    }
    review = _review(session, engagement.id)
    if review is None:
        review = Review(engagement_id=engagement.id)
        session.add(review)
    review.reviewer_id = actor.user.id
    review.checklist = stored
    review.conclusion = conclusion
    review.comment = comment.strip()
    review.reviewed_at = datetime.now(UTC)
    if engagement.status in (EngagementStatus.PLANNED, EngagementStatus.FIELDWORK):
        engagement.status = EngagementStatus.REVIEW
    audit.record(
        session,
        actor=actor,
        action="engagement.reviewed",
        object_type="engagement",
        object_id=engagement.id,
        details={"conclusion": conclusion},
    )
    flush_as_stored(session)
    return FileView(built, review, None)


def decide(
    session: Session, actor: Actor, engagement_id: uuid.UUID, approve: bool, reasons: str
) -> FileView:
    """Approve or refuse certification with reasons (§6.2); the grade is the scheme's row."""
    engagement = require(session, actor, engagement_id, Need.DECIDE).engagement
    decided = _decision(session, engagement.id)
    if decided is not None:
        raise AlreadyDecided(engagement_id=str(engagement.id), approved=decided.approved)
    if not reasons.strip():
        raise ValidationFailed(details={"reasons": ["请写明决定的理由 / give the reasons"]})
    review = _review(session, engagement.id)
    if review is None or (approve and review.conclusion != "recommend"):
        raise ReviewRequired(
            engagement_id=str(engagement.id),
            conclusion=review.conclusion if review is not None else None,
        )
    built = build_file(session, engagement, actor.user.organisation_id)
    if built.missing:
        raise FileIncomplete(engagement_id=str(engagement.id), missing=built.missing)
    outcome = built.result.decision
    if approve and (outcome is None or outcome.outcome == "not_certified"):
        raise DecisionNotSupported(
            outcome=outcome.outcome if outcome is not None else None,
            explanation=built.decision_json(),
        )
    service = built.result.service
    decision = Decision(
        engagement_id=engagement.id,
        decided_by_id=actor.user.id,
        approved=approve,
        reasons=reasons.strip(),
        outcome=outcome.outcome if outcome is not None else "certified",
        row=outcome.row if outcome is not None else None,
        grade_zh=outcome.grade.zh if outcome is not None and outcome.grade else None,
        grade_en=outcome.grade.en if outcome is not None and outcome.grade else None,
        scores=built.characteristic_scores(),
        service_score=to_float(service.score) if service is not None else None,
        explanation=built.decision_json() or {},
        decided_at=datetime.now(UTC),
    )
    session.add(decision)
    engagement.status = EngagementStatus.DECIDED
    audit.record(
        session,
        actor=actor,
        action="engagement.decided",
        object_type="engagement",
        object_id=engagement.id,
        reason=reasons.strip(),
        details={"approved": approve, "outcome": decision.outcome, "grade": decision.grade_zh},
    )
    flush_as_stored(session)
    return FileView(built, review, decision)


def approved_decision(session: Session, engagement_id: uuid.UUID) -> Decision | None:
    """The engagement's decision if it approved certification (the certificates feature asks)."""
    found = _decision(session, engagement_id)
    return found if found is not None and found.approved else None
