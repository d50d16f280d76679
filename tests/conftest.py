"""Test setup: one migrated database per run, one rolled-back transaction per test.

The database is chosen by ``TEST_DATABASE_URL``: unset, a temporary SQLite file; a PostgreSQL
URL, a fresh schema ``fc_test_<random>`` in that database, dropped at the end. Either way the
real Alembic migrations build it, so the tests also test the migrations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from backend import create_app
from backend.auth.limits import current_limits
from backend.config import VARIABLES
from backend.extensions import db
from backend.push import services as push_services
from tests.auth.client import CsrfClient
from tests.database import app_config, chosen_database_url, fresh_database
from tests.offline_dns import default_resolver


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if chosen_database_url() is not None:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL (make test does)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _hermetic_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No setting from the developer's shell (none of the variables backend.config reads);
    instance files in a temporary folder; push endpoint names resolved from a table, never by
    DNS (tests/offline_dns.py)."""
    with pytest.MonkeyPatch.context() as mp:
        for name in VARIABLES:
            mp.delenv(name, raising=False)
        mp.setenv("FIELDCERT_INSTANCE_DIR", str(tmp_path_factory.mktemp("instance")))
        mp.setitem(push_services.DEFAULTS, "FIELDCERT_PUSH_RESOLVER", default_resolver)
        yield


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    """The app of the run, on a database migrated with the real Alembic migrations."""
    app = create_app(app_config(database_url))
    # Sends X-CSRF-Token on writes, like the PWA (tests/auth/client.py).
    app.test_client_class = CsrfClient
    with app.app_context():
        flask_migrate.upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def make_app(database_url: str) -> Iterator[Callable[..., Flask]]:
    """Build further apps on the run's database (other settings, extra test routes)."""
    apps: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        built = create_app(app_config(overrides.pop("database_url", database_url), **overrides))
        built.test_client_class = CsrfClient
        apps.append(built)
        return built

    yield factory
    for built in apps:
        with built.app_context():
            db.engine.dispose()


@pytest.fixture
def db_session(app: Flask) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test.

    Requests made during the test use sessions on the same connection (each in a savepoint,
    ``join_transaction_mode="create_savepoint"``), so they see the test's data and the test sees
    theirs, and nothing survives the test (Warehouse's approach).
    """
    with app.app_context():
        connection = db.engine.connect()
    transaction = connection.begin()
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    app_session = db.session
    db.session = scoped_session(factory, scopefunc=_app_ctx_id)
    session = factory()
    try:
        yield session
    finally:
        session.close()
        db.session = app_session
        transaction.rollback()
        connection.close()


@pytest.fixture
def client(app: Flask, db_session: Session) -> FlaskClient:
    with app.app_context():
        # Rate limits and lockouts count from zero in each test, as on a fresh server.
        current_limits().reset()
    return app.test_client()
