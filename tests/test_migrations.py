"""The Alembic migrations: reversible, and in step with the models."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy.orm import Session

from backend.app import MIGRATIONS_DIR
from backend.extensions import db
from tests.database import fresh_database

APP_TABLES = {"organisations", "users"}


def table_names() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def current_revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_upgrade_downgrade_upgrade_on_an_empty_database(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    with fresh_database(tmp_path) as url:
        app = make_app(database_url=url)
        with app.app_context():
            try:
                assert table_names() == set()

                flask_migrate.upgrade()
                assert table_names() >= APP_TABLES
                assert current_revision() == head

                flask_migrate.downgrade(revision="base")
                assert table_names() & APP_TABLES == set()
                assert current_revision() is None

                flask_migrate.upgrade()
                assert table_names() >= APP_TABLES
                assert current_revision() == head
            finally:
                db.engine.dispose()


def test_there_is_one_initial_revision() -> None:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    assert len(script.get_bases()) == 1
    assert len(script.get_heads()) == 1


def test_migrations_match_the_models(app: Flask) -> None:
    """Autogenerate finds nothing to do: no model change is missing a migration."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


@pytest.mark.postgres
def test_postgresql_gets_native_uuid_and_timestamptz_columns(db_session: Session) -> None:
    types = dict(
        db_session.execute(
            sa.text(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = 'users'"
            )
        ).all()
    )
    assert types["id"] == "uuid"
    assert types["organisation_id"] == "uuid"
    assert types["created_at"] == "timestamp with time zone"
    assert types["is_active"] == "boolean"
