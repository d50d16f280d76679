"""How users and organisations appear in the API, and what administrators send to change them."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from backend.api import Schema
from backend.auth.passwords import MAX_PASSWORD_LENGTH
from backend.users.models import Role


class OrganisationSchema(Schema):
    id = ma.fields.UUID(dump_only=True)
    name = ma.fields.String(dump_only=True)


class UserSchema(Schema):
    """A user as others may see them: never the password hash."""

    id = ma.fields.UUID(dump_only=True)
    email = ma.fields.String(dump_only=True)
    display_name = ma.fields.String(dump_only=True)
    role = ma.fields.Enum(Role, by_value=True, dump_only=True)
    is_active = ma.fields.Boolean(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)
    organisation = ma.fields.Nested(OrganisationSchema, dump_only=True)


class ManagedUserSchema(UserSchema):
    """A user as administrators see them: also the client a client user belongs to."""

    client_id = ma.fields.UUID(dump_only=True, allow_none=True)


class UserCreateSchema(Schema):
    email = ma.fields.Email(required=True, validate=ma.validate.Length(max=254))
    display_name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    role = ma.fields.Enum(Role, by_value=True, required=True)
    #: The initial password (at least 10 characters, not the email address: checked by the
    #: service); the user changes it with POST /api/auth/password.
    password = ma.fields.String(
        required=True, load_only=True, validate=ma.validate.Length(min=1, max=MAX_PASSWORD_LENGTH)
    )
    #: Only for client users: the client whose results they may see.
    client_id = ma.fields.UUID(load_default=None, allow_none=True)

    @ma.pre_load
    def strip_email(self, data: Any, **kwargs: Any) -> Any:
        """Spaces around a pasted address are not part of it (the service lowercases it)."""
        if isinstance(data, dict) and isinstance(data.get("email"), str):
            return {**data, "email": data["email"].strip()}
        return data


class UserUpdateSchema(Schema):
    """Only the fields sent change."""

    role = ma.fields.Enum(Role, by_value=True)
    is_active = ma.fields.Boolean()
    display_name = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    client_id = ma.fields.UUID(allow_none=True)

    @ma.validates_schema
    def not_empty(self, data: dict[str, object], **kwargs: object) -> None:
        if not data:
            raise ma.ValidationError("至少修改一项 / send at least one field", "_schema")


class PasswordResetSchema(Schema):
    temporary_password = ma.fields.String(
        dump_only=True, metadata={"description": "Shown once; give it to the user in person."}
    )


class DirectoryArgsSchema(Schema):
    """``GET /api/users/directory``: whom to list (``backend.users.directory``)."""

    role = ma.fields.List(
        ma.fields.Enum(
            Role,
            by_value=True,
            validate=ma.validate.OneOf(
                [Role.TEAM_LEADER, Role.AUDITOR, Role.REVIEWER, Role.SHOPPER],
                error="Must be team_leader, auditor, reviewer or shopper.",
            ),
        ),
        load_default=None,
        metadata={"description": "Only these roles (repeat the parameter for several)."},
    )
    active = ma.fields.Boolean(
        load_default=None,
        metadata={"description": "Only active (true) or deactivated (false) accounts."},
    )


class DirectoryEntrySchema(Schema):
    """A person as a team leader planning a team sees them: no email address, no client."""

    id = ma.fields.UUID(dump_only=True)
    display_name = ma.fields.String(dump_only=True)
    role = ma.fields.Enum(Role, by_value=True, dump_only=True)
    is_active = ma.fields.Boolean(dump_only=True)
