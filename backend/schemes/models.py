"""Scheme versions imported from ``schemes/``: engagements pin one exactly (by content hash)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UtcDateTime, created_at, uuid_pk


class SchemeVersion(Base):
    """One scheme file as imported: its text is kept, so scores can be recomputed exactly."""

    __tablename__ = "scheme_versions"
    __table_args__ = (
        sa.UniqueConstraint("scheme_id", "content_hash", name="uq_scheme_versions_scheme_hash"),
    )

    id: Mapped[uuid_pk]
    #: The scheme's id inside the file, e.g. ``cts-tbsc034-2026``.
    scheme_id: Mapped[str] = mapped_column(sa.String(100), index=True)
    version: Mapped[str] = mapped_column(sa.String(50))
    #: ``sha256:<hex>`` of the file's bytes (backend.scoring.scheme.parse_scheme).
    content_hash: Mapped[str] = mapped_column(sa.String(80))
    title_zh: Mapped[str] = mapped_column(sa.String(300))
    title_en: Mapped[str] = mapped_column(sa.String(300))
    status: Mapped[str] = mapped_column(sa.String(16))
    #: The file's exact text (UTF-8): parse it again to score with exactly this version.
    source_text: Mapped[str] = mapped_column(sa.Text)
    imported_by_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    imported_at: Mapped[created_at]


class CurrentSchemeVersion(Base):
    """The version of a scheme that new engagements are planned with (issue 10).

    One row per scheme id. Engagements pin their version by id when they are planned and keep
    it; making another version current changes only what new plans start from. The first
    version imported of a scheme becomes current by itself.
    """

    __tablename__ = "current_scheme_versions"

    scheme_id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    scheme_version_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("scheme_versions.id", ondelete="RESTRICT"), index=True
    )
    set_by_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    set_at: Mapped[datetime] = mapped_column(UtcDateTime, server_default=sa.func.now())
