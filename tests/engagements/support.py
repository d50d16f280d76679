"""Shared by the engagement tests: the world they run in (tests/world.py), audit and row-count
helpers."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from tests.world import World

__all__ = ["World", "audit_entries", "count"]


def audit_entries(db_session: Session, action: str, object_id: Any = None) -> list[AuditEntry]:
    query = sa.select(AuditEntry).where(AuditEntry.action == action)
    if object_id is not None:
        query = query.where(AuditEntry.object_id == str(object_id))
    return list(db_session.scalars(query.order_by(AuditEntry.id)))


def count(db_session: Session, model: type[Any]) -> int:
    return db_session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
