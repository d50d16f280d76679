"""Column helpers shared by the feature models: enums stored by value."""

from __future__ import annotations

import enum
from typing import TypeVar

import sqlalchemy as sa

E = TypeVar("E", bound=enum.Enum)


def enum_column(enum_cls: type[E], name: str, length: int = 32) -> sa.Enum:
    """A string column holding the enum's *values* (never renamed), checked by the database."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
