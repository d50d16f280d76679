"""Benchmark an engagement's evaluation list (the review queue) as the data grows (issue 13).

In process (Flask test client) on PostgreSQL: seeds one engagement with N evaluations (one made
through the API, the rest copies of its row with their own ids and submission times), then
times ``GET /api/engagements/<id>/evaluations?status=submitted`` (first page, and a page deep
in the list by following the cursor when the code pages) and reports the answer size and the
size of the audit entry the read writes. ``--code`` picks the source tree to import, so the
same script measures main (no paging) and this branch. A benchmark, not a test.

    python bench/list_pages_bench.py \\
        --database postgresql+psycopg://postgres@127.0.0.1:5432/fc_pages \\
        --counts 1000 20000 [--code /work/main]
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
parser.add_argument("--repeat", type=int, default=5)
ARGS = parser.parse_args()
sys.path.insert(0, ARGS.code)
os.environ.setdefault("FIELDCERT_INSTANCE_DIR", tempfile.mkdtemp())

import sqlalchemy as sa  # noqa: E402
from inprocess import migrated_app, seed_evaluations  # noqa: E402

from backend.audit.models import AuditEntry  # noqa: E402
from backend.extensions import db  # noqa: E402


def timed(client, url, headers):  # type: ignore[no-untyped-def]
    times, answer = [], None
    for _ in range(ARGS.repeat):
        start = time.perf_counter()
        answer = client.get(url, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
        if answer.status_code != 200:
            raise SystemExit(f"{url}: {answer.get_json()}")
    return statistics.median(times), answer


def measure(count: int) -> dict[str, object]:
    app = migrated_app(ARGS.database)
    engagement_id, _, headers, client = seed_evaluations(app, count, accept_half=False)
    url = f"/api/engagements/{engagement_id}/evaluations?status=submitted"
    first_ms, answer = timed(client, url, headers)
    out: dict[str, object] = {
        "evaluations": count,
        "first_page_ms": round(first_ms, 1),
        "rows": len(answer.get_json()),
        "answer_bytes": len(answer.get_data()),
    }
    cursor = answer.headers.get("X-Next-Cursor")
    if cursor is not None:
        # A page near the end: walk the cursors at 500 a page, time the last full page.
        next_url, last = f"{url}&limit=500", None
        while True:
            page = client.get(next_url, headers=headers)
            link = page.headers.get("Link")
            if link is None:
                break
            last, next_url = next_url, link[1 : link.index(">")]
        deep_ms, _ = timed(client, last or next_url, headers)
        out["deep_page_ms"] = round(deep_ms, 1)
    with app.app_context():
        entry = db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.action == "evaluation.list_read")
            .order_by(AuditEntry.id.desc())
            .limit(1)
        ).one()
        out["audit_entry_bytes"] = len(json.dumps(entry.details))
        db.engine.dispose()
    return out


for n in ARGS.counts:
    print(json.dumps({"code": ARGS.code, **measure(n)}), flush=True)
