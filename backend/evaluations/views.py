"""What the API shows of an evaluation: its view (content and history) and its queue summary."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, Session

from backend.auth.access import Actor
from backend.evaluations.access import Access
from backend.evaluations.actions import (
    ReviewActions,
    review_actions,
)
from backend.evaluations.models import (
    Evaluation,
    EvaluationEvent,
    EvaluationStatus,
    EvaluationVersion,
)
from backend.users.models import User

# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class Person:
    id: uuid.UUID
    display_name: str


@dataclass(frozen=True)
class EvaluationView:
    """An evaluation with its current content and history, as the API shows it."""

    id: uuid.UUID
    engagement_id: uuid.UUID
    site_id: uuid.UUID
    assignment_id: uuid.UUID | None
    mode: str
    status: EvaluationStatus
    status_reason: str | None
    version: int
    evaluator: Person
    device_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    content: EvaluationVersion
    events: Sequence[EvaluationEvent]
    #: The review actions the reader may take now (reads and reviews; None on the evaluator's
    #: own create and edit answers).
    review: ReviewActions | None = None


@dataclass(frozen=True)
class ContentReceipt:
    number: int
    content_hash: str


@dataclass(frozen=True)
class EvaluationReceipt:
    """The short answer to a sync the phone asked to keep short (``Prefer: return=minimal``).

    What the phone's outbox keeps of the answer (pwa/src/data/replay.ts ``acknowledge``: status,
    version, content hash) and its id; the API dumps it with the full schema, which leaves out
    every field it lacks, so the schema stays true of both answers.
    """

    id: uuid.UUID
    status: EvaluationStatus
    version: int
    content: ContentReceipt


def receipt_of(view: EvaluationView) -> EvaluationReceipt:
    return EvaluationReceipt(
        id=view.id,
        status=view.status,
        version=view.version,
        content=ContentReceipt(view.content.number, view.content.content_hash),
    )


@dataclass(frozen=True)
class EvaluationSummary:
    id: uuid.UUID
    site_id: uuid.UUID
    assignment_id: uuid.UUID | None
    mode: str
    status: EvaluationStatus
    version: int
    evaluator: Person
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    #: The review actions the reader of the queue may take on it now.
    review: ReviewActions | None = None


def find_version(
    session: Session, evaluation_id: uuid.UUID, number: int
) -> EvaluationVersion | None:
    return session.scalars(
        sa.select(EvaluationVersion).where(
            EvaluationVersion.evaluation_id == evaluation_id, EvaluationVersion.number == number
        )
    ).one_or_none()


def current_version(session: Session, evaluation: Evaluation) -> EvaluationVersion:
    """The version ``evaluation.version`` names (every evaluation has one from its create)."""
    return session.scalars(
        sa.select(EvaluationVersion).where(
            EvaluationVersion.evaluation_id == evaluation.id,
            EvaluationVersion.number == evaluation.version,
        )
    ).one()


def accepted_versions(
    session: Session,
    engagement_id: uuid.UUID,
    *,
    order_by: Sequence[InstrumentedAttribute[Any]] = (
        Evaluation.submitted_at,
        Evaluation.id,
    ),
) -> list[tuple[Evaluation, EvaluationVersion]]:
    """The engagement's accepted evaluations, each with its current version (one query).

    What scores count and what the client reads as results: only evaluations accepted in QA,
    and of each only the version that was accepted (the current one: accepted ones are frozen).
    """
    rows = session.execute(
        sa.select(Evaluation, EvaluationVersion)
        .join(
            EvaluationVersion,
            sa.and_(
                EvaluationVersion.evaluation_id == Evaluation.id,
                EvaluationVersion.number == Evaluation.version,
            ),
        )
        .where(
            Evaluation.engagement_id == engagement_id,
            Evaluation.status == EvaluationStatus.ACCEPTED,
        )
        .order_by(*order_by)
    ).all()
    return [(evaluation, version) for evaluation, version in rows]


def _person(session: Session, user_id: uuid.UUID) -> Person:
    user = session.get_one(User, user_id)
    return Person(user.id, user.display_name)


def _events(session: Session, evaluation_id: uuid.UUID) -> list[EvaluationEvent]:
    return list(
        session.scalars(
            sa.select(EvaluationEvent)
            .where(EvaluationEvent.evaluation_id == evaluation_id)
            .order_by(EvaluationEvent.id)
        )
    )


def build_view(
    session: Session,
    evaluation: Evaluation,
    *,
    content: EvaluationVersion | None = None,
    events: Sequence[EvaluationEvent] | None = None,
) -> EvaluationView:
    """The view of ``evaluation``; a create passes the version and events it just wrote."""
    return EvaluationView(
        id=evaluation.id,
        engagement_id=evaluation.engagement_id,
        site_id=evaluation.site_id,
        assignment_id=evaluation.assignment_id,
        mode=evaluation.mode,
        status=evaluation.status,
        status_reason=evaluation.status_reason,
        version=evaluation.version,
        evaluator=_person(session, evaluation.evaluator_id),
        device_id=evaluation.device_id,
        created_at=evaluation.created_at,
        updated_at=evaluation.updated_at,
        submitted_at=evaluation.submitted_at,
        content=content if content is not None else current_version(session, evaluation),
        events=events if events is not None else _events(session, evaluation.id),
    )


def with_review(view: EvaluationView, actor: Actor, access: Access) -> EvaluationView:
    """The view with the review actions this actor may take on it now (actions.py)."""
    review = review_actions(
        actor.role,
        own=access is Access.OWN,
        on_team=access is Access.TEAM,
        status=view.status,
    )
    return dataclasses.replace(view, review=review)
