"""Sign-in, CSRF and password-change input and output."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import marshmallow as ma

from backend.api import Schema
from backend.i18n import request_language
from backend.users.models import User
from backend.users.schemas import UserSchema

if TYPE_CHECKING:
    from backend.auth.services import SignInActivity

#: Bounded so that nobody makes the server hash megabytes (argon2 reads all of it).
_PASSWORD_LENGTH = ma.validate.Length(min=1, max=1024)


class LoginSchema(Schema):
    email = ma.fields.Email(required=True, validate=ma.validate.Length(max=254))
    password = ma.fields.String(required=True, load_only=True, validate=_PASSWORD_LENGTH)

    @ma.pre_load
    def strip_email(self, data: Any, **kwargs: Any) -> Any:
        """Phone keyboards and autofill add spaces around addresses; they are not part of it."""
        if isinstance(data, dict) and isinstance(data.get("email"), str):
            return {**data, "email": data["email"].strip()}
        return data


@dataclass(frozen=True, slots=True)
class MeView:
    """The signed-in user, their recent failed sign-ins, and (after a sign-in) the CSRF token."""

    user: User
    activity: SignInActivity
    csrf_token: str | None = None


class SignInActivitySchema(Schema):
    """Failed sign-ins of my account since my previous sign-in (at most 30 days back)."""

    since = ma.fields.DateTime(dump_only=True)
    failed_attempts = ma.fields.Integer(
        dump_only=True, metadata={"description": "Sign-ins with a wrong password."}
    )
    last_failed_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    locked = ma.fields.Boolean(
        dump_only=True,
        metadata={"description": "The account was locked or slowed down for some address."},
    )
    message = ma.fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "What to tell the user (zh-CN or English); null: nothing."},
    )


class MeSchema(UserSchema):
    """The signed-in user, with what they should know about failed sign-ins."""

    sign_in_activity = ma.fields.Nested(SignInActivitySchema, dump_only=True)

    @ma.pre_dump
    def flatten(self, data: MeView, **kwargs: Any) -> dict[str, Any]:
        fields = {name: getattr(data.user, name) for name in UserSchema._declared_fields}
        activity = data.activity
        return {
            **fields,
            "csrf_token": data.csrf_token,
            "sign_in_activity": {
                "since": activity.since,
                "failed_attempts": activity.failed_attempts,
                "last_failed_at": activity.last_failed_at,
                "locked": activity.locked,
                "message": activity.message(request_language()),
            },
        }


class SignedInSchema(MeSchema):
    """The signed-in user, and the CSRF token to send as X-CSRF-Token on every write."""

    csrf_token = ma.fields.String(
        dump_only=True,
        metadata={"description": "Send as the X-CSRF-Token header on POST/PUT/PATCH/DELETE."},
    )


class SessionSchema(Schema):
    """A browser signed in to my account (a live server-side session)."""

    id = ma.fields.UUID(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True, metadata={"description": "Signed in at."})
    last_seen_at = ma.fields.DateTime(dump_only=True)
    expires_at = ma.fields.DateTime(dump_only=True)
    user_agent = ma.fields.String(dump_only=True, allow_none=True)
    ip = ma.fields.String(dump_only=True, allow_none=True)
    current = ma.fields.Boolean(dump_only=True, metadata={"description": "This browser."})


class CsrfTokenSchema(Schema):
    csrf_token = ma.fields.String(
        dump_only=True,
        metadata={"description": "Send as the X-CSRF-Token header on POST/PUT/PATCH/DELETE."},
    )


class PasswordChangeSchema(Schema):
    current_password = ma.fields.String(required=True, load_only=True, validate=_PASSWORD_LENGTH)
    #: The length rules (at least 10 characters, not the email address) are checked by the
    #: service, which knows the address; here only the bound that protects the hasher.
    new_password = ma.fields.String(required=True, load_only=True, validate=_PASSWORD_LENGTH)
