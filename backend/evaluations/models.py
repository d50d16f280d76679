"""Evaluations: one person's or one visit's measurement; every version is kept."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, UtcDateTime, created_at, utcnow
from backend.db_types import enum_column


class EvaluationStatus(enum.StrEnum):
    """draft → submitted → accepted | returned | rejected | excluded; returned → submitted again."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"  # counts in the scores (only accepted evaluations do, §5.1.2 reading)
    RETURNED = "returned"  # back to the shopper with comments, to correct and resubmit
    REJECTED = "rejected"  # not a valid measurement (e.g. visit not made)
    EXCLUDED = "excluded"  # valid but left out of the scores, with a reason


class Evaluation(Base):
    """The identity and state of an evaluation; its content lives in ``EvaluationVersion`` rows."""

    __tablename__ = "evaluations"
    #: The review queue and the evaluation list read pages in this order (submission, creation,
    #: id: backend/evaluations/reads.py), by status or not; every other read of an engagement's
    #: evaluations uses the same prefix, so ``engagement_id`` needs no index of its own.
    __table_args__ = (
        sa.Index(
            "ix_evaluations_engagement_queue",
            "engagement_id",
            "status",
            "submitted_at",
            "created_at",
            "id",
        ),
        sa.Index(
            "ix_evaluations_engagement_order", "engagement_id", "submitted_at", "created_at", "id"
        ),
    )

    #: Generated on the device, so an offline create replayed after a failure is recognised.
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    engagement_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("engagements.id", ondelete="RESTRICT")
    )
    site_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("sites.id", ondelete="RESTRICT"), index=True
    )
    assignment_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("assignments.id", ondelete="RESTRICT"), index=True
    )
    #: Certification mode letter A–I (B for a mystery-shopper visit, A for open inspection).
    mode: Mapped[str] = mapped_column(sa.String(1))
    evaluator_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    device_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("devices.id", ondelete="RESTRICT")
    )
    status: Mapped[EvaluationStatus] = mapped_column(
        enum_column(EvaluationStatus, "evaluation_status"), default=EvaluationStatus.DRAFT
    )
    #: The reason given with the last status change (return comments, rejection, exclusion).
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: Number of the current EvaluationVersion; also the ETag for optimistic concurrency.
    version: Mapped[int] = mapped_column(default=1)
    #: SHA-256 of the canonical create payload: the same id with other content is a conflict.
    create_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    versions: Mapped[list[EvaluationVersion]] = relationship(
        back_populates="evaluation", order_by="EvaluationVersion.number"
    )


class EvaluationVersion(Base):
    """One version of an evaluation's content. Corrections add versions; none is overwritten."""

    __tablename__ = "evaluation_versions"
    __table_args__ = (
        sa.UniqueConstraint(
            "evaluation_id", "number", name="uq_evaluation_versions_evaluation_number"
        ),
    )

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    evaluation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("evaluations.id", ondelete="RESTRICT"), index=True
    )
    number: Mapped[int]
    #: Item code → {"level": n} | {"alpha": "0.75"} | {"na": true, "reason": "..."} (scoring input).
    ratings: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    #: Per-item notes, item code → text.
    item_notes: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: [{"latitude", "longitude", "accuracy_m", "captured_at"}] in WGS-84, as the device saw them.
    gps_fixes: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    #: [{"evidence_id", "item"}]: the evidence this version cites (item may be null).
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    #: SHA-256 of the canonical JSON of this version's content.
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    created_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    device_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("devices.id", ondelete="RESTRICT")
    )
    created_at: Mapped[created_at]
    #: The device's clock when it sent this version (``X-Device-Time``): compared with
    #: ``created_at`` it measures the clock's error, ahead or behind (docs/sync.md).
    device_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    evaluation: Mapped[Evaluation] = relationship(back_populates="versions")


class EvaluationEvent(Base):
    """A status change of an evaluation, with who, when and why (the review history)."""

    __tablename__ = "evaluation_events"

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    evaluation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("evaluations.id", ondelete="RESTRICT"), index=True
    )
    actor_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    from_status: Mapped[EvaluationStatus | None] = mapped_column(
        enum_column(EvaluationStatus, "evaluation_event_from")
    )
    to_status: Mapped[EvaluationStatus] = mapped_column(
        enum_column(EvaluationStatus, "evaluation_event_to")
    )
    version: Mapped[int]
    comment: Mapped[str | None] = mapped_column(sa.Text)
    at: Mapped[created_at]
