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
    #: The audit plan's service items per mode (seed 003); a mode not named rates every item.
    items_by_mode = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()), dump_only=True
    )
    sites = ma.fields.List(ma.fields.Nested(FieldSiteSchema), dump_only=True)
    scheme = ma.fields.Nested(FieldSchemeSchema, dump_only=True)


def _alpha(description: str) -> ma.fields.Raw:
    """An α of the scheme as a JSON number (0.2, 1), as the scheme file writes it."""
    return ma.fields.Raw(dump_only=True, metadata={"type": "number", "description": description})


class AlphaBandSchema(Schema):
    """One Likert level and the α interval it stands for (§5.1.1 2)); α values are JSON numbers."""

    level = ma.fields.Integer(dump_only=True)
    label = ma.fields.Nested(TextSchema, dump_only=True)
    min = _alpha("The band's lower end.")
    min_inclusive = ma.fields.Boolean(dump_only=True)
    max = _alpha("The band's upper end.")
    max_inclusive = ma.fields.Boolean(dump_only=True)
    level_alpha = _alpha("The α a bare level counts as.")


class ScaleWithBandsSchema(Schema):
    code = ma.fields.String(dump_only=True)
    kind = ma.fields.String(dump_only=True, metadata={"description": "alpha_bands, yes_no, score"})
    title = ma.fields.Nested(TextSchema, dump_only=True)
    bands = ma.fields.List(ma.fields.Nested(AlphaBandSchema), dump_only=True)
    maximum = ma.fields.String(dump_only=True, allow_none=True)
