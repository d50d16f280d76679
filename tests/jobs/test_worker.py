"""A real consumer process (``run_worker``, what ``fieldcert worker`` runs), killed and restarted.

Huey takes a job off the queue when a worker starts it, so a worker killed with SIGKILL would
lose that job; the engine notes every running job in the queue's storage and a worker that
starts puts back the jobs of a dead worker of its host (backend/jobs/engine.py). These tests
kill a real worker process in the middle of a job, on the SQLite queue and on Redis, and check
that the job then completes exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis

from backend.extensions import db
from backend.jobs.engine import Jobs, jobs_of
from tests.jobs.slow_worker import app_for_tests

REPO = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_reachable() -> bool:
    try:
        with redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1) as client:
            return bool(client.ping())
    except redis.RedisError:
        return False


@dataclass
class Queue:
    """One queue shared by the test (which enqueues) and the worker processes it starts."""

    folder: Path
    env: dict[str, str]
    config: dict[str, Any]
    jobs: Jobs

    @property
    def marks(self) -> Path:
        return self.folder / "marks"

    def lines(self, name: str) -> list[str]:
        path = self.marks / name
        return path.read_text(encoding="utf-8").split() if path.exists() else []

    def start_worker(self) -> subprocess.Popen[bytes]:
        with (self.folder / "worker.log").open("ab") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "tests.jobs.slow_worker"],
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )


@pytest.fixture(params=["sqlite", "redis"])
def queue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Queue]:
    database = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    env = {
        **os.environ,
        "FIELDCERT_INSTANCE_DIR": str(tmp_path / "instance"),
        "DATABASE_URL": database,
        "SECRET_KEY": "worker-test-secret-key-0123456789abcdef",
        "FIELDCERT_JOBS": request.param,
    }
    config: dict[str, Any] = {
        "SQLALCHEMY_DATABASE_URI": database,
        "SECRET_KEY": env["SECRET_KEY"],
        "FIELDCERT_JOBS": request.param,
    }
    if request.param == "sqlite":
        env["FC_TEST_JOBS_FILE"] = config["FIELDCERT_JOBS_FILE"] = str(tmp_path / "jobs.sqlite3")
    else:
        if not redis_reachable():
            # A developer's machine may have no Redis; CI has one and must run this case.
            if os.environ.get("CI") == "true":
                pytest.fail(f"Redis does not answer at {REDIS_URL}: CI runs the Redis tests")
            pytest.skip(f"no Redis at {REDIS_URL}")
        name = f"fieldcert-test-{uuid.uuid4().hex[:8]}"
        env |= {"REDIS_URL": REDIS_URL, "FC_TEST_QUEUE_NAME": name}
        config |= {"REDIS_URL": REDIS_URL, "FIELDCERT_JOBS_QUEUE_NAME": name}
    app = app_for_tests(config)
    (tmp_path / "marks").mkdir()
    yield Queue(folder=tmp_path, env=env, config=config, jobs=jobs_of(app))
    storage = jobs_of(app).huey.storage
    storage.flush_all()
    if hasattr(storage, "pool"):
        storage.conn.close()
        storage.pool.disconnect()
    with app.app_context():
        db.engine.dispose()


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def stop(worker: subprocess.Popen[bytes]) -> int:
    worker.send_signal(signal.SIGTERM)
    return worker.wait(30)


def test_a_worker_killed_mid_job_loses_nothing_and_the_job_completes_once(queue: Queue) -> None:
    queue.jobs.enqueue("test.slow", str(queue.marks), 2.0)
    assert queue.jobs.huey.pending_count() == 1

    first = queue.start_worker()
    try:
        wait_for(lambda: len(queue.lines("started")) == 1, 60, "the job to start")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)

    assert queue.lines("done") == []
    # Huey took the job off its queue when the worker started it: only the engine's note
    # of running jobs still knows it.
    assert queue.jobs.huey.pending_count() == 0
    assert queue.jobs.status()["running"] == 1

    second = queue.start_worker()
    try:
        wait_for(lambda: len(queue.lines("done")) == 1, 60, "the job to complete")
        time.sleep(1.5)  # time enough for a second, wrong, run to start
        assert len(queue.lines("done")) == 1
        assert queue.lines("started") == [str(first.pid), str(second.pid)]
        assert queue.lines("done") == [str(second.pid)]
        status = queue.jobs.status()
        assert (status["pending"], status["running"], status["failed"]) == (0, 0, [])
    finally:
        assert stop(second) == 0


def test_sigterm_lets_the_running_job_finish_before_the_worker_exits(queue: Queue) -> None:
    """systemd stops the worker with SIGTERM (docs/deploy.md): the job in hand completes."""
    queue.jobs.enqueue("test.slow", str(queue.marks), 1.5)
    worker = queue.start_worker()
    try:
        wait_for(lambda: len(queue.lines("started")) == 1, 60, "the job to start")
    finally:
        returncode = stop(worker)

    assert returncode == 0
    assert queue.lines("done") == [str(worker.pid)]
    assert queue.jobs.status()["running"] == 0
