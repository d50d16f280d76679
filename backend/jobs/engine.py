"""Background jobs on Huey: the app's queue, its jobs, recovery of jobs a killed worker held.

Huey (docs/deploy.md, "Background work", says why Huey) keeps the queue in a SQLite file in the
instance folder (``FIELDCERT_JOBS=sqlite``: one machine, no extra service), in Redis
(``redis``: workers on several machines share it), or runs each job at once in the caller
(``immediate``: an app under test). ``fieldcert worker`` (``backend.jobs.worker``) runs the
consumer.

A job is a plain function ``function(session, *args)`` described by a ``JobSpec``; the engine
runs it inside its own app context and unit of work (``unit_of_work.transaction``): committed
when it returns, rolled back when it raises, and then retried after ``retry_delay`` seconds,
doubled at each retry (``retry_backoff``). Arguments must be JSON-like values (ids as strings):
they are pickled into the queue, and a worker may run a newer release than the web process.

Huey takes a job off the queue before running it: a worker killed with SIGKILL (or a machine
that lost power) would lose the job it held. So before a job runs, the engine notes it in the
queue's key-value store (``running:<id>``: the serialized job, host and process id) and removes
the note when the job has ended; a worker that starts puts back every noted job of a dead
process on its own host (``recover_abandoned``). Jobs must therefore be idempotent: a job killed
after its effect and before its note was removed runs again. Failures after the last retry are
kept (``failed:<id>``, the newest ``MAX_FAILURES``) for the admins' page (``status``).

A job owed by a committed change goes through the outbox (``backend.jobs.outbox``): its queue id
is ``outbox:<row id>``, and before it runs the engine claims that row in the job's own
transaction (``_claim_outbox_row``), so a copy relayed twice runs once.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import flask
import sqlalchemy as sa
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey.api import Task, TaskWrapper
from huey.constants import EmptyData
from huey.exceptions import TaskLockedException
from huey.storage import RedisStorage
from sqlalchemy.orm import Session

from backend.db import utcnow
from backend.extensions import db
from backend.jobs.models import OutboxJob
from backend.unit_of_work import transaction

logger = logging.getLogger(__name__)

EXTENSION: Final = "fieldcert_jobs"
#: The queue's name (Redis keys ``huey.*.fieldcert``, SQLite rows of queue ``fieldcert``).
DEFAULT_QUEUE_NAME: Final = "fieldcert"
#: Failed jobs kept for the admins' page; older ones are dropped.
MAX_FAILURES: Final = 100
#: Queue ids of jobs relayed from the outbox: ``outbox:<row id>`` (``backend.jobs.outbox``).
OUTBOX_ID_PREFIX: Final = "outbox:"
_RUNNING: Final = "running:"
_FAILED: Final = "failed:"


@dataclass(frozen=True, slots=True)
class JobSpec:
    """A job: ``function(session, *args)`` run by a worker in its own unit of work."""

    name: str
    function: Callable[..., Any]
    #: What it does, for the admins' page and docs/deploy.md.
    summary: str
    retries: int = 5
    #: Seconds before the first retry; doubled at each further one (10, 20, 40, 80, 160 s).
    retry_delay: int = 10
    retry_backoff: float = 2.0


@dataclass(frozen=True, slots=True)
class PeriodicSpec:
    """A job run on a schedule by the workers (``fieldcert worker`` without ``--no-periodic``)."""

    name: str
    function: Callable[..., Any]
    summary: str
    #: crontab fields (UTC): minute, hour.
    minute: str = "0"
    hour: str = "*"
    #: Seconds a run may hold its lock: two workers never run the same periodic job at once.
    lock_seconds: int = 3600


@dataclass
class Jobs:
    """The app's queue: Huey, its tasks by job name, and what it was built from."""

    huey: Huey
    mode: str
    app: flask.Flask
    tasks: dict[str, TaskWrapper] = field(default_factory=dict)
    periodic: dict[str, PeriodicSpec] = field(default_factory=dict)
    specs: dict[str, JobSpec] = field(default_factory=dict)

    def register(self, spec: JobSpec) -> None:
        """Make ``spec`` a Huey task of this queue (``backend.jobs.tasks`` registers them all)."""
        self.specs[spec.name] = spec
        self.tasks[spec.name] = self.huey.task(
            retries=spec.retries,
            retry_delay=spec.retry_delay,
            retry_backoff=spec.retry_backoff,
            name=spec.name,
            # The job gets its Task (``task=``): its id says whether it came from the outbox.
            context=True,
        )(_in_unit_of_work(self.app, spec.function))

    def register_periodic(self, spec: PeriodicSpec) -> None:
        self.periodic[spec.name] = spec
        huey = self.huey

        def run() -> None:
            try:
                with _periodic_lock(huey, spec.name, spec.lock_seconds):
                    _in_unit_of_work(self.app, spec.function)()
            except TaskLockedException:
                logger.info("periodic job %s already running elsewhere: skipped", spec.name)

        run.__name__ = spec.name
        self.tasks[spec.name] = huey.periodic_task(
            crontab(minute=spec.minute, hour=spec.hour, strict=False), name=spec.name
        )(run)

    def enqueue(self, name: str, *args: Any, delay: float | None = None) -> None:
        """Put the job on the queue (in ``immediate`` mode: run it now), or ``delay`` seconds
        from now."""
        if delay:
            self.tasks[name].schedule(args=args, delay=delay)
        else:
            self.tasks[name](*args)

    def enqueue_from_outbox(self, name: str, args: list[Any], row_id: uuid.UUID) -> None:
        """Put the job of outbox row ``row_id`` on the queue under the id ``outbox:<row_id>``
        (in ``immediate`` mode: run it now). Queued twice, it still runs once."""
        self.huey.enqueue(self.tasks[name].s(*args, id=f"{OUTBOX_ID_PREFIX}{row_id}"))

    def status(self) -> dict[str, Any]:
        """Queue depth and the failed jobs kept (newest first), for ``GET /api/admin/jobs``."""
        failures = sorted(
            (entry for key, entry in self._entries(_FAILED)), key=lambda e: e["failed_at"]
        )
        running = [entry for key, entry in self._entries(_RUNNING)]
        return {
            "mode": self.mode,
            "pending": self.huey.pending_count(),
            "scheduled": self.huey.scheduled_count(),
            "running": len(running),
            "failed": list(reversed(failures)),
            "jobs": sorted(self.specs),
            "periodic": [
                {"name": s.name, "summary": s.summary, "minute": s.minute, "hour": s.hour}
                for s in self.periodic.values()
            ],
        }

    def run_pending(self, *, limit: int = 1000) -> int:
        """Run the waiting jobs here, one after another, as a worker would; how many ran.

        For tests on real storage and for ``fieldcert worker --drain``. Jobs scheduled for later
        (retries) stay scheduled.
        """
        ran = 0
        while ran < limit:
            task = self.huey.dequeue()
            if task is None:
                return ran
            if not self.huey.ready_to_run(task):
                self.huey.add_schedule(task)  # a retry or a delayed job: not yet
                continue
            self.huey.execute(task)
            ran += 1
        return ran

    def recover_abandoned(self) -> list[str]:
        """Put back on the queue the jobs a dead worker process of this host was running."""
        host = socket.gethostname()
        recovered = []
        for key, entry in self._entries(_RUNNING):
            if entry.get("host") != host or _alive(int(entry.get("pid", 0))):
                continue
            if self.huey.storage.pop_data(key) is EmptyData:
                continue  # another worker starting at the same moment took it
            self.huey.storage.enqueue(base64.b64decode(entry["message"]), entry.get("priority"))
            recovered.append(entry["name"])
            logger.warning(
                "job %s (%s) of dead worker %s put back", entry["id"], entry["name"], entry["pid"]
            )
        return recovered

    def forget_running(self, task: Task) -> None:
        """Drop the note of a running job (it was put back on the queue otherwise)."""
        self.huey.storage.pop_data(_RUNNING + task.id)

    def _entries(self, prefix: str) -> list[tuple[str, dict[str, Any]]]:
        found = []
        for key, raw in self.huey.storage.result_items().items():
            name = key.decode() if isinstance(key, bytes) else str(key)
            if name.startswith(prefix):
                try:
                    found.append((name, json.loads(raw)))
                except ValueError:
                    logger.warning("unreadable job note %s skipped", name)
        return found

    # Hooks (connected in ``init_jobs``) ---------------------------------------------------

    def _note_running(self, task: Task) -> None:
        entry = {
            "id": task.id,
            "name": task.name,
            "message": base64.b64encode(self.huey.serialize_task(task)).decode("ascii"),
            "priority": task.priority,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "started_at": datetime.now(UTC).isoformat(),
        }
        self.huey.storage.put_data(_RUNNING + task.id, json.dumps(entry).encode())

    def _note_done(self, task: Task, value: Any, exception: Exception | None) -> None:
        self.huey.storage.pop_data(_RUNNING + task.id)
        if exception is None or task.retries:
            return
        entry = {
            "id": task.id,
            "name": task.name,
            # The exception's type only: its text may name records of any organisation, and
            # the page is shown to every organisation's admins (the worker's log has it all).
            "error": type(exception).__name__,
            "failed_at": datetime.now(UTC).isoformat(),
        }
        self.huey.storage.put_data(_FAILED + task.id, json.dumps(entry).encode())
        failures = sorted(self._entries(_FAILED), key=lambda item: item[1]["failed_at"])
        for key, _entry in failures[:-MAX_FAILURES]:
            self.huey.storage.pop_data(key)


