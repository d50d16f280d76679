"""The append-only audit log: every state change and every read of personal data."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, created_at


class AuditEntry(Base):
    """One logged event. The database refuses UPDATE and DELETE on this table (triggers)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        # A page of the log is an organisation's entries newest first, cut by id (queries.py):
        # read backwards through this index it costs the same however long the log grows
        # (issue 13, "Flat costs"). It also serves the organisation foreign key.
        sa.Index("ix_audit_log_organisation_id_id", "organisation_id", "id"),
    )

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    at: Mapped[created_at]
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT")
    )
    actor_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    device_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("devices.id", ondelete="RESTRICT")
    )
    #: What happened, e.g. ``evaluation.submitted``, ``evidence.read``, ``user.login``.
    action: Mapped[str] = mapped_column(sa.String(100), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(50))
    object_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    #: Why (a review comment, "review of evaluation X" for a read of personal data, ...).
    reason: Mapped[str | None] = mapped_column(sa.Text)
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(sa.String(45))
