"""Shared by the engagement tests: the world they run in, audit and row-count helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.clients.models import CertificationUnit, Client, Site
from backend.engagements.models import Engagement
from backend.schemes.models import SchemeVersion
from backend.users.models import Organisation, Role, User


@dataclass
class World:
    organisation: Organisation
    client: Client
    unit: CertificationUnit
    site: Site
    other_site: Site
    scheme: SchemeVersion
    admin: User
    leader: User
    auditor: User
    other_leader: User
    other_auditor: User
    reviewer: User
    #: A reviewer who was on the audit team (e.g. promoted from auditor afterwards).
    reviewer_on_team: User
    shopper: User
    other_shopper: User
    client_user: User
    scheme_manager: User
    engagement: Engagement

    def user(self, role: Role) -> User:
        """The world's (non-member, where it matters) user of a role."""
        return {
            Role.ADMIN: self.admin,
            Role.SCHEME_MANAGER: self.scheme_manager,
            Role.TEAM_LEADER: self.other_leader,
            Role.AUDITOR: self.other_auditor,
            Role.REVIEWER: self.reviewer,
            Role.SHOPPER: self.shopper,
            Role.CLIENT_USER: self.client_user,
        }[role]


def audit_entries(db_session: Session, action: str, object_id: Any = None) -> list[AuditEntry]:
    query = sa.select(AuditEntry).where(AuditEntry.action == action)
    if object_id is not None:
        query = query.where(AuditEntry.object_id == str(object_id))
    return list(db_session.scalars(query.order_by(AuditEntry.id)))


def count(db_session: Session, model: type[Any]) -> int:
    return db_session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
