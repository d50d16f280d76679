"""``/api/certificates/<id>/lifecycle`` and the audits that keep a certificate; ``/api/calendar``.

Administrators decide (extensions, extra surveillance, conclusions §7.4); administrators and team
leaders plan surveillance and recertification audits; staff read the lifecycle and the calendar.
Thin: parse, one service call, dump.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView

from backend.api import Blueprint
from backend.auth.access import allow, require_actor
from backend.extensions import db
from backend.lifecycle import lifecycle_json
from backend.surveillance import calendar as calendar_service
from backend.surveillance import services
from backend.surveillance.records import Assessed
from backend.surveillance.schemas import (
    CalendarQuerySchema,
    CalendarSchema,
    ConclusionSchema,
    ExtensionSchema,
    ExtraSurveillanceSchema,
    LifecycleSchema,
    RecertificationSchema,
    SurveillancePlanSchema,
)
from backend.users.models import Role

blp = Blueprint(
    "surveillance",
    __name__,
    url_prefix="/api",
    description="The life of a certificate: surveillance (§7), recertification (§8), "
    "suspension limits (§9.4) and the calendar of what is due.",
)
_SECURITY: list[dict[str, list[str]]] = [{"session": []}]
STAFF = (Role.ADMIN, Role.REVIEWER, Role.TEAM_LEADER, Role.AUDITOR)
PLANNERS = (Role.ADMIN, Role.TEAM_LEADER)
_ERRORS = {
    401: "AUTH_REQUIRED: not signed in.",
    403: "FORBIDDEN: the role may not do this.",
    404: "NOT_FOUND: no such certificate or audit that I may see.",
    409: "CERTIFICATE_ENDED: withdrawn or expired. RECERTIFICATION_WINDOW: outside §8's window "
    "(details.reason not_open_yet or new_application). CONFLICT: done already, or nothing due.",
    422: "VALIDATION_ERROR: details maps each field to its messages.",
}


def _errors(*statuses: int) -> Any:
    return blp.errors(_ERRORS, *statuses)


def _dump(a: Assessed) -> dict[str, Any]:
    c = a.certificate
    return {
        "certificate_id": c.id,
        "number": c.number,
        "client_id": a.engagement.client_id,
        "engagement_id": a.engagement.id,
        "status": a.result.certificate.status,
        "lifecycle": lifecycle_json(a.scheme, a.result),
        "audits": [
            {
                "engagement_id": x.engagement.id,
                "title": x.engagement.title,
                "kind": x.engagement.kind.value,
                "purpose": x.link.purpose,
                "starts_on": x.engagement.starts_on,
                "ends_on": x.engagement.ends_on,
                "reduced_sampling": x.link.reduced_sampling,
                "unchanged_note": x.link.unchanged_note,
                "applied_on": x.link.applied_on,
                "passed": x.link.passed,
                "concluded_on": x.link.concluded_on,
                "conclusion_note": x.link.conclusion_note,
                "extra_id": x.link.extra_id,
            }
            for x in a.linked
        ],
        "suspensions": [
            {
                "id": s.id,
                "started_on": s.started_on,
                "cause": s.cause,
                "reason": s.reason,
                "ended_on": s.ended_on,
                "ended_how": s.ended_how,
            }
            for s in a.suspensions
        ],
        "extensions": [
            {"number": e.number, "granted_on": e.granted_on, "reason": e.reason}
            for e in a.extensions
        ],
        "extras": [
            {
                "id": e.id,
                "cause": e.cause,
                "reason": e.reason,
                "decided_on": e.decided_on,
                "due_by": e.due_by,
            }
            for e in a.extras
        ],
    }


def _plan(data: dict[str, Any]) -> services.EngagementPlan:
    return services.EngagementPlan(
        starts_on=data["starts_on"],
        ends_on=data["ends_on"],
        leader_id=data.get("leader_id"),
        auditor_ids=data.get("auditor_ids", []),
        site_ids=data.get("site_ids"),
        modes=data.get("modes"),
        title=data.get("title"),
    )


@blp.route("/certificates/<uuid:certificate_id>/lifecycle")
class Lifecycle(MethodView):
    @allow(*STAFF)
    @blp.doc(security=_SECURITY)
    @blp.response(200, LifecycleSchema)
    @_errors(401, 403, 404)
    def get(self, certificate_id: uuid.UUID) -> Any:
        """A certificate's life today: surveillance due (§7.3), suspensions (§9.4), status,
        recertification window (§8), computed by the lifecycle core"""
        return _dump(services.certificate_lifecycle(db.session(), require_actor(), certificate_id))


@blp.route("/certificates/<uuid:certificate_id>/surveillances")
class Surveillances(MethodView):
    @allow(*PLANNERS)
    @blp.doc(security=_SECURITY)
    @blp.arguments(SurveillancePlanSchema)
    @blp.response(201, LifecycleSchema)
    @_errors(401, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], certificate_id: uuid.UUID) -> Any:
        """Plan a surveillance audit: an engagement of kind surveillance (§7.1, reduced
        sampling allowed with a note of what did not change)"""
        return _dump(
            services.plan_surveillance(
                db.session(),
                require_actor(),
                certificate_id,
                _plan(data),
                extra_id=data.get("extra_id"),
                reduced_sampling=data["reduced_sampling"],
                unchanged_note=data["unchanged_note"],
            )
        )


@blp.route("/certificate-audits/<uuid:engagement_id>/conclusion")
class Conclusion(MethodView):
    @allow(Role.ADMIN)
    @blp.doc(security=_SECURITY)
    @blp.arguments(ConclusionSchema)
    @blp.response(200, LifecycleSchema)
    @_errors(401, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], engagement_id: uuid.UUID) -> Any:
        """Record the body's evaluation of a surveillance or recertification audit (§7.4)"""
        return _dump(
            services.conclude_audit(
                db.session(),
                require_actor(),
                engagement_id,
                passed=data["passed"],
                note=data["note"],
                concluded_on=data.get("concluded_on"),
            )
        )


