"""Benchmark the field sync API: gunicorn (2 workers) + PostgreSQL on loopback.

50 simulated devices, each with its own paired device token, work for 30 s through the real API:
each loop uploads one new 300 KB JPEG (`PUT /api/evidence/<id>`, distinct bytes every time) every
``--photo-every`` evaluations, and creates one evaluation (`PUT /api/evaluations/<id>`: 19
ratings, 3 GPS fixes, citing the photo, ``Prefer: return=minimal`` as the app asks) — the order a
phone's outbox sends them. A second phase sends the same photos to a floor endpoint of the same
server that only stores the bytes, to show what the pipeline costs on top of receiving a file.

A `fieldcert worker` runs beside gunicorn, as in production, and makes each photo's display
image, thumbnail and perceptual hash from the queue; its CPU is reported apart, with the queue's
depth after the run (jobs the worker had not caught up with).

Prints evaluations/s, photos/s, p50/p95 latency per request type, errors, the server's CPU per
request, and the ratio to the floor. A benchmark, not a test: nothing is asserted; the figures go
in the closing note.
Targets (issue 3): ≥ 150 evaluations/s and ≥ 40 photos/s with zero errors.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import io
import json
import os
import random
import secrets
import statistics
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.harness import (  # noqa: E402 - after the path is set up
    DEFAULT_PG,
    CpuMeter,
    bench_environment,
    cpu_report,
    gunicorn,
    job_worker,
    load_average,
    load_demo,
    percentile,
    queue_status,
)

ITEMS = [f"{c}.{i}" for c in range(1, 7) for i in range(1, 4)] + ["7.1"]


def make_photo(target_bytes: int = 300_000) -> bytes:
    """A photo-like 1600×1200 JPEG of about ``target_bytes`` (smooth gradients plus grain)."""
    from PIL import Image, ImageFilter

    rnd = random.Random(7)
    small = Image.new("RGB", (64, 48))
    small.putdata(
        [(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)) for _ in range(64 * 48)]
    )
    base = small.resize((1600, 1200), Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(3))
    noise = Image.effect_noise((1600, 1200), 24).convert("RGB")
    picture = Image.blend(base, noise, 0.12)
    best = b""
    for quality in range(95, 30, -5):
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=quality)
        best = out.getvalue()
        if len(best) <= target_bytes:
            break
    return best


def unique_variant(jpeg: bytes, n: int) -> bytes:
    """The same picture with a unique JPEG comment: new bytes (new SHA-256), same pixels."""
    comment = f"fieldcert bench {n} {secrets.token_hex(8)}".encode()
    segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
    return jpeg[:2] + segment + jpeg[2:]


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ok(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)

    def error(self, kind: str, detail: str) -> None:
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1
            if len(self.examples) < 5:
                self.examples.append(f"{kind}: {detail[:300]}")


def request(
    conn: http.client.HTTPConnection, method: str, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, bytes]:
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def device_loop(
    port: int,
    token: str,
    engagement_id: str,
    site_id: str,
    photo: bytes,
    deadline: float,
    photo_every: int,
    stats: Stats,
    counter: Counter,
    floor: bool,
    reconnect: bool,
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    auth = {"Authorization": f"Bearer {token}"}
    rnd = random.Random(token)
    n = 0
    while time.monotonic() < deadline:
        n += 1
        evidence: list[dict[str, Any]] = []
        if floor or n % photo_every == 1 or photo_every == 1:
            data = unique_variant(photo, counter.next())
            evidence_id = str(uuid.uuid4())
            headers = {
                **auth,
                "Content-Type": "image/jpeg",
                "X-Content-SHA256": hashlib.sha256(data).hexdigest(),
                "X-Captured-At": "2026-12-03T10:05:00+08:00",
                "X-Capture-Latitude": "28.7169",
                "X-Capture-Longitude": "115.9602",
                "X-Capture-Accuracy": "12",
            }
            path = "/api/_bench/floor" if floor else f"/api/evidence/{evidence_id}"
            kind = "floor" if floor else "photo"
            t0 = time.perf_counter()
            try:
                status, text = request(conn, "PUT", path, data, headers)
            except OSError as exc:
                stats.error(kind, repr(exc))
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            if status in (200, 201):
                stats.ok(kind, time.perf_counter() - t0)
                evidence.append({"evidence_id": evidence_id, "item": "1.1"})
            else:
                stats.error(kind, f"{status} {text[:200]!r}")
            if floor:
                if reconnect:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
        ratings = {code: {"level": rnd.randint(1, 5)} for code in ITEMS}
        ratings["1.2"] = {"alpha": round(rnd.random(), 2)}
        body = {
            "engagement_id": engagement_id,
            "site_id": site_id,
            "mode": "A",
            "ratings": ratings,
            "notes": "现场检查记录",
            "started_at": "2026-12-03T10:00:00+08:00",
            "ended_at": "2026-12-03T10:40:00+08:00",
            "gps_fixes": [
                {
                    "latitude": 28.7169 + i * 1e-5,
                    "longitude": 115.9602,
                    "accuracy_m": 10 + i,
                    "captured_at": f"2026-12-03T10:0{i}:00+08:00",
                }
                for i in range(3)
            ],
            "evidence": evidence,
            "submit": True,
        }
        t0 = time.perf_counter()
        try:
            status, text = request(
                conn,
                "PUT",
                f"/api/evaluations/{uuid.uuid4()}",
                json.dumps(body).encode(),
                # As the field app sends it (pwa/src/data/replay.ts): the short answer.
                {**auth, "Content-Type": "application/json", "Prefer": "return=minimal"},
            )
        except OSError as exc:
            stats.error("evaluation", repr(exc))
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            continue
        if status == 201:
            stats.ok("evaluation", time.perf_counter() - t0)
        else:
            stats.error("evaluation", f"{status} {text[:200]!r}")
        if reconnect:
            # A phone syncs one visit (its photo, then its evaluation) on one connection and
            # connects afresh for the next: gunicorn then spreads phones over its workers, as it
            # does in the field. (50 connections held for the whole run pile onto one worker.)
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.close()


class Counter:
    """A thread-safe counter: unique photo bytes across all device threads."""

    def __init__(self) -> None:
        self._n = 0
        self._lock = threading.Lock()

    def next(self) -> int:
        with self._lock:
            self._n += 1
            return self._n


def seed(env: dict[str, str], devices: int) -> tuple[str, str, list[str]]:
    """Migrate, load the demo data, add ``devices`` auditors on the demo engagement with tokens."""
    load_demo(env)
    os.environ.update(env)
    import sqlalchemy as sa

    from backend import create_app
    from backend.auth.access import DEVICE_TOKEN_PREFIX, hash_device_token
    from backend.demo import DEMO_ENGAGEMENT
    from backend.devices.models import Device
    from backend.engagements.models import (
        Engagement,
        EngagementMember,
        EngagementSite,
        TeamRole,
    )
    from backend.extensions import db
    from backend.users.models import Role, User
    from backend.users.services import add_user

    app = create_app()
    tokens: list[str] = []
    with app.app_context():
        session = db.session()
        # The field demo engagement by its title (the demo has certified and CQC ones too).
        engagement = session.scalars(
            sa.select(Engagement).where(Engagement.title == DEMO_ENGAGEMENT)
        ).one()
        site_id = session.scalars(
            sa.select(EngagementSite.site_id).where(EngagementSite.engagement_id == engagement.id)
        ).first()
        leader = session.scalars(sa.select(User).where(User.role == Role.TEAM_LEADER)).one()
        for i in range(devices):
            user = add_user(
                session,
                organisation=leader.organisation,
                email=f"bench-auditor-{i}@bench.fieldcert.cn",
                display_name=f"压测审查员 {i}",
                role=Role.AUDITOR,
                password=secrets.token_urlsafe(16),
            )
            session.flush()
            session.add(
                EngagementMember(
                    engagement_id=engagement.id, user_id=user.id, team_role=TeamRole.AUDITOR
                )
            )
            token = DEVICE_TOKEN_PREFIX + secrets.token_urlsafe(32)
            session.add(
                Device(
                    id=uuid.uuid4(),
                    user_id=user.id,
                    name=f"bench phone {i}",
                    token_hash=hash_device_token(token),
                )
            )
            tokens.append(token)
        session.commit()
        return str(engagement.id), str(site_id), tokens


def run_phase(
    port: int,
    tokens: list[str],
    engagement_id: str,
    site_id: str,
    photo: bytes,
    seconds: float,
    photo_every: int,
    floor: bool,
    reconnect: bool = True,
) -> tuple[Stats, float]:
    stats = Stats()
    counter = Counter()
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(
            target=device_loop,
            args=(
                port,
                token,
                engagement_id,
                site_id,
                photo,
                deadline,
                photo_every,
                stats,
                counter,
                floor,
                reconnect,
            ),
        )
        for token in tokens
    ]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return stats, time.monotonic() - t0


def report(name: str, stats: Stats, elapsed: float) -> dict[str, float]:
    out: dict[str, float] = {}
    for kind, values in sorted(stats.latencies.items()):
        rate = len(values) / elapsed
        out[kind] = rate
        print(
            f"  {name:<8} {kind:<11} {rate:8.1f}/s  n={len(values):<6} "
            f"p50={statistics.median(values) * 1000:7.1f} ms  "
            f"p95={percentile(values, 95) * 1000:7.1f} ms"
        )
    total_errors = sum(stats.errors.values())
    print(f"  {name:<8} errors      {total_errors} {dict(stats.errors) if total_errors else ''}")
    for example in stats.examples:
        print(f"    e.g. {example}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devices", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--photo-every", type=int, default=3, help="one photo per N evaluations")
    ap.add_argument("--workers", type=int, default=2)
    # 4 measured best on 2 cores (2: 111 requests/s, 4: 125, 8: 105, 16: 91): more threads
    # only add GIL contention.
    ap.add_argument("--threads", type=int, default=4, help="gunicorn gthread threads per worker")
    ap.add_argument(
        "--job-threads", type=int, default=2, help="threads of the `fieldcert worker` beside it"
    )
    ap.add_argument(
        "--keep-connections",
        action="store_true",
        help="one connection per device for the whole run (default: one per visit synced)",
    )
    ap.add_argument("--postgres", default=os.environ.get("TEST_POSTGRES_URL", DEFAULT_PG))
    args = ap.parse_args()
    reconnect = not args.keep_connections

    with bench_environment(args.postgres, "fc_bench") as (env, workdir):
        env["FIELDCERT_STORAGE_DIR"] = str(workdir / "evidence")
        env["FIELDCERT_BENCH_FLOOR"] = "1"
        print(f"seeding {args.devices} paired devices…")
        engagement_id, site_id, tokens = seed(env, args.devices)
        photo = make_photo()
        with (
            job_worker(env, threads=args.job_threads) as worker,
            gunicorn(env, workers=args.workers, threads=args.threads) as (server, port),
        ):
            print(
                f"gunicorn: {args.workers} workers × {args.threads} threads; {args.devices} "
                f"devices for {args.seconds:.0f} s; photo {len(photo) / 1000:.0f} KB, one per "
                f"{args.photo_every} evaluation(s); 19 ratings and 3 GPS fixes per evaluation; "
                + (
                    "one connection per device"
                    if args.keep_connections
                    else "a connection per visit"
                )
            )
            meter = CpuMeter(server.pid, worker.pid)
            stats, elapsed = run_phase(
                port,
                tokens,
                engagement_id,
                site_id,
                photo,
                args.seconds,
                args.photo_every,
                False,
                reconnect,
            )
            used = meter.stop()
            rates = report("api", stats, elapsed)
            requests = sum(len(v) for v in stats.latencies.values())
            # CPU per request is the figure that survives a busy machine; rates do not.
            print(cpu_report(used, elapsed, requests, "request"))
            print(meter.balance(elapsed))
            photos = len(stats.latencies.get("photo", []))
            if photos:
                print(
                    f"  job worker: {used.get('job worker', 0.0) / photos * 1000:.1f} ms CPU per "
                    f"photo (renditions, perceptual hash); queue after the run: "
                    f"{queue_status(env)}"
                )
            print(f"  machine load average now {load_average()}")
            floor_stats, floor_elapsed = run_phase(
                port,
                tokens,
                engagement_id,
                site_id,
                photo,
                min(args.seconds, 15.0),
                1,
                True,
                reconnect,
            )
            floor_rates = report("floor", floor_stats, floor_elapsed)
            if floor_rates.get("floor") and rates.get("photo"):
                print(
                    f"  photos through the pipeline vs floor (store bytes only): "
                    f"{rates['photo'] / floor_rates['floor']:.2f}×  (the floor phase sends "
                    "photos only)"
                )


if __name__ == "__main__":
    main()
