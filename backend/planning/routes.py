"""``/api/applications``, an engagement's ``plan`` and ``document-reviews``, ``/api/portal``.

Routes parse and call one service; the request commits once (``backend.unit_of_work``). Who may
call what is declared with ``@allow``; the services narrow it (the engagement's own team leader,
the client user's own client).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import flask
from flask import request
from flask.views import MethodView
from sqlalchemy.orm import Session

from backend.api import Blueprint, DeviceClockHeadersSchema
from backend.auth.access import allow, require_actor
from backend.errors import Conflict
from backend.extensions import db
from backend.planning import applications, document_reviews, plans, portal, spread
from backend.planning.pdf import plan_pdf
from backend.planning.schemas import (
    ApplicationCreateSchema,
    ApplicationReviewSchema,
    ApplicationSchema,
    ConfirmSchema,
    DocumentAddSchema,
    DocumentReviewCreateSchema,
    DocumentReviewSchema,
    PlanEngagementSchema,
    PlanSchema,
    PlanUpdateSchema,
    PortalEngagementSchema,
    PortalPlanSchema,
    SpreadResultSchema,
    SpreadSchema,
)
from backend.unit_of_work import flush_as_stored
from backend.users.models import Role

applications_blp = Blueprint(
    "applications",
    __name__,
    url_prefix="/api/applications",
    description="Applications for certification (CQC rule §4.2) and their review (§4.3).",
)
planning_blp = Blueprint(
    "planning",
    __name__,
    url_prefix="/api/engagements",
    description="An engagement's audit plan (§4.4.4), document review (§5.1.4), visit spread.",
)
portal_blp = Blueprint(
    "portal",
    __name__,
    url_prefix="/api/portal",
    description="The client portal: applications, plans to confirm, engagements (own client).",
)

PLANNERS = tuple(sorted(applications.PLANNERS))
#: Who reads an engagement's plan and document reviews (the services narrow it to those who
#: may see the engagement: its team, administrators, independent reviewers).
PLAN_READERS = (Role.ADMIN, Role.AUDITOR, Role.REVIEWER, Role.TEAM_LEADER)

_ERRORS = {
    401: "AUTH_REQUIRED: not signed in.",
    403: "FORBIDDEN: the role, or the role on this engagement's team, may not do this.",
    404: "NOT_FOUND: no such record that I may see.",
    409: "CONFLICT / INVALID_TRANSITION: not possible in the current state (details.reason) / "
    "IDEMPOTENCY_CONFLICT: a phone's id already used for other content.",
    422: "VALIDATION_ERROR: the body does not validate (unknown fields are refused).",
}
_SECURITY: list[dict[str, list[str]]] = [{"session": []}]


def _errors(blp: Blueprint, *statuses: int) -> Callable[[Any], Any]:
    return blp.errors(_ERRORS, *statuses)


def _ip() -> str | None:
    return request.remote_addr


def _pdf_doc(description: str) -> dict[str, Any]:
    return {
        "responses": {
            "200": {
                "description": description,
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        },
        "security": _SECURITY,
    }


def _pdf(data: bytes, filename: str) -> flask.Response:
    response = flask.Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _notify_with_commit(session: Session, view: plans.PlanView) -> None:
    """Push the issued revision to the client's users: owed in the request's transaction (the
    jobs' outbox), sent once it is committed (§4.4.4 c))."""
    if view.plan is None:
        return
    plans.notify_client_users(session, view.engagement, view.plan.revision)


# --------------------------------------------------------------------------- applications


@applications_blp.route("")
class Applications(MethodView):
    @allow(*PLANNERS)
    @applications_blp.doc(security=_SECURITY)
    @applications_blp.response(200, ApplicationSchema(many=True))
    @_errors(applications_blp, 401, 403)
    def get(self) -> list[applications.ApplicationView]:
        """List my organisation's applications, newest first"""
        return applications.list_applications(db.session(), require_actor())

    @allow(*PLANNERS)
    @applications_blp.doc(security=_SECURITY)
    @applications_blp.arguments(ApplicationCreateSchema)
    @applications_blp.response(201, ApplicationSchema)
    @_errors(applications_blp, 401, 403, 422)
    def post(self, data: dict[str, Any]) -> applications.ApplicationView:
        """Record an application for certification units of a client (§4.1, §4.2)"""
        session = db.session()
        row = applications.create_application(session, require_actor(), **data, ip=_ip())
        flush_as_stored(session)
        return applications.application_view(session, row)


@applications_blp.route("/<uuid:application_id>")
class ApplicationResource(MethodView):
    @allow(*PLANNERS)
    @applications_blp.doc(security=_SECURITY)
    @applications_blp.response(200, ApplicationSchema)
    @_errors(applications_blp, 401, 403, 404)
    def get(self, application_id: uuid.UUID) -> applications.ApplicationView:
        """One application with its documents and review"""
        session = db.session()
        row = applications.get_application_for(session, require_actor(), application_id)
        return applications.application_view(session, row)


@applications_blp.route("/<uuid:application_id>/documents")
class ApplicationDocuments(MethodView):
    @allow(*PLANNERS)
    @applications_blp.doc(security=_SECURITY)
    @applications_blp.arguments(DocumentAddSchema)
    @applications_blp.response(201, ApplicationSchema)
    @_errors(applications_blp, 401, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], application_id: uuid.UUID) -> Any:
        """Attach an uploaded file (PDF or image) as one of the application's documents

        Upload it first with `PUT /api/evidence/<id>` (hashed and checked like a photo).
        """
        session = db.session()
        row = applications.add_document(session, require_actor(), application_id, **data, ip=_ip())
        flush_as_stored(session)
        return applications.application_view(session, row)


