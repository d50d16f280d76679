"""What every change of an evaluation writes: versions, evidence links, status events.

Every change adds an ``EvaluationVersion`` (DOMAIN.md "Evidence": corrections are new versions,
never overwrites), an ``EvaluationEvent`` for status changes, and an audit entry, in one
transaction (``atomic``): a request that fails half way writes nothing. An evaluation's
assignment follows its status.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.audit.services import entry_values
from backend.auth.access import Actor
from backend.db import utcnow
from backend.engagements.models import (
    Assignment,
    AssignmentStatus,
    Engagement,
    EngagementStatus,
)
from backend.errors import (
    InvalidTransition,
    MissingEvidence,
)
from backend.evaluations.content import Content
from backend.evaluations.models import (
    Evaluation,
    EvaluationEvent,
    EvaluationStatus,
    EvaluationVersion,
)
from backend.evidence.models import EvaluationEvidence, Evidence
from backend.users.models import Role


@contextmanager
def atomic(session: Session) -> Iterator[None]:
    """Roll everything back when the block fails: no half-written evaluation, version or link."""
    try:
        yield
    except BaseException:
        session.rollback()
        raise


def check_open(engagement: Engagement) -> None:
    if engagement.status in (EngagementStatus.DECIDED, EngagementStatus.CLOSED):
        raise InvalidTransition(details={"engagement_status": engagement.status.value})


def link_evidence(
    session: Session,
    actor: Actor,
    evaluation_id: uuid.UUID,
    links: Sequence[Mapping[str, Any]],
    *,
    new_evaluation: bool = False,
) -> list[EvaluationEvidence]:
    """The links a version's citations add; 422 naming every id not uploaded yet.

    The phone uploads evidence before the evaluation that cites it; an id the server does not
    have (or that belongs to another organisation, or for a shopper to someone else) is named
    so that the phone uploads it and replays. Nothing is added to the session: the caller adds
    the links once every check has passed. A new evaluation has no links yet to look up.
    """
    wanted = {uuid.UUID(link["evidence_id"]): link for link in links}
    if not wanted:
        return []
    usable = set(
        session.scalars(
            sa.select(Evidence.id).where(
                Evidence.id.in_(wanted),
                Evidence.organisation_id == actor.user.organisation_id,
                *([Evidence.uploaded_by_id == actor.user.id] if actor.role is Role.SHOPPER else []),
            )
        )
    )
    missing = [str(evidence_id) for evidence_id in wanted if evidence_id not in usable]
    if missing:
        raise MissingEvidence(
            details={
                "evidence": [
                    f"evidence {m} has not been uploaded: upload it first" for m in missing
                ],
                "missing_evidence": missing,
            }
        )
    linked: set[uuid.UUID] = set()
    if not new_evaluation:
        linked = set(
            session.scalars(
                sa.select(EvaluationEvidence.evidence_id).where(
                    EvaluationEvidence.evaluation_id == evaluation_id,
                    EvaluationEvidence.evidence_id.in_(wanted),
                )
            )
        )
    return [
        EvaluationEvidence(
            evaluation_id=evaluation_id, evidence_id=evidence_id, item_code=link["item"]
        )
        for evidence_id, link in wanted.items()
        if evidence_id not in linked
    ]


def version_values(
    actor: Actor,
    evaluation_id: uuid.UUID,
    number: int,
    content: Content,
    device_time: datetime | None,
) -> dict[str, Any]:
    """The columns of version ``number`` of an evaluation (``created_at`` filled in on insert)."""
    return {
        "evaluation_id": evaluation_id,
        "number": number,
        "ratings": dict(content.ratings),
        "notes": content.notes,
        "item_notes": dict(content.item_notes),
        "started_at": content.started_at,
        "ended_at": content.ended_at,
        "gps_fixes": list(content.gps_fixes),
        "evidence": list(content.evidence),
        "content_hash": content.hash,
        "created_by_id": actor.user.id,
        "device_id": actor.device.id if actor.device is not None else None,
        "device_sent_at": device_time,
    }


def add_version(
    session: Session,
    actor: Actor,
    evaluation: Evaluation,
    number: int,
    content: Content,
    device_time: datetime | None,
) -> EvaluationVersion:
    values = version_values(actor, evaluation.id, number, content, device_time)
    version = EvaluationVersion(**values)
    session.add(version)
    return version


#: What an evaluation's status means for the visit it records: the shopper's list of
#: assignments shows it (issue 3, "Assignments ... status"). Rejected and excluded visits were
#: still made: the evaluation's own status says what became of them.
_ASSIGNMENT_STATUS: Mapping[EvaluationStatus, AssignmentStatus] = {
    EvaluationStatus.DRAFT: AssignmentStatus.IN_PROGRESS,
    EvaluationStatus.RETURNED: AssignmentStatus.IN_PROGRESS,
    EvaluationStatus.SUBMITTED: AssignmentStatus.SUBMITTED,
    EvaluationStatus.ACCEPTED: AssignmentStatus.COMPLETED,
    EvaluationStatus.REJECTED: AssignmentStatus.COMPLETED,
    EvaluationStatus.EXCLUDED: AssignmentStatus.COMPLETED,
}


def follow_assignment(session: Session, evaluation: Evaluation, status: EvaluationStatus) -> None:
    """Move the evaluation's assignment (if any, and not cancelled) along with it."""
    if evaluation.assignment_id is None:
        return
    assignment = session.get(Assignment, evaluation.assignment_id)
    if assignment is not None and assignment.status is not AssignmentStatus.CANCELLED:
        assignment.status = _ASSIGNMENT_STATUS[status]


def status_change_values(
    actor: Actor,
    evaluation_id: uuid.UUID,
    from_status: EvaluationStatus | None,
    to: EvaluationStatus,
    version: int,
    *,
    comment: str | None,
    action: str,
    ip: str | None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The columns of a status change's event and audit entry: one format whether they are
    written as records (``change_status``) or as plain INSERTs (``create._create``)."""
    event = {
        "evaluation_id": evaluation_id,
        "actor_id": actor.user.id,
        "from_status": from_status,
        "to_status": to,
        "version": version,
        "comment": comment,
    }
    entry = entry_values(
        actor=actor,
        action=action,
        object_type="evaluation",
        object_id=evaluation_id,
        reason=comment,
        details={
            "from": from_status.value if from_status is not None else None,
            "to": to.value,
            "version": version,
        },
        ip=ip,
    )
    return event, entry


def change_status(
    session: Session,
    actor: Actor,
    evaluation: Evaluation,
    to: EvaluationStatus,
    *,
    comment: str | None,
    action: str,
    ip: str | None,
) -> EvaluationEvent:
    """Move ``evaluation`` to ``to``, with its event and audit entry; the event is returned."""
    from_status = evaluation.status
    evaluation.status = to
    evaluation.status_reason = comment
    follow_assignment(session, evaluation, to)
    if to is EvaluationStatus.SUBMITTED:
        evaluation.submitted_at = utcnow()
    event_values, entry = status_change_values(
        actor,
        evaluation.id,
        from_status,
        to,
        evaluation.version,
        comment=comment,
        action=action,
        ip=ip,
    )
    event = EvaluationEvent(**event_values)
    session.add(event)
    session.add(AuditEntry(**entry))
    return event


def submit_for_review(
    session: Session, actor: Actor, evaluation: Evaluation, ip: str | None
) -> EvaluationEvent:
    """The evaluator hands the evaluation in for review."""
    return change_status(
        session,
        actor,
        evaluation,
        EvaluationStatus.SUBMITTED,
        comment=None,
        action="evaluation.submitted",
        ip=ip,
    )
