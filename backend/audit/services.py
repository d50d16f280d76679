"""Recording to the append-only audit log (the calling service commits with its change)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.auth.actor import Actor


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
        organisation_id=organisation_id
        or (actor.user.organisation_id if actor is not None else None),
        actor_id=actor.user.id if actor is not None else None,
        device_id=actor.device.id if actor is not None and actor.device is not None else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        reason=reason,
        details=dict(details or {}),
        ip=ip,
    )
    session.add(entry)
    return entry
