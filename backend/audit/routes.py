"""``/api/audit``: the append-only audit log, for administrators."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import request
from flask.views import MethodView

from backend import paging
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
    @blp.response(200, AuditPageSchema, headers=paging.PAGE_HEADERS)
    @blp.alt_response(401, schema=ErrorSchema, description="AUTH_REQUIRED: not signed in.")
    @blp.alt_response(403, schema=ErrorSchema, description="FORBIDDEN: not an administrator.")
    def get(self, args: dict[str, Any]) -> Any:
        """Read the audit log

        Administrators only: my organisation's entries, newest first, filtered by action,
        object, actor and time; pages of ``limit`` entries cut by id (``before_id``). When more
        follow, `next_before_id`, and the `X-Next-Cursor` header (and `Link: <…>; rel="next"`)
        whose value goes back as `cursor`. Each read is itself logged.
        """
        filters = queries.AuditFilter(
            action=args.get("action"),
            object_type=args.get("object_type"),
            object_id=args.get("object_id"),
            actor_id=args.get("actor"),
            since=args.get("since"),
            until=args.get("until"),
        )
        page = queries.list_entries(
            db.session(),
            require_actor(),
            filters,
            before_id=args.get("before_id"),
            cursor=args.get("cursor"),
            limit=args["limit"],
            ip=request.remote_addr,
        )
        return (
            page,
            200,
            paging.page_headers(paging.Page(page.items, page.next_cursor), replaces=("before_id",)),
        )
