"""``/api/evidence``: upload one evidence file per request, read its record and its files.

The protocol for the PWA's outbox (headers, statuses, what to do on each code) is in
docs/evidence.md.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Flask, Response, current_app, request, url_for
from flask.views import MethodView
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wsgi import wrap_file

from backend.api import Blueprint
from backend.auth.access import allow, require_actor
from backend.errors import ErrorSchema, PayloadTooLarge
from backend.evidence import services
from backend.evidence.images import DISPLAY_MAX_SIDE, THUMBNAIL_MAX_SIDE
from backend.evidence.schemas import EvidenceSchema, UploadHeadersSchema
from backend.evidence.services import Audience, Capture, EvidenceLimits, Rendition
from backend.evidence.storage import Storage, StorageSettings
from backend.extensions import db
from backend.users.models import Role

blp = Blueprint(
    "evidence",
    __name__,
    url_prefix="/api/evidence",
    description="Evidence files: photos and documents, stored byte for byte by SHA-256.",
)

_STAFF = (Role.ADMIN, Role.TEAM_LEADER, Role.AUDITOR, Role.REVIEWER)
#: Who may read records and pictures (services narrow it: own uploads, same organisation).
_READERS = (*_STAFF, Role.SHOPPER, Role.CLIENT_USER)
#: Originals keep their EXIF GPS: never for client users.
_ORIGINAL_READERS = (*_STAFF, Role.SHOPPER)
#: Stored files never change (content-addressed): browsers may keep them, but only privately.
_FILE_CACHE_CONTROL = "private, max-age=31536000, immutable"
#: No script, style or plugin runs from an evidence file, even a PDF opened in a tab.
_FILE_CSP = "default-src 'none'; sandbox"

_BINARY = {"schema": {"type": "string", "format": "binary"}}
_SECURITY: list[dict[str, list[str]]] = [{"session": []}]
_NOT_FOUND = "NOT_FOUND: no such evidence, or not visible to you."

#: Why a rendition may be missing (issue 13: renditions are made by a job after the upload).
_NO_RENDITION = (
    " Or a document, or an image whose data could not be decoded (details.reason "
    "no_rendition), or one uploaded seconds ago whose renditions are still being made "
    "(details.reason rendition_pending, Retry-After: ask again then; show your own copy)."
)


def storage_for(app: Flask) -> Storage:
    """The app's evidence storage, built once per configuration (tests change it per test)."""
    settings = StorageSettings.from_config(app.config)
    cache: dict[StorageSettings, Storage] = app.extensions.setdefault("fieldcert_evidence", {})
    if settings not in cache:
        cache[settings] = settings.build()
    return cache[settings]


def _ip() -> str | None:
    return request.remote_addr


@blp.route("/<uuid:evidence_id>")
class EvidenceItem(MethodView):
    @allow(Role.SHOPPER, Role.AUDITOR, Role.TEAM_LEADER)
    @blp.arguments(UploadHeadersSchema, location="headers")
    @blp.doc(
        security=_SECURITY,
        requestBody={
            "required": True,
            "description": "The file's bytes, nothing else (JPEG, PNG, WebP, HEIC or PDF; "
            "the type is detected from the content).",
            "content": {"application/octet-stream": _BINARY, "image/*": _BINARY},
        },
    )
    @blp.response(201, EvidenceSchema, description="Stored: the new record.")
    @blp.alt_response(
        200,
        schema=EvidenceSchema,
        success=True,
        description="A replay (same id, same SHA-256): the existing record, nothing stored.",
    )
    @blp.alt_response(
        400,
        schema=ErrorSchema,
        description="INCOMPLETE_BODY: the body ended before Content-Length; retry, same id.",
    )
    @blp.alt_response(401, schema=ErrorSchema, description="AUTH_REQUIRED: not signed in.")
    @blp.alt_response(
        403, schema=ErrorSchema, description="FORBIDDEN: only shoppers, auditors, team leaders."
    )
    @blp.alt_response(
        409,
        schema=ErrorSchema,
        description="IDEMPOTENCY_CONFLICT: this id was used for other bytes (or by someone else).",
    )
    @blp.alt_response(
        413, schema=ErrorSchema, description="PAYLOAD_TOO_LARGE: over details.max_bytes."
    )
    @blp.alt_response(
        415,
        schema=ErrorSchema,
        description="UNSUPPORTED_FILE_TYPE: not JPEG, PNG, WebP, HEIC or PDF by content.",
    )
    @blp.alt_response(
        422,
        schema=ErrorSchema,
        description="EVIDENCE_HASH_MISMATCH (bytes damaged in transit), INVALID_IMAGE "
        "(truncated or corrupt), IMAGE_TOO_LARGE (too many pixels), VALIDATION_ERROR (headers, "
        "empty body).",
    )
    def put(self, headers: dict[str, Any], evidence_id: uuid.UUID) -> Any:
        """Upload one evidence file (idempotent by id)

        The body is the raw file; `X-Content-SHA256` is required. Replaying the same id with
        the same bytes answers 200 with the stored record.
        """
        actor = require_actor()
        limits = EvidenceLimits.from_config(current_app.config)
        # This endpoint's own limit, also for Werkzeug's reading of a chunked body.
        request.max_content_length = limits.max_bytes
        capture = Capture(
            captured_at=headers.get("captured_at"),
            latitude=headers.get("latitude"),
            longitude=headers.get("longitude"),
            accuracy_m=headers.get("accuracy_m"),
            original_filename=headers.get("original_filename"),
        )
        session = db.session()
        try:
            evidence, created = services.upload(
                session,
                actor,
                evidence_id=evidence_id,
                sha256=headers["sha256"],
                body=request.stream,
                content_length=request.content_length,
                capture=capture,
                device_time=headers.get("device_time"),
                storage=storage_for(current_app),
                limits=limits,
                ip=_ip(),
            )
        except RequestEntityTooLarge as error:
            raise PayloadTooLarge(details={"max_bytes": limits.max_bytes}) from error
        record = services.view(session, actor, evidence, Audience.UPLOADER)
        location = url_for("evidence.EvidenceItem", evidence_id=evidence.id)
        return record, 201 if created else 200, {"Location": location}

    @allow(*_READERS)
    @blp.doc(security=_SECURITY)
    @blp.response(200, EvidenceSchema)
    @blp.alt_response(401, schema=ErrorSchema, description="AUTH_REQUIRED: not signed in.")
    @blp.alt_response(403, schema=ErrorSchema, description="FORBIDDEN: scheme managers.")
    @blp.alt_response(404, schema=ErrorSchema, description=_NOT_FOUND)
    def get(self, evidence_id: uuid.UUID) -> dict[str, Any]:
        """An evidence record

        Staff reads of capture GPS and uploader identity are written to the audit log; client
        users get neither.
        """
        return services.describe(db.session(), require_actor(), evidence_id, ip=_ip())


