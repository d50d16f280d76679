"""``GET /api/engagements/<id>/report.pdf``: the engagement report (issue 10); the engagement
page's reads: ``…/overview`` (field work at a glance) and ``…/charts/radar.svg`` (the radar chart
the report prints, drawn on the server).

Thin: the service gathers the plain data (``engagement.engagement_report``), the renderer makes
the PDF. Audit plans and posters are rendered by their own features' endpoints.
"""

from __future__ import annotations

import uuid
from typing import Any

import flask
from flask.views import MethodView

from backend.api import Blueprint
from backend.auth.access import allow, require_actor
from backend.evaluations.scores import engagement_scores
from backend.extensions import db
from backend.i18n import Language, request_language
from backend.reports import engagement, overview
from backend.reports.charts import Datum, radar_svg
from backend.reports.schemas import ChartArgsSchema, EngagementOverviewSchema
from backend.users.models import Role

blp = Blueprint(
    "engagement-reports",
    __name__,
    url_prefix="/api/engagements",
    description="Printable engagement reports (PDF, Chinese, fonts embedded).",
)

#: Staff who may read the engagement's scores (the check of /api/engagements/<id>/scores),
#: without client users: the report carries the integrity flags, the reviewer's tools.
READERS = (Role.AUDITOR, Role.TEAM_LEADER, Role.REVIEWER)

_ERRORS = {
    401: "AUTH_REQUIRED: not signed in.",
    403: "FORBIDDEN (role, not on the audit team) / CONFLICT_OF_INTEREST (a reviewer who was "
    "on the audit team).",
    404: "NOT_FOUND: no such engagement that I may see.",
    422: "VALIDATION_ERROR: a query argument out of range.",
}


@blp.route("/<uuid:engagement_id>/report.pdf")
class EngagementReportPdf(MethodView):
    @allow(*READERS)
    @blp.doc(
        responses={
            "200": {
                "description": "The engagement report, A4, Chinese, marked 阶段性结果 while "
                "results are incomplete.",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        },
        security=[{"session": []}],
    )
    @blp.errors(_ERRORS, 401, 403, 404)
    def get(self, engagement_id: uuid.UUID) -> flask.Response:
        """The engagement report as a PDF: scores, radar chart, per mode, site, characteristic

        The service score with its explanation (§5.1.2), per-characteristic radar chart and
        table, per-mode and per-site means, the integrity flags of the counted evaluations and
        the decision once recorded. Reading it is logged (the flags derive from GPS tracks).
        """
        report = engagement.engagement_report(db.session(), require_actor(), engagement_id)
        pdf = engagement.render_engagement_report(report)
        response = flask.Response(pdf, mimetype="application/pdf")
        name = f"engagement-report-{report.engagement_id[:8]}.pdf"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        response.headers["Cache-Control"] = "no-store"
        return response


@blp.route("/<uuid:engagement_id>/overview")
class EngagementOverview(MethodView):
    @allow(*READERS)
    @blp.doc(security=[{"session": []}])
    @blp.response(200, EngagementOverviewSchema)
    @blp.errors(_ERRORS, 401, 403, 404)
    def get(self, engagement_id: uuid.UUID) -> dict[str, Any]:
        """Where an engagement's field work stands: modes, evaluations, visits, surveys, flags

        Per mode done or open; evaluations submitted / accepted / returned; visits by state;
        survey answers against each site's target sample; the integrity flags still open (on
        evaluations waiting for review). The scores: ``GET …/scores``. Reading it is logged when
        flags were computed (they derive from GPS tracks).
        """
        return overview.engagement_overview(
            db.session(), require_actor(), engagement_id, ip=flask.request.remote_addr
        )


#: Who reads the scores (``GET …/scores``): the chart shows nothing else.
CHART_READERS = (Role.ADMIN, Role.AUDITOR, Role.TEAM_LEADER, Role.REVIEWER, Role.CLIENT_USER)


@blp.route("/<uuid:engagement_id>/charts/radar.svg")
class EngagementRadarChart(MethodView):
    @allow(*CHART_READERS)
    @blp.doc(
        responses={
            "200": {
                "description": "The per-characteristic radar chart, SVG without script.",
                "content": {"image/svg+xml": {"schema": {"type": "string"}}},
            }
        },
        security=[{"session": []}],
    )
    @blp.arguments(ChartArgsSchema, location="query")
    @blp.errors(_ERRORS, 401, 403, 404, 422)
    def get(self, args: dict[str, Any], engagement_id: uuid.UUID) -> flask.Response:
        """The per-characteristic scores as a radar chart (SVG), as the report prints it

        The scores of ``GET …/scores`` (the scoring core, the engagement's pinned scheme
        version), labelled in the request's language.
        """
        scores = engagement_scores(db.session(), require_actor(), engagement_id)
        english = (Language(args["lang"]) if args["lang"] else request_language()) is Language.EN
        title = "Score per service characteristic" if english else "各服务特性得分"
        chart = radar_svg(
            [
                Datum(c["title"]["en" if english else "zh"], c["score"])
                for c in scores["per_characteristic"]
            ],
            title=title,
        )
        response = flask.Response(chart, mimetype="image/svg+xml")
        response.headers["Cache-Control"] = "private, no-store"
        return response
