"""The document review (文件审核, CQC rule §5.1): its conclusion, one of the three of §5.1.4.

Two ways in, one rule. The team leader records it in the office (``POST``, the server makes the
id); an auditor on the engagement's team records it on the phone, offline, through the outbox
like a visit (docs/sync.md): ``PUT`` under the phone's id, idempotent (the same id with the same
content answers the stored review and writes nothing; other content is ``IDEMPOTENCY_CONFLICT``).
A review is never changed: a new conclusion (the client resubmitted) is a new review, so every
one is kept, oldest first, each with its audit entry. The latest one is what the plan and the
portal read (``plans.latest_review``).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.audit.services import record
from backend.auth.access import Actor
from backend.db import utcnow
from backend.engagements import access
from backend.engagements.access import Need
from backend.errors import IdempotencyConflict, ValidationFailed
from backend.planning.models import DocumentReview, DocumentReviewOutcome
from backend.unit_of_work import flush_as_stored


@dataclass(frozen=True, slots=True)
class Conclusion:
    """What a document review concludes (§5.1.4), checked."""

    outcome: DocumentReviewOutcome
    findings: str
    requested: list[str]

    def digest(self, engagement_id: uuid.UUID) -> str:
        """SHA-256 of the canonical create: what identifies a replay of the same PUT."""
        canonical = json.dumps(
            {
                "engagement_id": str(engagement_id),
                "outcome": self.outcome.value,
                "findings": self.findings,
                "requested": self.requested,
            },
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(details={field: [message]})


def conclusion(
    outcome: DocumentReviewOutcome, findings: str, requested: Sequence[str]
) -> Conclusion:
    """Check a conclusion against §5.1.4.

    Outcome 2) asks for parts to be completed (evidence may come at the on-site audit), outcome
    3) for the documents to be fixed and resubmitted: both name what the client must supply
    (shown in the portal) and describe the problems. Outcome 1) asks for nothing.
    """
    wanted = [r.strip() for r in requested if r.strip()]
    if outcome is DocumentReviewOutcome.FIT and wanted:
        raise _invalid("requested", "A document review that is fit asks for nothing.")
    if outcome is not DocumentReviewOutcome.FIT:
        if not wanted:
            raise _invalid("requested", "Say what the client must supply (§5.1.4).")
        if not findings.strip():
            raise _invalid("findings", "Describe the problems found (§5.1.4).")
    return Conclusion(outcome=outcome, findings=findings.strip(), requested=wanted)


def _audit(
    session: Session,
    actor: Actor,
    review: DocumentReview,
    *,
    via: str,
    ip: str | None,
) -> None:
    record(
        session,
        actor=actor,
        action="document_review.recorded",
        object_type="engagement",
        object_id=review.engagement_id,
        details={
            "review_id": str(review.id),
            "outcome": review.outcome.value,
            "requested": list(review.requested),
            "via": via,
        },
        ip=ip,
    )


def record_document_review(
    session: Session,
    actor: Actor,
    engagement_id: uuid.UUID,
    *,
    outcome: DocumentReviewOutcome,
    findings: str = "",
    requested: Sequence[str] = (),
    ip: str | None = None,
) -> DocumentReview:
    """The team leader records the conclusion in the office (``Need.PLAN``; a new review)."""
    engagement = access.require(session, actor, engagement_id, Need.PLAN).engagement
    checked = conclusion(outcome, findings, requested)
    review = DocumentReview(
        id=uuid.uuid4(),
        engagement_id=engagement.id,
        outcome=checked.outcome,
        findings=checked.findings,
        requested=checked.requested,
        reviewed_by_id=actor.user.id,
        created_at=utcnow(),
    )
    session.add(review)
    _audit(session, actor, review, via="office", ip=ip)
    session.flush()
    return review


def put_document_review(
    session: Session,
    actor: Actor,
    engagement_id: uuid.UUID,
    review_id: uuid.UUID,
    payload: dict[str, Any],
    *,
    device_time: datetime | None = None,
    ip: str | None = None,
) -> tuple[DocumentReview, bool]:
    """Record the conclusion under the phone's id (the audit team, ``Need.TEAM_WORK``).

    ``(review, created)``: a replay of the same create answers the stored review and writes
    nothing (no second audit entry); the id used for other content, by someone else or on
    another engagement is ``IDEMPOTENCY_CONFLICT``.
    """
    engagement = access.require(session, actor, engagement_id, Need.TEAM_WORK).engagement
    checked = conclusion(
        payload["outcome"], payload.get("findings", ""), payload.get("requested", ())
    )
    digest = checked.digest(engagement.id)
    existing = session.get(DocumentReview, review_id)
    if existing is not None:
        return _replayed(existing, actor, digest), False
    review = DocumentReview(
        id=review_id,
        engagement_id=engagement.id,
        outcome=checked.outcome,
        findings=checked.findings,
        requested=checked.requested,
        reviewed_by_id=actor.user.id,
        create_hash=digest,
        device_id=actor.device.id if actor.device is not None else None,
        device_sent_at=device_time,
        created_at=utcnow(),
    )
    session.add(review)
    _audit(session, actor, review, via="field", ip=ip)
    try:
        flush_as_stored(session)
    except IntegrityError:
        # The same id sent twice at once: answer as a replay would.
        session.rollback()
        existing = session.get(DocumentReview, review_id)
        if existing is None:
            raise
        return _replayed(existing, actor, digest), False
    return review, True


def _replayed(existing: DocumentReview, actor: Actor, digest: str) -> DocumentReview:
    if existing.reviewed_by_id != actor.user.id or existing.create_hash != digest:
        raise IdempotencyConflict(id=str(existing.id))
    return existing


def list_document_reviews(
    session: Session, actor: Actor, engagement_id: uuid.UUID
) -> list[DocumentReview]:
    """Every document review of the engagement, oldest first (none is ever changed)."""
    engagement = access.require(session, actor, engagement_id, Need.SEE).engagement
    return list(
        session.scalars(
            sa.select(DocumentReview)
            .where(DocumentReview.engagement_id == engagement.id)
            .order_by(DocumentReview.created_at, DocumentReview.id)
        )
    )
