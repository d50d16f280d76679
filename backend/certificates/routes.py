"""``/api/certificates`` and ``/api/engagements/<id>/certificate`` (CQC rule §6.3, §9).

Administrators of the body issue, change, suspend, reinstate and withdraw certificates; they and
reviewers read them. Thin: parse, one service call, dump.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

import flask
from flask.views import MethodView

from backend.api import Blueprint
from backend.auth.access import allow, require_actor
from backend.certificates import services
from backend.certificates.pdf import render_certificate_pdf, verification_url
from backend.certificates.schemas import (
    CertificateChangeSchema,
    CertificateIssueSchema,
    CertificateSchema,
    CertificateStatusSchema,
)
from backend.certificates.seal import decode
from backend.certificates.signing import base_url, body_signing_key
from backend.devices.qr import svg_data_uri
from backend.extensions import db
from backend.reports.letterhead import letterhead_for
from backend.users.models import Role

blp = Blueprint(
    "certificates",
    __name__,
    url_prefix="/api",
    description="Certificates: issue after approval, PDF with signed QR seal, changes, status.",
)
_SECURITY: list[dict[str, list[str]]] = [{"session": []}]
READERS = (Role.ADMIN, Role.REVIEWER)
_ERRORS = {
    401: "AUTH_REQUIRED: not signed in.",
    403: "FORBIDDEN: not an administrator (or reviewer, for reading).",
    404: "NOT_FOUND: no such certificate or engagement in my organisation.",
    409: "NOT_APPROVED: no approving decision. CERTIFICATE_EXISTS: issued already. CONFLICT: "
    "the status does not allow the action, or the number is taken.",
    422: "VALIDATION_ERROR: details maps each field to its messages.",
}


def _errors(*statuses: int) -> Any:
    return blp.errors(_ERRORS, *statuses)


def _dump(view: services.CertificateView) -> dict[str, Any]:
    c = view.certificate
    sealed = decode(c.payload)
    return {
        "id": c.id,
        "engagement_id": c.engagement_id,
        "number": c.number,
        "fields_": c.fields,
        "issued_on": c.issued_on,
        "valid_until": c.valid_until,
        "issue_by": c.issue_by,
        "issued_late": c.issued_on > c.issue_by,
        "changed_on": c.changed_on,
        "status": view.status,
        "status_zh": view.status_zh,
        "scans": c.scans,
        "payload": c.payload,
        "fingerprint": sealed.fingerprint,
        "key_id": sealed.key_id,
        "verification_url": verification_url(base_url(), c.token, c.payload),
        "pdf_url": f"/api/certificates/{c.id}/certificate.pdf",
        "titles": view.titles,
        "changes": [
            {
                "changed_on": ch.changed_on,
                "kind": ch.kind,
                "reason": ch.reason,
                "before": ch.before,
                "after": ch.after,
            }
            for ch in view.changes
        ],
    }


@blp.route("/certificates")
class Certificates(MethodView):
    @allow(*READERS)
    @blp.doc(security=_SECURITY)
    @blp.response(200, CertificateSchema(many=True))
    @_errors(401, 403)
    def get(self) -> Any:
        """My organisation's certificates, newest first"""
        return [_dump(v) for v in services.list_certificates(db.session(), require_actor())]


@blp.route("/portal/certificates")
class PortalCertificates(MethodView):
    @allow(Role.CLIENT_USER)
    @blp.doc(security=_SECURITY)
    @blp.response(200, CertificateSchema(many=True))
    @_errors(401, 403)
    def get(self) -> Any:
        """The certificates of my own client (the client portal), newest first

        Everything here is on the certificate's public page too (§9.1: bodies publish it); the
        verification URL is the address its QR code opens.
        """
        return [_dump(v) for v in services.client_certificates(db.session(), require_actor())]


@blp.route("/engagements/<uuid:engagement_id>/certificate")
class IssueCertificate(MethodView):
    @allow(Role.ADMIN)
    @blp.doc(security=_SECURITY)
    @blp.arguments(CertificateIssueSchema)
    @blp.response(201, CertificateSchema)
    @_errors(401, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], engagement_id: uuid.UUID) -> Any:
        """Issue the certificate of an approved engagement (§6.3: due within 30 days)

        The number follows the organisation's format (upper case, no spaces, unique); valid
        until the day before the same date three years on (§9.2). The fields are sealed with
        the body's Ed25519 key.
        """
        view = services.issue(
            db.session(), require_actor(), engagement_id, body_signing_key(), **data
        )
        return _dump(view)


