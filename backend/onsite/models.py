"""On-site audit records: one auditor's management audit or conformity audit; every version kept.

A record is made on the phone under its own UUID and synced like a visit (docs/sync.md):
idempotent create, If-Match edits, a version row per change, review by the team leader.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UtcDateTime, created_at, utcnow
from backend.db_types import enum_column


class RecordKind(enum.StrEnum):
    """What the record holds (its content's shape: ``backend/onsite/content.py``)."""

    #: Management maturity per clause (Tengbiao §5.2, Annexes 2–4), and a §5.2.2 exemption.
    MANAGEMENT = "management"
    #: Clause judgements (CQC §5.2.3.1, table 2) with the timing check rows (annex tables 1–3).
    CONFORMITY = "conformity"
    #: One rater's own ratings of a two-rater service experience (seed 003), sealed until both
    #: raters have submitted; only the pair's reconciled evaluation counts (§5.1.2).
    PAIR_RATING = "pair_rating"


class RecordStatus(enum.StrEnum):
    """draft → submitted → accepted | returned; returned → submitted again (like visits)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"  # counts in the engagement's scores
    RETURNED = "returned"  # back to its auditor with the team leader's comment


class OnsiteAuditRecord(Base):
    """The identity and state of an on-site record; its content lives in version rows."""

    __tablename__ = "onsite_audit_records"

    #: Generated on the phone, so an offline create replayed after a failure is recognised.
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    engagement_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("engagements.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[RecordKind] = mapped_column(enum_column(RecordKind, "onsite_record_kind"))
    #: The two-rater pair a ``pair_rating`` record belongs to.
    pair_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("rater_pairs.id", ondelete="RESTRICT"), index=True
    )
    auditor_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    device_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("devices.id", ondelete="RESTRICT")
    )
    status: Mapped[RecordStatus] = mapped_column(
        enum_column(RecordStatus, "onsite_record_status"), default=RecordStatus.DRAFT
    )
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: Number of the current version; also the ETag.
    version: Mapped[int] = mapped_column(default=1)
    #: SHA-256 of the canonical create payload: the same id with other content is a conflict.
    create_hash: Mapped[str] = mapped_column(sa.String(64))
    #: Clauses judged 不符合 at acceptance whose nonconformity is opened (CQC §5.2.3.1): kept here
    #: until the nonconformities feature takes them (``backend/onsite/nonconformity.py``).
    nonconforming_clauses: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class OnsiteAuditVersion(Base):
    """One version of a record's content. Corrections add versions; none is overwritten."""

    __tablename__ = "onsite_audit_versions"
    __table_args__ = (
        sa.UniqueConstraint("record_id", "number", name="uq_onsite_audit_versions_record_number"),
    )

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    record_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("onsite_audit_records.id", ondelete="RESTRICT"), index=True
    )
    number: Mapped[int]
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    #: SHA-256 of the canonical JSON of ``content``.
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    created_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    device_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("devices.id", ondelete="RESTRICT")
    )
    created_at: Mapped[created_at]
    device_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class OnsiteAuditEvent(Base):
    """A status change of a record, with who, when and why (its review history)."""

    __tablename__ = "onsite_audit_events"

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    record_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("onsite_audit_records.id", ondelete="RESTRICT"), index=True
    )
    actor_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    from_status: Mapped[RecordStatus | None] = mapped_column(
        enum_column(RecordStatus, "onsite_event_from")
    )
    to_status: Mapped[RecordStatus] = mapped_column(enum_column(RecordStatus, "onsite_event_to"))
    version: Mapped[int]
    comment: Mapped[str | None] = mapped_column(sa.Text)
    at: Mapped[created_at]


class RaterPair(Base):
    """Two auditors who experience the same service and rate it independently (seed 003).

    Paired by the team leader; each rater's ratings are a ``pair_rating`` record; once both are
    submitted the differing items are flagged and the pair reconciles: the discussion and the
    agreed rating per item. The agreed evaluation is one person in the service score (§5.1.2).
    """

    __tablename__ = "rater_pairs"
    __table_args__ = (sa.CheckConstraint("rater_a_id <> rater_b_id", name="two_raters"),)

    #: Made by the team leader's app, so a replayed create is recognised.
    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    engagement_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("engagements.id", ondelete="RESTRICT"), index=True
    )
    site_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("sites.id", ondelete="RESTRICT"))
    #: The certification mode of the shared experience (A: open inspection, B: unannounced visit).
    mode: Mapped[str] = mapped_column(sa.String(1))
    rater_a_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    rater_b_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[created_at]
    #: Item code → {"rating": {...scoring input...}, "discussion": "..."}: the agreed evaluation.
    reconciliation: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    reconciliation_notes: Mapped[str] = mapped_column(sa.Text, default="")
    reconciled_by_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    reconciled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
