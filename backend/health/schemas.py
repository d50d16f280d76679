"""The health check's answer."""

from __future__ import annotations

import marshmallow as ma

from backend.api import Schema


class HealthSchema(Schema):
    status = ma.fields.String(dump_only=True, metadata={"example": "ok"})
    database = ma.fields.String(dump_only=True, metadata={"example": "ok"})
    version = ma.fields.String(dump_only=True, metadata={"example": "0.1.0"})