@blp.route("/certificates/<uuid:certificate_id>")
class CertificateResource(MethodView):
    @allow(*READERS)
    @blp.doc(security=_SECURITY)
    @blp.response(200, CertificateSchema)
    @_errors(401, 403, 404)
    def get(self, certificate_id: uuid.UUID) -> Any:
        """A certificate: fields, dates, status, seal, changes, scans"""
        return _dump(services.get_certificate(db.session(), require_actor(), certificate_id))


@blp.route("/certificates/<uuid:certificate_id>/changes")
class CertificateChanges(MethodView):
    @allow(Role.ADMIN)
    @blp.doc(security=_SECURITY)
    @blp.arguments(CertificateChangeSchema)
    @blp.response(200, CertificateSchema)
    @_errors(401, 403, 404, 422)
    def post(self, data: dict[str, Any], certificate_id: uuid.UUID) -> Any:
        """Change a certificate (§9.3): the number stays, the change date is noted and sealed"""
        view = services.change(
            db.session(),
            require_actor(),
            certificate_id,
            body_signing_key(),
            changes=data["changes"],
            reason=data["reason"],
            changed_on=data.get("changed_on"),
        )
        return _dump(view)


@blp.route("/certificates/<uuid:certificate_id>/status")
class CertificateStatus(MethodView):
    @allow(Role.ADMIN)
    @blp.doc(security=_SECURITY)
    @blp.arguments(CertificateStatusSchema)
    @blp.response(200, CertificateSchema)
    @_errors(401, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], certificate_id: uuid.UUID) -> Any:
        """Suspend (§9.4), reinstate or withdraw (§9.5) a certificate from a day on"""
        view = services.set_status(
            db.session(),
            require_actor(),
            certificate_id,
            action=data["action"],
            on=data.get("on"),
            reason=data["reason"],
            cause=data.get("cause"),
        )
        return _dump(view)


@blp.route("/certificates/<uuid:certificate_id>/qr.svg")
class CertificateQr(MethodView):
    @allow(*READERS)
    @blp.doc(
        responses={
            "200": {
                "description": "The QR code printed on the certificate (the public page's address "
                "with the signed seal in its fragment), as SVG for the office screen.",
                "content": {"image/svg+xml": {"schema": {"type": "string"}}},
            }
        },
        security=_SECURITY,
    )
    @_errors(401, 403, 404)
    def get(self, certificate_id: uuid.UUID) -> flask.Response:
        """The certificate's QR code (what the PDF prints), as SVG"""
        c = services.get_certificate(db.session(), require_actor(), certificate_id).certificate
        uri = svg_data_uri(verification_url(base_url(), c.token, c.payload))
        svg = base64.b64decode(uri.split(",", 1)[1])
        response = flask.Response(svg, mimetype="image/svg+xml")
        response.headers["Cache-Control"] = "no-store"
        return response


@blp.route("/certificates/<uuid:certificate_id>/certificate.pdf")
class CertificatePdf(MethodView):
    @allow(*READERS)
    @blp.doc(
        responses={
            "200": {
                "description": "The certificate, A4, Chinese fonts embedded, QR code with the "
                "signed seal; the seal also attached as fieldcert-seal.txt.",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        },
        security=_SECURITY,
    )
    @_errors(401, 403, 404)
    def get(self, certificate_id: uuid.UUID) -> flask.Response:
        """The certificate as a PDF"""
        session = db.session()
        view = services.get_certificate(session, require_actor(), certificate_id)
        c = view.certificate
        pdf = render_certificate_pdf(
            c.fields,
            c.payload,
            url=verification_url(base_url(), c.token, c.payload),
            fingerprint=decode(c.payload).fingerprint,
            titles=view.titles,
            letterhead=letterhead_for(session, c.organisation_id),
        )
        response = flask.Response(pdf, mimetype="application/pdf")
        response.headers["Content-Disposition"] = (
            f'attachment; filename="certificate-{c.sequence}.pdf"'
        )
        response.headers["Cache-Control"] = "no-store"
        return response
