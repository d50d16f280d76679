"""``/api/health``: for load balancers, monitoring and the PWA's connectivity check."""

from __future__ import annotations

from flask.views import MethodView

from backend.api import Blueprint
from backend.auth.access import allow
from backend.errors import ErrorSchema
from backend.extensions import db
from backend.health.schemas import HealthSchema
from backend.health.services import check_health

blp = Blueprint("health", __name__, url_prefix="/api/health", description="Service health.")


@blp.route("")
class Health(MethodView):
    @allow(public=True)
    @blp.response(200, HealthSchema)
    @blp.alt_response(
        503, schema=ErrorSchema, description="DATABASE_UNAVAILABLE: the database did not answer."
    )
    def get(self) -> dict[str, str]:
        """Check that the service and its database answer"""
        return check_health(db.session())
