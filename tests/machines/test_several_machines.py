"""Several machines (issue 13): two app servers and a worker on one PostgreSQL, one Redis and one
S3 server, a phone's outbox sent to both servers in turn, and one server killed mid-upload.

What runs is what docs/deploy.md installs: ``fieldcert db upgrade``, then ``fieldcert serve``
(gunicorn, ``FIELDCERT_ENV=production``) on two loopback ports and ``fieldcert worker`` (Huey on
Redis), each its own process group, as separate machines would be; evidence in an S3 bucket
served by moto on loopback (versioned, so every write of an object is counted). The phone
(tests/machines/phone.py) replays its outbox exactly as the PWA does. Then:

- every visit and every photo is on the server exactly once, by the phone's ids: one record,
  one version, one audit entry each, although the server holding one photo was killed
  (SIGKILL to its process group) half way through the body, and two answers were "lost" so the
  phone sent those requests again to the other server;
- every photo is byte-identical in S3 (SHA-256), written once;
- the display image, thumbnail and perceptual hash of each photo were made once, by the worker
  (one object version each, one "derived" line in the worker's log per photo);
- the queue ends empty, with nothing failed.

Runs in the PostgreSQL pass of ``make test`` (``TEST_DATABASE_URL``; a schema of its own) and
needs Redis (``TEST_MACHINES_REDIS_URL``, default database 14 of the local server, with a queue
name of its own). Without Redis it is skipped on a developer's machine and fails under CI=true.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest
import redis
import sqlalchemy as sa
from flask import Flask
from huey import RedisHuey
from moto.server import ThreadedMotoServer
from sqlalchemy.orm import Session

from backend import create_app
from backend.audit.models import AuditEntry
from backend.evaluations.models import Evaluation, EvaluationVersion
from backend.evidence.models import Evidence
from backend.evidence.storage import display_key, thumbnail_key
from backend.extensions import db
from backend.jobs.engine import jobs_of
from backend.users.models import Role
from tests.database import app_config, fresh_database
from tests.evaluations.helpers import VISIT_START, beijing, make_device
from tests.evidence.pictures import jpeg, scene
from tests.factories import (
    make_assignment,
    make_client,
    make_engagement,
    make_organisation,
    make_site,
    make_unit,
    make_user,
)
from tests.machines.phone import Entry, Phone, Server

pytestmark = pytest.mark.postgres

REPO = Path(__file__).resolve().parents[2]
FIELDCERT = Path(sys.executable).with_name("fieldcert")
REDIS_URL = os.environ.get("TEST_MACHINES_REDIS_URL", "redis://127.0.0.1:6379/14")
BUCKET = "fieldcert-machines"
VISITS = 4
PHOTOS_PER_VISIT = 2
#: The outbox entry (a photo) whose upload is cut off by killing its server half way.
KILLED_UPLOAD = 6
#: Entries whose first answer the phone never gets (it sends them again, to the other server).
LOST_ANSWERS = frozenset({2, 3})


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _redis_reachable() -> bool:
    try:
        with redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1) as client:
            return bool(client.ping())
    except redis.RedisError:
        return False


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@dataclass
class Machine:
    """A process group started like a systemd unit: a server or the worker."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path
    port: int = 0

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL to the whole group (gunicorn's master and workers): the machine dies."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def terminate(self) -> None:
        """SIGTERM, as systemd stops a unit; ``wait_stopped`` then waits for it."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)

    def wait_stopped(self) -> None:
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.kill()

    def healthy(self) -> bool:
        try:
            url = f"http://127.0.0.1:{self.port}/api/health"
            with urllib.request.urlopen(url, timeout=2) as response:
                return bool(response.status == 200)
        except OSError:
            return False


@dataclass
class Cluster:
    folder: Path
    env: dict[str, str]
    app: Flask
    s3: Any
    token: str
    engagement: dict[str, str]
    assignments: list[str]
    machines: dict[str, Machine] = field(default_factory=dict)

    def start(self, name: str, *command: str, port: int = 0) -> Machine:
        log = self.folder / f"{name}.log"
        env = dict(self.env)
        if port:
            env["FIELDCERT_BIND"] = f"127.0.0.1:{port}"
        with log.open("ab") as out:
            process = subprocess.Popen(
                [str(FIELDCERT), *command],
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        machine = Machine(name, process, log, port)
        self.machines[name] = machine
        return machine

    def server(self, name: str) -> Server:
        return Server(name, self.machines[name].port)


@pytest.fixture
def cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cluster]:
    if not _redis_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis does not answer at {REDIS_URL}: CI runs the several-machines test")
        pytest.skip(f"no Redis at {REDIS_URL}")
    queue = f"fc-machines-{secrets.token_hex(4)}"
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port(), verbose=False)
    moto.start()
    s3_url = f"http://127.0.0.1:{moto._port}"
    credentials = {
        "AWS_ACCESS_KEY_ID": "machines-test",
        "AWS_SECRET_ACCESS_KEY": "machines-test-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    for name, value in credentials.items():
        monkeypatch.setenv(name, value)
    s3 = boto3.client("s3", endpoint_url=s3_url)
    s3.create_bucket(Bucket=BUCKET)
    # Every PUT of an object becomes a version: how many times each was written is countable.
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})

    with fresh_database(tmp_path / "db") as database_url:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("FIELDCERT_", "DATABASE_URL", "REDIS_URL", "AWS_"))
        }
        env |= credentials | {
            "FIELDCERT_ENV": "production",
            # One instance folder for all three: the key files (secret, contact, signing, VAPID)
            # must be the same on every machine (docs/deploy.md, "Several machines").
            "FIELDCERT_INSTANCE_DIR": str(tmp_path / "instance"),
            "DATABASE_URL": database_url,
            "SECRET_KEY": secrets.token_hex(32),
            "REDIS_URL": REDIS_URL,
            "FIELDCERT_JOBS": "redis",
            "FIELDCERT_JOBS_QUEUE": queue,
            "FIELDCERT_S3_BUCKET": BUCKET,
            "FIELDCERT_S3_ENDPOINT_URL": s3_url,
            "FIELDCERT_WORKERS": "1",
            "FIELDCERT_THREADS": "4",
            "FIELDCERT_TIMEOUT": "30",
        }
        # The operator's first step (the web unit's ExecStartPre).
        subprocess.run(
            [str(FIELDCERT), "db", "upgrade"],
            cwd=REPO,
            env=env,
            check=True,
            capture_output=True,
            timeout=180,
        )
        app = create_app(
            app_config(
                database_url,
                REDIS_URL=REDIS_URL,
                FIELDCERT_JOBS="redis",
                FIELDCERT_JOBS_QUEUE_NAME=queue,
                FIELDCERT_S3_BUCKET=BUCKET,
                FIELDCERT_S3_ENDPOINT_URL=s3_url,
            )
        )
        cluster = Cluster(tmp_path, env, app, s3, *_seed(app))
        try:
            for name in ("A", "B"):
                cluster.start(name, "serve", port=_free_port())
            cluster.start("worker", "worker", "--threads", "2")
            for name in ("A", "B"):
                machine = cluster.machines[name]
                wait_for(
                    lambda m=machine: m.healthy() or not m.alive(),  # type: ignore[misc]
                    90,
                    f"server {name}",
                )
                assert machine.alive(), machine.log.read_text(errors="replace")[-3000:]
            yield cluster
        finally:
            for machine in cluster.machines.values():
                machine.terminate()
            for machine in cluster.machines.values():
                machine.wait_stopped()
            moto.stop()
            RedisHuey(queue, url=REDIS_URL).storage.flush_all()
            with app.app_context():
                db.engine.dispose()


def _seed(app: Flask) -> tuple[str, dict[str, str], list[str]]:
    """A team leader's engagement (mode B) with a shopper, their paired phone and one
    assignment per visit."""
    with app.app_context():
        session = Session(db.engine, expire_on_commit=False)
        try:
            organisation = make_organisation(session)
            leader = make_user(session, role=Role.TEAM_LEADER, organisation=organisation)
            shopper = make_user(session, role=Role.SHOPPER, organisation=organisation)
            unit = make_unit(session, client=make_client(session, organisation=organisation))
            site = make_site(session, unit=unit, name="南昌红谷滩门店")
            engagement = make_engagement(
                session, client=unit.client, leader=leader, sites=[site], modes=("B",)
            )
            assignments = [
                str(make_assignment(session, engagement=engagement, site=site, shopper=shopper).id)
                for _ in range(VISITS)
            ]
            device = make_device(session, shopper)
            place = {
                "engagement_id": str(engagement.id),
                "site_id": str(site.id),
                "latitude": str(site.latitude),
                "longitude": str(site.longitude),
            }
            return device.token, place, assignments  # type: ignore[attr-defined]
        finally:
            session.close()


def visit_body(place: dict[str, str], assignment_id: str, number: int) -> dict[str, Any]:
    """A mystery shopper's visit as the phone records it (docs/sync.md, "Create")."""
    return {
        "engagement_id": place["engagement_id"],
        "site_id": place["site_id"],
        "assignment_id": assignment_id,
        "mode": "B",
        "ratings": {
            "1.1": {"level": 1 + number % 5},
            "1.2": {"alpha": 0.75},
            "1.3": {"na": True, "reason": "门店无候客区"},
        },
        "notes": f"第 {number + 1} 次暗访：工作人员主动问候。",
        "item_notes": {"1.1": "着装整洁"},
        "started_at": beijing(VISIT_START),
        "ended_at": beijing(VISIT_START + timedelta(minutes=40)),
        "gps_fixes": [
            {
                "latitude": float(place["latitude"]),
                "longitude": float(place["longitude"]),
                "accuracy_m": 12.5,
                "captured_at": beijing(VISIT_START + timedelta(minutes=1)),
            }
        ],
    }


def cut_off_upload(phone: Phone, entry: Entry, machine: Machine) -> None:
    """Send the headers and half the photo, then kill the machine receiving it."""
    headers = phone.headers(entry)
    head = f"PUT {entry.path} HTTP/1.1\r\nHost: 127.0.0.1:{machine.port}\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in headers.items()
    )
    half = len(entry.body) // 2
    with socket.create_connection(("127.0.0.1", machine.port), timeout=10) as connection:
        connection.sendall(head.encode("latin-1") + b"\r\n" + entry.body[:half])
        time.sleep(0.5)  # the server's worker is reading the body now (evidence upload)
        machine.kill()
        with pytest.raises(OSError):
            connection.sendall(entry.body[half:])
            if connection.recv(1) == b"":
                raise ConnectionResetError("closed without an answer")
    entry.attempts.append((machine.name, "connection lost"))


