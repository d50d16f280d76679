"""``/api/onsite-records`` (the on-site audit: management, conformity with timing rows; offline
sync like visits, docs/sync.md) and ``/api/engagements/<id>/onsite-records``, ``…/timing-import``.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import request
from flask.views import MethodView

from backend.api import Blueprint, DeviceClockHeadersSchema
from backend.auth.access import allow, require_actor
from backend.concurrency import etag, parse_if_match
from backend.errors import ErrorSchema
from backend.extensions import db
from backend.onsite import form, imports, pairs, records
from backend.onsite.models import OnsiteAuditVersion
from backend.onsite.schemas import (
    OnsiteFormSchema,
    PairAgreementSchema,
    PairCreateSchema,
    PairSchema,
    ReconcileSchema,
    RecordCreateSchema,
    RecordEditSchema,
    RecordReviewSchema,
    RecordSchema,
    RecordVersionSchema,
    TimingImportSchema,
    TimingPreviewSchema,
)
from backend.users.models import Role

blp = Blueprint(
    "onsite",
    __name__,
    url_prefix="/api/onsite-records",
    description="The audit on site: management maturity, clause conformity and timing rows.",
)
pairs_blp = Blueprint(
    "rater-pairs",
    __name__,
    url_prefix="/api/rater-pairs",
    description="Two raters (seed 003): pairing, sealed ratings, reconciliation, agreement.",
)
engagement_blp = Blueprint(
    "engagement-onsite",
    __name__,
    url_prefix="/api/engagements",
    description="An engagement's on-site records and the timing CSV preview.",
)

#: Who records on site: the audit team (auditors and team leaders, TEAM_WORK on the engagement).
WRITERS = (Role.AUDITOR, Role.TEAM_LEADER)
#: Who reads the records: the team and independent reviewers (the file they review).
READERS = (Role.AUDITOR, Role.TEAM_LEADER, Role.REVIEWER)

_IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": True,
    "schema": {"type": "string"},
    "description": 'The version the change is based on, as the ETag gave it: "v3".',
}
_TEXTS = {
    401: "AUTH_REQUIRED / DEVICE_REVOKED: sign in or pair the device again.",
    403: "FORBIDDEN (role, not your record, not on the team, not the team leader) / "
    "CONFLICT_OF_INTEREST.",
    404: "NOT_FOUND: no such record, or not one you may see.",
    409: "IDEMPOTENCY_CONFLICT (same id, other content) / INVALID_TRANSITION.",
    412: "PRECONDITION_FAILED: If-Match names a stale version; details.current_version.",
    422: "VALIDATION_ERROR: details maps each path to its messages / MISSING_EVIDENCE: upload "
    "details.missing_evidence first, then send again.",
    428: "PRECONDITION_REQUIRED: If-Match is missing.",
}


def _errors(bp: Blueprint, *codes: int) -> Any:
    def decorate(fn: Any) -> Any:
        for code in reversed(codes):
            fn = bp.alt_response(code, schema=ErrorSchema, description=_TEXTS[code])(fn)
        return fn

    return decorate


def _tag(view: dict[str, Any]) -> dict[str, str]:
    return {"ETag": etag(view["version"])}


@blp.route("/<uuid:record_id>")
class OnsiteRecord(MethodView):
    @allow(*READERS)
    @blp.doc(security=[{"session": []}])
    @blp.response(200, RecordSchema, headers={"ETag": {"schema": {"type": "string"}}})
    @_errors(blp, 401, 403, 404)
    def get(self, record_id: uuid.UUID) -> Any:
        """One on-site record: content, status, history, and what it scores on its own"""
        view = records.get_record(db.session(), require_actor(), record_id)
        return view, _tag(view)

    @allow(*WRITERS)
    @blp.doc(security=[{"session": []}])
    @blp.arguments(DeviceClockHeadersSchema, location="headers")
    @blp.arguments(RecordCreateSchema)
    @blp.response(201, RecordSchema, description="Created.")
    @blp.alt_response(200, schema=RecordSchema, description="Replay of the same create.")
    @_errors(blp, 401, 403, 404, 409, 422)
    def put(self, headers: dict[str, Any], payload: dict[str, Any], record_id: uuid.UUID) -> Any:
        """Create an on-site record under the phone's id (idempotent)

        201 on the first create, 200 when the same content is sent again, 409
        IDEMPOTENCY_CONFLICT when the id was used for other content. `submit: true` also submits.
        """
        view, created = records.create_record(
            db.session(),
            require_actor(),
            record_id,
            payload,
            device_time=headers.get("device_time"),
            ip=request.remote_addr,
        )
        return view, 201 if created else 200, _tag(view)

    @allow(*WRITERS)
    @blp.doc(security=[{"session": []}], parameters=[_IF_MATCH])
    @blp.arguments(DeviceClockHeadersSchema, location="headers")
    @blp.arguments(RecordEditSchema)
    @blp.response(200, RecordSchema)
    @_errors(blp, 401, 403, 404, 409, 412, 422, 428)
    def patch(self, headers: dict[str, Any], patch: dict[str, Any], record_id: uuid.UUID) -> Any:
        """Correct a draft or returned record (the whole content, a new version) and/or submit"""
        view = records.edit_record(
            db.session(),
            require_actor(),
            record_id,
            patch,
            parse_if_match(request.headers.get("If-Match")),
            device_time=headers.get("device_time"),
            ip=request.remote_addr,
        )
        return view, _tag(view)


@blp.route("/<uuid:record_id>/review")
class OnsiteReview(MethodView):
    @allow(Role.TEAM_LEADER)
    @blp.doc(security=[{"session": []}], parameters=[_IF_MATCH])
    @blp.arguments(RecordReviewSchema)
    @blp.response(200, RecordSchema)
    @_errors(blp, 401, 403, 404, 409, 412, 422, 428)
    def post(self, review: dict[str, Any], record_id: uuid.UUID) -> Any:
        """The team leader accepts or returns a submitted record (never their own)

        Only accepted records count in the scores. Accepting a conformity record opens a
        nonconformity for each clause judged 不符合 (CQC §5.2.3.1).
        """
        view = records.review_record(
            db.session(),
            require_actor(),
            record_id,
            action=review["action"],
            comment=review["comment"],
            expected_version=parse_if_match(request.headers.get("If-Match")),
            ip=request.remote_addr,
        )
        return view, _tag(view)


@blp.route("/<uuid:record_id>/versions")
class OnsiteVersions(MethodView):
    @allow(*READERS)
    @blp.doc(security=[{"session": []}])
    @blp.response(200, RecordVersionSchema(many=True))
    @_errors(blp, 401, 403, 404)
    def get(self, record_id: uuid.UUID) -> list[OnsiteAuditVersion]:
        """Every version of an on-site record, oldest first"""
        return records.record_versions(db.session(), require_actor(), record_id)


@engagement_blp.route("/<uuid:engagement_id>/onsite-records")
class EngagementOnsiteRecords(MethodView):
    @allow(*READERS)
    @engagement_blp.doc(security=[{"session": []}])
    @engagement_blp.response(200, RecordSchema(many=True))
    @_errors(engagement_blp, 401, 403, 404)
    def get(self, engagement_id: uuid.UUID) -> list[dict[str, Any]]:
        """An engagement's on-site records (the team leader's review queue)"""
        return records.list_records(db.session(), require_actor(), engagement_id)


@engagement_blp.route("/<uuid:engagement_id>/timing-import")
class TimingImport(MethodView):
    @allow(*WRITERS)
    @engagement_blp.doc(security=[{"session": []}])
    @engagement_blp.arguments(TimingImportSchema)
    @engagement_blp.response(200, TimingPreviewSchema)
    @_errors(engagement_blp, 401, 403, 404, 422)
    def post(self, payload: dict[str, Any], engagement_id: uuid.UUID) -> dict[str, Any]:
        """Preview a monitoring platform's CSV export as timing rows, with the refused rows

        Nothing is stored: the rows go into a conformity record like rows typed on the phone.
        """
        return imports.preview_timing_import(
            db.session(), require_actor(), engagement_id, payload["csv"], payload["clause"]
        )


@pairs_blp.route("/<uuid:pair_id>")
class RaterPairResource(MethodView):
    @allow(*WRITERS)
    @pairs_blp.doc(security=[{"session": []}])
    @pairs_blp.response(200, PairSchema)
    @_errors(pairs_blp, 401, 403, 404)
    def get(self, pair_id: uuid.UUID) -> dict[str, Any]:
        """A rater pair: who rated, the two ratings once both submitted, the differing items"""
        return pairs.get_pair(db.session(), require_actor(), pair_id)

    @allow(Role.TEAM_LEADER)
    @pairs_blp.doc(security=[{"session": []}])
    @pairs_blp.arguments(PairCreateSchema)
    @pairs_blp.response(201, PairSchema, description="Created.")
    @pairs_blp.alt_response(200, schema=PairSchema, description="Replay of the same create.")
    @_errors(pairs_blp, 401, 403, 404, 409, 422)
    def put(self, payload: dict[str, Any], pair_id: uuid.UUID) -> Any:
        """The team leader pairs two auditors of the team on one service experience"""
        view, created = pairs.create_pair(db.session(), require_actor(), pair_id, payload)
        return view, 201 if created else 200


@pairs_blp.route("/<uuid:pair_id>/reconciliation")
class RaterPairReconciliation(MethodView):
    @allow(*WRITERS)
    @pairs_blp.doc(security=[{"session": []}])
    @pairs_blp.arguments(ReconcileSchema)
    @pairs_blp.response(200, PairSchema)
    @_errors(pairs_blp, 401, 403, 404, 409, 422)
    def put(self, payload: dict[str, Any], pair_id: uuid.UUID) -> dict[str, Any]:
        """Reconcile: the agreed rating and the discussion per item (the raters or team leader)

        Only after both raters submitted; every differing item needs its discussion. The agreed
        evaluation then counts as one person in the service score (§5.1.2).
        """
        return pairs.reconcile(db.session(), require_actor(), pair_id, payload)


@pairs_blp.route("/agreement")
class RaterAgreement(MethodView):
    @allow(Role.ADMIN, Role.TEAM_LEADER)
    @pairs_blp.doc(security=[{"session": []}])
    @pairs_blp.response(200, PairAgreementSchema(many=True))
    @_errors(pairs_blp, 401, 403)
    def get(self) -> list[dict[str, Any]]:
        """Agreement per rater pair across engagements: exact share, weighted kappa, mean
        absolute level difference, number of items"""
        return pairs.agreement_by_pair(db.session(), require_actor())


@engagement_blp.route("/<uuid:engagement_id>/rater-pairs")
class EngagementRaterPairs(MethodView):
    @allow(*WRITERS)
    @engagement_blp.doc(security=[{"session": []}])
    @engagement_blp.response(200, PairSchema(many=True))
    @_errors(engagement_blp, 401, 403, 404)
    def get(self, engagement_id: uuid.UUID) -> list[dict[str, Any]]:
        """An engagement's rater pairs"""
        return pairs.list_pairs(db.session(), require_actor(), engagement_id)


@engagement_blp.route("/<uuid:engagement_id>/onsite-form")
class OnsiteForm(MethodView):
    @allow(*WRITERS)
    @engagement_blp.doc(security=[{"session": []}])
    @engagement_blp.response(200, OnsiteFormSchema)
    @_errors(engagement_blp, 401, 403, 404)
    def get(self, engagement_id: uuid.UUID) -> dict[str, Any]:
        """What the field app needs to audit on site offline: clauses, points, levels, tables"""
        return form.onsite_form(db.session(), require_actor(), engagement_id)