@blp.route("/certificates/<uuid:certificate_id>/surveillance-extension")
class Extension(MethodView):
    @allow(Role.ADMIN)
    @blp.doc(security=_SECURITY)
    @blp.arguments(ExtensionSchema)
    @blp.response(201, LifecycleSchema)
    @_errors(401, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], certificate_id: uuid.UUID) -> Any:
        """Extend the next annual surveillance to 31 December of its year (§7.3)"""
        return _dump(
            services.grant_extension(
                db.session(),
                require_actor(),
                certificate_id,
                reason=data["reason"],
                granted_on=data.get("granted_on"),
            )
        )


@blp.route("/certificates/<uuid:certificate_id>/extra-surveillances")
class ExtraSurveillances(MethodView):
    @allow(Role.ADMIN)
    @blp.doc(security=_SECURITY)
    @blp.arguments(ExtraSurveillanceSchema)
    @blp.response(201, LifecycleSchema)
    @_errors(401, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], certificate_id: uuid.UUID) -> Any:
        """Decide an extra surveillance after a complaint, doubt, change or negative news
        (§7.3)"""
        return _dump(
            services.add_extra_surveillance(
                db.session(),
                require_actor(),
                certificate_id,
                cause=data["cause"],
                reason=data["reason"],
                due_by=data["due_by"],
                decided_on=data.get("decided_on"),
            )
        )


@blp.route("/certificates/<uuid:certificate_id>/recertification")
class Recertification(MethodView):
    @allow(*PLANNERS)
    @blp.doc(security=_SECURITY)
    @blp.arguments(RecertificationSchema)
    @blp.response(201, LifecycleSchema)
    @_errors(401, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], certificate_id: uuid.UUID) -> Any:
        """Apply for recertification (§8: from 3 months before expiry to 3 months after) and
        plan its audit"""
        return _dump(
            services.apply_recertification(
                db.session(),
                require_actor(),
                certificate_id,
                _plan(data),
                applied_on=data.get("applied_on"),
            )
        )


@blp.route("/calendar")
class CalendarView(MethodView):
    @allow(*STAFF)
    @blp.doc(security=_SECURITY)
    @blp.arguments(CalendarQuerySchema, location="query")
    @blp.response(200, CalendarSchema)
    @_errors(401, 403, 422)
    def get(self, query: dict[str, Any]) -> Any:
        """What is due, per client and per team: surveillance, suspension limits,
        recertification, certificates to issue, nonconformity deadlines"""
        cal = calendar_service.calendar(
            db.session(),
            require_actor(),
            start=query.get("from_"),
            end=query.get("to"),
            client_id=query.get("client_id"),
            team=query.get("team"),
        )
        return {
            "from_": cal.start,
            "to": cal.end,
            "today": cal.today,
            "items": [
                {
                    "kind": i.kind,
                    "label_zh": i.label_zh,
                    "label_en": i.label_en,
                    "on": i.on,
                    "overdue": i.overdue,
                    "client_id": i.client_id,
                    "client_name": i.client_name,
                    "certificate_id": i.certificate_id,
                    "certificate_number": i.certificate_number,
                    "engagement_id": i.engagement_id,
                    "title_zh": i.title_zh,
                    "title_en": i.title_en,
                    "section": i.section,
                    "details": i.details,
                }
                for i in cal.items
            ],
        }
