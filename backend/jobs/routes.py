"""``/api/admin/jobs``: the queue's depth and failed jobs (administrators); ``/api/file-jobs``:
files made by background jobs (large exports), their progress and the download."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import IO, Any

import flask
import sqlalchemy as sa
from flask import current_app
from flask.views import MethodView

from backend.api import Blueprint
from backend.auth.access import allow, require_actor
from backend.errors import ErrorSchema
from backend.evidence.models import Evidence
from backend.extensions import db
from backend.jobs import files, outbox
from backend.jobs.engine import jobs_of
from backend.jobs.schemas import FileJobSchema, JobsStatusSchema
from backend.users.models import Role

blp = Blueprint(
    "jobs",
    __name__,
    url_prefix="/api/admin/jobs",
    description="Background jobs (fieldcert worker): queue depth, failures, periodic jobs.",
)


@blp.route("")
class JobsStatus(MethodView):
    @allow(Role.ADMIN)
    @blp.doc(security=[{"session": []}])
    @blp.response(200, JobsStatusSchema)
    @blp.alt_response(401, schema=ErrorSchema, description="AUTH_REQUIRED: not signed in.")
    @blp.alt_response(403, schema=ErrorSchema, description="FORBIDDEN: not an administrator.")
    def get(self) -> dict[str, Any]:
        """Background jobs

        Administrators only: how many jobs wait, are scheduled (retries) and run now, the jobs
        that failed after their last retry (newest 100), the periodic jobs, how many jobs
        committed changes owe that are not on the queue yet (the outbox), and how many of my
        organisation's uploads still wait for their renditions.
        """
        actor = require_actor()
        status = jobs_of(current_app._get_current_object()).status()  # type: ignore[attr-defined]
        status["evidence_waiting"] = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Evidence)
            .where(
                Evidence.organisation_id == actor.user.organisation_id,
                Evidence.derived_at.is_(None),
            )
        )
        status["outbox_waiting"] = outbox.waiting_count(db.session())
        return status


files_blp = Blueprint(
    "file_jobs",
    __name__,
    url_prefix="/api/file-jobs",
    description="Files made by background jobs (large exports): progress, then download.",
)

_FILE_ERRORS = {
    401: "AUTH_REQUIRED: not signed in.",
    404: "NOT_FOUND: no such job of mine, or its file is not made yet (details.state).",
}


@files_blp.route("/<uuid:job_id>")
class FileJobItem(MethodView):
    @allow(*Role)
    @files_blp.doc(security=[{"session": []}])
    @files_blp.response(200, FileJobSchema)
    @files_blp.errors(_FILE_ERRORS, 401, 404)
    def get(self, job_id: uuid.UUID) -> dict[str, Any]:
        """A file job of mine: queued, running (rows done of rows to do), done or failed"""
        return files.progress_of(files.job_for(db.session(), require_actor(), job_id))


@files_blp.route("/<uuid:job_id>/file")
class FileJobFile(MethodView):
    @allow(*Role)
    @files_blp.doc(
        security=[{"session": []}],
        responses={"200": {"description": "The file, as it was made (streamed from storage)."}},
    )
    @files_blp.errors(_FILE_ERRORS, 401, 404)
    def get(self, job_id: uuid.UUID) -> flask.Response:
        """Download the made file"""
        job, stored = files.open_file(db.session(), require_actor(), job_id)
        response = flask.Response(_sent_and_closed(stored.stream), mimetype=job.media_type)
        response.headers["Content-Disposition"] = f'attachment; filename="{job.filename}"'
        response.headers["Content-Length"] = str(stored.size)
        response.headers["Cache-Control"] = "no-store"
        return response


def _sent_and_closed(stream: IO[bytes]) -> Iterator[bytes]:
    """The stored file in pieces, closed once sent (a local file or an S3 body)."""
    try:
        while chunk := stream.read(1 << 16):
            yield chunk
    finally:
        stream.close()
