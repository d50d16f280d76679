"""``/api/auth``: sign in and out with a session cookie, the CSRF token, password changes."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView

from backend.api import Blueprint
from backend.auth import csrf, services
from backend.auth.access import EVERY_ROLE, allow, current_actor, require_actor, uses_device_token
from backend.auth.limits import acting_user_key, current_limits, rate_limit
from backend.auth.schemas import (
    CsrfTokenSchema,
    LoginSchema,
    PasswordChangeSchema,
    SignedIn,
    SignedInSchema,
)
from backend.auth.session import (
    end_session,
    keep_session_after_password_change,
    start_session,
)
from backend.errors import ErrorSchema
from backend.extensions import db
from backend.users.models import User
from backend.users.schemas import UserSchema

blp = Blueprint(
    "auth", __name__, url_prefix="/api/auth", description="Sign in and out (session cookie)."
)

_CSRF_403 = "CSRF_FAILED: X-CSRF-Token missing or not this session's token."
_LIMIT_429 = "TOO_MANY_REQUESTS: over the rate limit; Retry-After says when to try again."


@blp.route("/csrf")
class CsrfToken(MethodView):
    @allow(public=True)
    @blp.response(200, CsrfTokenSchema)
    def get(self) -> dict[str, str]:
        """The CSRF token of this session

        Starts a session when there is none (sign-in needs the token too). Send the token as
        the X-CSRF-Token header on every POST, PUT, PATCH and DELETE made with the session
        cookie; requests with a device token need none.
        """
        return {"csrf_token": csrf.session_token()}


@blp.route("/login")
class Login(MethodView):
    @allow(public=True)
    @rate_limit("FIELDCERT_LOGIN_RATE_LIMIT")
    @blp.arguments(LoginSchema)
    @blp.response(200, SignedInSchema)
    @blp.alt_response(400, schema=ErrorSchema, description="MALFORMED_JSON: the body is not JSON.")
    @blp.alt_response(
        401,
        schema=ErrorSchema,
        description="INVALID_CREDENTIALS: unknown address, wrong password or deactivated "
        "account (one answer for all three).",
    )
    @blp.alt_response(
        403, schema=ErrorSchema, description=_CSRF_403 + " Get it from GET /api/auth/csrf."
    )
    @blp.alt_response(
        429,
        schema=ErrorSchema,
        description=_LIMIT_429 + " ACCOUNT_LOCKED: too many failed passwords for this address.",
    )
    def post(self, credentials: dict[str, Any]) -> SignedIn:
        """Sign in with email address and password

        Needs the X-CSRF-Token of the pre-session (GET /api/auth/csrf). On success the response
        sets the HttpOnly session cookie and gives the new session's CSRF token.
        """
        user = services.login(
            db.session(),
            email=credentials["email"],
            password=credentials["password"],
            lockout=current_limits().lockout,
            ip=request.remote_addr,
        )
        start_session(user)
        return SignedIn(user=user, csrf_token=csrf.new_token())


@blp.route("/logout")
class Logout(MethodView):
    @allow(public=True)
    @blp.response(204)
    @blp.alt_response(403, schema=ErrorSchema, description=_CSRF_403)
    def post(self) -> None:
        """Sign out

        Clears the session cookie; succeeds also when nobody was signed in. A device token
        stays valid: revoke the device to end it.
        """
        if not uses_device_token():
            services.logout(db.session(), current_actor(), ip=request.remote_addr)
        end_session()


@blp.route("/me")
class Me(MethodView):
    @allow(*EVERY_ROLE)
    @blp.doc(security=[{"session": []}])
    @blp.response(200, UserSchema)
    @blp.alt_response(401, schema=ErrorSchema, description="AUTH_REQUIRED: not signed in.")
    def get(self) -> User:
        """The signed-in user"""
        return require_actor().user


@blp.route("/password")
class Password(MethodView):
    @allow(*EVERY_ROLE)
    @rate_limit("FIELDCERT_PASSWORD_RATE_LIMIT", key=acting_user_key)
    @blp.doc(security=[{"session": []}])
    @blp.arguments(PasswordChangeSchema)
    @blp.response(204)
    @blp.alt_response(401, schema=ErrorSchema, description="AUTH_REQUIRED: not signed in.")
    @blp.alt_response(403, schema=ErrorSchema, description=_CSRF_403)
    @blp.alt_response(
        422,
        schema=ErrorSchema,
        description="VALIDATION_ERROR: current_password wrong, or new_password shorter than "
        "10 characters, equal to the email address or to the current password.",
    )
    @blp.alt_response(429, schema=ErrorSchema, description=_LIMIT_429)
    def post(self, data: dict[str, Any]) -> None:
        """Change my password

        Needs the current password. Argon2id; at least 10 characters, not the email address.
        Every other signed-in browser of the user is signed out; this one stays signed in.
        """
        actor = require_actor()
        services.change_password(
            db.session(),
            actor,
            current_password=data["current_password"],
            new_password=data["new_password"],
            ip=request.remote_addr,
        )
        keep_session_after_password_change(actor.user)
