"""``/api/schemes``: import scheme files (YAML) and read the imported versions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from http import HTTPStatus

from flask import Response, request
from flask.views import MethodView

from backend.api import Blueprint
from backend.auth.access import allow, require_actor
from backend.errors import ApiError, ErrorCode, ErrorSchema
from backend.extensions import db
from backend.schemes import services, versions
from backend.schemes.models import CurrentSchemeVersion, SchemeVersion
from backend.schemes.schemas import (
    ComparisonSchema,
    CurrentVersionSchema,
    SchemeVersionSchema,
    UsageSchema,
)

blp = Blueprint(
    "schemes",
    __name__,
    url_prefix="/api/schemes",
    description="Certification schemes: imported files, pinned by engagements.",
)

IMPORTERS = tuple(sorted(services.IMPORTERS))
READERS = tuple(sorted(services.READERS))

#: Media types a YAML body may come with (there is no single registered one in common use).
YAML_TYPES = frozenset(
    {"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain"}
)
_YAML_BODY = {
    "required": True,
    "description": "The scheme file's exact bytes (UTF-8 YAML, docs/scheme-format.md).",
    "content": {media: {"schema": {"type": "string"}} for media in sorted(YAML_TYPES)},
}


@blp.route("")
class Schemes(MethodView):
    @allow(*READERS)
    @blp.doc(security=[{"session": []}])
    @blp.response(200, SchemeVersionSchema(many=True))
    @blp.alt_response(401, schema=ErrorSchema, description="AUTH_REQUIRED: not signed in.")
    @blp.alt_response(403, schema=ErrorSchema, description="FORBIDDEN: shoppers, client users.")
    def get(self) -> Sequence[SchemeVersion]:
        """List the imported scheme versions"""
        return services.list_scheme_versions(db.session(), require_actor())

    @allow(*IMPORTERS)
    @blp.doc(security=[{"session": []}], requestBody=_YAML_BODY)
    @blp.response(201, SchemeVersionSchema)
    @blp.alt_response(
        200, schema=SchemeVersionSchema, description="The same bytes were imported before."
    )
    @blp.alt_response(401, schema=ErrorSchema, description="AUTH_REQUIRED: not signed in.")
    @blp.alt_response(
        403, schema=ErrorSchema, description="FORBIDDEN: not a scheme manager or admin."
    )
    @blp.alt_response(
        409,
        schema=ErrorSchema,
        description="CONFLICT: this scheme id and version were imported with other content.",
    )
    @blp.alt_response(413, schema=ErrorSchema, description="PAYLOAD_TOO_LARGE.")
    @blp.alt_response(
        415, schema=ErrorSchema, description="UNSUPPORTED_MEDIA_TYPE: send the YAML as text."
    )
    @blp.alt_response(
        422,
        schema=ErrorSchema,
        description="SCHEME_INVALID: details.problems lists every problem as {path, message}.",
    )
    def post(self) -> tuple[SchemeVersion, int]:
        """Import a scheme file

        The body is the YAML file itself. Importing the same bytes again creates nothing and
        answers the stored version with 200. Scheme managers and administrators.
        """
        actor = require_actor()
        if request.mimetype not in YAML_TYPES:
            raise ApiError(
                code=ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                status=HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                details={"content_type": request.mimetype or None, "accepted": sorted(YAML_TYPES)},
            )
        result = services.import_scheme(
            db.session(),
            actor,
            request.get_data(cache=False),
            source="POST /api/schemes",
            ip=request.remote_addr,
        )
        return result.scheme_version, 201 if result.created else 200


@blp.route("/<uuid:scheme_version_id>")
class SchemeResource(MethodView):
    @allow(*READERS)
    @blp.doc(security=[{"session": []}])
    @blp.response(200, SchemeVersionSchema)
    @blp.alt_response(401, schema=ErrorSchema, description="AUTH_REQUIRED: not signed in.")
    @blp.alt_response(403, schema=ErrorSchema, description="FORBIDDEN: shoppers, client users.")
    @blp.alt_response(404, schema=ErrorSchema, description="NOT_FOUND: no such scheme version.")
    def get(self, scheme_version_id: uuid.UUID) -> SchemeVersion:
        """One scheme version"""
        return services.get_scheme_version(db.session(), require_actor(), scheme_version_id)


@blp.route("/<uuid:scheme_version_id>/source")
class SchemeSource(MethodView):
    @allow(*READERS)
    @blp.doc(security=[{"session": []}])
    @blp.response(
        200,
        {"type": "string"},
        content_type="application/yaml",
        description="The file exactly as imported.",
    )
    @blp.alt_response(401, schema=ErrorSchema, description="AUTH_REQUIRED: not signed in.")
    @blp.alt_response(403, schema=ErrorSchema, description="FORBIDDEN: shoppers, client users.")
    @blp.alt_response(404, schema=ErrorSchema, description="NOT_FOUND: no such scheme version.")
    def get(self, scheme_version_id: uuid.UUID) -> Response:
        """The scheme file of a version, byte for byte"""
        row = services.get_scheme_version(db.session(), require_actor(), scheme_version_id)
        response = Response(
            row.source_text.encode("utf-8"), content_type="application/yaml; charset=utf-8"
        )
        response.headers["X-Content-Hash"] = row.content_hash
        return response


_401 = "AUTH_REQUIRED: not signed in."
_403_READ = "FORBIDDEN: shoppers, client users."


@blp.route("/current")
class CurrentVersions(MethodView):
    @allow(*READERS)
    @blp.doc(security=[{"session": []}])
    @blp.response(200, CurrentVersionSchema(many=True))
    @blp.alt_response(401, schema=ErrorSchema, description=_401)
    @blp.alt_response(403, schema=ErrorSchema, description=_403_READ)
    def get(self) -> Sequence[CurrentSchemeVersion]:
        """The current version of each scheme

        New engagements are planned with it; planned engagements keep the version they pinned.
        """
        return versions.current_versions(db.session(), require_actor())


@blp.route("/usage")
class Usage(MethodView):
    @allow(*READERS)
    @blp.doc(security=[{"session": []}])
    @blp.response(200, UsageSchema(many=True))
    @blp.alt_response(401, schema=ErrorSchema, description=_401)
    @blp.alt_response(403, schema=ErrorSchema, description=_403_READ)
    def get(self) -> list[versions.Usage]:
        """How many of my organisation's engagements use each version"""
        return versions.usage(db.session(), require_actor())