@applications_blp.route("/<uuid:application_id>/review")
class ApplicationReview(MethodView):
    @allow(*PLANNERS)
    @applications_blp.doc(security=_SECURITY)
    @applications_blp.arguments(ApplicationReviewSchema)
    @applications_blp.response(200, ApplicationSchema)
    @_errors(applications_blp, 401, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], application_id: uuid.UUID) -> Any:
        """Accept the application, or not accept it with the grounds of §4.3"""
        session = db.session()
        row = applications.review_application(
            session, require_actor(), application_id, **data, ip=_ip()
        )
        flush_as_stored(session)
        return applications.application_view(session, row)


@applications_blp.route("/<uuid:application_id>/engagement")
class ApplicationEngagement(MethodView):
    @allow(*PLANNERS)
    @applications_blp.doc(security=_SECURITY)
    @applications_blp.arguments(PlanEngagementSchema)
    @applications_blp.response(201, ApplicationSchema)
    @_errors(applications_blp, 401, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], application_id: uuid.UUID) -> Any:
        """Plan the engagement of an accepted application: sampled sites, modes, dates, team"""
        session = db.session()
        actor = require_actor()
        applications.plan_engagement(session, actor, application_id, **data, ip=_ip())
        flush_as_stored(session)
        row = applications.get_application_for(session, actor, application_id)
        return applications.application_view(session, row)


# --------------------------------------------------------------------------- plan and review


@planning_blp.route("/<uuid:engagement_id>/plan")
class Plan(MethodView):
    @allow(*PLAN_READERS)
    @planning_blp.doc(security=_SECURITY)
    @planning_blp.response(200, PlanSchema)
    @_errors(planning_blp, 401, 403, 404)
    def get(self, engagement_id: uuid.UUID) -> plans.PlanView:
        """The engagement's audit plan (§4.4.4): as it stands and as last sent"""
        return plans.get_plan(db.session(), require_actor(), engagement_id)

    @allow(Role.TEAM_LEADER)
    @planning_blp.doc(security=_SECURITY)
    @planning_blp.arguments(PlanUpdateSchema)
    @planning_blp.response(200, PlanSchema)
    @_errors(planning_blp, 401, 403, 404, 409, 422)
    def patch(self, changes: dict[str, Any], engagement_id: uuid.UUID) -> plans.PlanView:
        """Write the audit plan (the engagement's team leader)

        A plan the client already received is sent again at once as a new revision, and the
        client is notified to confirm it again (§4.4.4 c)).
        """
        session = db.session()
        view, reissued = plans.save_plan(session, require_actor(), engagement_id, changes, ip=_ip())
        flush_as_stored(session)
        if reissued and view.plan is not None:
            _notify_with_commit(session, view)
        return view


