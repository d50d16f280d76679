"""Files made by a background job: large exports written by a worker, polled, then downloaded.

Issue 13: an export of 100,000 answers takes longer than a request should, so the office asks for
it (``POST …/exports``: 202 with the job's address), polls ``GET /api/file-jobs/<id>`` for its
progress (rows done of rows to do), and downloads ``GET /api/file-jobs/<id>/file`` once it is
done. The job (``FILE_JOB``) runs a *producer* by the file's kind, writes the file to a temporary
file and stores it with the evidence storage (local or S3, ``backend/evidence/storage.py``) under
``exports/<job id>.<ext>``; the record says when it is ready. Files are kept ``KEEP_DAYS`` and
then deleted by the periodic job ``files.purge_expired`` (they hold the respondents' comments).

Progress is noted in the queue's key-value store (``progress:<job id>``), not in the database:
the job's own transaction is only committed at its end, and a second writer on SQLite would wait
for the job's open cursor. The record is the durable part: queued, then done; a failed attempt is
noted there too (the error's type only) until a retry, with backoff, succeeds.
"""

from __future__ import annotations

import enum
import json
import logging
import tempfile
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import IO, Any, Final

import flask
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, Session, mapped_column

from backend.auth.actor import Actor
from backend.db import Base, UtcDateTime, created_at, utcnow, uuid_pk
from backend.db_types import enum_column
from backend.errors import NotFound
from backend.jobs import outbox
from backend.jobs.engine import jobs_of
from backend.unit_of_work import flush_as_stored

logger = logging.getLogger(__name__)

FILE_JOB: Final = "files.make"
#: Days a made file is kept for download before ``purge_expired`` deletes it.
KEEP_DAYS: Final = 7
_PROGRESS: Final = "progress:"


class FileJobState(enum.StrEnum):
    QUEUED = "queued"
    DONE = "done"
    FAILED = "failed"


class FileJob(Base):
    """One file asked for: who asked, what, and where the made file is stored."""

    __tablename__ = "file_jobs"

    id: Mapped[uuid_pk]
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    requested_by_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    #: The producer, e.g. ``survey_responses.xlsx``.
    kind: Mapped[str] = mapped_column(sa.String(40))
    #: The record the file is made of (a campaign, an engagement).
    subject_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    #: What the producer needs besides the subject (e.g. the public address for QR codes).
    options: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    state: Mapped[FileJobState] = mapped_column(enum_column(FileJobState, "file_job_state", 8))
    filename: Mapped[str] = mapped_column(sa.String(200))
    media_type: Mapped[str] = mapped_column(sa.String(100))
    #: Rows (or parts) to write, as counted when asked; the progress counts towards it.
    rows_total: Mapped[int | None] = mapped_column(sa.Integer)
    rows_done: Mapped[int] = mapped_column(sa.Integer, default=0)
    storage_key: Mapped[str | None] = mapped_column(sa.String(200))
    size: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: The exception's type when the last attempt failed (the worker's log has the rest).
    error: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[created_at]
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


#: A producer writes the file of one job to ``out``, calling ``progress(rows done)`` now and
#: then, and returns the rows written. It runs in the worker's unit of work.
Producer = Callable[[Session, FileJob, IO[bytes], Callable[[int], None]], int]
PRODUCERS: dict[str, tuple[str, Producer]] = {}


def producer(kind: str, extension: str) -> Callable[[Producer], Producer]:
    """Register the producer of ``kind`` (files ``exports/<id>.<extension>``)."""

    def register(function: Producer) -> Producer:
        PRODUCERS[kind] = (extension, function)
        return function

    return register


def request_file(
    session: Session,
    actor: Actor,
    *,
    kind: str,
    subject_id: uuid.UUID,
    filename: str,
    media_type: str,
    rows_total: int | None,
    options: dict[str, Any] | None = None,
) -> FileJob:
    """Record the request and owe its job (the jobs' outbox) in the same transaction."""
    if kind not in PRODUCERS:
        raise ValueError(f"no producer for {kind!r}")
    job = FileJob(
        id=uuid.uuid4(),
        organisation_id=actor.user.organisation_id,
        requested_by_id=actor.user.id,
        kind=kind,
        subject_id=subject_id,
        options=options or {},
        state=FileJobState.QUEUED,
        filename=filename,
        media_type=media_type,
        rows_total=rows_total,
        rows_done=0,
    )
    session.add(job)
    # Owed in the request's own transaction: committed with the record or not at all, relayed
    # to the queue after the commit (or by jobs.relay_outbox if this process dies first).
    outbox.add(session, FILE_JOB, str(job.id))
    flush_as_stored(session)
    return job


