"""Applications (§4.2, §4.3), document reviews (§5.1.4) and audit plans (§4.4.4)."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, UtcDateTime, created_at, uuid_pk
from backend.db_types import enum_column
from backend.engagements.models import EngagementKind


class ApplicationStatus(enum.StrEnum):
    """§4.3: the body answers an application with 受理 (accepted) or 不予受理 (not accepted)."""

    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    NOT_ACCEPTED = "not_accepted"


class RefusalReason(enum.StrEnum):
    """The four grounds of §4.3 for not accepting an application (存在以下任一情形的，不予受理)."""

    #: 1) 注册证明材料中，经营范围未覆盖所申请的认证单元或法律证明材料缺失
    SCOPE_NOT_COVERED = "scope_not_covered"
    #: 2) 近一年内存在严重行政处罚，达到证书暂停条件的
    SERIOUS_PENALTY = "serious_penalty"
    #: 3) 列入国家信用信息严重失信主体相关名录
    SERIOUS_DISHONESTY = "serious_dishonesty"
    #: 4) 其他情形 (the note says which)
    OTHER = "other"


class DocumentType(enum.StrEnum):
    """What an application submits (§4.2 1)–7))."""

    APPLICATION_FORM = "application_form"  # 1) 申请书
    REGISTRATION_PROOF = "registration_proof"  # 2) 注册证明（首次申请时）
    SECURITY_FILING = "security_filing"  # 3) 信息系统安全等级保护备案证明（如有）
    SOFTWARE_TEST_REPORT = "software_test_report"  # 4) 软件测试报告（如有）
    OTHER_CERTIFICATE = "other_certificate"  # 5) 其他认证证书（如有）
    AUTHENTICITY_DECLARATION = "authenticity_declaration"  # 6) 申报材料真实性声明
    OTHER = "other"  # 7) 其他


class Application(Base):
    """A client's application for certification of some of its units (§4.2)."""

    __tablename__ = "applications"

    id: Mapped[uuid_pk]
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    client_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("clients.id", ondelete="RESTRICT"), index=True
    )
    scheme_version_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("scheme_versions.id", ondelete="RESTRICT")
    )
    kind: Mapped[EngagementKind] = mapped_column(enum_column(EngagementKind, "application_kind"))
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_column(ApplicationStatus, "application_status"), default=ApplicationStatus.SUBMITTED
    )
    #: The day the body received it (the client's date, not the day it was typed in).
    received_on: Mapped[date] = mapped_column(sa.Date)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[created_at]
    #: §4.3 review: who decided, when, and for a refusal the grounds (``RefusalReason`` values).
    reviewed_by_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    refusal_reasons: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    review_note: Mapped[str] = mapped_column(sa.Text, default="")
    #: The engagement planned from this application (one application, one engagement).
    engagement_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("engagements.id", ondelete="RESTRICT"), unique=True
    )

    units: Mapped[list[ApplicationUnit]] = relationship(cascade="all, delete-orphan")
    documents: Mapped[list[ApplicationDocument]] = relationship(
        cascade="all, delete-orphan", order_by="ApplicationDocument.created_at"
    )


class ApplicationUnit(Base):
    """A certification unit applied for (§4.1: one platform service, one unit)."""

    __tablename__ = "application_units"
    __table_args__ = (
        sa.UniqueConstraint("application_id", "unit_id", name="uq_application_units_unit"),
    )

    id: Mapped[uuid_pk]
    application_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("certification_units.id", ondelete="RESTRICT")
    )


class ApplicationDocument(Base):
    """A document of an application: an evidence file (PDF or image, kept by SHA-256)."""

    __tablename__ = "application_documents"
    __table_args__ = (
        sa.UniqueConstraint(
            "application_id", "evidence_id", name="uq_application_documents_evidence"
        ),
    )

    id: Mapped[uuid_pk]
    application_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    doc_type: Mapped[DocumentType] = mapped_column(enum_column(DocumentType, "document_type"))
    evidence_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("evidence.id", ondelete="RESTRICT")
    )
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    added_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[created_at]