@planning_blp.route("/<uuid:engagement_id>/plan/issue")
class PlanIssue(MethodView):
    @allow(Role.TEAM_LEADER)
    @planning_blp.doc(security=_SECURITY)
    @planning_blp.response(200, PlanSchema)
    @_errors(planning_blp, 401, 403, 404, 409, 422)
    def post(self, engagement_id: uuid.UUID) -> plans.PlanView:
        """Send the plan to the client to confirm (again after a change: §4.4.4 c))"""
        session = db.session()
        view = plans.issue_plan(session, require_actor(), engagement_id, ip=_ip())
        flush_as_stored(session)
        _notify_with_commit(session, view)
        return view


@planning_blp.route("/<uuid:engagement_id>/plan.pdf")
class PlanPdf(MethodView):
    @allow(*PLAN_READERS)
    @planning_blp.doc(**_pdf_doc("The audit plan as last sent (PDF, A4, Chinese)."))
    @_errors(planning_blp, 401, 403, 404, 409)
    def get(self, engagement_id: uuid.UUID) -> flask.Response:
        """The audit plan PDF: the last issued revision, or the current draft"""
        view = plans.get_plan(db.session(), require_actor(), engagement_id)
        plan = view.plan
        if plan is not None and plan.issued is not None:
            data = plan_pdf(plan.issued, revision=plan.revision, issued_at=plan.issued_at)
            return _pdf(data, "audit-plan.pdf")
        if view.person_days.total is None:
            raise Conflict(details={"reason": "person-days not set: the plan cannot be drawn"})
        return _pdf(plan_pdf(view.current, revision=0, issued_at=None), "audit-plan-draft.pdf")


@planning_blp.route("/<uuid:engagement_id>/document-reviews")
class DocumentReviews(MethodView):
    @allow(*PLAN_READERS)
    @planning_blp.doc(security=_SECURITY)
    @planning_blp.response(200, DocumentReviewSchema(many=True))
    @_errors(planning_blp, 401, 403, 404)
    def get(self, engagement_id: uuid.UUID) -> Any:
        """The engagement's document reviews, oldest first (§5.1)"""
        return document_reviews.list_document_reviews(db.session(), require_actor(), engagement_id)

    @allow(Role.TEAM_LEADER)
    @planning_blp.doc(security=_SECURITY)
    @planning_blp.arguments(DocumentReviewCreateSchema)
    @planning_blp.response(201, DocumentReviewSchema)
    @_errors(planning_blp, 401, 403, 404, 422)
    def post(self, data: dict[str, Any], engagement_id: uuid.UUID) -> Any:
        """Record the document review's conclusion: one of the three of §5.1.4"""
        session = db.session()
        review = document_reviews.record_document_review(
            session, require_actor(), engagement_id, **data, ip=_ip()
        )
        flush_as_stored(session)
        return review


@planning_blp.route("/<uuid:engagement_id>/document-reviews/<uuid:review_id>")
class FieldDocumentReview(MethodView):
    @allow(Role.AUDITOR, Role.TEAM_LEADER)
    @planning_blp.doc(security=_SECURITY)
    @planning_blp.arguments(DeviceClockHeadersSchema, location="headers")
    @planning_blp.arguments(DocumentReviewCreateSchema)
    @planning_blp.response(201, DocumentReviewSchema, description="Created.")
    @planning_blp.alt_response(
        200, schema=DocumentReviewSchema, description="Replay of the same create."
    )
    @_errors(planning_blp, 401, 403, 404, 409, 422)
    def put(
        self,
        headers: dict[str, Any],
        data: dict[str, Any],
        engagement_id: uuid.UUID,
        review_id: uuid.UUID,
    ) -> Any:
        """Record the document review on the phone, under its id (idempotent; the audit team)

        The field app's offline path (§5.1.4): 201 on the first create, 200 when the same
        conclusion is sent again, 409 IDEMPOTENCY_CONFLICT when the id was used for another.
        """
        review, created = document_reviews.put_document_review(
            db.session(),
            require_actor(),
            engagement_id,
            review_id,
            data,
            device_time=headers.get("device_time"),
            ip=_ip(),
        )
        return review, 201 if created else 200


