"""``/api/engagements/<id>/on-site-record``, ``…/file``, ``…/review``, ``…/decision`` (CQC §6).

Thin: parse, one service call, dump. ``@allow`` names the roles; the services ask the engagement
access table: the on-site record is the team leader's (``Need.ASSIGN``), the file, the review and
the decision are an independent reviewer's (``Need.REVIEW`` / ``Need.DECIDE``).
"""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView

from backend.api import Blueprint
from backend.auth.access import allow, require_actor
from backend.decisions import services
from backend.decisions.models import Decision, Review
from backend.decisions.schemas import (
    DecisionCreateSchema,
    FileSchema,
    OnSiteRecordAnswerSchema,
    OnSiteRecordSchema,
    ReviewCreateSchema,
)
from backend.extensions import db
from backend.users.models import Role

blp = Blueprint(
    "decisions",
    __name__,
    url_prefix="/api/engagements",
    description="On-site record, review and certification decision of an engagement (CQC §6).",
)
_SECURITY: list[dict[str, list[str]]] = [{"session": []}]
_ERRORS = {
    401: "AUTH_REQUIRED: not signed in.",
    403: "FORBIDDEN (role, not the team leader) / CONFLICT_OF_INTEREST (a reviewer who was on "
    "the audit team).",
    404: "NOT_FOUND: no such engagement in my organisation.",
    409: "FILE_INCOMPLETE (details.missing: checklist lines) / REVIEW_REQUIRED / ALREADY_DECIDED "
    "/ DECISION_NOT_SUPPORTED (the scheme's decision rows give not certified).",
    422: "VALIDATION_ERROR: details maps each field to its messages. CHECKLIST_INCOMPLETE: "
    "details.unconfirmed lists the lines not confirmed.",
}


def _errors(*statuses: int) -> Any:
    return blp.errors(_ERRORS, *statuses)


def _review(review: Review | None) -> dict[str, Any] | None:
    if review is None:
        return None
    return {
        "reviewer_id": review.reviewer_id,
        "checklist": review.checklist,
        "conclusion": review.conclusion,
        "comment": review.comment,
        "reviewed_at": review.reviewed_at,
    }


def _decision(decision: Decision | None) -> dict[str, Any] | None:
    if decision is None:
        return None
    return {
        "decided_by_id": decision.decided_by_id,
        "approved": decision.approved,
        "reasons": decision.reasons,
        "outcome": decision.outcome,
        "row": decision.row,
        "grade": {"zh": decision.grade_zh, "en": decision.grade_en} if decision.grade_zh else None,
        "scores": decision.scores,
        "service_score": decision.service_score,
        "decided_at": decision.decided_at,
    }


def _view(view: services.FileView) -> dict[str, Any]:
    built = view.file
    return {
        "engagement_id": built.engagement.id,
        "scheme": {
            "id": built.scheme.id,
            "version": built.scheme.version,
            "title": {"zh": built.scheme.title.zh, "en": built.scheme.title.en},
        },
        "complete": not built.missing,
        "missing": built.missing,
        "checklist": [line.json() for line in built.lines],
        "characteristic_scores": built.characteristic_scores(),
        "scheme_decision": built.decision_json(),
        "review": _review(view.review),
        "decision": _decision(view.decision),
    }


@blp.route("/<uuid:engagement_id>/on-site-record")
class OnSiteRecordResource(MethodView):
    @allow(Role.TEAM_LEADER)
    @blp.doc(security=_SECURITY)
    @blp.arguments(OnSiteRecordSchema)
    @blp.response(200, OnSiteRecordAnswerSchema)
    @_errors(401, 403, 404, 409, 422)
    def put(self, data: dict[str, Any], engagement_id: uuid.UUID) -> Any:
        """Record the on-site results: management ratings, clause judgements, timing checks

        Checked against the engagement's scheme version; replaces the earlier record until the
        certification decision is made. The engagement's team leader only.
        """
        return services.record_on_site(db.session(), require_actor(), engagement_id, data)


@blp.route("/<uuid:engagement_id>/file")
class FileResource(MethodView):
    @allow(Role.REVIEWER)
    @blp.doc(security=_SECURITY)
    @blp.response(200, FileSchema)
    @_errors(401, 403, 404)
    def get(self, engagement_id: uuid.UUID) -> Any:
        """The engagement's file with its review checklist, review and decision (§6.1)

        Reviewers who were never on the audit team only (CONFLICT_OF_INTEREST otherwise).
        """
        return _view(services.engagement_file(db.session(), require_actor(), engagement_id))


@blp.route("/<uuid:engagement_id>/review")
class ReviewResource(MethodView):
    @allow(Role.REVIEWER)
    @blp.doc(security=_SECURITY)
    @blp.arguments(ReviewCreateSchema)
    @blp.response(200, FileSchema)
    @_errors(401, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], engagement_id: uuid.UUID) -> Any:
        """Review the file: confirm every checklist line, recommend or not (§6.1)"""
        return _view(
            services.submit_review(
                db.session(),
                require_actor(),
                engagement_id,
                data["checklist"],
                data["conclusion"],
                data["comment"],
            )
        )


@blp.route("/<uuid:engagement_id>/decision")
class DecisionResource(MethodView):
    @allow(Role.REVIEWER)
    @blp.doc(security=_SECURITY)
    @blp.arguments(DecisionCreateSchema)
    @blp.response(201, FileSchema)
    @_errors(401, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], engagement_id: uuid.UUID) -> Any:
        """Approve or refuse certification with reasons; the grade is the scheme's (§6.2, §5.3)"""
        return _view(
            services.decide(
                db.session(), require_actor(), engagement_id, data["approve"], data["reasons"]
            )
        )
