"""The wire format of ``GET /api/admin/jobs``."""

from __future__ import annotations

import marshmallow as ma

from backend.api import Schema


class FailedJobSchema(Schema):
    id = ma.fields.String(metadata={"description": "The job's id (find it in the worker's log)."})
    name = ma.fields.String(metadata={"description": "Which job, e.g. evidence.derive."})
    error = ma.fields.String(metadata={"description": "The exception's type."})
    failed_at = ma.fields.String(metadata={"description": "When its last attempt failed (UTC)."})


class PeriodicJobSchema(Schema):
    name = ma.fields.String()
    summary = ma.fields.String()
    minute = ma.fields.String(metadata={"description": "crontab minute field, UTC."})
    hour = ma.fields.String(metadata={"description": "crontab hour field, UTC."})


class JobsStatusSchema(Schema):
    mode = ma.fields.String(metadata={"description": "Queue storage: sqlite, redis, immediate."})
    pending = ma.fields.Integer(metadata={"description": "Jobs waiting for a worker."})
    scheduled = ma.fields.Integer(
        metadata={"description": "Jobs waiting for their time (retries)."}
    )
    running = ma.fields.Integer(metadata={"description": "Jobs a worker is running now."})
    failed = ma.fields.List(
        ma.fields.Nested(FailedJobSchema),
        metadata={"description": "Jobs that failed after their last retry, newest first."},
    )
    jobs = ma.fields.List(ma.fields.String(), metadata={"description": "Every job's name."})
    periodic = ma.fields.List(ma.fields.Nested(PeriodicJobSchema))
    outbox_waiting = ma.fields.Integer(
        metadata={
            "description": "Jobs committed changes owe (push) that are not on the queue yet: "
            "queued right after their commit, or by the workers' relay within a minute. A "
            "number that stays up means no worker runs the periodic jobs."
        }
    )
    evidence_waiting = ma.fields.Integer(
        metadata={
            "description": "My organisation's uploads whose display image, thumbnail and "
            "perceptual hash are not made yet."
        }
    )


class FileJobSchema(Schema):
    """A file made by a background job (``backend/jobs/files.py``)."""

    id = ma.fields.UUID()
    kind = ma.fields.String(metadata={"description": "e.g. survey_responses.xlsx"})
    state = ma.fields.String(metadata={"description": "queued, running, done or failed."})
    rows_done = ma.fields.Integer(metadata={"description": "Rows written so far."})
    rows_total = ma.fields.Integer(
        allow_none=True, metadata={"description": "Rows to write, counted when asked."}
    )
    filename = ma.fields.String()
    size = ma.fields.Integer(allow_none=True, metadata={"description": "Bytes, once done."})
    error = ma.fields.String(
        allow_none=True, metadata={"description": "The failed attempt's error type."}
    )
    created_at = ma.fields.DateTime()
    finished_at = ma.fields.DateTime(allow_none=True)
    download = ma.fields.String(
        allow_none=True, metadata={"description": "GET it once done: the file itself."}
    )