@planning_blp.route("/<uuid:engagement_id>/assignments/spread")
class SpreadAssignments(MethodView):
    @allow(Role.TEAM_LEADER)
    @planning_blp.doc(security=_SECURITY)
    @planning_blp.arguments(SpreadSchema)
    @planning_blp.response(201, SpreadResultSchema)
    @_errors(planning_blp, 401, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], engagement_id: uuid.UUID) -> dict[str, Any]:
        """Assign mystery-shopper visits spread over the sampled sites and the days"""
        views = spread.spread_assignments(
            db.session(), require_actor(), engagement_id, **data, ip=_ip()
        )
        flush_as_stored(db.session())
        return {"created": len(views), "assignment_ids": [v.assignment.id for v in views]}


# --------------------------------------------------------------------------- portal


@portal_blp.route("/applications")
class PortalApplications(MethodView):
    @allow(Role.CLIENT_USER)
    @portal_blp.doc(security=_SECURITY)
    @portal_blp.response(200, ApplicationSchema(many=True))
    @_errors(portal_blp, 401, 403)
    def get(self) -> Any:
        """My client's applications and the documents still asked for"""
        return portal.my_applications(db.session(), require_actor())


@portal_blp.route("/engagements")
class PortalEngagements(MethodView):
    @allow(Role.CLIENT_USER)
    @portal_blp.doc(security=_SECURITY)
    @portal_blp.response(200, PortalEngagementSchema(many=True))
    @_errors(portal_blp, 401, 403)
    def get(self) -> Any:
        """My client's engagements: plan status, document-review requests, accepted results

        Scores and accepted results: `/api/engagements/<id>/scores` and `/results`.
        """
        return portal.my_engagements(db.session(), require_actor())


@portal_blp.route("/plans")
class PortalPlans(MethodView):
    @allow(Role.CLIENT_USER)
    @portal_blp.doc(security=_SECURITY)
    @portal_blp.response(200, PortalPlanSchema(many=True))
    @_errors(portal_blp, 401, 403)
    def get(self) -> Any:
        """Audit plans sent to my client: to confirm, or confirmed"""
        return portal.my_plans(db.session(), require_actor())


@portal_blp.route("/plans/<uuid:engagement_id>")
class PortalPlan(MethodView):
    @allow(Role.CLIENT_USER)
    @portal_blp.doc(security=_SECURITY)
    @portal_blp.response(200, PortalPlanSchema)
    @_errors(portal_blp, 401, 403, 404)
    def get(self, engagement_id: uuid.UUID) -> Any:
        """One audit plan sent to my client"""
        return portal.my_plan(db.session(), require_actor(), engagement_id)


@portal_blp.route("/plans/<uuid:engagement_id>/confirm")
class PortalPlanConfirm(MethodView):
    @allow(Role.CLIENT_USER)
    @portal_blp.doc(security=_SECURITY)
    @portal_blp.arguments(ConfirmSchema)
    @portal_blp.response(200, PortalPlanSchema)
    @_errors(portal_blp, 401, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], engagement_id: uuid.UUID) -> Any:
        """Confirm the audit plan revision I read (§4.4.4 c))"""
        session = db.session()
        actor = require_actor()
        plans.confirm_plan(session, actor, engagement_id, revision=data["revision"], ip=_ip())
        flush_as_stored(session)
        return portal.my_plan(session, actor, engagement_id)


@portal_blp.route("/plans/<uuid:engagement_id>/plan.pdf")
class PortalPlanPdf(MethodView):
    @allow(Role.CLIENT_USER)
    @portal_blp.doc(**_pdf_doc("The audit plan as sent (PDF, A4, Chinese)."))
    @_errors(portal_blp, 401, 403, 404)
    def get(self, engagement_id: uuid.UUID) -> flask.Response:
        """The audit plan sent to my client, as a PDF"""
        found = portal.my_plan(db.session(), require_actor(), engagement_id)
        plan = found.plan
        data = plan_pdf(found.content, revision=plan.revision, issued_at=plan.issued_at)
        return _pdf(data, "audit-plan.pdf")
