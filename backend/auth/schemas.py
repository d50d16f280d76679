"""Sign-in input."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from backend.api import Schema


class LoginSchema(Schema):
    email = ma.fields.Email(required=True, validate=ma.validate.Length(max=254))
    #: Bounded so that nobody makes the server hash megabytes (argon2 reads all of it).
    password = ma.fields.String(
        required=True, load_only=True, validate=ma.validate.Length(min=1, max=1024)
    )

    @ma.pre_load
    def strip_email(self, data: Any, **kwargs: Any) -> Any:
        """Phone keyboards and autofill add spaces around addresses; they are not part of it."""
        if isinstance(data, dict) and isinstance(data.get("email"), str):
            return {**data, "email": data["email"].strip()}
        return data
