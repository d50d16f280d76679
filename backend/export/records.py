"""Rows as plain JSON for the certification file: every column, values in their stored form.

A record is exported as the database holds it (UUIDs and dates as text, enums by value, exact
decimals as text), so the file is a faithful copy; nothing is recomputed here. Secrets and
hashes that identify a person's device or address are left out by name (``omit``).
"""

from __future__ import annotations

import enum
import json
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa


def plain(value: Any) -> Any:
    """A value as JSON holds it: text for ids, dates and exact numbers, the value of an enum."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes | bytearray | memoryview):
        raise TypeError("binary columns are not exported; omit them by name")
    return value


def row_json(row: Any, omit: Iterable[str] = ()) -> dict[str, Any]:
    """Every mapped column of ``row`` (an ORM object), except those named in ``omit``."""
    skipped = set(omit)
    mapper = sa.inspect(type(row))
    return {
        attr.key: plain(getattr(row, attr.key))
        for attr in mapper.column_attrs
        if attr.key not in skipped
    }


def dumps(document: Any) -> bytes:
    """Readable, stable JSON (UTF-8, Chinese as is, sorted keys) ending with a newline."""
    text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True, default=plain)
    return (text + "\n").encode("utf-8")


def dumps_line(document: Any) -> bytes:
    """One JSON Lines record."""
    text = json.dumps(document, ensure_ascii=False, sort_keys=True, default=plain)
    return (text + "\n").encode("utf-8")
