"""The on-site record, the review and the certification decision of an engagement (CQC §6)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UtcDateTime, created_at, uuid_pk


class OnSiteRecord(Base):
    """The audit team's on-site results, in the scoring input's format (docs/scoring.md):
    ``management`` (clause → level), ``conformity`` (clause → judgement), ``timing`` (checks).

    Entered by the engagement's team leader; what the reviewer reviews with the evaluations.
    """

    __tablename__ = "on_site_records"

    engagement_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("engagements.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Review(Base):
    """The review of an engagement's file (复核, §6.1) by someone who was not on its team."""

    __tablename__ = "engagement_reviews"
    __table_args__ = (
        sa.CheckConstraint("conclusion IN ('recommend', 'not_recommend')", name="conclusion_known"),
    )

    id: Mapped[uuid_pk]
    engagement_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("engagements.id", ondelete="CASCADE"), unique=True
    )
    reviewer_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    #: Each checklist line as the reviewer confirmed it: key → {"confirmed", "note", "summary"}.
    checklist: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    conclusion: Mapped[str] = mapped_column(sa.String(20))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    reviewed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[created_at]


class Decision(Base):
    """The certification decision (认证决定, §6.2): approved or refused, with reasons."""

    __tablename__ = "certification_decisions"

    id: Mapped[uuid_pk]
    engagement_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("engagements.id", ondelete="CASCADE"), unique=True
    )
    decided_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    approved: Mapped[bool]
    reasons: Mapped[str] = mapped_column(sa.Text)
    #: The scheme's decision (§5.3) at the time: outcome, row id, grade and its explanation.
    outcome: Mapped[str] = mapped_column(sa.String(20))
    row: Mapped[str | None] = mapped_column(sa.String(100))
    grade_zh: Mapped[str | None] = mapped_column(sa.String(100))
    grade_en: Mapped[str | None] = mapped_column(sa.String(100))
    #: Characteristic code → score (two decimals), as decided: the certificate prints these.
    scores: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    service_score: Mapped[float | None] = mapped_column(sa.Float)
    explanation: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)
