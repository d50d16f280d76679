"""Survey analysis and exports at 1,000 and 100,000 answers on PostgreSQL: time and peak memory.

Issue 13 ("flat costs"): the analysis is summed by the database from each answer's stored sums
(backend/surveys/tallies.py), the CSV streamed from a server-side cursor and the XLSX written in
openpyxl's write-only mode (backend/surveys/exports.py). For each size this loads the demo into a
fresh PostgreSQL schema, adds that many random answers to the demo campaign (scored as they would
be on arrival), then runs each operation in a fresh child process (``--child``): the median wall
time of ``--repeat`` runs after one warm-up, the process's peak RSS (``ru_maxrss``), its RSS
before the operation (imports, app, database: the floor), and the peak of Python allocations
(tracemalloc, a separate run). Operations:

* ``analysis``: ``GET …/analysis`` as the API answers it (with every counted answer's score);
* ``analysis_page``: the same without per-answer scores (what the analysis page uses);
* ``csv``: every chunk of ``GET …/export.csv``;
* ``xlsx``: the XLSX written to a temporary file (what the job ``files.make`` does).

A benchmark, not a test: nothing is asserted. Target (issue 13): at most 2× from the small size
to the large one, peak memory under 200 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import bench_environment  # noqa: E402 - after the path is set up

OPERATIONS = ("analysis", "analysis_page", "csv", "xlsx")


def _seed(env: dict[str, str], answers: int) -> str:
    """Migrate, load the demo, add ``answers`` random answers; return the campaign's id."""
    os.environ.update(env)
    import flask_migrate
    import sqlalchemy as sa

    from backend import create_app
    from backend.demo import load_demo_data
    from backend.engagements.models import Engagement
    from backend.extensions import db
    from backend.surveys import logic, tallies
    from backend.surveys.campaigns import scheme_of
    from backend.surveys.models import Channel, SurveyCampaign, SurveyResponse
    from backend.unit_of_work import transaction

    app = create_app()
    rng = random.Random(13)
    with app.app_context():
        flask_migrate.upgrade()
        with transaction(db.session()) as session:
            load_demo_data(session)
        session = db.session()
        campaign = session.scalars(sa.select(SurveyCampaign).order_by(SurveyCampaign.id)).first()
        if campaign is None:
            raise SystemExit("the demo has no survey campaign")
        engagement = session.get_one(Engagement, campaign.engagement_id)
        scale = tallies.scale_of(scheme_of(session, engagement))
        items = [q["item"] for q in campaign.questions]
        sites = [s.id for s in campaign.sites]
        base = datetime.now(UTC) - timedelta(days=3)
        flag_pool = [[], [], [], [], [], [], [], [], [{"flag": "too_fast", "seconds": 4.0}]]
        with transaction(session):
            batch: list[dict[str, Any]] = []
            for n in range(answers):
                given = {
                    item: logic.NA if rng.random() < 0.1 else rng.randint(1, 5) for item in items
                }
                flags = rng.choice(flag_pool)
                batch.append(
                    {
                        "id": uuid.uuid4(),
                        "campaign_id": campaign.id,
                        "survey_site_id": rng.choice(sites),
                        "channel": Channel.ONLINE,
                        "answers": given,
                        "comment": "还不错" if rng.random() < 0.2 else "",
                        "started_at": None,
                        "received_at": base + timedelta(seconds=n),
                        "device_hash": uuid.uuid4().hex,
                        "form_nonce": uuid.uuid4().hex,
                        "ip_hash": None,
                        "flags": flags,
                        "staff_absent": False,
                        **tallies.stored_columns(scale, given, flags),
                    }
                )
                if len(batch) == 5000:
                    session.execute(sa.insert(SurveyResponse), batch)
                    batch = []
            if batch:
                session.execute(sa.insert(SurveyResponse), batch)
        with db.engine.connect() as connection:
            connection.execute(sa.text("ANALYZE survey_responses"))
        return str(campaign.id)


def _child(operation: str, campaign_id: str, repeat: int, traced: bool) -> dict[str, Any]:
    """One operation, run ``repeat`` times after a warm-up, in this (fresh) process."""
    import tracemalloc

    from backend import create_app
    from backend.auth.actor import Actor
    from backend.extensions import db
    from backend.surveys import analysis, exports
    from backend.surveys.models import SurveyCampaign
    from backend.users.models import User

    app = create_app()
    with app.app_context():
        session = db.session()
        cid = uuid.UUID(campaign_id)
        campaign = session.get_one(SurveyCampaign, cid)
        actor = Actor(session.get_one(User, campaign.created_by_id))
        session.rollback()

        def run() -> None:
            if operation == "analysis":
                analysis.campaign_analysis(session, actor, cid)
            elif operation == "analysis_page":
                analysis.campaign_analysis(session, actor, cid, per_respondent=False)
            elif operation == "csv":
                plan = exports.plan(session, actor, cid)
                for _chunk in exports.csv_chunks(session, plan):
                    pass
            else:
                plan = exports.plan(session, actor, cid)
                with tempfile.TemporaryFile() as out:
                    exports.write_xlsx(session, plan, out)
            session.rollback()

        floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        run()  # warm-up: caches, the scheme, connections
        if traced:
            tracemalloc.start()
            run()
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            return {"traced_peak_mib": peak / 2**20}
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
        return {
            "median_s": statistics.median(times),
            "floor_rss_mib": floor,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }


def _measure(env: dict[str, str], campaign_id: str, operation: str, repeat: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for traced in (False, True):
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            operation,
            "--campaign",
            campaign_id,
            "--repeat",
            str(repeat),
        ]
        if traced:
            command.append("--traced")
        done = subprocess.run(
            command,
            env={**os.environ, **env},
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        out.update(json.loads(done.stdout.strip().splitlines()[-1]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--operations", default=",".join(OPERATIONS))
    parser.add_argument(
        "--postgres", default=os.environ.get("BENCH_DATABASE_URL"), help="a PostgreSQL URL"
    )
    parser.add_argument("--child", choices=OPERATIONS, help=argparse.SUPPRESS)
    parser.add_argument("--campaign", help=argparse.SUPPRESS)
    parser.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.campaign, args.repeat, args.traced)))
        return
    if not args.postgres:
        raise SystemExit("give --postgres (or BENCH_DATABASE_URL): a database of your own")
    operations = args.operations.split(",")
    results: dict[int, dict[str, dict[str, Any]]] = {}
    for size in (int(s) for s in args.sizes.split(",")):
        with bench_environment(args.postgres, "surveyscale") as (env, _workdir):
            started = time.perf_counter()
            campaign_id = _seed(env, size)
            print(f"{size} answers seeded in {time.perf_counter() - started:.1f} s", flush=True)
            results[size] = {}
            for operation in operations:
                r = results[size][operation] = _measure(env, campaign_id, operation, args.repeat)
                print(
                    f"  {operation:14} {r['median_s'] * 1000:9.1f} ms   peak RSS "
                    f"{r['peak_rss_mib']:6.1f} MiB (floor {r['floor_rss_mib']:.1f})   "
                    f"Python peak {r['traced_peak_mib']:6.1f} MiB",
                    flush=True,
                )
    sizes = sorted(results)
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        print(f"\nratio {large} / {small} answers (time; peak RSS):")
        for operation in operations:
            a, b = results[small][operation], results[large][operation]
            print(
                f"  {operation:14} {b['median_s'] / a['median_s']:6.1f}×   "
                f"{b['peak_rss_mib'] / a['peak_rss_mib']:5.2f}×"
            )


if __name__ == "__main__":
    main()
