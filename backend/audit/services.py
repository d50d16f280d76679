"""Recording to the append-only audit log (the calling service commits with its change)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.auth.actor import Actor
from backend.db import table_of


def entry_values(
    *,
    actor: Actor | None,
    action: str,
    object_type: str,
    object_id: uuid.UUID | str | int | None = None,
    reason: str | None = None,
    details: Mapping[str, Any] | None = None,
    organisation_id: uuid.UUID | None = None,
    ip: str | None = None,
) -> dict[str, Any]:
    """The columns of one audit entry (``at`` is filled in when it is written)."""
    return {
        "organisation_id": organisation_id
        or (actor.user.organisation_id if actor is not None else None),
        "actor_id": actor.user.id if actor is not None else None,
        "device_id": actor.device.id if actor is not None and actor.device is not None else None,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id) if object_id is not None else None,
        "reason": reason,
        "details": dict(details or {}),
        "ip": ip,
    }


def record(
    session: Session,
    *,
    actor: Actor | None,
    action: str,
    object_type: str,
    object_id: uuid.UUID | str | int | None = None,
    reason: str | None = None,
    details: Mapping[str, Any] | None = None,
    organisation_id: uuid.UUID | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """Add one audit entry: who (actor and device), what (action on object), why and when.

    Use it for every state change and every read of personal data (shopper identity, GPS
    tracks, respondent contact data). ``ip`` is passed in by the route.
    """
    entry = AuditEntry(
        **entry_values(
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            reason=reason,
            details=details,
            organisation_id=organisation_id,
            ip=ip,
        )
    )
    session.add(entry)
    return entry


def record_all(session: Session, entries: Sequence[Mapping[str, Any]]) -> None:
    """Write several entries (``entry_values``) in one statement, now.

    For a hot path that writes its other rows the same way (an evaluation's create): one
    INSERT with every row, no ORM object per entry.
    """
    if entries:
        session.execute(sa.insert(table_of(AuditEntry)), [dict(e) for e in entries])
