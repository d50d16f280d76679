"""Engagements (one audit of one client against one scheme version) and shopper assignments."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, UtcDateTime, created_at, uuid_pk
from backend.db_types import enum_column


class EngagementKind(enum.StrEnum):
    INITIAL = "initial"  # 初次认证
    SURVEILLANCE = "surveillance"  # 监督审查
    RECERTIFICATION = "recertification"  # 再认证


class EngagementStatus(enum.StrEnum):
    PLANNED = "planned"
    FIELDWORK = "fieldwork"
    REVIEW = "review"
    DECIDED = "decided"
    CLOSED = "closed"


class TeamRole(enum.StrEnum):
    LEADER = "leader"  # 审查组长
    AUDITOR = "auditor"  # 审查员


class Engagement(Base):
    __tablename__ = "engagements"
    __table_args__ = (sa.CheckConstraint("starts_on <= ends_on", name="dates_ordered"),)

    id: Mapped[uuid_pk]
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    client_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("clients.id", ondelete="RESTRICT"), index=True
    )
    #: The exact scheme file every score of this engagement is computed with.
    scheme_version_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("scheme_versions.id", ondelete="RESTRICT")
    )
    kind: Mapped[EngagementKind] = mapped_column(enum_column(EngagementKind, "engagement_kind"))
    status: Mapped[EngagementStatus] = mapped_column(
        enum_column(EngagementStatus, "engagement_status"), default=EngagementStatus.PLANNED
    )
    #: Certification modes used, letters A–I (GB/T 27207), e.g. ["A", "E", "G"].
    modes: Mapped[list[str]] = mapped_column(sa.JSON)
    title: Mapped[str] = mapped_column(sa.String(300))
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    created_at: Mapped[created_at]

    members: Mapped[list[EngagementMember]] = relationship(
        back_populates="engagement", cascade="all, delete-orphan"
    )
    sites: Mapped[list[EngagementSite]] = relationship(
        back_populates="engagement", cascade="all, delete-orphan"
    )


class EngagementMember(Base):
    """A member of the audit team. Reviewers may not decide on an engagement they audited."""

    __tablename__ = "engagement_members"
    __table_args__ = (
        sa.UniqueConstraint(
            "engagement_id", "user_id", name="uq_engagement_members_engagement_user"
        ),
    )

    id: Mapped[uuid_pk]
    engagement_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("engagements.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    team_role: Mapped[TeamRole] = mapped_column(enum_column(TeamRole, "team_role"))

    engagement: Mapped[Engagement] = relationship(back_populates="members")


class EngagementSite(Base):
    """A site sampled in an engagement."""

    __tablename__ = "engagement_sites"
    __table_args__ = (
        sa.UniqueConstraint("engagement_id", "site_id", name="uq_engagement_sites_engagement_site"),
    )

    id: Mapped[uuid_pk]
    engagement_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("engagements.id", ondelete="CASCADE"), index=True
    )
    site_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("sites.id", ondelete="RESTRICT"), index=True
    )

    engagement: Mapped[Engagement] = relationship(back_populates="sites")


class AssignmentStatus(enum.StrEnum):
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Assignment(Base):
    """A mystery-shopper visit to make: site, shopper, time window, instructions."""

    __tablename__ = "assignments"
    __table_args__ = (sa.CheckConstraint("window_start < window_end", name="window_ordered"),)

    id: Mapped[uuid_pk]
    engagement_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("engagements.id", ondelete="RESTRICT"), index=True
    )
    site_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("sites.id", ondelete="RESTRICT"))
    shopper_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    mode: Mapped[str] = mapped_column(sa.String(1), default="B")
    window_start: Mapped[datetime] = mapped_column(UtcDateTime)
    window_end: Mapped[datetime] = mapped_column(UtcDateTime)
    instructions: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[AssignmentStatus] = mapped_column(
        enum_column(AssignmentStatus, "assignment_status"), default=AssignmentStatus.ASSIGNED
    )
    #: Optimistic concurrency (ETag / If-Match): bumped on every change.
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[created_at]