class DocumentReviewOutcome(enum.StrEnum):
    """§5.1.4 文审结论: exactly three outcomes."""

    #: 1) 符合要求，可进行现场审查
    FIT = "fit"
    #: 2) 存在问题，需对部分内容进行补充完善，可在现场审查时提交整改证据
    FIX_DURING_AUDIT = "fix_during_audit"
    #: 3) 严重不符合要求，无法进行现场审查，需整改并再次提交，符合要求后安排现场审查
    RESUBMIT = "resubmit"


class DocumentReview(Base):
    """One document review (文件审核, §5.1) of an engagement; a resubmission gets a new one."""

    __tablename__ = "document_reviews"

    id: Mapped[uuid_pk]
    engagement_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("engagements.id", ondelete="RESTRICT"), index=True
    )
    outcome: Mapped[DocumentReviewOutcome] = mapped_column(
        enum_column(DocumentReviewOutcome, "document_review_outcome")
    )
    findings: Mapped[str] = mapped_column(sa.Text, default="")
    #: What the client is asked to supply (outcomes 2 and 3), shown in the client portal.
    requested: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    reviewed_by_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    created_at: Mapped[created_at]
    #: Recorded on an auditor's phone (PUT under the phone's id, offline outbox): the SHA-256 of
    #: the canonical create payload, so the same id with other content is a conflict. None for
    #: a review recorded in the office (POST, the server's id).
    create_hash: Mapped[str | None] = mapped_column(sa.String(64))
    device_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("devices.id", ondelete="RESTRICT")
    )
    #: The phone's clock when it sent the review (X-Device-Time), as for visits.
    device_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"  # not yet sent to the client
    ISSUED = "issued"  # sent, waiting for the client's confirmation (§4.4.4 c))
    CONFIRMED = "confirmed"  # the client confirmed this revision


class AuditPlan(Base):
    """The audit plan of an engagement (审查计划, §4.4.4 a)).

    Dates, team and sites are the engagement's own; the plan adds the rest of §4.4.4 a). What
    the client confirmed is the issued snapshot (``issued``), so a later change to anything in
    it (plan, dates, team, sites) shows as a difference and has to be issued and confirmed
    again (§4.4.4 c)).
    """

    __tablename__ = "audit_plans"

    id: Mapped[uuid_pk]
    engagement_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("engagements.id", ondelete="RESTRICT"), unique=True
    )
    purpose: Mapped[str] = mapped_column(sa.Text, default="")  # 审查目的
    basis: Mapped[str] = mapped_column(sa.Text, default="")  # 认证依据
    scope: Mapped[str] = mapped_column(sa.Text, default="")  # 审查范围
    process: Mapped[str] = mapped_column(sa.Text, default="")  # 审查过程及要求
    departments: Mapped[str] = mapped_column(sa.Text, default="")  # 审查涉及的部门
    #: 审查抽样计划: {"service_items": [codes], "survey_targets": {site_id: n}, "note": str}
    sampling: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    #: Added to the scheme's person-days (§5.2.2 可适当增加), with the reason.
    extra_person_days: Mapped[Decimal] = mapped_column(sa.Numeric(6, 1), default=Decimal(0))
    extra_reason: Mapped[str] = mapped_column(sa.Text, default="")
    #: Person-days typed in when the scheme gives no numbers (Tengbiao documents give none).
    manual_person_days: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 1))
    status: Mapped[PlanStatus] = mapped_column(
        enum_column(PlanStatus, "plan_status"), default=PlanStatus.DRAFT
    )
    #: Issue counter: 1 for the first plan sent, +1 for every changed plan sent again.
    revision: Mapped[int] = mapped_column(default=0)
    #: The plan as sent (the PDF is drawn from this), and its SHA-256 over canonical JSON.
    issued: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    issued_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    issued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    confirmed_by_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: The revision the client confirmed last (an earlier one after a change).
    confirmed_revision: Mapped[int | None]
    created_at: Mapped[created_at]
    #: Optimistic concurrency for edits.
    version: Mapped[int] = mapped_column(default=1)