def _send(evidence_id: uuid.UUID, rendition: Rendition) -> Response:
    ref = services.authorise_file(db.session(), require_actor(), evidence_id, rendition, ip=_ip())
    headers = {
        "Cache-Control": _FILE_CACHE_CONTROL,
        "Content-Security-Policy": _FILE_CSP,
        "Content-Disposition": f'inline; filename="{ref.filename}"',
    }
    if request.if_none_match.contains(ref.etag):
        # The device has these bytes already (the ETag is their SHA-256).
        response = Response(status=304, headers=headers)
        response.set_etag(ref.etag)
        return response
    stored = services.open_file(storage_for(current_app), ref)
    response = Response(
        wrap_file(request.environ, stored.stream),
        mimetype=ref.media_type,
        headers=headers,
        direct_passthrough=True,
    )
    response.content_length = stored.size
    response.set_etag(ref.etag)
    return response


def _file_doc(content_types: tuple[str, ...]) -> dict[str, Any]:
    return {
        "security": _SECURITY,
        "responses": {
            "200": {
                "description": "The bytes. ETag: the original's SHA-256; Cache-Control: private.",
                "content": {content_type: _BINARY for content_type in content_types},
            }
        },
    }


_ORIGINAL_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic", "application/pdf")


@blp.route("/<uuid:evidence_id>/original")
class EvidenceOriginal(MethodView):
    @allow(*_ORIGINAL_READERS)
    @blp.doc(**_file_doc(_ORIGINAL_TYPES))
    @blp.response(200)
    @blp.alt_response(304, description="Not modified (If-None-Match matched).")
    @blp.alt_response(401, schema=ErrorSchema, description="AUTH_REQUIRED: not signed in.")
    @blp.alt_response(
        403, schema=ErrorSchema, description="FORBIDDEN: client users and scheme managers."
    )
    @blp.alt_response(404, schema=ErrorSchema, description=_NOT_FOUND)
    def get(self, evidence_id: uuid.UUID) -> Response:
        """The original file, byte for byte as uploaded (EXIF included)

        A staff download of someone else's original is written to the audit log.
        """
        return _send(evidence_id, Rendition.ORIGINAL)


@blp.route("/<uuid:evidence_id>/display")
class EvidenceDisplay(MethodView):
    @allow(*_READERS)
    # The summary is built from the pipeline's own limit, so the document cannot go stale.
    @blp.doc(
        summary=f"The display image: JPEG, upright, long side at most {DISPLAY_MAX_SIDE} px, "
        "no EXIF",
        **_file_doc(("image/jpeg",)),
    )
    @blp.response(200)
    @blp.alt_response(304, description="Not modified (If-None-Match matched).")
    @blp.alt_response(401, schema=ErrorSchema, description="AUTH_REQUIRED: not signed in.")
    @blp.alt_response(403, schema=ErrorSchema, description="FORBIDDEN: scheme managers.")
    @blp.alt_response(404, schema=ErrorSchema, description=_NOT_FOUND + _NO_RENDITION)
    def get(self, evidence_id: uuid.UUID) -> Response:
        """The display image (summary: see @blp.doc)"""
        return _send(evidence_id, Rendition.DISPLAY)


@blp.route("/<uuid:evidence_id>/thumbnail")
class EvidenceThumbnail(MethodView):
    @allow(*_READERS)
    @blp.doc(
        summary=f"The thumbnail: JPEG, upright, long side at most {THUMBNAIL_MAX_SIDE} px, no EXIF",
        **_file_doc(("image/jpeg",)),
    )
    @blp.response(200)
    @blp.alt_response(304, description="Not modified (If-None-Match matched).")
    @blp.alt_response(401, schema=ErrorSchema, description="AUTH_REQUIRED: not signed in.")
    @blp.alt_response(403, schema=ErrorSchema, description="FORBIDDEN: scheme managers.")
    @blp.alt_response(404, schema=ErrorSchema, description=_NOT_FOUND + _NO_RENDITION)
    def get(self, evidence_id: uuid.UUID) -> Response:
        """The thumbnail (summary: see @blp.doc)"""
        return _send(evidence_id, Rendition.THUMBNAIL)
