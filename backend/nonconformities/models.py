"""Nonconformity records and the evidence they cite (CQC rule §5.2.3.1, §7.4 b).

A nonconformity moves through stages that refuse to move without their content: ``open`` (the
auditor's clause, finding and evidence) → ``answered`` (the client's cause, correction and
evidence) → ``closed`` (the auditor's written or on-site verification and the clause re-judged at
most 基本符合). A verification that does not accept the fix sends it back to ``open``. Its
deadlines are derived once, when it is opened, from the engagement's scheme (``deadlines``).
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UtcDateTime, created_at, uuid_pk


class Stage(enum.StrEnum):
    OPEN = "open"  # 待整改
    ANSWERED = "answered"  # 已提交整改，待验证
    CLOSED = "closed"  # 已验证关闭


class Source(enum.StrEnum):
    #: Opened by an auditor of the team.
    AUDITOR = "auditor"
    #: Opened from a 不符合 clause judgement of the conformity audit (§5.2.3.1).
    CONFORMITY = "conformity"


class Nonconformity(Base):
    __tablename__ = "nonconformities"
    __table_args__ = (
        sa.UniqueConstraint("engagement_id", "number", name="uq_nonconformities_number"),
        # Idempotent opening from another record (a clause judgement): one per source record.
        sa.UniqueConstraint(
            "engagement_id", "source", "source_ref", name="uq_nonconformities_source_ref"
        ),
        sa.CheckConstraint("stage IN ('open', 'answered', 'closed')", name="stage_known"),
        sa.CheckConstraint("opened_on <= typical_due AND typical_due <= latest_due", name="dues"),
    )

    id: Mapped[uuid_pk]
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    engagement_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("engagements.id", ondelete="CASCADE"), index=True
    )
    #: 1, 2, … within the engagement: "不符合项 2".
    number: Mapped[int]
    source: Mapped[str] = mapped_column(sa.String(20))
    source_ref: Mapped[str | None] = mapped_column(sa.String(200))
    clause: Mapped[str] = mapped_column(sa.String(50))
    finding: Mapped[str] = mapped_column(sa.Text)
    stage: Mapped[str] = mapped_column(sa.String(20), default=Stage.OPEN.value)
    #: The kind of audit it was opened at (initial, surveillance, recertification): its rule.
    audit_kind: Mapped[str] = mapped_column(sa.String(20))
    #: §5.2.3.1 / §7.4 b: the clock starts the day it is opened (China's calendar day).
    opened_on: Mapped[date] = mapped_column(sa.Date)
    typical_due: Mapped[date] = mapped_column(sa.Date)
    latest_due: Mapped[date] = mapped_column(sa.Date)
    #: What missing ``latest_due`` leads to under the scheme (audit_failed / certificate_suspended).
    on_miss: Mapped[str] = mapped_column(sa.String(30))
    rule_section: Mapped[str] = mapped_column(sa.String(100))
    opened_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    opened_at: Mapped[created_at]
    # The client's answer (整改回复).
    cause: Mapped[str | None] = mapped_column(sa.Text)
    correction: Mapped[str | None] = mapped_column(sa.Text)
    answered_by_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: Why the last verification did not accept the fix (整改不通过), shown to the client.
    returned_comment: Mapped[str | None] = mapped_column(sa.Text)
    # The team's verification (书面验证 / 现场验证) and the clause re-judged (§5.2.3.1).
    verification_method: Mapped[str | None] = mapped_column(sa.String(20))
    verification: Mapped[str | None] = mapped_column(sa.Text)
    rejudged: Mapped[str | None] = mapped_column(sa.String(20))
    #: An equivalent fix accepted instead of the one asked for (seed 003), with the reason.
    equivalent_reason: Mapped[str | None] = mapped_column(sa.Text)
    verified_by_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    closed_on: Mapped[date | None] = mapped_column(sa.Date)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: The consequence applied once the latest deadline passed (``overdue.apply_overdue``).
    consequence: Mapped[str | None] = mapped_column(sa.String(30))
    consequence_on: Mapped[date | None] = mapped_column(sa.Date)
    #: The last reminder sent ("typical" or "latest"), so each is sent once.
    reminded: Mapped[str | None] = mapped_column(sa.String(20))


class NonconformityEvidence(Base):
    """Evidence cited by a nonconformity: the finding's (auditor) or the answer's (client)."""

    __tablename__ = "nonconformity_evidence"
    __table_args__ = (
        sa.UniqueConstraint(
            "nonconformity_id", "evidence_id", name="uq_nonconformity_evidence_pair"
        ),
        sa.CheckConstraint("part IN ('finding', 'answer')", name="part_known"),
    )

    id: Mapped[uuid_pk]
    nonconformity_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("nonconformities.id", ondelete="CASCADE"), index=True
    )
    evidence_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("evidence.id", ondelete="RESTRICT"), index=True
    )
    part: Mapped[str] = mapped_column(sa.String(10))
    created_at: Mapped[created_at]
