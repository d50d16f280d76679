"""Test databases and app settings, shared by conftest.py and the tests that build apps."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.config import normalise_database_url


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql", "postgres:"))


def chosen_database_url() -> str | None:
    """``TEST_DATABASE_URL``: unset for SQLite (temporary files), or a PostgreSQL URL."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return None
    url = normalise_database_url(url)
    if not is_postgres_url(url):
        raise pytest.UsageError(
            f"TEST_DATABASE_URL must be a PostgreSQL URL (unset it for SQLite), not {url!r}"
        )
    return url


@contextlib.contextmanager
def fresh_database(tmp_dir: Path) -> Iterator[str]:
    """An empty database for the chosen backend; removed afterwards."""
    base = chosen_database_url()
    if base is None:
        yield f"sqlite:///{tmp_dir / 'test.sqlite3'}"
        return
    schema = f"fc_test_{secrets.token_hex(6)}"
    admin = sa.create_engine(base, poolclass=sa.NullPool)
    try:
        with admin.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        url = sa.make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def app_config(database_url: str, **overrides: Any) -> dict[str, Any]:
    """Flask config for an app under test."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url,
        **overrides,
    }


def row_snapshot(
    session: Session, tables: Mapping[str, sa.Table]
) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables, ordered: compare two snapshots to prove nothing changed."""
    return {
        name: [tuple(row) for row in session.execute(sa.select(table).order_by(*table.primary_key))]
        for name, table in tables.items()
    }