def init_jobs(app: flask.Flask) -> Jobs:
    """Build the app's queue from its settings (``FIELDCERT_JOBS``); jobs are registered by
    ``backend.jobs.tasks.init_jobs``."""
    mode = resolve_mode(app.config)
    huey = build_huey(mode, app.config)
    jobs = Jobs(huey=huey, mode=mode, app=app)
    huey.pre_execute(name="fieldcert_note_running")(jobs._note_running)
    huey.post_execute(name="fieldcert_note_done")(jobs._note_done)
    app.extensions[EXTENSION] = jobs
    return jobs


def resolve_mode(config: Mapping[str, Any]) -> str:
    """``FIELDCERT_JOBS``; unset: Redis when ``REDIS_URL`` names one, ``immediate`` for an app
    under test (its jobs see its data and finish before the request returns), else SQLite."""
    mode = config.get("FIELDCERT_JOBS")
    if mode:
        return str(mode)
    if config.get("REDIS_URL"):
        return "redis"
    return "immediate" if config.get("TESTING") else "sqlite"


def build_huey(mode: str, config: Mapping[str, Any]) -> Huey:
    name = str(config.get("FIELDCERT_JOBS_QUEUE_NAME") or DEFAULT_QUEUE_NAME)
    if mode == "immediate":
        return MemoryHuey(name, immediate=True, results=False, utc=True)
    if mode == "redis":
        url = config.get("REDIS_URL")
        if not url:
            raise ValueError("FIELDCERT_JOBS=redis needs REDIS_URL")
        return RedisHuey(name, url=url, results=False, utc=True)
    if mode == "sqlite":
        path = config.get("FIELDCERT_JOBS_FILE") or (
            Path(config["FIELDCERT_INSTANCE_DIR"]) / "jobs.sqlite3"
        )
        return SqliteHuey(name, filename=str(path), results=False, utc=True)
    raise ValueError(f"unknown job storage {mode!r}")


