"""``/api/engagements``, ``/api/assignments`` and ``/api/me/assignments``.

Engagements: administrators and team leaders plan them; each role sees its own subset
(``access``: the table of standing × need). Assignments: the engagement's team leader assigns
visits; the team and administrators see them; a shopper sees only their own, with everything the
phone needs offline; client users never see any (shopper identities are confidential).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from flask import request
from flask.views import MethodView

from backend.api import Blueprint
from backend.auth.access import allow, require_actor
from backend.concurrency import etag, parse_if_match
from backend.engagements import services
from backend.engagements.schemas import (
    AssignmentCreateSchema,
    AssignmentSchema,
    AssignmentUpdateSchema,
    EngagementCreateSchema,
    EngagementSchema,
    EngagementUpdateSchema,
    FieldAssignmentSchema,
)
from backend.extensions import db
from backend.users.models import Role

engagements_blp = Blueprint(
    "engagements",
    __name__,
    url_prefix="/api/engagements",
    description="Engagements: one audit of one client against one pinned scheme version.",
)
assignments_blp = Blueprint(
    "assignments",
    __name__,
    url_prefix="/api/assignments",
    description="Mystery-shopper assignments (never shown to client users).",
)
me_blp = Blueprint(
    "my_assignments",
    __name__,
    url_prefix="/api/me",
    description="The signed-in shopper's own assignments, ready for offline use.",
)

VIEWERS = tuple(sorted(services.VIEWERS))
CREATORS = tuple(sorted(services.CREATORS))
#: The engagement's team (checked per engagement in the services) and administrators.
ASSIGNMENT_READERS = (Role.ADMIN, Role.AUDITOR, Role.SHOPPER, Role.TEAM_LEADER)

_ERRORS = {
    401: "AUTH_REQUIRED: not signed in.",
    403: "FORBIDDEN: the role, or the role on this engagement's team, may not do this.",
    404: "NOT_FOUND: no such record that I may see.",
    409: "CONFLICT / INVALID_TRANSITION: not possible in the current state.",
    412: "PRECONDITION_FAILED: If-Match names an old version (details.current_version).",
    422: "VALIDATION_ERROR: the body does not validate (unknown fields are refused).",
    428: "PRECONDITION_REQUIRED: send If-Match with the ETag of the version you change.",
}


def _errors(blp: Blueprint, *statuses: int) -> Callable[[Any], Any]:
    """Document the error answers of a view from this module's table."""
    return blp.errors(_ERRORS, *statuses)


_ETAG_HEADER = {
    "ETag": {
        "description": 'The version, e.g. "v2": send it as If-Match to edit.',
        "schema": {"type": "string"},
    }
}


def _ip() -> str | None:
    return request.remote_addr


@engagements_blp.route("")
class Engagements(MethodView):
    @allow(*VIEWERS)
    @engagements_blp.doc(security=[{"session": []}])
    @engagements_blp.response(200, EngagementSchema(many=True))
    @_errors(engagements_blp, 401, 403)
    def get(self) -> list[services.EngagementView]:
        """List the engagements I may see

        Administrators: all of the organisation; team leaders and auditors: those they are on;
        reviewers: those they are not on (CQC §6.1, §6.2).
        """
        return services.list_engagements(db.session(), require_actor())

    @allow(*CREATORS)
    @engagements_blp.doc(security=[{"session": []}])
    @engagements_blp.arguments(EngagementCreateSchema)
    @engagements_blp.response(201, EngagementSchema)
    @_errors(engagements_blp, 401, 403, 422)
    def post(self, data: dict[str, Any]) -> services.EngagementView:
        """Plan an engagement

        Administrators and team leaders. The team leader defaults to the signed-in team leader.
        """
        session = db.session()
        engagement = services.create_engagement(session, require_actor(), **data, ip=_ip())
        return services.engagement_view(session, engagement)


@engagements_blp.route("/<uuid:engagement_id>")
class EngagementResource(MethodView):
    @allow(*VIEWERS)
    @engagements_blp.doc(security=[{"session": []}])
    @engagements_blp.response(200, EngagementSchema)
    @_errors(engagements_blp, 401, 403, 404)
    def get(self, engagement_id: uuid.UUID) -> services.EngagementView:
        """One engagement"""
        return services.get_engagement(db.session(), require_actor(), engagement_id)

    @allow(*CREATORS)
    @engagements_blp.doc(security=[{"session": []}])
    @engagements_blp.arguments(EngagementUpdateSchema)
    @engagements_blp.response(200, EngagementSchema)
    @_errors(engagements_blp, 401, 403, 404, 409, 422)
    def patch(self, changes: dict[str, Any], engagement_id: uuid.UUID) -> services.EngagementView:
        """Change an engagement's plan

        Administrators and the engagement's team leader. Team members can be added, not removed.
        """
        session = db.session()
        engagement = services.update_engagement(
            session, require_actor(), engagement_id, changes, ip=_ip()
        )
        return services.engagement_view(session, engagement)


