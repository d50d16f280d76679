"""``/api/fieldapp``: reads for the field app's screens (issue 4)."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView

from backend.api import Blueprint
from backend.auth.access import allow, require_actor
from backend.extensions import db
from backend.fieldapp import services
from backend.fieldapp.schemas import EngagementPacketSchema, ScaleWithBandsSchema

blp = Blueprint(
    "fieldapp",
    __name__,
    url_prefix="/api/fieldapp",
    description="Reads for the field app: an engagement's packet for offline capture and review.",
)

_ERRORS = {
    401: "AUTH_REQUIRED: not signed in.",
    403: "FORBIDDEN: only auditors, team leaders and reviewers.",
    404: "NOT_FOUND: no such engagement that I may see.",
}


@blp.route("/engagements/<uuid:engagement_id>/packet")
class EngagementPacket(MethodView):
    @allow(*sorted(services.READERS))
    @blp.doc(security=[{"session": []}])
    @blp.response(200, EngagementPacketSchema)
    @blp.errors(_ERRORS, 401, 403, 404)
    def get(self, engagement_id: uuid.UUID) -> dict[str, Any]:
        """An engagement's sites and items to rate, for offline use

        Team leaders and auditors of the engagement (open inspection, mode A, and review);
        reviewers for the engagements they may review. Sites come in WGS-84 with their geofence.
        """
        return services.engagement_packet(db.session(), require_actor(), engagement_id)


@blp.route("/schemes/<uuid:scheme_version_id>/scales")
class SchemeScales(MethodView):
    @allow(*sorted(services.SCALE_READERS))
    @blp.doc(security=[{"session": []}])
    @blp.response(200, ScaleWithBandsSchema(many=True))
    @blp.errors(
        {**_ERRORS, 403: "FORBIDDEN: only shoppers, auditors, team leaders and reviewers."},
        401,
        403,
        404,
    )
    def get(self, scheme_version_id: uuid.UUID) -> list[dict[str, Any]]:
        """A scheme version's rating scales with each level's α band

        For the rating screen: the level buttons show the α interval of each Likert level
        (§5.1.1 2)) and the α a bare level counts as.
        """
        return services.scheme_scales(db.session(), require_actor(), scheme_version_id)
