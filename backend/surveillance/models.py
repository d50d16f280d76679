"""Audits after certification and the body's decisions on the surveillance schedule (§7, §8).

``CertificateAudit`` links an engagement of kind surveillance or recertification to the
certificate it keeps or renews; ``ExtraSurveillance`` is a surveillance the body adds after a
complaint, a doubt, a change or negative news (§7.3 1–4); ``SurveillanceExtensionGrant`` is an
extension of one annual surveillance to the end of its calendar year (§7.3). The dates they lead
to are computed by ``backend.lifecycle``, never stored.
"""

from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, created_at, uuid_pk

#: §7.3 若发生下述情况之一，可增加监督频次: 1) serious complaint, 2) doubt about conformity,
#: 3) changes that may affect service quality, 4) negative external information.
EXTRA_CAUSES = ("complaint", "doubt", "change", "negative_news")
#: Why an audit after certification takes place.
PURPOSES = ("annual", "extra", "recertification")


class ExtraSurveillance(Base):
    """An additional surveillance (§7.3 增加监督频次), with its cause, reason and due date."""

    __tablename__ = "extra_surveillances"
    __table_args__ = (
        sa.CheckConstraint(
            "cause IN ('complaint', 'doubt', 'change', 'negative_news')", name="cause_known"
        ),
    )

    id: Mapped[uuid_pk]
    certificate_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("certificates.id", ondelete="CASCADE"), index=True
    )
    cause: Mapped[str] = mapped_column(sa.String(20))
    reason: Mapped[str] = mapped_column(sa.Text)
    decided_on: Mapped[date] = mapped_column(sa.Date)
    #: The body's date: the rule gives none for an extra surveillance.
    due_by: Mapped[date] = mapped_column(sa.Date)
    created_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[created_at]


class SurveillanceExtensionGrant(Base):
    """§7.3 获证组织可申请延期，在当年（自然年）内完成: one annual surveillance extended."""

    __tablename__ = "surveillance_extensions"
    __table_args__ = (
        sa.UniqueConstraint("certificate_id", "number", name="uq_surveillance_extensions_number"),
    )

    id: Mapped[uuid_pk]
    certificate_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("certificates.id", ondelete="CASCADE"), index=True
    )
    #: Which annual surveillance of the certificate's cycle (from 1).
    number: Mapped[int]
    granted_on: Mapped[date] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(sa.Text)
    created_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[created_at]


class CertificateAudit(Base):
    """A surveillance or recertification engagement of a certificate, and its conclusion."""

    __tablename__ = "certificate_audits"
    __table_args__ = (
        sa.CheckConstraint(
            "purpose IN ('annual', 'extra', 'recertification')", name="purpose_known"
        ),
        sa.CheckConstraint(
            "reduced_sampling = false OR unchanged_note <> ''", name="reduced_sampling_explained"
        ),
    )

    engagement_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("engagements.id", ondelete="CASCADE"), primary_key=True
    )
    certificate_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("certificates.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(sa.String(20))
    extra_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("extra_surveillances.id", ondelete="SET NULL")
    )
    #: §7.1 未发生变化的指标在审查时可适度减少抽样量: fewer sites than the previous audit, and
    #: what did not change since (required then).
    reduced_sampling: Mapped[bool] = mapped_column(default=False)
    unchanged_note: Mapped[str] = mapped_column(sa.Text, default="")
    #: Recertification (§8): the day the application was made.
    applied_on: Mapped[date | None] = mapped_column(sa.Date)
    #: §7.4: the body's evaluation of the team's report; None until concluded.
    passed: Mapped[bool | None]
    concluded_on: Mapped[date | None] = mapped_column(sa.Date)
    conclusion_note: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[created_at]
