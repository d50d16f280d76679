"""The typed SQLAlchemy 2 base every model derives from, and its column types."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, mapped_column
from sqlalchemy.orm import registry as orm_registry

#: Constraint names that Alembic migrations can rely on (Indico's convention): without it,
#: PostgreSQL and SQLite invent different names and a later migration cannot drop them.
NAMING_CONVENTION = {
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}


class UtcDateTime(sa.TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python.

    PostgreSQL keeps the offset (``timestamptz``); SQLite keeps none, so values are stored as
    naive UTC there and given back their UTC tzinfo on load. Naive datetimes are refused.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: use an aware one, e.g. datetime.now(UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: The largest values the integer column types hold on PostgreSQL (SQLite's are 64-bit): an
#: integer parameter compared with or stored in such a column must be bounded by its type, or
#: PostgreSQL refuses the query ("bigint out of range") and the request fails with a 500.
INTEGER_MAX = 2**31 - 1
BIGINT_MAX = 2**63 - 1


def utcnow() -> datetime:
    return datetime.now(UTC)


#: Primary keys are UUIDs so that rows created offline on a phone get their id on the phone.
uuid_pk = Annotated[uuid.UUID, mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)]

created_at = Annotated[
    datetime,
    mapped_column(UtcDateTime, nullable=False, default=utcnow, server_default=sa.func.now()),
]


class Base(DeclarativeBase):
    """Declarative base: naming convention and the project's column types."""

    registry = orm_registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UtcDateTime, uuid.UUID: sa.Uuid},
    )


def table_of(model: type[Base]) -> sa.Table:
    """A model's table, for plain INSERTs where ORM objects one by one cost too much (a hot
    path writing many rows: Core applies the columns' defaults all the same)."""
    table = model.__table__
    if not isinstance(table, sa.Table):
        raise TypeError(f"{model.__name__} is not mapped to one table")
    return table


@sa.event.listens_for(sa.Engine, "connect")
def _configure_sqlite_connection(dbapi_connection: Any, connection_record: Any) -> None:
    """Make SQLite connections enforce foreign keys and let SQLAlchemy control transactions.

    Python's sqlite3 (before 3.12's ``autocommit``) begins transactions only before DML, so a
    SAVEPOINT or DDL would run outside the enclosing transaction; turning its own handling off
    and emitting BEGIN ourselves (below) is the SQLAlchemy documentation's recipe.
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


@sa.event.listens_for(sa.Engine, "begin")
def _begin_sqlite_transaction(connection: sa.Connection) -> None:
    if connection.dialect.name == "sqlite":
        # IMMEDIATE: the write lock is taken at BEGIN, and a transaction that finds it taken
        # waits (sqlite3's 5 s busy timeout). A plain (deferred) BEGIN reads first and asks for
        # the write lock later; two requests doing that at once (an audited read: select, then
        # insert the audit entry) deadlock, and SQLite fails one at once with "database is
        # locked". The embedded default serves one organisation: one writer at a time is fine.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
