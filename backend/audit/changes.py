"""Apply an edit to a row and say what really changed, in the form the audit log keeps.

Every ``*.updated`` audit entry carries ``{"changes": {field: {"from": …, "to": …}}}`` with
only the fields whose value changed; clients, units, sites, users, engagements and assignments
build it here (before, each had its own copy of this loop).
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any


def plain(value: Any) -> Any:
    """A JSON-safe form of a value for audit details: ids as text, enums by value, dates and
    times in ISO 8601; anything else as it is."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date):  # datetime too
        return value.isoformat()
    return value


def apply_changes(row: Any, changes: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Set the attributes whose value changes; ``{field: {"from", "to"}}`` of those (plain)."""
    diff: dict[str, dict[str, Any]] = {}
    for field, value in changes.items():
        old = getattr(row, field)
        if old != value:
            setattr(row, field, value)
            diff[field] = {"from": plain(old), "to": plain(value)}
    return diff
