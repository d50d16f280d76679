"""Benchmark costs as the data grows (issue 13): the same requests at 1,000 and 1,000,000 photos.

Past 700 lines because it is one measurement end to end (server start per operation, the memory
high-water mark, cursor-following pages, export jobs polled to their file, the table); the seeding
is in bench/scale_seed.py and the shared parts in bench/harness.py.

Two PostgreSQL databases, ``fc_scale_<size>`` (``fc_scale_1k``, ``fc_scale_1m``), each the demo
plus ``size`` evidence records and ``size / 5`` survey answers (bench/scale_seed.py: engagements,
sites, shoppers, evaluations with four photos, their audit entries, answers). A database already
seeded for the same size, probe share, seed and migration head is reused (``--fresh`` seeds it
again); the seed is kept afterwards, so a second run measures at once.

Against each, the real server (gunicorn, one worker process, as bench/api_bench.py runs it) and
a job worker (``fieldcert worker``) beside it; through HTTP, median of ``--repeat`` (5) after a
warm-up: an evidence upload (a 300 KB JPEG), the integrity report of the probe evaluation (its
photos' reuse check against every photo of the organisation), the review queue's first page and
a page deep in it (followed by cursor), the evaluation list, the audit log (first and a deep
page), the survey responses (first and deep page), the survey analysis as the office page reads
it (``?per_respondent=false``: without every answer's score), and the CSV and XLSX exports both
as the product offers them, a job (``POST …/exports``, 202, poll ``/api/file-jobs/<id>``,
download its ``/file``: time from the POST to the file's last byte), and by the direct GET
(time to the first byte and to the last; a ``202`` there is followed to its file too). Peak
memory: the high-water mark of resident memory of the serving process and of the job worker
during the repeats (``clear_refs``, proc(5)), the larger shown.

Prints operation, time at each size, the ratio and the peak memory, and writes everything as
JSON to ``bench/results/scale-<large>-<time>.json``. Goal (issue 13): ratio ≤ 2, peak < 200 MB.

    .venv/bin/python bench/scale_bench.py                  # 1,000 and 1,000,000 (make bench)
    .venv/bin/python bench/scale_bench.py --large 100000   # quicker
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import http.client
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backend.demo import DEMO_ENGAGEMENT, DEMO_LOGINS  # noqa: E402
from backend.devices.tokens import DEVICE_TOKEN_PREFIX, hash_device_token  # noqa: E402
from backend.users.models import Role  # noqa: E402
from bench.api_bench import ITEMS, make_photo, unique_variant  # noqa: E402
from bench.harness import (  # noqa: E402 - after the path is set up
    DEFAULT_PG,
    children,
    gunicorn,
    job_worker,
    load_average,
    load_demo,
    memory_mib,
    reset_peak_memory,
)
from bench.scale_seed import BAND_COLUMNS, SEED_VERSION, libpq, seed  # noqa: E402

GOAL_RATIO = 2.0
GOAL_PEAK_MIB = 200.0
#: A first run slower than this counts as a measurement: no separate warm-up for slow requests
#: (a new process's first request of a kind costs up to a few seconds on a busy machine).
WARM_UP_LIMIT_S = 10.0


def label(size: int) -> str:
    for unit, n in (("m", 1_000_000), ("k", 1_000)):
        if size % n == 0:
            return f"{size // n}{unit}"
    return str(size)


# --------------------------------------------------------------------------- the database


def database_url(server: str, name: str) -> str:
    import sqlalchemy as sa

    return sa.make_url(server).set(database=name).render_as_string(hide_password=False)


def migration_heads() -> str:
    from alembic.script import ScriptDirectory

    return ",".join(sorted(ScriptDirectory(str(ROOT / "migrations")).get_heads()))


def prepare(server: str, size: int, share: float, fresh: bool) -> tuple[str, dict[str, Any]]:
    """The database for ``size``: reused when its marker matches, else created and seeded."""
    import psycopg

    name = f"fc_scale_{label(size)}"
    url = database_url(server, name)
    marker = {"size": size, "probe_share": share, "seed": SEED_VERSION, "heads": migration_heads()}
    with psycopg.connect(libpq(database_url(server, "postgres")), autocommit=True) as admin:
        row = admin.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            (name,),
        ).fetchone()
        if row is not None and not fresh and row[0]:
            kept = json.loads(row[0])
            if {k: kept.get(k) for k in marker} == marker:
                print(f"{name}: reusing the seed of {kept.get('seeded_at')}")
                return url, kept
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    print(f"{name}: migrating, loading the demo, seeding {size:,} photos…", flush=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fieldcert-scale-") as tmp:
        load_demo(_env(url, Path(tmp)))
    plan = seed(url, size, share, log=lambda line: print(line, flush=True))
    kept = {
        **marker,
        "seeded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed_seconds": round(time.perf_counter() - started, 1),
        "plan": plan.as_dict(),
    }
    with psycopg.connect(libpq(database_url(server, "postgres")), autocommit=True) as admin:
        comment = json.dumps(kept).replace("'", "''")
        admin.execute(f"COMMENT ON DATABASE \"{name}\" IS '{comment}'")
    print(f"{name}: seeded in {kept['seed_seconds']} s {plan.seconds}")
    return url, kept


def _env(url: str, workdir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "FIELDCERT_INSTANCE_DIR": str(workdir / "instance"),
        "FIELDCERT_STORAGE_DIR": str(workdir / "evidence"),
        "SECRET_KEY": secrets.token_hex(32),
        "FIELDCERT_CONTACT_KEY": secrets.token_hex(32),
    }


# --------------------------------------------------------------------------- HTTP


class Client:
    """One keep-alive connection to the server, signed in by cookie or by device token."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
        self.cookies: dict[str, str] = {}
        self.headers: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: Mapping[str, str] = {}
    ) -> tuple[int, http.client.HTTPMessage, bytes, float]:
        """Status, headers, body, and the seconds from sending to the body's first byte."""
        sent = {**self.headers, **headers}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=sent)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionError):
            # gunicorn closes a keep-alive connection idle for a few seconds: connect again.
            self.conn.close()
            self.conn.request(method, path, body=body, headers=sent)
            response = self.conn.getresponse()
        first = response.read(1)
        first_byte = time.perf_counter() - started
        data = first + response.read()
        for value in response.headers.get_all("Set-Cookie") or []:
            pair = value.split(";", 1)[0]
            key, _, val = pair.partition("=")
            self.cookies[key.strip()] = val.strip()
        return response.status, response.headers, data, first_byte

    def sign_in(self, email: str, password: str) -> None:
        _, _, body, _ = self.request("GET", "/api/auth/csrf")
        token = json.loads(body)["csrf_token"]
        status, _, body, _ = self.request(
            "POST",
            "/api/auth/login",
            json.dumps({"email": email, "password": password}).encode(),
            {"Content-Type": "application/json", "X-CSRF-Token": token},
        )
        if status != 200:
            raise SystemExit(f"sign-in as {email}: {status} {body[:300]!r}")
        self.headers["X-CSRF-Token"] = json.loads(body)["csrf_token"]

    def get(self, path: str) -> dict[str, Any]:
        """GET ``path``; a ``202`` (a job) is polled to its end and its file fetched."""
        started = time.perf_counter()
        status, headers, body, first = self.request("GET", path)
        via_job = status == 202
        if via_job:
            status, headers, body = self._follow_job(headers, body)
            first = time.perf_counter() - started
        if status != 200:
            raise SystemExit(f"GET {path}: {status} {body[:300]!r}")
        return {"headers": headers, "body": body, "first_byte_s": first, "via_job": via_job}

    def export_job(self, path: str, file_format: str) -> dict[str, Any]:
        """POST an export job (``…/exports``), poll it, download its file: as the office does.

        The time is from the POST to the file's last byte; ``first_byte_s`` is the file's first.
        """
        started = time.perf_counter()
        status, headers, body, _ = self.request(
            "POST",
            path,
            json.dumps({"format": file_format}).encode(),
            {"Content-Type": "application/json"},
        )
        if status != 202:
            raise SystemExit(f"POST {path}: {status} {body[:300]!r}")
        status, headers, body = self._follow_job(headers, body)
        if status != 200:
            raise SystemExit(f"export job from {path}: {status} {body[:300]!r}")
        return {
            "headers": headers,
            "body": body,
            "first_byte_s": time.perf_counter() - started,
            "via_job": True,
        }

    def _follow_job(
        self, headers: http.client.HTTPMessage, body: bytes
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        """Poll the job a ``202`` names (``Location``, or a URL in its JSON) until it is done."""
        url = headers.get("Location") or _url_in(_json(body), ("status_url", "job_url", "url"))
        if url is None:
            raise SystemExit(f"202 without a job to follow: {body[:300]!r}")
        while True:
            status, headers, body, _ = self.request("GET", url)
            info = _json(body)
            state = str(info.get("status") or info.get("state") or "").lower()
            if status == 202 or state in ("queued", "pending", "running", "started", "waiting"):
                time.sleep(0.1)
                continue
            if state in ("failed", "error"):
                raise SystemExit(f"the job at {url} failed: {body[:300]!r}")
            if status in (301, 302, 303, 307) and headers.get("Location"):
                url = headers["Location"]
                continue
            download = _url_in(info, ("download", "download_url", "result_url", "file_url", "url"))
            if status == 200 and info and download and download != url:
                status, headers, body, _ = self.request("GET", download)
            return status, headers, body


def _json(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _url_in(info: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = info.get(key)
        if isinstance(value, str) and value.startswith("/"):
            return value
    links = info.get("links")
    if isinstance(links, Mapping):
        return _url_in(links, keys)
    return None


def _next_link(headers: http.client.HTTPMessage) -> str | None:
    link = headers.get("Link")
    if link and 'rel="next"' in link:
        return link[link.index("<") + 1 : link.index(">")]
    return None


# --------------------------------------------------------------------------- the probe


class Probe:
    """The probe's ids, its signed-in clients, and what the requests need."""

    def __init__(self, url: str, port: int) -> None:
        import psycopg

        self.db = psycopg.connect(libpq(url), autocommit=True)
        self.port = port
        self.photo = make_photo()
        self.photos_sent = 0
        org, self.engagement_id, self.campaign_id = self.db.execute(
            "SELECT e.organisation_id, e.id, c.id FROM engagements e JOIN survey_campaigns c "
            "ON c.engagement_id = e.id WHERE e.title = %s",
            (DEMO_ENGAGEMENT,),
        ).fetchone() or (None, None, None)
        self.organisation_id = org
        self.leader = self._signed_in(Role.TEAM_LEADER)
        self.admin = self._signed_in(Role.ADMIN)
        self.device = Client(port)
        self.device.headers["Authorization"] = f"Bearer {self._device_token()}"
        self.evaluation_id = self._evaluation()

    def _signed_in(self, role: Role) -> Client:
        login = next(d for d in DEMO_LOGINS if d.role == role)
        client = Client(self.port)
        client.sign_in(login.email, login.password)
        return client

    def _device_token(self) -> str:
        """A paired device for the demo auditor (a member of the probe engagement)."""
        token = DEVICE_TOKEN_PREFIX + secrets.token_urlsafe(32)
        auditor = next(d for d in DEMO_LOGINS if d.role == Role.AUDITOR)
        self.db.execute(
            "INSERT INTO devices (id, user_id, name, token_hash) SELECT %s, id, %s, %s "
            "FROM users WHERE email = %s",
            (uuid.uuid4(), "scale bench", hash_device_token(token), auditor.email),
        )
        return token

    def upload(self) -> tuple[str, dict[str, Any]]:
        """One new photo through ``PUT /api/evidence/<id>``: its id and the timing."""
        self.photos_sent += 1
        data = unique_variant(self.photo, self.photos_sent)
        evidence_id = str(uuid.uuid4())
        started = time.perf_counter()
        status, _, body, _ = self.device.request(
            "PUT",
            f"/api/evidence/{evidence_id}",
            data,
            {
                "Content-Type": "image/jpeg",
                "X-Content-SHA256": hashlib.sha256(data).hexdigest(),
                "X-Captured-At": "2026-12-03T10:05:00+08:00",
                "X-Capture-Latitude": "28.7169",
                "X-Capture-Longitude": "115.9602",
                "X-Capture-Accuracy": "12",
            },
        )
        if status not in (200, 201):
            raise SystemExit(f"upload: {status} {body[:300]!r}")
        return evidence_id, {"first_byte_s": time.perf_counter() - started, "body": body}

    def wait_derived(self, ids: list[str], limit_s: float = 120.0) -> None:
        """Until the job worker has made the photos' renditions and hashes (or ``limit_s``)."""
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            (waiting,) = self.db.execute(
                "SELECT count(*) FROM evidence WHERE id = ANY(%s) AND derived_at IS NULL",
                ([uuid.UUID(i) for i in ids],),
            ).fetchone() or (0,)
            if not waiting:
                return
            time.sleep(0.2)
        print(f"  warning: {waiting} photos still without renditions after {limit_s:.0f} s")

    def _evaluation(self) -> str:
        """The probe evaluation: four photos and a submitted visit, through the API.

        One of its photos is also cited by another evaluation of the organisation (its perceptual
        hash copied), so the reuse check has something to find at every size.
        """
        photos = [self.upload()[0] for _ in range(4)]
        self.wait_derived(photos)
        site_id = self.db.execute(
            "SELECT site_id FROM engagement_sites WHERE engagement_id = %s LIMIT 1",
            (self.engagement_id,),
        ).fetchone()[0]  # type: ignore[index]
        evaluation_id = str(uuid.uuid4())
        body = {
            "engagement_id": str(self.engagement_id),
            "site_id": str(site_id),
            "mode": "A",
            "ratings": {code: {"level": 4} for code in ITEMS},
            "notes": "规模压测探针",
            "started_at": "2026-12-03T10:00:00+08:00",
            "ended_at": "2026-12-03T10:40:00+08:00",
            "gps_fixes": [
                {
                    "latitude": 28.7169,
                    "longitude": 115.9602,
                    "accuracy_m": 10,
                    "captured_at": "2026-12-03T10:05:00+08:00",
                }
            ],
            "evidence": [{"evidence_id": p, "item": "1.1"} for p in photos],
            "submit": True,
        }
        status, _, text, _ = self.device.request(
            "PUT",
            f"/api/evaluations/{evaluation_id}",
            json.dumps(body).encode(),
            {"Content-Type": "application/json"},
        )
        if status != 201:
            raise SystemExit(f"the probe evaluation: {status} {text[:300]!r}")
        # The hash and whatever the checkout keeps beside it (the reuse index's bands).
        columns = ", ".join(["phash", *BAND_COLUMNS])
        self.db.execute(
            f"UPDATE evidence SET ({columns}) = (SELECT {columns} FROM evidence "  # noqa: S608
            "WHERE id = %s) WHERE id = (SELECT evidence_id FROM evaluation_evidence "
            "WHERE evaluation_id <> %s ORDER BY id DESC LIMIT 1)",
            (uuid.UUID(photos[0]), uuid.UUID(evaluation_id)),
        )
        return evaluation_id


def last_full_page(client: Client, first: str) -> tuple[str, int]:
    """Follow the list's cursor from ``first`` to its last full page (or its only page).

    Returns that page's URL and the number of pages walked.
    """
    url, pages = first, 0
    previous = first
    while True:
        answer = client.get(url)
        pages += 1
        nxt = _next_link(answer["headers"])
        if nxt is None:
            return previous, pages
        previous, url = url, nxt


# --------------------------------------------------------------------------- measuring


def timed(
    name: str, run: Callable[[], dict[str, Any]], server: list[int], job: int, repeat: int
) -> dict[str, Any]:
    """Median of ``repeat`` runs (after a warm-up, unless the first run was slow) and the peaks.

    The peak is the serving process's over all runs, warm-up included, or the job worker's when
    the request became a job; the growth is the peak less the process's memory before them.
    """
    pids = [*server, job]
    runs: list[float] = []
    before = {pid: memory_mib(pid, "VmRSS") for pid in pids}
    reset_peak_memory(pids)
    started = time.perf_counter()
    info = run()
    first = time.perf_counter() - started
    if first > WARM_UP_LIMIT_S:
        runs.append(first * 1000)
    while len(runs) < repeat:
        started = time.perf_counter()
        info = run()
        runs.append((time.perf_counter() - started) * 1000)
    peaks = {pid: memory_mib(pid) for pid in pids}
    body = info.get("body", b"")
    working = pids if info.get("via_job") else server
    result = {
        "ms": round(statistics.median(runs), 1),
        "runs_ms": [round(r, 1) for r in runs],
        "first_byte_ms": round(info.get("first_byte_s", 0.0) * 1000, 1),
        "bytes": len(body),
        "peak_mib": round(max(peaks[p] for p in working), 1),
        "growth_mib": round(max(peaks[p] - before[p] for p in working), 1),
        "rows": _rows(body),
        "job_worker_peak_mib": round(peaks[job], 1),
        "rss_before_mib": {str(p): round(v, 1) for p, v in before.items()},
        "peak_by_process_mib": {str(p): round(v, 1) for p, v in peaks.items()},
        **{k: v for k, v in info.items() if k not in ("body", "headers", "first_byte_s")},
    }
    print(
        f"  {name:<36} {result['ms']:>10.1f} ms  peak {result['peak_mib']:6.1f} MiB  "
        f"{len(body):>11,} bytes",
        flush=True,
    )
    return result


def _rows(body: bytes) -> int | None:
    """Rows of a JSON list (or of its ``items``): how full a page was."""
    try:
        value = json.loads(body)
    except ValueError:
        return None
    if isinstance(value, dict):
        value = value.get("items")
    return len(value) if isinstance(value, list) else None


def operations(probe: Probe) -> Iterator[tuple[str, Callable[[], dict[str, Any]]]]:
    """Each operation's name and one run of it (setting up what it needs first).

    Each runs in a fresh serving process (``fresh_worker``); the pages come first, the
    requests that may load much last. Lists are read at their default page size; the deep page
    is the last full one, reached by following the cursor (at 1,000 photos a list may be a
    single, shorter page).
    """
    uploaded: list[str] = []

    def upload() -> dict[str, Any]:
        evidence_id, info = probe.upload()
        uploaded.append(evidence_id)
        return info

    yield "evidence upload", upload
    probe.wait_derived(uploaded)
    queue = f"/api/engagements/{probe.engagement_id}/evaluations?status=submitted"
    yield "review queue, first page", lambda: probe.leader.get(queue)
    deep, pages = last_full_page(probe.leader, queue)
    yield "review queue, deep page", lambda: {**probe.leader.get(deep), "page": pages}
    evaluations = f"/api/engagements/{probe.engagement_id}/evaluations"
    yield "evaluation list page", lambda: probe.leader.get(evaluations)
    yield "audit log, first page", lambda: probe.admin.get("/api/audit")
    low, high = probe.db.execute(
        "SELECT min(id), max(id) FROM audit_log WHERE organisation_id = %s",
        (probe.organisation_id,),
    ).fetchone() or (0, 0)
    before_id = low + max(1, (high - low) // 10)
    yield "audit log, deep page", lambda: probe.admin.get(f"/api/audit?before_id={before_id}")
    campaign = f"/api/survey-campaigns/{probe.campaign_id}"
    yield "survey responses, first", lambda: probe.leader.get(f"{campaign}/responses")
    deep_answers, answer_pages = last_full_page(probe.leader, f"{campaign}/responses")
    yield "survey responses, deep", lambda: {**probe.leader.get(deep_answers), "page": answer_pages}

    def integrity() -> dict[str, Any]:
        answer = probe.leader.get(f"/api/evaluations/{probe.evaluation_id}/integrity")
        report = json.loads(answer["body"])
        reuse = [c for c in report.get("checks", []) if c.get("check") == "photo_reuse"]
        return {**answer, "reuse_check": reuse[0].get("status") if reuse else None}

    yield "integrity report", integrity
    # As the office page reads it: without every answer's score (that list grows with the data).
    yield (
        "survey analysis (no per_respondent)",
        lambda: probe.leader.get(f"{campaign}/analysis?per_respondent=false"),
    )
    # The product offers the exports as jobs (POST …/exports, poll, download …/file); the
    # direct GETs are still there, made while the caller waits: both are measured.
    yield "CSV export, job", lambda: probe.leader.export_job(f"{campaign}/exports", "csv")
    yield "XLSX export, job", lambda: probe.leader.export_job(f"{campaign}/exports", "xlsx")
    yield "CSV export, direct GET", lambda: probe.leader.get(f"{campaign}/export.csv")
    yield "XLSX export, direct GET", lambda: probe.leader.get(f"{campaign}/export.xlsx")


def probe_sizes(probe: Probe) -> dict[str, int]:
    """What the probe holds: the sizes its requests face."""
    queries = {
        "organisation photos": (
            "SELECT count(*) FROM evidence WHERE organisation_id = %s",
            probe.organisation_id,
        ),
        "probe evaluations": (
            "SELECT count(*) FROM evaluations WHERE engagement_id = %s",
            probe.engagement_id,
        ),
        "probe review queue": (
            "SELECT count(*) FROM evaluations WHERE engagement_id = %s AND status = 'submitted'",
            probe.engagement_id,
        ),
        "organisation audit entries": (
            "SELECT count(*) FROM audit_log WHERE organisation_id = %s",
            probe.organisation_id,
        ),
        "probe survey answers": (
            "SELECT count(*) FROM survey_responses WHERE campaign_id = %s",
            probe.campaign_id,
        ),
        "all survey answers": ("SELECT count(*) FROM survey_responses WHERE %s IS NOT NULL", 1),
    }
    return {
        name: int((probe.db.execute(q, (arg,)).fetchone() or (0,))[0])
        for name, (q, arg) in queries.items()
    }


def fresh_worker(server: subprocess.Popen[bytes], port: int, old: list[int]) -> list[int]:
    """A new gunicorn worker process (SIGHUP: new workers, the old ones finish and stop).

    Memory a process took stays with it: each operation starts from a process at rest, so its
    peak is its own and not the leftover of the one before.
    """
    os.kill(server.pid, signal.SIGHUP)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        now = children(server.pid)
        if now and not set(now) & set(old):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                return now
        time.sleep(0.1)
    raise SystemExit("gunicorn did not replace its worker within 120 s")


def measure(url: str, repeat: int) -> dict[str, Any]:
    """Every operation against the database at ``url``, through a server of its own."""
    with tempfile.TemporaryDirectory(prefix="fieldcert-scale-") as tmp:
        env = _env(url, Path(tmp))
        with (
            gunicorn(env, workers=1, threads=2, timeout=900) as (server, port),
            job_worker(env, threads=1) as worker,
        ):
            serving = children(server.pid)
            probe = Probe(url, port)
            sizes = probe_sizes(probe)
            print("  probe: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()), flush=True)
            results = {}
            for name, run in operations(probe):
                serving = fresh_worker(server, port, serving)
                # Its first requests (connections, sessions, compiled statements) before timing.
                for client in (probe.leader, probe.admin, probe.device):
                    client.get("/api/auth/me")
                results[name] = timed(name, run, serving, worker.pid, repeat)
            at_rest = min(
                min(r["rss_before_mib"][str(p)] for p in serving_pids(r, worker.pid))
                for r in results.values()
            )
            print(f"  serving process at rest: {at_rest} MiB", flush=True)
            probe.db.close()
    return {"sizes": sizes, "serving_at_rest_mib": at_rest, "operations": results}


def serving_pids(result: Mapping[str, Any], job: int) -> list[int]:
    return [int(p) for p in result["rss_before_mib"] if int(p) != job]


# --------------------------------------------------------------------------- report


def table(small: int, large: int, runs: dict[int, dict[str, Any]]) -> str:
    a, b = runs[small]["operations"], runs[large]["operations"]
    head = (
        f"{'operation':<36} {label(small) + ' ms':>10} {label(large) + ' ms':>11} {'ratio':>8} "
        f"{'peak MB ' + label(small):>14} {'peak MB ' + label(large):>14} "
        f"{'+MB ' + label(large):>9}  goal"
    )
    lines = [head, "-" * len(head)]
    for name in b:
        if name not in a:
            continue
        ratio = b[name]["ms"] / max(a[name]["ms"], 0.1)
        met = ratio <= GOAL_RATIO and b[name]["peak_mib"] < GOAL_PEAK_MIB
        lines.append(
            f"{name:<36} {a[name]['ms']:>10.1f} {b[name]['ms']:>11.1f} {ratio:>7.1f}× "
            f"{a[name]['peak_mib']:>14.0f} {b[name]['peak_mib']:>14.0f} "
            f"{b[name]['growth_mib']:>9.0f}  {'yes' if met else 'no'}"
        )
    lines.append(
        f"serving process at rest: {runs[small]['serving_at_rest_mib']:.0f} MB ({label(small)}), "
        f"{runs[large]['serving_at_rest_mib']:.0f} MB ({label(large)}); peak = its high-water "
        "mark during the repeats, each operation in a fresh process (the job worker's when the "
        "request became a job); +MB its rise over the process at rest"
    )
    return "\n".join(lines)


def git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "?"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", type=int, default=1_000, help="photos in the small database")
    ap.add_argument("--large", type=int, default=1_000_000, help="photos in the large database")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument(
        "--probe-share",
        type=float,
        default=0.2,
        help="share of the evaluations and answers in the probe engagement and campaign",
    )
    ap.add_argument("--fresh", action="store_true", help="seed again even if a seed matches")
    ap.add_argument(
        "--postgres",
        default=os.environ.get("TEST_POSTGRES_URL", DEFAULT_PG),
        help="a server URL; its databases fc_scale_<size> are created there",
    )
    ap.add_argument("--out", type=Path, default=ROOT / "bench/results")
    args = ap.parse_args()

    runs: dict[int, dict[str, Any]] = {}
    for size in (args.small, args.large):
        url, seeded = prepare(args.postgres, size, args.probe_share, args.fresh)
        print(f"measuring at {size:,} photos (load average {load_average()})", flush=True)
        runs[size] = {"seed": seeded, **measure(url, args.repeat)}
    print()
    print(table(args.small, args.large, runs))
    print(f"goal (issue 13): ratio ≤ {GOAL_RATIO:g}× and peak < {GOAL_PEAK_MIB:g} MB")
    print(
        "survey analysis: ?per_respondent=false, as the office page reads it (no per-answer "
        "scores); exports: 'job' = POST …/exports, poll, download …/file (as offered); "
        "'direct GET' = …/export.csv|.xlsx"
    )
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = args.out / f"scale-{label(args.large)}-{stamp}.json"
    path.write_text(
        json.dumps(
            {
                "benchmark": "scale",
                "commit": git_commit(),
                "at": stamp,
                "load_average": load_average(),
                "cpus": os.cpu_count(),
                "repeat": args.repeat,
                "goal": {"ratio": GOAL_RATIO, "peak_mib": GOAL_PEAK_MIB},
                "runs": {str(k): v for k, v in runs.items()},
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    print(f"results: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


if __name__ == "__main__":
    main()