def replay(cluster: Cluster, phone: Phone) -> None:
    """Send the outbox in order, alternating between the servers that are up; one entry is cut
    off by a kill, some answers are lost; every entry is sent until its answer confirms it."""
    up = ["A", "B"]
    turn = 0
    for index, entry in enumerate(phone.outbox):
        while True:
            if index == KILLED_UPLOAD and "A" in up:
                cut_off_upload(phone, entry, cluster.machines["A"])
                up.remove("A")
                continue
            server = cluster.server(up[turn % len(up)])
            turn += 1
            try:
                status, answer = phone.send(entry, server)
            except (OSError, http.client.HTTPException):
                entry.attempts.append((server.name, "connection lost"))
                continue
            if index in LOST_ANSWERS and len(entry.attempts) == 1:
                continue  # the answer never reached the phone: it sends the same request again
            assert phone.confirmed(entry, status, answer), (index, status, answer)
            break


def test_two_servers_and_a_worker_deliver_a_phones_outbox_exactly_once(cluster: Cluster) -> None:
    phone = Phone(cluster.token)
    for number, assignment_id in enumerate(cluster.assignments):
        photos = [
            (jpeg(scene(320, 240, seed=100 * number + k)), beijing(VISIT_START))
            for k in range(PHOTOS_PER_VISIT)
        ]
        phone.record_visit(visit_body(cluster.engagement, assignment_id, number), photos)
    assert phone.outbox[KILLED_UPLOAD].kind == "evidence"

    replay(cluster, phone)

    # The phone's view: the killed upload was sent again to B, the lost answers were replays.
    killed = phone.outbox[KILLED_UPLOAD]
    assert killed.attempts == [("A", "connection lost"), ("B", 201)]
    for index in sorted(LOST_ANSWERS):
        first, second = phone.outbox[index].attempts
        assert (first[1], second[1]) == (201, 200) and first[0] != second[0]
    assert not cluster.machines["A"].alive() and cluster.machines["B"].alive()
    served = {attempt[0] for entry in phone.outbox for attempt in entry.attempts}
    assert served == {"A", "B"}

    app = cluster.app
    # Closed even when an assertion fails: an open transaction would hold up the schema's drop.
    with app.app_context(), Session(db.engine) as session:
        photo_ids = list(phone.photos)

        def all_derived() -> bool:
            session.expire_all()
            waiting = session.scalar(
                sa.select(sa.func.count())
                .select_from(Evidence)
                .where(Evidence.id.in_(photo_ids), Evidence.derived_at.is_(None))
            )
            session.rollback()
            return waiting == 0

        wait_for(all_derived, 60, "the worker to derive every photo")

        # Every visit exactly once: one record, one version, one audit entry, as sent.
        evaluations = session.scalars(
            sa.select(Evaluation).where(Evaluation.id.in_(list(phone.visits)))
        ).all()
        assert {e.id for e in evaluations} == set(phone.visits)
        for evaluation in evaluations:
            assert evaluation.status.value == "submitted" and evaluation.version == 1
            (stored,) = evaluation.versions
            sent = phone.visits[evaluation.id]
            assert stored.notes == sent["notes"] and stored.ratings["1.1"] == sent["ratings"]["1.1"]
            assert [link["evidence_id"] for link in stored.evidence] == [
                link["evidence_id"] for link in sent["evidence"]
            ]
        assert _count(session, EvaluationVersion.evaluation_id, phone.visits) == {
            visit: 1 for visit in phone.visits
        }
        assert _audited(session, "evaluation.created", phone.visits) == {
            visit: 1 for visit in phone.visits
        }

        # Every photo exactly once, byte for byte, written once to S3; renditions made once.
        records = session.scalars(sa.select(Evidence).where(Evidence.id.in_(photo_ids))).all()
        assert {r.id for r in records} == set(phone.photos)
        assert _audited(session, "evidence.uploaded", phone.photos) == {
            photo: 1 for photo in phone.photos
        }
        worker_log = cluster.machines["worker"].log.read_text(errors="replace")
        for record in records:
            sha = phone.photos[record.id]
            assert record.sha256 == sha and record.capture_latitude is not None
            stored = cluster.s3.get_object(Bucket=BUCKET, Key=record.original_key)["Body"].read()
            assert hashlib.sha256(stored).hexdigest() == sha
            assert record.phash is not None and record.derive_failure is None
            assert (record.display_key, record.thumbnail_key) == (
                display_key(sha),
                thumbnail_key(sha),
            )
            for key in (record.original_key, record.display_key, record.thumbnail_key):
                assert _versions(cluster.s3, key) == 1, key
            assert len(re.findall(rf"derived evidence of {sha}: 1 record", worker_log)) == 1
        # And nothing else in the bucket: the cut-off upload left no object behind.
        everything = cluster.s3.list_object_versions(Bucket=BUCKET).get("Versions", [])
        assert len(everything) == 3 * len(phone.photos)

    status = jobs_of(app).status()
    assert (status["pending"], status["scheduled"], status["running"]) == (0, 0, 0)
    assert status["failed"] == []


def _count(session: Session, column: Any, ids: Any) -> dict[uuid.UUID, int]:
    rows = session.execute(
        sa.select(column, sa.func.count()).where(column.in_(list(ids))).group_by(column)
    ).all()
    return {row[0]: row[1] for row in rows}


def _audited(session: Session, action: str, ids: Any) -> dict[uuid.UUID, int]:
    rows = session.execute(
        sa.select(AuditEntry.object_id, sa.func.count())
        .where(AuditEntry.action == action, AuditEntry.object_id.in_([str(i) for i in ids]))
        .group_by(AuditEntry.object_id)
    ).all()
    return {uuid.UUID(str(row[0])): row[1] for row in rows}


def _versions(s3: Any, key: str) -> int:
    listed = s3.list_object_versions(Bucket=BUCKET, Prefix=key)
    return sum(1 for version in listed.get("Versions", []) if version["Key"] == key)
