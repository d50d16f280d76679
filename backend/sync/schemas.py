"""``GET /api/sync/mine``: its query and its answer."""

from __future__ import annotations

import marshmallow as ma

from backend.api import Schema
from backend.engagements.models import AssignmentStatus
from backend.evaluations.models import EvaluationStatus


class MineArgsSchema(Schema):
    since = ma.fields.AwareDateTime(
        load_default=None,
        metadata={"description": "Only evaluations changed and evidence received since then."},
    )
    this_device_only = ma.fields.Boolean(
        load_default=False, metadata={"description": "Only records made on this device."}
    )


class MyEvaluationSchema(Schema):
    id = ma.fields.UUID(dump_only=True)
    version = ma.fields.Integer(dump_only=True)
    content_hash = ma.fields.String(
        dump_only=True, metadata={"description": "SHA-256 of the current version's content."}
    )
    status = ma.fields.Enum(EvaluationStatus, by_value=True, dump_only=True)
    device_id = ma.fields.UUID(dump_only=True, allow_none=True)
    updated_at = ma.fields.DateTime(dump_only=True)


class MyAssignmentSchema(Schema):
    id = ma.fields.UUID(dump_only=True)
    version = ma.fields.Integer(dump_only=True)
    status = ma.fields.Enum(AssignmentStatus, by_value=True, dump_only=True)


class MyEvidenceSchema(Schema):
    id = ma.fields.UUID(dump_only=True)
    sha256 = ma.fields.String(dump_only=True)
    device_id = ma.fields.UUID(dump_only=True, allow_none=True)
    received_at = ma.fields.DateTime(dump_only=True)


class MineSchema(Schema):
    server_time = ma.fields.DateTime(
        dump_only=True, metadata={"description": "Pass as `since` next time."}
    )
    since = ma.fields.DateTime(dump_only=True, allow_none=True)
    user_id = ma.fields.UUID(dump_only=True)
    device_id = ma.fields.UUID(dump_only=True, allow_none=True)
    evaluations = ma.fields.List(ma.fields.Nested(MyEvaluationSchema), dump_only=True)
    assignments = ma.fields.List(ma.fields.Nested(MyAssignmentSchema), dump_only=True)
    evidence = ma.fields.List(ma.fields.Nested(MyEvidenceSchema), dump_only=True)
