"""Creating an evaluation, offline-safe: the phone's id, replays answered, conflicts refused.

The phone generates each evaluation's UUID and replays its outbox after a failure, never knowing
whether an earlier attempt arrived (docs/sync.md). So a create is identified by its id and the
SHA-256 of its canonical content (``create_hash``): the same create again answers the stored
evaluation and writes nothing; the same id with other content is ``IDEMPOTENCY_CONFLICT``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached

from backend.audit.services import entry_values, record_all
from backend.auth.access import Actor
from backend.db import table_of, utcnow
from backend.engagements.access import Need, allows, refusal, standing_of
from backend.engagements.models import (
    Assignment,
    AssignmentStatus,
    Engagement,
    EngagementMember,
    EngagementSite,
    TeamRole,
)
from backend.errors import (
    AssignmentAlreadyRecorded,
    Forbidden,
    IdempotencyConflict,
    InvalidTransition,
    ValidationFailed,
)
from backend.evaluations.content import (
    EMPTY_CONTENT,
    Content,
    apply_payload,
    create_hash,
    load_scheme_version,
    validate_content,
)
from backend.evaluations.models import (
    Evaluation,
    EvaluationEvent,
    EvaluationStatus,
    EvaluationVersion,
)
from backend.evaluations.signals import evaluation_submitted
from backend.evaluations.views import (
    ContentReceipt,
    EvaluationReceipt,
    EvaluationView,
    build_view,
    receipt_of,
)
from backend.evaluations.writes import (
    atomic,
    check_open,
    follow_assignment,
    link_evidence,
    status_change_values,
    version_values,
)
from backend.evidence.models import EvaluationEvidence
from backend.schemes.models import SchemeVersion
from backend.unit_of_work import flush_as_stored, send_at_commit
from backend.users.models import Role

#: Modes whose evaluations are mystery-shopper visits: they need the shopper's own assignment.
MYSTERY_SHOPPER_MODES = frozenset({"B", "D"})


# --------------------------------------------------------------------------- create


#: What ``_look_up`` reads: the engagement, its scheme's hash, whether the site is sampled, the
#: actor's place on the team, and whether the evaluation's id is taken already.
_Found = sa.Row[Engagement, str, bool, TeamRole | None, bool]


def _look_up(
    session: Session, actor: Actor, payload: Mapping[str, Any], evaluation_id: uuid.UUID
) -> _Found | None:
    """Everything a create checks, in one round trip: every evaluation a phone sends starts
    here. None when the engagement does not exist."""
    engagement_id, site_id = payload["engagement_id"], payload["site_id"]
    return session.execute(
        sa.select(
            Engagement,
            SchemeVersion.content_hash,
            sa.exists()
            .where(EngagementSite.engagement_id == engagement_id)
            .where(EngagementSite.site_id == site_id),
            sa.select(EngagementMember.team_role)
            .where(EngagementMember.engagement_id == engagement_id)
            .where(EngagementMember.user_id == actor.user.id)
            .scalar_subquery(),
            sa.exists().where(Evaluation.id == evaluation_id),
        )
        .join(SchemeVersion, SchemeVersion.id == Engagement.scheme_version_id)
        .where(Engagement.id == engagement_id)
    ).one_or_none()


def _references(
    session: Session,
    actor: Actor,
    payload: Mapping[str, Any],
    evaluation_id: uuid.UUID,
    row: _Found | None,
) -> tuple[Engagement, str]:
    """Check what a create refers to (``row``: ``_look_up``'s answer) and whether the actor may
    record it there.

    Returns the engagement and the content hash of its pinned scheme version.
    """
    if row is None or row[0].organisation_id != actor.user.organisation_id:
        raise ValidationFailed(details={"engagement_id": ["unknown engagement"]})
    engagement, scheme_hash, sampled, team_role, _taken = row
    check_open(engagement)
    mode = payload["mode"]
    if mode not in engagement.modes:
        used = ", ".join(engagement.modes)
        raise ValidationFailed(
            details={"mode": [f"mode {mode} is not used in this engagement (modes: {used})"]}
        )
    if not sampled:
        raise ValidationFailed(details={"site_id": ["the site is not sampled in this engagement"]})

    assignment: Assignment | None = None
    if payload.get("assignment_id") is not None:
        assignment = session.get(Assignment, payload["assignment_id"])
        if assignment is None or assignment.engagement_id != engagement.id:
            raise ValidationFailed(
                details={"assignment_id": ["unknown assignment for this engagement"]}
            )
        if assignment.shopper_id != actor.user.id:
            raise Forbidden(details={"reason": "not_your_assignment"})
        if assignment.site_id != payload["site_id"]:
            raise ValidationFailed(details={"site_id": ["the assignment is for another site"]})
        if assignment.mode != mode:
            raise ValidationFailed(
                details={"mode": [f"the assignment is for mode {assignment.mode}, not {mode}"]}
            )
        if assignment.status is AssignmentStatus.CANCELLED:
            raise InvalidTransition(details={"assignment_status": assignment.status.value})
        other = session.execute(
            sa.select(Evaluation.id, Evaluation.status).where(
                Evaluation.assignment_id == assignment.id, Evaluation.id != evaluation_id
            )
        ).first()
        if other is not None:
            # One visit, one evaluation: a phone that lost its local record finds it here, and
            # a second phone learns that the first one's visit counts.
            raise AssignmentAlreadyRecorded(
                details={
                    "reason": "assignment_already_recorded",
                    "evaluation_id": str(other.id),
                    "evaluation_status": other.status.value,
                }
            )
    if mode in MYSTERY_SHOPPER_MODES and assignment is None:
        raise ValidationFailed(
            details={"assignment_id": [f"mode {mode} needs the shopper's own assignment"]}
        )
    if actor.role is Role.SHOPPER and assignment is None:
        raise ValidationFailed(
            details={"assignment_id": ["shoppers record visits of their own assignments"]}
        )
    if assignment is None:
        # Without an assignment of their own, only the audit team records (mode A inspection).
        standing = standing_of(actor, engagement, team_role)
        if not allows(standing, Need.TEAM_WORK):
            raise refusal(actor, engagement, standing, Need.TEAM_WORK)
    return engagement, scheme_hash


def create_evaluation(
    session: Session,
    actor: Actor,
    evaluation_id: uuid.UUID,
    payload: Mapping[str, Any],
    *,
    device_time: datetime | None = None,
    ip: str | None = None,
    minimal: bool = False,
) -> tuple[EvaluationView | EvaluationReceipt, bool]:
    """Create an evaluation under the phone's id; ``(answer, created)``.

    Replaying the same create answers the stored evaluation (``created`` false) and writes
    nothing; the same id with other content is ``IDEMPOTENCY_CONFLICT`` (409). ``minimal``: the
    answer is the receipt the phone keeps (``EvaluationReceipt``), not the whole view, so that
    nothing is read back after the rows are written.
    """
    content = apply_payload(payload, EMPTY_CONTENT)
    digest = create_hash(payload, content)
    found = _look_up(session, actor, payload, evaluation_id)
    # A replay is answered before any check (its engagement may have closed since): the id is
    # looked up by itself only when it is taken, or when the engagement named is unknown.
    if found is None or found[4]:
        existing = session.get(Evaluation, evaluation_id)
        if existing is not None:
            return _replayed_create(session, actor, existing, digest, minimal), False
    try:
        with atomic(session):
            evaluation = _create(
                session, actor, evaluation_id, payload, content, digest, device_time, ip, found
            )
    except IntegrityError:
        # Another request created the same id between our look-up and our insert.
        existing = session.get(Evaluation, evaluation_id)
        if existing is None:
            raise
        return _replayed_create(session, actor, existing, digest, minimal), False
    if evaluation.status is EvaluationStatus.SUBMITTED:
        send_at_commit(session, evaluation_submitted, evaluation)
    if minimal:
        session.flush()  # the assignment's status, if it follows: nothing is read back
        receipt = EvaluationReceipt(
            id=evaluation.id,
            status=evaluation.status,
            version=1,
            content=ContentReceipt(number=1, content_hash=content.hash),
        )
        return receipt, True
    flush_as_stored(session)
    return build_view(session, evaluation), True


def _replayed_create(
    session: Session, actor: Actor, existing: Evaluation, digest: str, minimal: bool
) -> EvaluationView | EvaluationReceipt:
    if existing.evaluator_id != actor.user.id or existing.create_hash != digest:
        if existing.evaluator_id == actor.user.id:
            raise IdempotencyConflict(
                evaluation_id=str(existing.id), current_version=existing.version
            )
        raise IdempotencyConflict(evaluation_id=str(existing.id))
    view = build_view(session, existing)
    return receipt_of(view) if minimal else view


def _create(
    session: Session,
    actor: Actor,
    evaluation_id: uuid.UUID,
    payload: Mapping[str, Any],
    content: Content,
    digest: str,
    device_time: datetime | None,
    ip: str | None,
    found: _Found | None,
) -> Evaluation:
    """Check, then write the evaluation with its version, events, links and audit entries.

    Every phone's visit comes through here (issue 13: the ingest rate), so the rows are written
    as plain INSERTs, one statement per table (the events and audit entries several rows at
    once), instead of ORM objects flushed one by one; the evaluation then joins the session as
    a loaded record (``make_transient_to_detached``) for the assignment and the event's
    receivers, without being read back.
    """
    engagement, scheme_hash = _references(session, actor, payload, evaluation_id, found)
    scheme = load_scheme_version(session, engagement.scheme_version_id, content_hash=scheme_hash)
    validate_content(payload, scheme, payload["mode"], evaluation_id)
    # Every check before the first row is written: nothing is half-written when one fails.
    links = link_evidence(session, actor, evaluation_id, content.evidence, new_evaluation=True)
    submit = bool(payload.get("submit"))
    status = EvaluationStatus.SUBMITTED if submit else EvaluationStatus.DRAFT
    now = utcnow()
    row: dict[str, Any] = {
        "id": evaluation_id,
        "engagement_id": engagement.id,
        "site_id": payload["site_id"],
        "assignment_id": payload.get("assignment_id"),
        "mode": payload["mode"],
        "evaluator_id": actor.user.id,
        "device_id": actor.device.id if actor.device is not None else None,
        # Inserted as it ends up: submitted on create writes both events below.
        "status": status,
        "status_reason": None,
        "version": 1,
        "create_hash": digest,
        "created_at": now,
        "updated_at": now,
        "submitted_at": now if submit else None,
    }
    session.execute(sa.insert(table_of(Evaluation)), row)
    session.execute(
        sa.insert(table_of(EvaluationVersion)),
        version_values(actor, evaluation_id, 1, content, device_time),
    )
    # The create's event, then a submission's event and audit entry as every submission has them.
    events: list[dict[str, Any]] = [
        {
            "evaluation_id": evaluation_id,
            "actor_id": actor.user.id,
            "from_status": None,
            "to_status": EvaluationStatus.DRAFT,
            "version": 1,
            "comment": None,
        }
    ]
    entries = [
        entry_values(
            actor=actor,
            action="evaluation.created",
            object_type="evaluation",
            object_id=evaluation_id,
            details={
                "engagement_id": str(engagement.id),
                "mode": payload["mode"],
                "version": 1,
                "content_hash": content.hash,
            },
            ip=ip,
        )
    ]
    if submit:
        event, entry = status_change_values(
            actor,
            evaluation_id,
            EvaluationStatus.DRAFT,
            EvaluationStatus.SUBMITTED,
            1,
            comment=None,
            action="evaluation.submitted",
            ip=ip,
        )
        events.append(event)
        entries.append(entry)
    session.execute(sa.insert(table_of(EvaluationEvent)), events)
    if links:
        session.execute(
            sa.insert(table_of(EvaluationEvidence)),
            [
                {
                    "evaluation_id": link.evaluation_id,
                    "evidence_id": link.evidence_id,
                    "item_code": link.item_code,
                }
                for link in links
            ],
        )
    record_all(session, entries)
    evaluation = Evaluation(**row)
    make_transient_to_detached(evaluation)
    session.add(evaluation)
    follow_assignment(session, evaluation, status)
    return evaluation
