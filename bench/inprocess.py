"""In-process set-up shared by the benchmarks that time one engagement's reads as its
evaluations grow (list_pages_bench.py, engagement_reads_bench.py).

Imported after the calling script has put its ``--code`` tree first on ``sys.path``, so the
backend and the tests' world builder come from the tree being measured. PostgreSQL only (the
copies are made with ``generate_series`` in one statement each).
"""

from __future__ import annotations

import uuid
from typing import Any

import flask_migrate
import sqlalchemy as sa
from flask import Flask

from backend import create_app
from backend.evaluations.models import Evaluation, EvaluationVersion
from backend.extensions import db
from tests.evaluations.helpers import make_world, put, visit_payload


def migrated_app(url: str) -> Flask:
    """An app on a fresh ``public`` schema of ``url``, migrated to the newest revision."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        flask_migrate.upgrade()
    return app


def _copy(table: sa.Table, replace: dict[str, str], where: str) -> str:
    cols = [c.name for c in table.columns if c.name != "id" or "id" in replace]
    picked = ", ".join(replace.get(c, c) for c in cols)
    # Column names from the model, no input: S608 does not apply.
    return (
        f"INSERT INTO {table.name} ({', '.join(cols)}) SELECT {picked} "  # noqa: S608
        f"FROM {table.name}, generate_series(1, :n) AS n WHERE {where}"
    )


def seed_evaluations(
    app: Flask, count: int, *, accept_half: bool
) -> tuple[uuid.UUID, uuid.UUID, dict[str, str], Any]:
    """One engagement with ``count`` evaluations: one made through the API (with its GPS track),
    the rest copies of its row and current version with their own ids and submission times;
    ``accept_half`` leaves every other one accepted. Returns the engagement's id, its team
    leader's user id and request headers, and the app's test client."""
    with app.app_context():
        session = db.session()
        world = make_world(session)
        session.commit()
        engagement_id, leader_id = world.engagement.id, world.leader.user.id
        client = app.test_client()
        first = uuid.uuid4()
        body = visit_payload(world, assignment_id=None, mode="A", submit=True)
        answer = put(client, world.auditor, first, body)
        if answer.status_code != 201:
            raise SystemExit(f"seeding failed: {answer.get_json()}")
        session = db.session()
        # The copies' ids from the source id and n, so each version finds its evaluation.
        new_id = "md5(:salt || n)::uuid"
        replace = {
            "id": new_id,
            "submitted_at": "submitted_at + make_interval(secs => n)",
            "created_at": "created_at + make_interval(secs => n)",
        }
        if accept_half:
            replace["status"] = "CASE WHEN n % 2 = 0 THEN 'accepted' ELSE status END"
        values = {"n": count - 1, "id": first, "salt": str(first)}
        session.execute(sa.text(_copy(Evaluation.__table__, replace, "id = :id")), values)
        session.execute(
            sa.text(
                _copy(EvaluationVersion.__table__, {"evaluation_id": new_id}, "evaluation_id = :id")
            ),
            values,
        )
        session.commit()
        session.execute(sa.text("ANALYZE"))
        session.commit()
        return engagement_id, leader_id, world.leader.headers, client
