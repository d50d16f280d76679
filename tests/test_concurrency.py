"""Concurrent requests that read and then write never fail (on SQLite above all).

Each staff read of evidence writes an audit entry. With SQLite's default deferred transactions,
two such requests at once deadlock on the lock upgrade and one gets "database is locked" at
once; transactions that take the write lock when they begin wait their turn instead
(backend/db.py). PostgreSQL runs the same test.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import flask_migrate
import sqlalchemy as sa
from flask import Flask

from backend.audit.models import AuditEntry
from backend.extensions import db
from tests.database import fresh_database
from tests.evaluations.helpers import make_evidence, make_world


def test_concurrent_audited_reads_all_answer(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    with fresh_database(tmp_path) as url:
        # Its own database file: the run's shared test connection would serialise everything.
        app = make_app(database_url=url)
        with app.app_context():
            flask_migrate.upgrade()
            session = db.session()
            world = make_world(session)
            evidence = make_evidence(session, world.shopper)
            session.commit()
            path = f"/api/evidence/{evidence.id}?reason=复核"
            headers = world.leader.headers

        def read(_: int) -> int:
            return app.test_client().get(path, headers=headers).status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(read, range(48)))

        assert statuses == [200] * 48
        with app.app_context():
            logged = db.session().scalar(
                sa.select(sa.func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.object_id == str(evidence.id))
            )
            db.session.remove()  # its connection back in the pool, then every one closed
            db.engine.dispose()
        assert logged == 48
