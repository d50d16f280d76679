"""Nonconformity endpoints (CQC rule §5.2.3.1, §7.4 b): ``/api/engagements/<id>/nonconformities``,
``/api/nonconformities/<id>`` with ``/answer``, ``/verify``, ``/evidence/<id>``, and
``/api/portal/nonconformities``.

Thin: parse, one service call, dump. ``@allow`` names the roles; the services ask the engagement
access table (team opens and verifies, the client's users answer, results readers read).
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app, request
from flask.views import MethodView
from werkzeug.exceptions import RequestEntityTooLarge

from backend.api import Blueprint
from backend.auth.access import allow, require_actor
from backend.errors import PayloadTooLarge
from backend.evidence import services as evidence_services
from backend.evidence.routes import storage_for
from backend.evidence.schemas import EvidenceSchema, UploadHeadersSchema
from backend.evidence.services import Audience, Capture, EvidenceLimits
from backend.extensions import db
from backend.nonconformities import services
from backend.nonconformities.schemas import (
    NonconformityAnswerSchema,
    NonconformityOpenSchema,
    NonconformitySchema,
    NonconformityVerifySchema,
)
from backend.users.models import Role

blp = Blueprint(
    "nonconformities",
    __name__,
    url_prefix="/api",
    description="Nonconformities: opened by the audit team, answered by the client, verified "
    "(CQC §5.2.3.1, §7.4 b).",
)
_SECURITY: list[dict[str, list[str]]] = [{"session": []}]
_TEAM = (Role.TEAM_LEADER, Role.AUDITOR)
_READERS = (Role.ADMIN, Role.TEAM_LEADER, Role.AUDITOR, Role.REVIEWER, Role.CLIENT_USER)
_ERRORS = {
    401: "AUTH_REQUIRED: not signed in.",
    403: "FORBIDDEN: role, not on the audit team, not the engagement's client.",
    404: "NOT_FOUND: no such engagement or nonconformity in my organisation.",
    409: "NONCONFORMITY_STAGE: not at a stage that allows this (details.allowed).",
    422: "VALIDATION_ERROR; MISSING_EVIDENCE (details.missing_evidence); "
    "NONCONFORMITY_ANSWER_INCOMPLETE / NONCONFORMITY_VERIFICATION_INCOMPLETE (details.missing); "
    "NONCONFORMITY_REJUDGEMENT_ABOVE_CAP (details.cap, details.allowed).",
}


def _errors(*statuses: int) -> Any:
    return blp.errors(_ERRORS, *statuses)


def _dump(view: services.NonconformityView) -> dict[str, Any]:
    nc = view.record
    client = view.for_client
    labels = view.rejudgement.labels
    return {
        "id": nc.id,
        "engagement_id": nc.engagement_id,
        "engagement_title": view.engagement.title,
        "engagement_kind": nc.audit_kind,
        "number": nc.number,
        "clause": nc.clause,
        "finding": nc.finding,
        "stage": nc.stage,
        # The client never learns where a finding came from or who recorded it.
        "source": None if client else nc.source,
        "source_ref": None if client else nc.source_ref,
        "opened_by_id": None if client else nc.opened_by_id,
        "verified_by_id": None if client else nc.verified_by_id,
        "opened_on": nc.opened_on,
        "typical_due": nc.typical_due,
        "latest_due": nc.latest_due,
        "rule_section": nc.rule_section,
        "on_miss": nc.on_miss,
        "overdue": view.overdue,
        "consequence": view.consequence,
        "consequence_on": nc.consequence_on,
        "days_left": view.days_left,
        "reminder": view.reminder,
        "explanation": view.explanation,
        "cause": nc.cause,
        "correction": nc.correction,
        "answered_at": nc.answered_at,
        "returned_comment": nc.returned_comment,
        "verification_method": nc.verification_method,
        "verification": nc.verification,
        "rejudged": nc.rejudged,
        "rejudged_label": (
            {"zh": labels[nc.rejudged].zh, "en": labels[nc.rejudged].en}
            if nc.rejudged in labels
            else None
        ),
        "equivalent_reason": nc.equivalent_reason,
        "closed_on": nc.closed_on,
        "evidence": {
            "finding": [] if client else view.evidence["finding"],
            "finding_count": len(view.evidence["finding"]),
            "answer": view.evidence["answer"],
        },
        "rejudgement_cap": view.rejudgement.cap,
        "rejudgement_allowed": [
            {"code": code, "label": {"zh": labels[code].zh, "en": labels[code].en}}
            for code in view.rejudgement.allowed
        ],
    }


def _one(nc_id: uuid.UUID) -> dict[str, Any]:
    return _dump(services.get_nonconformity(db.session(), require_actor(), nc_id))


@blp.route("/engagements/<uuid:engagement_id>/nonconformities")
class EngagementNonconformities(MethodView):
    @allow(*_READERS)
    @blp.doc(security=_SECURITY)
    @blp.response(200, NonconformitySchema(many=True))
    @_errors(401, 403, 404)
    def get(self, engagement_id: uuid.UUID) -> Any:
        """The engagement's nonconformities with their deadlines and state"""
        views = services.list_for_engagement(db.session(), require_actor(), engagement_id)
        return [_dump(view) for view in views]

    @allow(*_TEAM)
    @blp.doc(security=_SECURITY)
    @blp.arguments(NonconformityOpenSchema)
    @blp.response(201, NonconformitySchema)
    @_errors(401, 403, 404, 422)
    def post(self, data: dict[str, Any], engagement_id: uuid.UUID) -> Any:
        """Open a nonconformity: clause, finding, evidence (§5.2.3.1); the audit team only

        The deadlines come from the scheme's rule for the engagement's kind of audit. With a
        `source_ref`, opening again returns the nonconformity opened the first time.
        """
        session = db.session()
        actor = require_actor()
        nc = services.open_nonconformity(
            session,
            actor,
            engagement_id,
            clause=data["clause"],
            finding=data["finding"],
            evidence_ids=data["evidence_ids"],
            source=data["source"],
            source_ref=data["source_ref"],
        )
        return _one(nc.id)


