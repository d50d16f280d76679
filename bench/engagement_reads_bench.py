"""Benchmark an engagement's overview and report as its evaluations grow (issue 13, "Flat costs").

In process (Flask test client) on PostgreSQL: seeds one engagement with N evaluations (one made
through the API with its GPS track, the rest copies of its row and current version with their own
ids and submission times; half left submitted, half accepted) and times
``GET /api/engagements/<id>/overview`` and the report's data (``engagement_report``, without the
PDF rendering) and ``GET /api/engagements/<id>/report.pdf``. ``--code`` picks the source tree.
A benchmark, not a test.

    python bench/engagement_reads_bench.py \\
        --database postgresql+psycopg://postgres@127.0.0.1:5432/fc_reads --counts 1000 20000
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

parser = argparse.ArgumentParser()
parser.add_argument("--database", required=True)
parser.add_argument("--counts", type=int, nargs="+", default=[1000, 20000])
parser.add_argument("--code", default=str(Path(__file__).resolve().parents[1]))
parser.add_argument("--repeat", type=int, default=3)
parser.add_argument("--pdf", action="store_true", help="also time report.pdf")
ARGS = parser.parse_args()
sys.path.insert(0, ARGS.code)
os.environ.setdefault("FIELDCERT_INSTANCE_DIR", tempfile.mkdtemp())

import flask_migrate  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from backend import create_app  # noqa: E402
from backend.evaluations.models import Evaluation, EvaluationVersion  # noqa: E402
from backend.extensions import db  # noqa: E402
from tests.evaluations.helpers import make_world, put, visit_payload  # noqa: E402


def reset_schema(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def _copy(table: sa.Table, replace: dict[str, str], where: str) -> str:
    cols = [c.name for c in table.columns if c.name not in ("id",) or "id" in replace]
    picked = ", ".join(replace.get(c, c) for c in cols)
    # Column names from the model, no input: S608 does not apply.
    return (
        f"INSERT INTO {table.name} ({', '.join(cols)}) SELECT {picked} "  # noqa: S608
        f"FROM {table.name}, generate_series(1, :n) AS n WHERE {where}"
    )


def seed(app, count: int):  # type: ignore[no-untyped-def]
    with app.app_context():
        session = db.session()
        world = make_world(session)
        session.commit()
        engagement_id = world.engagement.id
        client = app.test_client()
        first = uuid.uuid4()
        body = visit_payload(world, assignment_id=None, mode="A", submit=True)
        answer = put(client, world.auditor, first, body)
        if answer.status_code != 201:
            raise SystemExit(f"seeding failed: {answer.get_json()}")
        session = db.session()
        new_id = "md5(:salt || n)::uuid"
        status = "CASE WHEN n % 2 = 0 THEN 'accepted' ELSE status END"
        session.execute(
            sa.text(
                _copy(
                    Evaluation.__table__,
                    {
                        "id": new_id,
                        "status": status,
                        "submitted_at": "submitted_at + make_interval(secs => n)",
                        "created_at": "created_at + make_interval(secs => n)",
                    },
                    "id = :id",
                )
            ),
            {"n": count - 1, "id": first, "salt": str(first)},
        )
        session.execute(
            sa.text(
                _copy(EvaluationVersion.__table__, {"evaluation_id": new_id}, "evaluation_id = :id")
            ),
            {"n": count - 1, "id": first, "salt": str(first)},
        )
        session.commit()
        session.execute(sa.text("ANALYZE"))
        session.commit()
        return engagement_id, world, world.leader.user.id, client


def timed(fn):  # type: ignore[no-untyped-def]
    times = []
    for _ in range(ARGS.repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 1)


def measure(count: int) -> dict[str, object]:
    reset_schema(ARGS.database)
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": ARGS.database}
    )
    with app.app_context():
        flask_migrate.upgrade()
    engagement_id, world, leader_id, client = seed(app, count)
    headers = world.leader.headers

    def overview() -> None:
        answer = client.get(f"/api/engagements/{engagement_id}/overview", headers=headers)
        if answer.status_code != 200:
            raise SystemExit(answer.get_json())

    def report() -> None:
        from backend.auth.actor import Actor
        from backend.reports.engagement import engagement_report
        from backend.users.models import User

        with app.app_context():
            session = db.session()
            actor = Actor(session.get_one(User, leader_id))
            engagement_report(session, actor, engagement_id)
            session.rollback()

    out: dict[str, object] = {"evaluations": count, "overview_ms": timed(overview)}
    out["report_data_ms"] = timed(report)
    if ARGS.pdf:

        def pdf() -> None:
            answer = client.get(f"/api/engagements/{engagement_id}/report.pdf", headers=headers)
            if answer.status_code != 200:
                raise SystemExit(answer.get_json())

        out["report_pdf_ms"] = timed(pdf)
    with app.app_context():
        db.engine.dispose()
    return out


for n in ARGS.counts:
    print(json.dumps({"code": ARGS.code, **measure(n)}), flush=True)