@engagements_blp.route("/<uuid:engagement_id>/assignments")
class EngagementAssignments(MethodView):
    @allow(Role.ADMIN, Role.AUDITOR, Role.TEAM_LEADER)
    @engagements_blp.doc(security=[{"session": []}])
    @engagements_blp.response(200, AssignmentSchema(many=True))
    @_errors(engagements_blp, 401, 403, 404)
    def get(self, engagement_id: uuid.UUID) -> list[services.AssignmentView]:
        """List an engagement's assignments

        The engagement's team and administrators; the read is logged (it names shoppers).
        """
        return services.list_engagement_assignments(
            db.session(), require_actor(), engagement_id, ip=_ip()
        )

    @allow(Role.TEAM_LEADER)
    @engagements_blp.doc(security=[{"session": []}])
    @engagements_blp.arguments(AssignmentCreateSchema)
    @engagements_blp.response(201, AssignmentSchema, headers=_ETAG_HEADER)
    @_errors(engagements_blp, 401, 403, 404, 409, 422)
    def post(
        self, data: dict[str, Any], engagement_id: uuid.UUID
    ) -> tuple[services.AssignmentView, int, dict[str, str]]:
        """Assign a mystery-shopper visit

        The engagement's team leader. The site must be one of the engagement's sites, the
        shopper a mystery shopper of the organisation, and the mode one the engagement uses.
        """
        view = services.create_assignment(
            db.session(), require_actor(), engagement_id, **data, ip=_ip()
        )
        return view, 201, {"ETag": etag(view.assignment.version)}


@assignments_blp.route("/<uuid:assignment_id>")
class AssignmentResource(MethodView):
    @allow(*ASSIGNMENT_READERS)
    @assignments_blp.doc(security=[{"session": []}])
    @assignments_blp.response(200, AssignmentSchema, headers=_ETAG_HEADER)
    @_errors(assignments_blp, 401, 403, 404)
    def get(self, assignment_id: uuid.UUID) -> tuple[services.AssignmentView, int, dict[str, str]]:
        """One assignment

        A shopper's own, or any of an engagement whose team I am on (administrators: all).
        """
        view = services.get_assignment(db.session(), require_actor(), assignment_id, ip=_ip())
        return view, 200, {"ETag": etag(view.assignment.version)}

    @allow(Role.TEAM_LEADER)
    @assignments_blp.doc(
        security=[{"session": []}],
        parameters=[
            {
                "in": "header",
                "name": "If-Match",
                "required": True,
                "schema": {"type": "string"},
                "description": 'The ETag of the version being changed, e.g. "v1".',
            }
        ],
    )
    @assignments_blp.arguments(AssignmentUpdateSchema)
    @assignments_blp.response(200, AssignmentSchema, headers=_ETAG_HEADER)
    @_errors(assignments_blp, 401, 403, 404, 409, 412, 422, 428)
    def patch(
        self, changes: dict[str, Any], assignment_id: uuid.UUID
    ) -> tuple[services.AssignmentView, int, dict[str, str]]:
        """Cancel an assignment or change its window or instructions

        The engagement's team leader, with If-Match (a stale version answers 412).
        """
        view = services.update_assignment(
            db.session(),
            require_actor(),
            assignment_id,
            changes,
            expected_version=parse_if_match(request.headers.get("If-Match")),
            ip=_ip(),
        )
        return view, 200, {"ETag": etag(view.assignment.version)}


@me_blp.route("/assignments")
class MyAssignments(MethodView):
    @allow(Role.SHOPPER)
    @me_blp.doc(security=[{"session": []}])
    @me_blp.response(200, FieldAssignmentSchema(many=True))
    @_errors(me_blp, 401, 403)
    def get(self) -> Sequence[dict[str, Any]]:
        """My assignments, for offline use

        Mystery shoppers: their own assignments with the site (WGS-84 location, geofence), the
        window, the instructions and the scheme items to rate with their scale labels.
        """
        return services.my_assignments(db.session(), require_actor())
