"""An organisation's settings (one row each, made on first save)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UtcDateTime
from backend.organisations.numbering import DEFAULT_FORMAT


class OrganisationSettings(Base):
    """What reports and certificates need about the certification body besides its name."""

    __tablename__ = "organisation_settings"
    __table_args__ = (
        sa.CheckConstraint(
            "logo_media_type IS NULL OR logo_media_type IN ('image/png', 'image/jpeg')",
            name="logo_media_type",
        ),
        # A logo is its bytes, its type and its hash together, or nothing.
        sa.CheckConstraint(
            "(logo IS NULL) = (logo_media_type IS NULL) AND (logo IS NULL) = (logo_sha256 IS NULL)",
            name="logo_complete",
        ),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    #: The postal address printed on reports (报告抬头的地址).
    address: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    #: See backend/organisations/numbering.py; checked before it is stored.
    certificate_number_format: Mapped[str] = mapped_column(
        sa.String(100), default=DEFAULT_FORMAT, server_default=DEFAULT_FORMAT
    )
    #: The report logo: a PNG or JPEG of at most MAX_LOGO_BYTES (services.py checks it).
    logo: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    logo_media_type: Mapped[str | None] = mapped_column(sa.String(20))
    logo_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    logo_width: Mapped[int | None]
    logo_height: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, server_default=sa.func.now())