@blp.route("/<uuid:scheme_version_id>/current")
class MakeCurrent(MethodView):
    @allow(*IMPORTERS)
    @blp.doc(security=[{"session": []}])
    @blp.response(200, CurrentVersionSchema)
    @blp.alt_response(401, schema=ErrorSchema, description=_401)
    @blp.alt_response(
        403, schema=ErrorSchema, description="FORBIDDEN: not a scheme manager or admin."
    )
    @blp.alt_response(404, schema=ErrorSchema, description="NOT_FOUND: no such scheme version.")
    def put(self, scheme_version_id: uuid.UUID) -> CurrentSchemeVersion:
        """Make this version the current one of its scheme

        Scheme managers and administrators. Only new engagements start from it; recorded in
        the audit log.
        """
        return versions.make_current(
            db.session(), require_actor(), scheme_version_id, ip=request.remote_addr
        )


@blp.route("/<uuid:scheme_version_id>/diff/<uuid:other_id>")
class Diff(MethodView):
    @allow(*READERS)
    @blp.doc(security=[{"session": []}])
    @blp.response(200, ComparisonSchema)
    @blp.alt_response(401, schema=ErrorSchema, description=_401)
    @blp.alt_response(403, schema=ErrorSchema, description=_403_READ)
    @blp.alt_response(404, schema=ErrorSchema, description="NOT_FOUND: no such scheme version.")
    def get(self, scheme_version_id: uuid.UUID, other_id: uuid.UUID) -> versions.Comparison:
        """What changed from one version to another

        Every difference between the two files, by path, under the part of the scheme it
        belongs to (items and points, scales and bands, management clauses and levels,
        conformity, timing, decision rows, lifecycle numbers, the description). Entries with a
        code or id are matched by it.
        """
        return versions.compare(db.session(), require_actor(), scheme_version_id, other_id)