@blp.route("/nonconformities/<uuid:nc_id>")
class NonconformityItem(MethodView):
    @allow(*_READERS)
    @blp.doc(security=_SECURITY)
    @blp.response(200, NonconformitySchema)
    @_errors(401, 403, 404)
    def get(self, nc_id: uuid.UUID) -> Any:
        """One nonconformity"""
        return _one(nc_id)


@blp.route("/nonconformities/<uuid:nc_id>/answer")
class NonconformityAnswer(MethodView):
    @allow(Role.CLIENT_USER)
    @blp.doc(security=_SECURITY)
    @blp.arguments(NonconformityAnswerSchema)
    @blp.response(200, NonconformitySchema)
    @_errors(401, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], nc_id: uuid.UUID) -> Any:
        """Answer with cause, correction and evidence (整改回复); the client's users only"""
        services.answer(
            db.session(),
            require_actor(),
            nc_id,
            cause=data["cause"],
            correction=data["correction"],
            evidence_ids=data["evidence_ids"],
        )
        return _one(nc_id)


@blp.route("/nonconformities/<uuid:nc_id>/verify")
class NonconformityVerify(MethodView):
    @allow(*_TEAM)
    @blp.doc(security=_SECURITY)
    @blp.arguments(NonconformityVerifySchema)
    @blp.response(200, NonconformitySchema)
    @_errors(401, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], nc_id: uuid.UUID) -> Any:
        """Verify in writing or on site: close with the clause re-judged, or send back

        Re-judged at most the scheme's cap (基本符合, §5.2.3.1); an equivalent fix needs its
        reason. The audit team only.
        """
        services.verify(
            db.session(),
            require_actor(),
            nc_id,
            accept=data["accept"],
            method=data["method"],
            verification=data["verification"],
            rejudged=data["rejudged"],
            equivalent=data["equivalent"],
            equivalent_reason=data["equivalent_reason"],
        )
        return _one(nc_id)


_BINARY = {"schema": {"type": "string", "format": "binary"}}


@blp.route("/nonconformities/<uuid:nc_id>/evidence/<uuid:evidence_id>")
class NonconformityEvidenceUpload(MethodView):
    @allow(Role.CLIENT_USER)
    @blp.arguments(UploadHeadersSchema, location="headers")
    @blp.doc(
        security=_SECURITY,
        requestBody={
            "required": True,
            "description": "The file's bytes (JPEG, PNG, WebP, HEIC or PDF), as PUT "
            "/api/evidence/{id} takes them.",
            "content": {"application/octet-stream": _BINARY, "image/*": _BINARY},
        },
    )
    @blp.response(201, EvidenceSchema)
    @blp.alt_response(200, schema=EvidenceSchema, success=True, description="A replay.")
    @_errors(401, 403, 404, 409, 422)
    def put(self, headers: dict[str, Any], nc_id: uuid.UUID, evidence_id: uuid.UUID) -> Any:
        """Upload rectification evidence (photo, document) for an open nonconformity

        The evidence pipeline's upload (idempotent by id, verified by SHA-256) for the client's
        users, who then cite the id in the answer.
        """
        session = db.session()
        actor = require_actor()
        services.check_answerable(session, actor, nc_id)
        limits = EvidenceLimits.from_config(current_app.config)
        request.max_content_length = limits.max_bytes
        try:
            evidence, created = evidence_services.upload(
                session,
                actor,
                evidence_id=evidence_id,
                sha256=headers["sha256"],
                body=request.stream,
                content_length=request.content_length,
                capture=Capture(
                    captured_at=headers.get("captured_at"),
                    original_filename=headers.get("original_filename"),
                ),
                device_time=headers.get("device_time"),
                storage=storage_for(current_app),
                limits=limits,
                ip=request.remote_addr,
                roles=frozenset({Role.CLIENT_USER}),
            )
        except RequestEntityTooLarge as error:
            raise PayloadTooLarge(details={"max_bytes": limits.max_bytes}) from error
        record = evidence_services.view(session, actor, evidence, Audience.UPLOADER)
        return record, 201 if created else 200


@blp.route("/nonconformities/team")
class TeamNonconformities(MethodView):
    @allow(*_TEAM)
    @blp.doc(security=_SECURITY)
    @blp.response(200, NonconformitySchema(many=True))
    @_errors(401, 403)
    def get(self) -> Any:
        """Not yet closed nonconformities of my audit teams' engagements, to verify first"""
        return [_dump(view) for view in services.list_for_team(db.session(), require_actor())]


@blp.route("/portal/nonconformities")
class PortalNonconformities(MethodView):
    @allow(Role.CLIENT_USER)
    @blp.doc(security=_SECURITY)
    @blp.response(200, NonconformitySchema(many=True))
    @_errors(401, 403)
    def get(self) -> Any:
        """My client's nonconformities, open ones first, with deadlines and reminders"""
        return [_dump(view) for view in services.list_for_client(db.session(), require_actor())]
