"""How users and organisations appear in the API."""

from __future__ import annotations

import marshmallow as ma

from backend.api import Schema
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
