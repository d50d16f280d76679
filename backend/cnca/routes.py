"""``GET /api/cnca/<YYYY-MM>/<sheet>.xlsx``: the CNCA monthly sheets, for administrators.

``sheet``: ``certificates`` (证书信息), ``audit-plans`` (审核计划), ``audit-results`` (审核结果)
or ``all`` (the three in one workbook). Thin: one service call writes the workbook.
"""

from __future__ import annotations

import io

import flask
from flask.views import MethodView

from backend.api import Blueprint
from backend.auth.access import allow, require_actor
from backend.cnca import services
from backend.extensions import db
from backend.users.models import Role

blp = Blueprint(
    "cnca",
    __name__,
    url_prefix="/api/cnca",
    description="CNCA monthly reporting: certificate, audit-plan and audit-result sheets (XLSX).",
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ERRORS = {
    401: "AUTH_REQUIRED: not signed in.",
    403: "FORBIDDEN: not an administrator of the body.",
    404: "NOT_FOUND: no such sheet (certificates, audit-plans, audit-results, all).",
    422: "VALIDATION_ERROR: the month is not YYYY-MM.",
}


@blp.route("/<string:month>/<string:sheet>.xlsx")
class CncaSheet(MethodView):
    @allow(Role.ADMIN)
    @blp.doc(
        responses={
            "200": {
                "description": "The sheet(s) of the month, Chinese column headers as reported.",
                "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
            }
        },
        security=[{"session": []}],
    )
    @blp.errors(_ERRORS, 401, 403, 404, 422)
    def get(self, month: str, sheet: str) -> flask.Response:
        """A CNCA monthly sheet of my organisation as XLSX (Beijing calendar month)"""
        buffer = io.BytesIO()
        written = services.monthly_sheet(db.session(), require_actor(), month, sheet, buffer)
        response = flask.Response(buffer.getvalue(), mimetype=XLSX)
        response.headers["Content-Disposition"] = f'attachment; filename="{written.file_name}"'
        response.headers["Cache-Control"] = "no-store"
        return response
