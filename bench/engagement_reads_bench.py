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

from inprocess import migrated_app, seed_evaluations  # noqa: E402

from backend.extensions import db  # noqa: E402


def timed(fn):  # type: ignore[no-untyped-def]
    times = []
    for _ in range(ARGS.repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 1)


def measure(count: int) -> dict[str, object]:
    app = migrated_app(ARGS.database)
    engagement_id, leader_id, headers, client = seed_evaluations(app, count, accept_half=True)

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
