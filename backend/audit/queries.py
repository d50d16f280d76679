"""Reading the audit log (administrators); ``services.record`` writes it.

Entries are never changed or deleted (database triggers refuse UPDATE and DELETE), so the id
only grows: pages are cut by id (``before_id``), which stays correct while new entries arrive,
unlike an offset. The next page is also given as an opaque ``cursor`` (backend/paging.py), in the
``X-Next-Cursor`` and ``Link`` headers like the other lists, bound to the filters it was made for.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.audit.services import record
from backend.auth.actor import Actor
from backend.errors import Forbidden, ValidationFailed
from backend.paging import decode_cursor, encode_cursor, scope_of
from backend.unit_of_work import flush_as_stored
from backend.users.models import Role

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500


@dataclass(frozen=True, slots=True)
class AuditFilter:
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    actor_id: uuid.UUID | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditPage:
    items: Sequence[AuditEntry]
    #: Pass as ``before_id`` for the next (older) page; None on the last page.
    next_before_id: int | None
    #: The same page boundary as an opaque cursor of these filters; None on the last page.
    next_cursor: str | None = None


def list_entries(
    session: Session,
    actor: Actor,
    filters: AuditFilter,
    *,
    before_id: int | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
    ip: str | None = None,
) -> AuditPage:
    """The organisation's audit entries matching ``filters``, newest first; administrators only.

    ``since`` is inclusive, ``until`` exclusive. Reading the log is itself logged
    (``audit.read``): it holds addresses, IPs and who looked at what.
    """
    if actor.role is not Role.ADMIN:
        raise Forbidden(details={"role": actor.role.value, "allowed": [Role.ADMIN.value]})
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    scope = scope_of("audit", actor.user.organisation_id, *_values(filters).values())
    if cursor is not None:
        if before_id is not None:
            raise ValidationFailed(details={"cursor": ["send either cursor or before_id"]})
        before_id = _cursor_id(cursor, scope)
    query = sa.select(AuditEntry).where(AuditEntry.organisation_id == actor.user.organisation_id)
    if filters.action is not None:
        query = query.where(AuditEntry.action == filters.action)
    if filters.object_type is not None:
        query = query.where(AuditEntry.object_type == filters.object_type)
    if filters.object_id is not None:
        query = query.where(AuditEntry.object_id == filters.object_id)
    if filters.actor_id is not None:
        query = query.where(AuditEntry.actor_id == filters.actor_id)
    if filters.since is not None:
        query = query.where(AuditEntry.at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEntry.at < filters.until)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    # One more than asked for tells whether another page follows.
    rows = session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit + 1)).all()
    items = rows[:limit]
    record(
        session,
        actor=actor,
        action="audit.read",
        object_type="audit_log",
        details={
            "filters": {
                key: str(value) for key, value in _values(filters).items() if value is not None
            },
            "before_id": before_id,
            "returned": len(items),
        },
        ip=ip,
    )
    flush_as_stored(session)
    if len(rows) <= limit:
        return AuditPage(items=items, next_before_id=None)
    last = items[-1].id
    return AuditPage(
        items=items, next_before_id=last, next_cursor=encode_cursor(scope, [str(last)])
    )


def _cursor_id(cursor: str, scope: str) -> int:
    (value,) = decode_cursor(cursor, scope, 1)
    if value is None or not value.isdigit():
        raise ValidationFailed(details={"cursor": ["not a cursor of this list"]})
    return int(value)


def _values(filters: AuditFilter) -> dict[str, object]:
    return {name: getattr(filters, name) for name in AuditFilter.__slots__}
