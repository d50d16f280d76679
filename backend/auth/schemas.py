"""Sign-in, CSRF and password-change input and output."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import marshmallow as ma

from backend.api import Schema
from backend.users.models import User
from backend.users.schemas import UserSchema

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
class SignedIn:
    """The answer to a sign-in: the user and the new session's CSRF token."""

    user: User
    csrf_token: str


class SignedInSchema(UserSchema):
    """The signed-in user, and the CSRF token to send as X-CSRF-Token on every write."""

    csrf_token = ma.fields.String(
        dump_only=True,
        metadata={"description": "Send as the X-CSRF-Token header on POST/PUT/PATCH/DELETE."},
    )

    @ma.pre_dump
    def flatten(self, data: SignedIn, **kwargs: Any) -> dict[str, Any]:
        fields = {name: getattr(data.user, name) for name in UserSchema._declared_fields}
        return {**fields, "csrf_token": data.csrf_token}


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
