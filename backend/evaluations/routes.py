"""``/api/evaluations`` (sync, edits, review, versions, integrity) and the engagement views
``/api/engagements/<id>/evaluations`` (review queue) and ``/api/engagements/<id>/scores``.

The sync protocol (ids, replays, ETag / If-Match, what the phone does on each code) is in
docs/sync.md.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import request
from flask.views import MethodView

from backend import paging
from backend.api import (
    MINIMAL_APPLIED,
    Blueprint,
    DeviceClockHeadersSchema,
    SyncHeadersSchema,
    prefers_minimal,
)
from backend.auth.access import allow, require_actor
from backend.concurrency import etag, parse_if_match
from backend.errors import ErrorSchema
from backend.evaluations import integrity, scores, services
from backend.evaluations.models import EvaluationVersion
from backend.evaluations.schemas import (
    ClientEvaluationSchema,
    EvaluationCreateSchema,
    EvaluationEditSchema,
    EvaluationReadArgsSchema,
    EvaluationReviewSchema,
    EvaluationSchema,
    EvaluationSummarySchema,
    EvaluationVersionSchema,
    IntegritySchema,
    ResultsArgsSchema,
    ReviewQueueArgsSchema,
    ScoreInputSchema,
    ScoresSchema,
)
from backend.extensions import db
from backend.users.models import Role

blp = Blueprint(
    "evaluations",
    __name__,
    url_prefix="/api/evaluations",
    description="Evaluations: offline-safe sync, corrections, QA review, integrity checks.",
)
engagement_blp = Blueprint(
    "engagement-evaluations",
    __name__,
    url_prefix="/api/engagements",
    description="An engagement's evaluations (review queue) and scores.",
)

#: Who records evaluations: shoppers (their assignments), auditors and team leaders.
WRITERS = (Role.SHOPPER, Role.AUDITOR, Role.TEAM_LEADER)
#: Who reads them in full: the evaluator, the audit team, independent reviewers. Client users
#: read accepted results and scores of their own client only (no evaluator, GPS or times).
READERS = (Role.SHOPPER, Role.AUDITOR, Role.TEAM_LEADER, Role.REVIEWER)
#: The reviewer's tools: review queue, integrity flags.
STAFF = (Role.AUDITOR, Role.TEAM_LEADER, Role.REVIEWER)
#: Results and scores: the staff above, administrators (issue 9 C10: they name no evaluator
#: and no GPS) and the client's own users.
RESULT_READERS = (Role.ADMIN, *STAFF, Role.CLIENT_USER)

_IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": True,
    "schema": {"type": "string"},
    "description": 'The version the change is based on, as the ETag gave it: "v3".',
}


def _ip() -> str | None:
    return request.remote_addr


def _if_match() -> int | None:
    return parse_if_match(request.headers.get("If-Match"))


def _tag(view: services.EvaluationView | services.EvaluationReceipt) -> dict[str, str]:
    return {"ETag": etag(view.version)}


def _errors(*codes: int) -> Any:
    """Document the usual error answers of an endpoint (all with the one error schema)."""
    texts = {
        401: "AUTH_REQUIRED / DEVICE_REVOKED: sign in or pair the device again.",
        403: "FORBIDDEN (role, not your record, not on the team) / CONFLICT_OF_INTEREST "
        "(a reviewer who was on the audit team).",
        404: "NOT_FOUND: no such record, or not one you may see.",
        409: "IDEMPOTENCY_CONFLICT (same id, other content) / INVALID_TRANSITION / "
        "ASSIGNMENT_ALREADY_RECORDED (another evaluation records the assignment: "
        "details.evaluation_id, details.evaluation_status).",
        412: "PRECONDITION_FAILED: If-Match names a stale version; details.current_version.",
        422: "VALIDATION_ERROR: details maps each field or path to its messages / "
        "MISSING_EVIDENCE: upload details.missing_evidence first, then send again.",
        428: "PRECONDITION_REQUIRED: If-Match is missing.",
    }

    def decorate(fn: Any) -> Any:
        for code in reversed(codes):
            fn = blp.alt_response(code, schema=ErrorSchema, description=texts[code])(fn)
        return fn

    return decorate


@blp.route("/<uuid:evaluation_id>")
class EvaluationResource(MethodView):
    @allow(*READERS)
    @blp.doc(security=[{"session": []}])
    @blp.arguments(EvaluationReadArgsSchema, location="query")
    @blp.response(200, EvaluationSchema, headers={"ETag": {"schema": {"type": "string"}}})
    @_errors(401, 403, 404, 422)
    def get(self, args: dict[str, Any], evaluation_id: uuid.UUID) -> Any:
        """One evaluation: current content, status, history

        Anyone but the evaluator reading it is recorded in the audit log (evaluator identity and
        GPS fixes are personal data); `reason` says why.
        """
        view = services.get_evaluation(
            db.session(), require_actor(), evaluation_id, reason=args["reason"], ip=_ip()
        )
        return view, _tag(view)

    @allow(*WRITERS)
    @blp.doc(security=[{"session": []}])
    @blp.arguments(SyncHeadersSchema, location="headers")
    @blp.arguments(EvaluationCreateSchema)
    @blp.response(
        201,
        EvaluationSchema,
        description="Created. With `Prefer: return=minimal`, only id, status, version and "
        "content.number / content.content_hash.",
    )
    @blp.alt_response(
        200, schema=EvaluationSchema, description="Replay of the same create: nothing written."
    )
    @_errors(401, 403, 409, 422)
    def put(
        self, headers: dict[str, Any], payload: dict[str, Any], evaluation_id: uuid.UUID
    ) -> Any:
        """Create an evaluation under the phone's id (idempotent)

        201 on the first create, 200 with the stored evaluation when the same content is sent
        again, 409 IDEMPOTENCY_CONFLICT when the id was used for other content, 409
        ASSIGNMENT_ALREADY_RECORDED when another evaluation records the assignment. Evidence must
        be uploaded first: 422 MISSING_EVIDENCE lists `missing_evidence`. `submit: true` also
        submits it. `Prefer: return=minimal` (the field app) answers only what the phone keeps.
        """
        minimal = prefers_minimal(headers.get("prefer"))
        answer, created = services.create_evaluation(
            db.session(),
            require_actor(),
            evaluation_id,
            payload,
            device_time=headers.get("device_time"),
            ip=_ip(),
            minimal=minimal,
        )
        return answer, 201 if created else 200, _tag(answer) | (MINIMAL_APPLIED if minimal else {})

    @allow(*WRITERS)
    @blp.doc(security=[{"session": []}], parameters=[_IF_MATCH])
    @blp.arguments(DeviceClockHeadersSchema, location="headers")
    @blp.arguments(EvaluationEditSchema)
    @blp.response(200, EvaluationSchema)
    @_errors(401, 403, 404, 409, 412, 422, 428)
    def patch(
        self, headers: dict[str, Any], patch: dict[str, Any], evaluation_id: uuid.UUID
    ) -> Any:
        """Correct a draft or returned evaluation, and/or submit it

        Each field given replaces that field; a content change adds a version. If-Match is
        required; the replay of the edit that produced the current version answers 200.
        """
        view = services.edit_evaluation(
            db.session(),
            require_actor(),
            evaluation_id,
            patch,
            _if_match(),
            device_time=headers.get("device_time"),
            ip=_ip(),
        )
        return view, _tag(view)


@blp.route("/<uuid:evaluation_id>/review")
class Review(MethodView):
    @allow(Role.TEAM_LEADER, Role.AUDITOR)
    @blp.doc(security=[{"session": []}], parameters=[_IF_MATCH])
    @blp.arguments(EvaluationReviewSchema)
    @blp.response(200, EvaluationSchema)
    @_errors(401, 403, 404, 409, 412, 422, 428)
    def post(self, review: dict[str, Any], evaluation_id: uuid.UUID) -> Any:
        """QA review: accept, return (to the shopper), reject or exclude

        Team leaders and auditors of the engagement; never one's own evaluation. A comment is
        required except to accept. submitted → accepted | returned | rejected | excluded;
        accepted → excluded; anything else is INVALID_TRANSITION.
        """
        view = services.review_evaluation(
            db.session(),
            require_actor(),
            evaluation_id,
            action=review["action"],
            comment=review["comment"],
            expected_version=_if_match(),
            ip=_ip(),
        )
        return view, _tag(view)


@blp.route("/<uuid:evaluation_id>/versions")
class Versions(MethodView):
    @allow(*READERS)
    @blp.doc(security=[{"session": []}])
    @blp.arguments(EvaluationReadArgsSchema, location="query")
    @blp.response(200, EvaluationVersionSchema(many=True))
    @_errors(401, 403, 404, 422)
    def get(self, args: dict[str, Any], evaluation_id: uuid.UUID) -> list[EvaluationVersion]:
        """Every version of an evaluation, oldest first"""
        return services.list_versions(
            db.session(), require_actor(), evaluation_id, reason=args["reason"], ip=_ip()
        )


@blp.route("/<uuid:evaluation_id>/integrity")
class Integrity(MethodView):
    @allow(*STAFF)
    @blp.doc(security=[{"session": []}])
    @blp.arguments(EvaluationReadArgsSchema, location="query")
    @blp.response(200, IntegritySchema)
    @_errors(401, 403, 404, 422)
    def get(self, args: dict[str, Any], evaluation_id: uuid.UUID) -> dict[str, Any]:
        """Integrity flags of the current version, for the reviewer (flags, not verdicts)

        Geofence (accuracy-aware), photo capture times and places, time on site, device clock,
        EXIF against capture data, photos reused from other evaluations, too-fast completion.
        """
        return integrity.integrity_report(
            db.session(), require_actor(), evaluation_id, reason=args["reason"], ip=_ip()
        )


@engagement_blp.route("/<uuid:engagement_id>/evaluations")
class EngagementEvaluations(MethodView):
    @allow(*STAFF)
    @engagement_blp.doc(security=[{"session": []}])
    @engagement_blp.arguments(ReviewQueueArgsSchema, location="query")
    @engagement_blp.response(200, EvaluationSummarySchema(many=True), headers=paging.PAGE_HEADERS)
    @_errors(401, 403, 404, 422)
    def get(self, args: dict[str, Any], engagement_id: uuid.UUID) -> Any:
        """An engagement's evaluations: the review queue (`?status=submitted`), one page

        At most `limit` rows (default 100, at most 500), oldest submission first, then drafts.
        When more follow, the `X-Next-Cursor` header (and `Link: <…>; rel="next"`) gives the
        next page: send it back as `cursor`.
        """
        page = services.list_engagement_evaluations(
            db.session(),
            require_actor(),
            engagement_id,
            statuses=args["status"],
            cursor=args["cursor"],
            limit=args["limit"],
            reason=args["reason"],
            ip=_ip(),
        )
        return page.items, 200, paging.page_headers(page)


@engagement_blp.route("/<uuid:engagement_id>/results")
class EngagementResults(MethodView):
    @allow(*RESULT_READERS)
    @engagement_blp.doc(security=[{"session": []}])
    @engagement_blp.arguments(ResultsArgsSchema, location="query")
    @engagement_blp.response(200, ClientEvaluationSchema(many=True), headers=paging.PAGE_HEADERS)
    @_errors(401, 403, 404, 422)
    def get(self, args: dict[str, Any], engagement_id: uuid.UUID) -> Any:
        """Accepted evaluations as the client sees them: no evaluator, GPS or visit times

        One page of at most `limit` rows (default 100, at most 500), oldest submission first;
        when more follow, the `X-Next-Cursor` header (and `Link: <…>; rel="next"`) gives the
        next page: send it back as `cursor`.
        """
        page = services.client_results(
            db.session(),
            require_actor(),
            engagement_id,
            cursor=args["cursor"],
            limit=args["limit"],
        )
        return page.items, 200, paging.page_headers(page)


@engagement_blp.route("/<uuid:engagement_id>/scores")
class EngagementScores(MethodView):
    @allow(*RESULT_READERS)
    @engagement_blp.doc(security=[{"session": []}])
    @engagement_blp.response(200, ScoresSchema)
    @_errors(401, 403, 404)
    def get(self, engagement_id: uuid.UUID) -> dict[str, Any]:
        """Service scores from accepted evaluations: overall, per site, mode, characteristic

        The service score is the mean of the per-evaluation scores (§5.1.2), computed with the
        engagement's pinned scheme version; each evaluation's score is listed beside it. A
        reviewer who was on the audit team gets CONFLICT_OF_INTEREST.
        """
        return scores.engagement_scores(db.session(), require_actor(), engagement_id)


@engagement_blp.route("/<uuid:engagement_id>/scores/input")
class EngagementScoreInput(MethodView):
    @allow(*RESULT_READERS)
    @engagement_blp.doc(security=[{"session": []}])
    @engagement_blp.response(200, ScoreInputSchema)
    @_errors(401, 403, 404)
    def get(self, engagement_id: uuid.UUID) -> dict[str, Any]:
        """The exact input the scores were computed from, in `fieldcert score`'s format

        `fieldcert score --scheme <the pinned scheme file> --input -` on this answer prints the
        same numbers as `/scores`: accepted evaluations, counted survey answers and the accepted
        on-site records (management, conformity, timing).
        """
        return scores.score_input(db.session(), require_actor(), engagement_id)
