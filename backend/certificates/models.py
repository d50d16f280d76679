"""Certificates (认证证书, CQC rule §9) and their changes (§9.3)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, created_at, uuid_pk


class Certificate(Base):
    """One issued certificate: its sealed fields, dates, public token and status dates."""

    __tablename__ = "certificates"
    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "number", name="uq_certificates_number"),
        sa.UniqueConstraint("organisation_id", "sequence", name="uq_certificates_sequence"),
        sa.CheckConstraint("issued_on <= valid_until", name="dates_ordered"),
    )

    id: Mapped[uuid_pk]
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    engagement_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("engagements.id", ondelete="RESTRICT"), unique=True
    )
    #: The organisation's format, rendered, upper case, no spaces (numbering.py).
    number: Mapped[str] = mapped_column(sa.String(64))
    #: The running number of the organisation's certificates ({seq}).
    sequence: Mapped[int]
    #: The public page's address /c/<token>: random, not the number (numbers are guessable).
    token: Mapped[str] = mapped_column(sa.String(32), unique=True)
    #: The fields as sealed (backend.certificates.seal.FIELD_KEYS names), and the payload.
    fields: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    payload: Mapped[str] = mapped_column(sa.Text)
    issued_on: Mapped[date] = mapped_column(sa.Date)
    valid_until: Mapped[date] = mapped_column(sa.Date)
    #: §6.3: the day by which it was due (30 days after the passed audit ended).
    issue_by: Mapped[date] = mapped_column(sa.Date)
    changed_on: Mapped[date | None] = mapped_column(sa.Date)
    suspended_on: Mapped[date | None] = mapped_column(sa.Date)
    withdrawn_on: Mapped[date | None] = mapped_column(sa.Date)
    #: Openings of the public page (QR scans and typed links).
    scans: Mapped[int] = mapped_column(default=0, server_default="0")
    issued_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[created_at]


class CertificateChange(Base):
    """A change of a certificate (§9.3): the number stays, the date of the change is noted."""

    __tablename__ = "certificate_changes"

    id: Mapped[uuid_pk]
    certificate_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("certificates.id", ondelete="CASCADE"), index=True
    )
    changed_on: Mapped[date] = mapped_column(sa.Date)
    kind: Mapped[str] = mapped_column(sa.String(20))
    reason: Mapped[str] = mapped_column(sa.Text)
    before: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    changed_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[created_at]


class CertificateSuspension(Base):
    """One suspension of a certificate (§9.4) with its cause, from the day it started.

    At the client's request (``client_request``) it may last at most 12 months, for other causes
    (``other``) at most 3 (the scheme's ``lifecycle.suspension``); ``ended_on`` is the day it was
    lifted (reinstated, or the certificate withdrawn). The lifecycle core computes ``ends_by``.
    """

    __tablename__ = "certificate_suspensions"
    __table_args__ = (
        sa.CheckConstraint("cause IN ('client_request', 'other')", name="cause_known"),
        sa.CheckConstraint("ended_on IS NULL OR started_on <= ended_on", name="dates_ordered"),
    )

    id: Mapped[uuid_pk]
    certificate_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("certificates.id", ondelete="CASCADE"), index=True
    )
    started_on: Mapped[date] = mapped_column(sa.Date)
    cause: Mapped[str] = mapped_column(sa.String(20))
    reason: Mapped[str] = mapped_column(sa.Text)
    ended_on: Mapped[date | None] = mapped_column(sa.Date)
    #: How it ended: "reinstated" or "withdrawn"; None while open.
    ended_how: Mapped[str | None] = mapped_column(sa.String(20))
    created_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[created_at]
