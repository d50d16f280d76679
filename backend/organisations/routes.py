"""``/api/organisation``: the signed-in user's certification body (name, address, report logo,
certificate-number format). Everyone signed in may read it (reports and certificates show it);
administrators change it."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response, request
from flask.views import MethodView

from backend.api import Blueprint
from backend.auth.access import EVERY_ROLE, allow, require_actor
from backend.errors import PayloadTooLarge
from backend.extensions import db
from backend.organisations import numbering, services
from backend.organisations.schemas import (
    FormatPreviewAnswerSchema,
    FormatPreviewSchema,
    OrganisationSettingsSchema,
    OrganisationUpdateSchema,
)
from backend.users.models import Role

blp = Blueprint(
    "organisation",
    __name__,
    url_prefix="/api/organisation",
    description="My certification body's settings.",
)

_ERRORS = {
    401: "AUTH_REQUIRED: not signed in.",
    403: "FORBIDDEN: not an administrator. CSRF_FAILED: X-CSRF-Token missing or wrong.",
    404: "NOT_FOUND: no logo uploaded.",
    409: "CONFLICT: another organisation has this name.",
    413: "PAYLOAD_TOO_LARGE: over details.max_bytes.",
    415: "UNSUPPORTED_MEDIA_TYPE: not a PNG or JPEG.",
    422: "VALIDATION_ERROR: details maps each field to its messages.",
}
LOGO_URL = "/api/organisation/logo"


def _errors(*statuses: int) -> Any:
    return blp.errors(_ERRORS, *statuses)


def _view(view: services.SettingsView) -> dict[str, Any]:
    row = view.settings
    return {
        "id": view.organisation.id,
        "name": view.organisation.name,
        "address": view.address,
        "certificate_number_format": view.certificate_number_format,
        "certificate_number_examples": numbering.preview(
            view.certificate_number_format, date.today()
        ),
        "placeholders": numbering.PLACEHOLDERS,
        "logo": (
            {
                "media_type": row.logo_media_type,
                "sha256": row.logo_sha256,
                "width": row.logo_width,
                "height": row.logo_height,
                "url": f"{LOGO_URL}?v={(row.logo_sha256 or '')[:12]}",
            }
            if row is not None and row.logo is not None
            else None
        ),
    }


@blp.route("")
class OrganisationResource(MethodView):
    @allow(*EVERY_ROLE)
    @blp.doc(security=[{"session": []}])
    @blp.response(200, OrganisationSettingsSchema)
    @_errors(401)
    def get(self) -> dict[str, Any]:
        """My organisation's settings"""
        return _view(services.get_settings(db.session(), require_actor()))

    @allow(Role.ADMIN)
    @blp.doc(security=[{"session": []}])
    @blp.arguments(OrganisationUpdateSchema)
    @blp.response(200, OrganisationSettingsSchema)
    @_errors(401, 403, 409, 422)
    def patch(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Change the name, address or certificate-number format

        Administrators. The format is checked (it must hold exactly one running number
        ``{seq}``); every change is in the audit log.
        """
        view = services.update_settings(
            db.session(), require_actor(), changes, ip=request.remote_addr
        )
        return _view(view)


@blp.route("/logo")
class Logo(MethodView):
    @allow(*EVERY_ROLE)
    @blp.doc(security=[{"session": []}])
    @blp.response(200, {"type": "string", "format": "binary"}, content_type="image/png")
    @_errors(401, 404)
    def get(self) -> Response:
        """The report logo (PNG or JPEG)"""
        row = services.get_logo(db.session(), require_actor())
        response = Response(row.logo, content_type=row.logo_media_type)
        response.headers["Cache-Control"] = "private, max-age=300"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @allow(Role.ADMIN)
    @blp.doc(
        security=[{"session": []}],
        requestBody={
            "required": True,
            "description": f"The image's bytes: PNG or JPEG, at most "
            f"{services.MAX_LOGO_BYTES // 1024} KB, at most {services.MAX_LOGO_SIDE} px a side.",
            "content": {"application/octet-stream": {"schema": {"type": "string"}}},
        },
    )
    @blp.response(200, OrganisationSettingsSchema)
    @_errors(401, 403, 413, 415, 422)
    def put(self) -> dict[str, Any]:
        """Upload the report logo

        Administrators. Replaces the one before; the type is read from the image itself.
        """
        length = request.content_length
        if length is not None and length > services.MAX_LOGO_BYTES:
            raise PayloadTooLarge(details={"max_bytes": services.MAX_LOGO_BYTES})
        data = request.stream.read(services.MAX_LOGO_BYTES + 1)
        view = services.set_logo(db.session(), require_actor(), data, ip=request.remote_addr)
        return _view(view)

    @allow(Role.ADMIN)
    @blp.doc(security=[{"session": []}])
    @blp.response(204)
    @_errors(401, 403)
    def delete(self) -> None:
        """Remove the report logo"""
        services.remove_logo(db.session(), require_actor(), ip=request.remote_addr)


@blp.route("/certificate-number-preview")
class NumberPreview(MethodView):
    @allow(Role.ADMIN)
    @blp.doc(security=[{"session": []}])
    @blp.arguments(FormatPreviewSchema)
    @blp.response(200, FormatPreviewAnswerSchema)
    @_errors(401, 403, 422)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Preview a certificate-number format

        Administrators: three example numbers (the 1st, 12th and 345th certificate, today),
        or VALIDATION_ERROR with every problem under ``format``. Nothing is stored.
        """
        require_actor()
        return {"examples": services.preview_format(data["format"], date.today())}
