"""``/api/users``: the people of the signed-in administrator's organisation."""

from __future__ import annotations

from collections.abc import Sequence

from flask.views import MethodView

from backend.api import Blueprint
from backend.auth.session import require_user
from backend.errors import ErrorSchema
from backend.extensions import db
from backend.users import services
from backend.users.models import User
from backend.users.schemas import UserSchema

blp = Blueprint("users", __name__, url_prefix="/api/users", description="Users.")


@blp.route("")
class Users(MethodView):
    @blp.doc(security=[{"session": []}])
    @blp.response(200, UserSchema(many=True))
    @blp.alt_response(401, schema=ErrorSchema, description="AUTH_REQUIRED: not signed in.")
    @blp.alt_response(403, schema=ErrorSchema, description="FORBIDDEN: not an administrator.")
    def get(self) -> Sequence[User]:
        """List the users of my organisation

        Administrators only.
        """
        return services.list_users(db.session(), require_user())
