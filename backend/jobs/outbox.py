"""The jobs' transactional outbox: a job a change owes is written in the change's transaction.

Without it, a job was queued after the commit: a web process killed between its commit and the
queue's ``LPUSH`` (milliseconds, but a deploy or an out-of-memory kill finds them) lost the job,
and for a push notification nothing in the database said it was owed. Now (issue 13):

1. ``add(session, name, *args)`` writes an ``OutboxJob`` row in the caller's transaction: it is
   committed with the change or not at all (services flush, ``backend/unit_of_work.py``
   commits). Receivers of domain events run in that transaction too (``send_at_commit``).
2. Once it is committed, the row is relayed at once (``after_commit``, the fast path): the job
   goes on the queue with the id ``outbox:<row id>`` and the row gets ``relayed_at``.
3. A row the fast path never relayed (the process died after its commit, the queue did not
   answer) is relayed by the periodic job ``jobs.relay_outbox`` (``relay_waiting``, every
   minute in the workers) once it has waited ``RELAY_AFTER``.
4. The job claims its row before it runs (``engine._claim_outbox_row``: ``done_at`` set in the
   job's own transaction). A copy relayed twice (a relay killed after queueing and before
   marking its rows; the fast path and the periodic relay both) finds the row claimed and does
   nothing. A job that fails rolls its claim back with its other work, so its retry runs. So
   a job from the outbox must not roll back its session half way (``evidence.derive`` does and
   is queued directly: its record's ``derived_at`` is its own outbox).

What a job does outside the database (a push service's POST) still happens before its commit:
a worker killed between the two sends again (``Jobs.recover_abandoned``), as before.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Final

import flask
import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.db import utcnow
from backend.jobs.engine import Jobs, jobs_of
from backend.jobs.models import OutboxJob
from backend.unit_of_work import after_commit, transaction

logger = logging.getLogger(__name__)

#: A row still waiting this long after its commit lost its fast path: the relay queues it.
RELAY_AFTER: Final = timedelta(seconds=30)
#: Rows relayed per run of the periodic relay (the next run takes the rest).
RELAY_LIMIT: Final = 1000
#: Done rows are kept this long (a copy relayed twice finds its row), then deleted.
KEEP_DONE: Final = timedelta(days=7)


def add(session: Session, name: str, *args: Any) -> uuid.UUID:
    """Owe job ``name(*args)``: a row in the caller's transaction, queued once it commits.

    ``args`` are plain JSON values (ids as text), as for any job.
    """
    app = flask.current_app._get_current_object()  # type: ignore[attr-defined]
    jobs = jobs_of(app)
    if name not in jobs.specs:
        raise ValueError(f"no job named {name!r} (backend/jobs/tasks.py)")
    row = OutboxJob(id=uuid.uuid4(), job=name, args=list(args))
    session.add(row)
    owed = [(row.id, name, list(args))]
    after_commit(session, lambda: relay_committed(session, jobs, owed))
    return row.id


def relay_committed(
    session: Session, jobs: Jobs, rows: Sequence[tuple[uuid.UUID, str, list[Any]]]
) -> int:
    """The fast path, right after the commit: queue these rows' jobs, then mark them relayed
    (a transaction of its own). A failure leaves them to ``relay_waiting``.

    No transaction is open while the jobs are queued: in ``immediate`` mode they run here, in
    sessions of their own that write (SQLite allows one writer at a time).
    """
    relayed = _enqueue(jobs, rows)
    with transaction(session):
        _mark_relayed(session, relayed)
    return len(relayed)


def relay_waiting(
    session: Session, jobs: Jobs, *, older_than: timedelta = RELAY_AFTER, limit: int = RELAY_LIMIT
) -> int:
    """The periodic relay (``jobs.relay_outbox``): queue the jobs of rows committed more than
    ``older_than`` ago and never relayed, mark them relayed; delete rows done long ago. The
    caller commits (the periodic job's unit of work): killed before that, the rows are relayed
    again and their jobs still run once (their claim)."""
    cutoff = utcnow() - older_than
    rows = _waiting(session, OutboxJob.created_at <= cutoff, limit=limit)
    relayed = _enqueue(jobs, rows)
    _mark_relayed(session, relayed)
    if relayed:
        logger.warning("relayed %d job(s) the outbox still owed after %s", len(relayed), older_than)
    session.execute(sa.delete(OutboxJob).where(OutboxJob.done_at < utcnow() - KEEP_DONE))
    session.flush()
    return len(relayed)


def waiting_count(session: Session) -> int:
    """Rows not yet relayed (the admins' page: a number that stays up means no worker relays)."""
    return int(
        session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboxJob)
            .where(OutboxJob.relayed_at.is_(None), OutboxJob.done_at.is_(None))
        )
        or 0
    )


def _waiting(
    session: Session, condition: sa.ColumnElement[bool], *, limit: int | None = None
) -> list[tuple[uuid.UUID, str, list[Any]]]:
    query = (
        sa.select(OutboxJob.id, OutboxJob.job, OutboxJob.args)
        .where(OutboxJob.relayed_at.is_(None), OutboxJob.done_at.is_(None), condition)
        .order_by(OutboxJob.created_at)
    )
    if limit is not None:
        query = query.limit(limit)
    return [(row.id, row.job, list(row.args)) for row in session.execute(query)]


def _enqueue(jobs: Jobs, rows: Sequence[tuple[uuid.UUID, str, list[Any]]]) -> list[uuid.UUID]:
    relayed = []
    for row_id, name, args in rows:
        if name not in jobs.specs:
            # A job a newer release knows, or one removed since: never runnable here.
            logger.error("outbox row %s names an unknown job %r: left waiting", row_id, name)
            continue
        jobs.enqueue_from_outbox(name, args, row_id)
        relayed.append(row_id)
    return relayed


def _mark_relayed(session: Session, ids: Sequence[uuid.UUID]) -> None:
    if not ids:
        return
    session.execute(
        sa.update(OutboxJob)
        .where(OutboxJob.id.in_(ids), OutboxJob.relayed_at.is_(None))
        .values(relayed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.flush()