def _app() -> flask.Flask:
    return current_app._get_current_object()  # type: ignore[attr-defined,no-any-return]


def _note(job_id: uuid.UUID | str, **values: Any) -> None:
    storage = jobs_of(_app()).huey.storage
    storage.put_data(_PROGRESS + str(job_id), json.dumps(values).encode())


def progress_of(job: FileJob) -> dict[str, Any]:
    """The job's state as the office polls it: the record, and the worker's latest note."""
    note: dict[str, Any] = {}
    raw = jobs_of(_app()).huey.storage.peek_data(_PROGRESS + str(job.id))
    if isinstance(raw, bytes):
        try:
            note = json.loads(raw)
        except ValueError:
            note = {}
    state = job.state.value
    done = job.rows_done
    if job.state is FileJobState.QUEUED and note:
        state = note.get("state", state)
        done = int(note.get("rows_done", 0))
    return {
        "id": job.id,
        "kind": job.kind,
        "state": state,
        "rows_done": done,
        "rows_total": job.rows_total,
        "filename": job.filename,
        "size": job.size,
        "error": job.error or note.get("error"),
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "download": f"/api/file-jobs/{job.id}/file" if job.state is FileJobState.DONE else None,
    }


def make_file(session: Session, job_id: str) -> None:
    """The job: run the producer, store the file, mark the record done. Idempotent."""
    from backend.evidence.routes import storage_for

    job = session.get(FileJob, uuid.UUID(job_id))
    if job is None or job.state is not FileJobState.QUEUED:
        return
    extension, produce = PRODUCERS[job.kind]
    _note(job.id, state="running", rows_done=0)

    def progress(done: int) -> None:
        _note(job.id, state="running", rows_done=done)

    key = f"exports/{job.id}.{extension}"
    try:
        with tempfile.TemporaryFile() as out:
            rows = produce(session, job, out, progress)
            out.flush()
            size = out.tell()
            storage_for(_app()).put(key, out)
    except Exception as exc:
        _note(job.id, state="failed", rows_done=0, error=type(exc).__name__)
        raise
    job.state = FileJobState.DONE
    job.rows_done = rows
    job.storage_key = key
    job.size = size
    job.finished_at = utcnow()
    flush_as_stored(session)


def job_for(session: Session, actor: Actor, job_id: uuid.UUID) -> FileJob:
    """A file job of the user who asked for it (nobody else's: it holds what they may read)."""
    job = session.get(FileJob, job_id)
    if job is None or job.requested_by_id != actor.user.id:
        raise NotFound()
    return job


def open_file(session: Session, actor: Actor, job_id: uuid.UUID) -> tuple[FileJob, Any]:
    from backend.evidence.routes import storage_for
    from backend.evidence.storage import ObjectNotFound

    job = job_for(session, actor, job_id)
    if job.state is not FileJobState.DONE or job.storage_key is None:
        raise NotFound(details={"reason": "the file is not made yet", "state": job.state.value})
    try:
        return job, storage_for(_app()).open(job.storage_key)
    except ObjectNotFound:
        gone = "the file was deleted after its keeping period"
        raise NotFound(details={"reason": gone}) from None


def purge_expired(session: Session, now: datetime | None = None) -> int:
    """Delete made files older than ``KEEP_DAYS`` and their records; how many."""
    from backend.evidence.routes import storage_for

    cutoff = (now or utcnow()) - timedelta(days=KEEP_DAYS)
    storage = storage_for(_app())
    old = list(session.scalars(sa.select(FileJob).where(FileJob.created_at < cutoff)))
    for job in old:
        if job.storage_key:
            storage.delete(job.storage_key)
        jobs_of(_app()).huey.storage.pop_data(_PROGRESS + str(job.id))
        session.delete(job)
    session.flush()
    return len(old)
