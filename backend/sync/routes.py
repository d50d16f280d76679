"""``/api/sync``: reconciliation for field devices (docs/sync.md)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from backend.api import Blueprint
from backend.auth.access import EVERY_ROLE, allow, require_actor
from backend.errors import ErrorSchema
from backend.extensions import db
from backend.sync import services
from backend.sync.schemas import MineArgsSchema, MineSchema

blp = Blueprint(
    "sync", __name__, url_prefix="/api/sync", description="Offline sync: reconcile after failures."
)


@blp.route("/mine")
class Mine(MethodView):
    @allow(*EVERY_ROLE)
    @blp.doc(security=[{"session": []}])
    @blp.arguments(MineArgsSchema, location="query")
    @blp.response(200, MineSchema)
    @blp.alt_response(401, schema=ErrorSchema, description="AUTH_REQUIRED / DEVICE_REVOKED.")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """What the server has of mine: evaluation, assignment and evidence ids with hashes

        Evaluations carry the version and the content hash of their current version, assignments
        their version, evidence its SHA-256. `since` narrows evaluations and evidence.
        """
        return services.mine(
            db.session(),
            require_actor(),
            since=args["since"],
            this_device_only=args["this_device_only"],
        )
