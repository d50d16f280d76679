"""``/api/auth``: sign in and out with a session cookie."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from backend.api import Blueprint
from backend.auth import services
from backend.auth.schemas import LoginSchema
from backend.auth.session import end_session, require_user, start_session
from backend.errors import ErrorSchema
from backend.extensions import db
from backend.users.models import User
from backend.users.schemas import UserSchema

blp = Blueprint(
    "auth", __name__, url_prefix="/api/auth", description="Sign in and out (session cookie)."
)


@blp.route("/login")
class Login(MethodView):
    @blp.arguments(LoginSchema)
    @blp.response(200, UserSchema)
    @blp.alt_response(400, schema=ErrorSchema, description="MALFORMED_JSON: the body is not JSON.")
    @blp.alt_response(
        401,
        schema=ErrorSchema,
        description="INVALID_CREDENTIALS: unknown address, wrong password or deactivated "
        "account (one answer for all three).",
    )
    def post(self, credentials: dict[str, Any]) -> User:
        """Sign in with email address and password

        On success the response sets the HttpOnly session cookie.
        """
        user = services.authenticate(
            db.session(), email=credentials["email"], password=credentials["password"]
        )
        start_session(user)
        return user


@blp.route("/logout")
class Logout(MethodView):
    @blp.response(204)
    def post(self) -> None:
        """Sign out

        Clears the session cookie; succeeds also when nobody was signed in.
        """
        end_session()


@blp.route("/me")
class Me(MethodView):
    @blp.doc(security=[{"session": []}])
    @blp.response(200, UserSchema)
    @blp.alt_response(401, schema=ErrorSchema, description="AUTH_REQUIRED: not signed in.")
    def get(self) -> User:
        """The signed-in user"""
        return require_user()
