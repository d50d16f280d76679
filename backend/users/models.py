"""Organisations (the tenant running the server) and the people who sign in."""

from __future__ import annotations

import enum
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, created_at, uuid_pk


class Role(enum.StrEnum):
    """What a user may do; stored by value, so never rename a value (see DOMAIN.md)."""

    ADMIN = "admin"  # 认证机构管理员
    SCHEME_MANAGER = "scheme_manager"  # 方案管理
    TEAM_LEADER = "team_leader"  # 审查组长
    AUDITOR = "auditor"  # 审查员
    REVIEWER = "reviewer"  # 复核人 / 认证决定人
    SHOPPER = "shopper"  # 神秘顾客
    CLIENT_USER = "client_user"  # 认证委托人 / 服务提供者


class Organisation(Base):
    """A certification body: the tenant whose people use this server."""

    __tablename__ = "organisations"

    id: Mapped[uuid_pk]
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    created_at: Mapped[created_at]

    users: Mapped[list[User]] = relationship(back_populates="organisation")

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"


class User(Base):
    """Someone who signs in with an email address and a password."""

    __tablename__ = "users"
    __table_args__ = (
        # Services lowercase addresses; the database refuses any that slipped past them, so
        # the unique index really means one account per address.
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
        # Only client users are linked to a client (others see clients through engagements).
        sa.CheckConstraint("client_id IS NULL OR role = 'client_user'", name="client_link_role"),
    )

    id: Mapped[uuid_pk]
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    #: Always lowercase (see the check constraint); the sign-in name.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[Role] = mapped_column(
        sa.Enum(
            Role,
            name="role",
            native_enum=False,
            create_constraint=True,
            length=32,
            values_callable=lambda roles: [role.value for role in roles],
            validate_strings=True,
        )
    )
    #: argon2id, PHC string format ($argon2id$v=19$m=...,t=...,p=...$salt$hash).
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    #: For client users (认证委托人 staff): the client whose results they may see. Null for
    #: everyone else; a check constraint allows the link on client users only.
    client_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("clients.id", ondelete="RESTRICT"), index=True
    )
    #: Deactivated users cannot sign in; their rows stay for the audit trail.
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[created_at]

    organisation: Mapped[Organisation] = relationship(back_populates="users")

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role.value}>"
