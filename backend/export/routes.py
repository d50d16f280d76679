"""``GET /api/engagements/<id>/export.zip``: the certification file (认证档案) for staff.

Thin: the service writes the signed bag into a temporary file (on disk, so memory stays flat
however many photos) and records the export in the audit log; the answer streams that file.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from typing import IO, Any

import flask
import marshmallow as ma
from flask.views import MethodView

from backend.api import Blueprint, Schema
from backend.auth.access import allow, require_actor
from backend.certificates.signing import base_url, body_signing_key
from backend.evidence.routes import storage_for
from backend.export import jobs, services
from backend.extensions import db
from backend.jobs import files
from backend.jobs.schemas import FileJobSchema
from backend.users.models import Role

blp = Blueprint(
    "export",
    __name__,
    url_prefix="/api/engagements",
    description="The certification file (认证档案): a signed BagIt bag of the whole engagement.",
)

CHUNK = 1024 * 1024
_ERRORS = {
    401: "AUTH_REQUIRED: not signed in.",
    403: "FORBIDDEN (not an administrator, the team leader or an independent reviewer) / "
    "CONFLICT_OF_INTEREST (a reviewer who was on the audit team).",
    404: "NOT_FOUND: no such engagement in my organisation.",
    409: "EXPORT_INCOMPLETE: an evidence original is missing from storage (details name it).",
}


def _stream(spool: IO[bytes]) -> Iterator[bytes]:
    with spool:
        yield from iter(lambda: spool.read(CHUNK), b"")


@blp.route("/<uuid:engagement_id>/export.zip")
class EngagementExport(MethodView):
    @allow(Role.ADMIN, Role.TEAM_LEADER, Role.REVIEWER)
    @blp.doc(
        responses={
            "200": {
                "description": "A ZIP holding one BagIt bag (RFC 8493): records with every "
                "version, evidence originals, scores with their input, the audit log; SHA-256 "
                "manifests, the tag manifest signed with the body's Ed25519 key.",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            }
        },
        security=[{"session": []}],
    )
    @blp.errors(_ERRORS, 401, 403, 404, 409)
    def get(self, engagement_id: uuid.UUID) -> flask.Response:
        """The engagement's certification file, verifiable with `fieldcert verify`

        Administrators, the engagement's team leader and independent reviewers. The export is
        recorded in the audit log.
        """
        spool = tempfile.TemporaryFile()  # noqa: SIM115 (closed by _stream, or below)
        try:
            summary = services.export_engagement(
                db.session(),
                require_actor(),
                engagement_id,
                storage_for(flask.current_app),
                body_signing_key(),
                spool,
                public_url=base_url(),
                ip=flask.request.remote_addr,
            )
            size = spool.tell()
            spool.seek(0)
        except BaseException:
            spool.close()
            raise
        response = flask.Response(_stream(spool), mimetype="application/zip")
        response.headers["Content-Length"] = str(size)
        response.headers["Content-Disposition"] = f'attachment; filename="{summary.name}.zip"'
        response.headers["Cache-Control"] = "no-store"
        return response


class EngagementFileRequestSchema(Schema):
    kind = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(["report.pdf", "export.zip"]),
        metadata={"description": "report.pdf (the engagement report) or export.zip (认证档案)."},
    )


@blp.route("/<uuid:engagement_id>/files")
class EngagementFiles(MethodView):
    @allow(Role.ADMIN, Role.TEAM_LEADER, Role.AUDITOR, Role.REVIEWER)
    @blp.doc(security=[{"session": []}])
    @blp.arguments(EngagementFileRequestSchema)
    @blp.response(202, FileJobSchema, description="Queued: poll the Location.")
    @blp.errors(_ERRORS, 401, 403, 404)
    def post(self, payload: dict[str, Any], engagement_id: uuid.UUID) -> Any:
        """Ask for the report PDF or the certification file, made by a background job

        The readers of `GET …/report.pdf` or of `GET …/export.zip`. 202 with
        `Location: /api/file-jobs/<id>`: poll it, then download `…/file` once done.
        """
        job = jobs.request_engagement_file(
            db.session(), require_actor(), engagement_id, payload["kind"], public_url=base_url()
        )
        return files.progress_of(job), 202, {"Location": f"/api/file-jobs/{job.id}"}
