"""``/api/auth``: sign in and out with a session cookie, the CSRF token, password changes."""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app, request
from flask.views import MethodView

from backend.api import Blueprint
from backend.auth import csrf, services
from backend.auth.access import EVERY_ROLE, allow, current_actor, require_actor, uses_device_token
from backend.auth.limits import acting_user_key, current_limits, rate_limit
from backend.auth.models import UserSession
from backend.auth.schemas import (
    CsrfTokenSchema,
    LoginSchema,
    MeSchema,
    MeView,
    PasswordChangeSchema,
    SessionSchema,
    SignedInSchema,
)
from backend.auth.session import current_session_id, end_session, start_session
from backend.db import utcnow
from backend.errors import ErrorSchema
from backend.extensions import db

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
        description=_LIMIT_429 + " ACCOUNT_LOCKED: too many failed passwords for this account "
        "from this address. TOO_MANY_REQUESTS (details.reason): too many failed passwords "
        "from this address. SIGN_IN_THROTTLED: the account is under attack from elsewhere; "
        "one try per Retry-After from an address it has not signed in from.",
    )
    def post(self, credentials: dict[str, Any]) -> MeView:
        """Sign in with email address and password

        Needs the X-CSRF-Token of the pre-session (GET /api/auth/csrf). On success the response
        sets the HttpOnly session cookie and gives the new session's CSRF token, and tells of
        failed sign-ins since the previous one (sign_in_activity).
        """
        signed_in = services.login(
            db.session(),
            email=credentials["email"],
            password=credentials["password"],
            throttle=current_limits().throttle,
            lifetime=current_app.permanent_session_lifetime,
            ip=request.remote_addr,
            user_agent=request.headers.get("User-Agent"),
        )
        start_session(signed_in.user, signed_in.user_session, signed_in.token)
        return MeView(user=signed_in.user, activity=signed_in.activity, csrf_token=csrf.new_token())


@blp.route("/logout")
class Logout(MethodView):
    @allow(public=True)
    @blp.response(204)
    @blp.alt_response(403, schema=ErrorSchema, description=_CSRF_403)
    def post(self) -> None:
        """Sign out

        Ends the session on the server (a copy of the cookie signs nobody in any more) and
        clears the cookie; succeeds also when nobody was signed in. A device token stays
        valid: revoke the device to end it.
        """
        if not uses_device_token():
            services.logout(
                db.session(),
                current_actor(),
                session_id=current_session_id(),
                ip=request.remote_addr,
            )
        end_session()


@blp.route("/me")
class Me(MethodView):
    @allow(*EVERY_ROLE)
    @blp.doc(security=[{"session": []}])
    @blp.response(200, MeSchema)
    @blp.alt_response(401, schema=ErrorSchema, description="AUTH_REQUIRED: not signed in.")
    def get(self) -> MeView:
        """The signed-in user

        With sign_in_activity: failed sign-ins of the account since its previous sign-in, and
        whether it was locked meanwhile (a message in the request's language when there were).
        """
        actor = require_actor()
        row = db.session().get(UserSession, current_session_id()) if not actor.device else None
        before = row.created_at if row is not None else utcnow()
        activity = services.sign_in_activity(db.session(), actor.user, before=before)
        return MeView(user=actor.user, activity=activity)


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
        Every other signed-in browser of the user is signed out (this one stays signed in),
        and every paired device but the one making the change is revoked (DEVICE_REVOKED:
        pair it again).
        """
        actor = require_actor()
        services.change_password(
            db.session(),
            actor,
            current_password=data["current_password"],
            new_password=data["new_password"],
            keep_session=current_session_id(),
            ip=request.remote_addr,
        )


@blp.route("/sessions")
class Sessions(MethodView):
    @allow(*EVERY_ROLE)
    @blp.doc(security=[{"session": []}])
    @blp.response(200, SessionSchema(many=True))
    @blp.alt_response(401, schema=ErrorSchema, description="AUTH_REQUIRED: not signed in.")
    def get(self) -> list[services.SessionView]:
        """My signed-in browsers

        Each live session: when it started and was last used, the browser and address it
        signed in from; `current` marks this one.
        """
        return services.my_sessions(db.session(), require_actor(), current=current_session_id())


@blp.route("/sessions/<uuid:session_id>")
class SessionById(MethodView):
    @allow(*EVERY_ROLE)
    @blp.doc(security=[{"session": []}])
    @blp.response(204)
    @blp.alt_response(401, schema=ErrorSchema, description="AUTH_REQUIRED: not signed in.")
    @blp.alt_response(403, schema=ErrorSchema, description=_CSRF_403)
    @blp.alt_response(404, schema=ErrorSchema, description="NOT_FOUND: no such session of mine.")
    def delete(self, session_id: uuid.UUID) -> None:
        """Sign out one of my browsers

        Its cookie signs nobody in any more (this browser's own too, when it is this one).
        """
        services.end_my_session(db.session(), require_actor(), session_id, ip=request.remote_addr)
