"""``/api/audit``: the append-only audit log, for administrators."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import request
from flask.views import MethodView

from backend.api import Blueprint
from backend.audit import queries
from backend.audit.schemas import AuditPageSchema, AuditQuerySchema
from backend.auth.access import allow, require_actor
from backend.errors import ErrorSchema
from backend.extensions import db
from backend.users.models import Role

blp = Blueprint(
    "audit",
    __name__,
    url_prefix="/api/audit",
    description="The audit log: every state change and every read of personal data.",
)


@blp.route("")
class AuditLog(MethodView):
    @allow(Role.ADMIN)
    @blp.doc(security=[{"session": []}])
    # Unknown query parameters are refused too (webargs would drop them from a query string).
    @blp.arguments(AuditQuerySchema, location="query", unknown=ma.RAISE)
    @blp.response(200, AuditPageSchema)
    @blp.alt_response(401, schema=ErrorSchema, description="AUTH_REQUIRED: not signed in.")
    @blp.alt_response(403, schema=ErrorSchema, description="FORBIDDEN: not an administrator.")
    def get(self, args: dict[str, Any]) -> queries.AuditPage:
        """Read the audit log

        Administrators only: my organisation's entries, newest first, filtered by action,
        object, actor and time; pages of ``limit`` entries cut by id (``before_id``). Each read
        is itself logged.
        """
        filters = queries.AuditFilter(
            action=args.get("action"),
            object_type=args.get("object_type"),
            object_id=args.get("object_id"),
            actor_id=args.get("actor"),
            since=args.get("since"),
            until=args.get("until"),
        )
        return queries.list_entries(
            db.session(),
            require_actor(),
            filters,
            before_id=args.get("before_id"),
            limit=args["limit"],
            ip=request.remote_addr,
        )
