"""How the field packet appears in the API (the shopper packet's site and scheme shapes)."""

from __future__ import annotations

import marshmallow as ma

from backend.api import Schema
from backend.engagements.models import EngagementStatus
from backend.engagements.schemas import FieldSchemeSchema, FieldSiteSchema
from backend.schemes.schemas import TextSchema


class EngagementPacketSchema(Schema):
    """Everything an auditor's phone needs to record an engagement's visits offline."""

    id = ma.fields.UUID(dump_only=True)
    title = ma.fields.String(dump_only=True)
    status = ma.fields.Enum(EngagementStatus, by_value=True, dump_only=True)
    modes = ma.fields.List(ma.fields.String(), dump_only=True)
    sites = ma.fields.List(ma.fields.Nested(FieldSiteSchema), dump_only=True)
    scheme = ma.fields.Nested(FieldSchemeSchema, dump_only=True)


class AlphaBandSchema(Schema):
    """One Likert level and the α interval it stands for (§5.1.1 2)), decimals as strings."""

    level = ma.fields.Integer(dump_only=True)
    label = ma.fields.Nested(TextSchema, dump_only=True)
    min = ma.fields.String(dump_only=True)
    min_inclusive = ma.fields.Boolean(dump_only=True)
    max = ma.fields.String(dump_only=True)
    max_inclusive = ma.fields.Boolean(dump_only=True)
    level_alpha = ma.fields.String(
        dump_only=True, metadata={"description": "The α a bare level counts as."}
    )


class ScaleWithBandsSchema(Schema):
    code = ma.fields.String(dump_only=True)
    kind = ma.fields.String(dump_only=True, metadata={"description": "alpha_bands, yes_no, score"})
    title = ma.fields.Nested(TextSchema, dump_only=True)
    bands = ma.fields.List(ma.fields.Nested(AlphaBandSchema), dump_only=True)
    maximum = ma.fields.String(dump_only=True, allow_none=True)