def jobs_of(app: flask.Flask) -> Jobs:
    jobs: Jobs = app.extensions[EXTENSION]
    return jobs


def enqueue(name: str, *args: Any, delay: float | None = None) -> None:
    """Queue job ``name`` of the current app (call it after the commit the job depends on)."""
    app = flask.current_app._get_current_object()  # type: ignore[attr-defined]
    jobs_of(app).enqueue(name, *args, delay=delay)


def _in_unit_of_work(app: flask.Flask, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function(session, *args)`` in its own app context and transaction; a job relayed from
    the outbox first claims its row there, and does nothing when another copy already did."""

    def run(*args: Any, task: Task | None = None) -> Any:
        started = time.monotonic()
        with app.app_context():
            session = db.session()
            with transaction(session):
                if task is not None and not _claim_outbox_row(session, task.id):
                    logger.info("job %s (%s) already done: skipped", task.id, task.name)
                    return None
                result = function(session, *args)
        logger.info("job %s done in %.3f s", function.__qualname__, time.monotonic() - started)
        return result

    run.__name__ = function.__name__
    run.__qualname__ = function.__qualname__
    return run


def _claim_outbox_row(session: Session, task_id: str | None) -> bool:
    """Whether the job with queue id ``task_id`` should run: any job not from the outbox; one
    from the outbox when this run marked its row done (``done_at``, committed with the job's
    own work, undone with it when the job fails so that its retry claims it again).

    On PostgreSQL a second copy running at the same moment waits for the first one's row lock
    and then finds the row done; SQLite has one writer at a time anyway.
    """
    if not task_id or not task_id.startswith(OUTBOX_ID_PREFIX):
        return True
    try:
        row_id = uuid.UUID(task_id.removeprefix(OUTBOX_ID_PREFIX))
    except ValueError:
        return True
    claimed = session.execute(
        sa.update(OutboxJob)
        .where(OutboxJob.id == row_id, OutboxJob.done_at.is_(None))
        .values(done_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    # A row already done, or one pruned since (days later): the work was done.
    return bool(claimed)


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _take_expiring_lock(huey: Huey, key: str, ttl: int) -> bool:
    """Put ``key`` holding its expiry time if it is empty, or if the one there has expired.

    Two workers finding the same expired lock at the same instant could both take it: only
    after a worker died holding it, on the single-machine SQLite queue.
    """
    now = time.time()
    if huey.put_if_empty(key, now + ttl):
        return True
    held = huey.storage.peek_data(key)
    if held is not EmptyData and huey.serializer.deserialize(held) > now:
        return False
    huey.storage.delete_data(key)
    return bool(huey.put_if_empty(key, now + ttl))


@contextmanager
def _periodic_lock(huey: Huey, name: str, ttl: int) -> Iterator[None]:
    """One run of a periodic job at a time across workers, released after ``ttl`` at the latest
    (a worker killed mid-job must not stop the job for good).

    On Redis a plain key set with NX and EX, which every Redis version has: Huey's own task lock
    with a ttl needs hash-field expiry (Redis >= 7.4; Debian 12 ships 7.0, where it raised
    NotImplementedError). Huey's SQLite storage has no ttl at all, so there (and in memory) the
    lock's value is its expiry time and an expired lock is taken over.
    """
    storage = huey.storage
    if not isinstance(storage, RedisStorage):
        key = f"{huey.name}.periodic-lock.{name}"
        if not _take_expiring_lock(huey, key, ttl):
            raise TaskLockedException(f"{key} is held")
        try:
            yield
        finally:
            huey.storage.delete_data(key)
        return
    conn = storage.conn
    key = f"{huey.name}.periodic-lock.{name}"
    if not conn.set(key, b"1", nx=True, ex=ttl):
        raise TaskLockedException(f"{key} is held")
    try:
        yield
    finally:
        conn.delete(key)
