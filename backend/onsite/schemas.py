"""The wire format of on-site records (the content's shape: ``backend/onsite/content.py``)."""

from __future__ import annotations

import marshmallow as ma

from backend.api import Schema
from backend.onsite.models import RecordKind, RecordStatus

_CONTENT = {
    "description": "management: {clauses: {code: {level, note, evidence}}, exemption, notes}; "
    "conformity: {clauses: {code: {judgement, suggestion, finding, reason, rectified, note, "
    "evidence}}, timing: [{id, clause, item, received, sent, note}], notes}"
}


class RecordCreateSchema(Schema):
    """``PUT /api/onsite-records/<id>``: the whole record as the phone holds it."""

    engagement_id = ma.fields.UUID(required=True)
    kind = ma.fields.String(
        required=True, validate=ma.validate.OneOf([k.value for k in RecordKind])
    )
    content = ma.fields.Dict(load_default=dict, metadata=_CONTENT)
    submit = ma.fields.Boolean(load_default=False)


class RecordEditSchema(Schema):
    """``PATCH /api/onsite-records/<id>``: the whole new content (a new version) and/or submit."""

    content = ma.fields.Dict(load_default=None, allow_none=True, metadata=_CONTENT)
    submit = ma.fields.Boolean(load_default=False)


class RecordReviewSchema(Schema):
    """The team leader's review: accept, or return with what to correct."""

    action = ma.fields.String(required=True, validate=ma.validate.OneOf(["accept", "return"]))
    comment = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(max=4000)
    )


class HistorySchema(Schema):
    from_status = ma.fields.String(dump_only=True, allow_none=True)
    to_status = ma.fields.String(dump_only=True)
    version = ma.fields.Integer(dump_only=True)
    comment = ma.fields.String(dump_only=True, allow_none=True)
    actor_id = ma.fields.UUID(dump_only=True)
    at = ma.fields.DateTime(dump_only=True)


class RecordSchema(Schema):
    """An on-site record with what the scoring core computes from it alone (``computed``)."""

    id = ma.fields.UUID(dump_only=True)
    engagement_id = ma.fields.UUID(dump_only=True)
    kind = ma.fields.String(dump_only=True)
    status = ma.fields.String(dump_only=True, metadata={"enum": [s.value for s in RecordStatus]})
    status_reason = ma.fields.String(dump_only=True, allow_none=True)
    version = ma.fields.Integer(dump_only=True)
    auditor_id = ma.fields.UUID(dump_only=True)
    content = ma.fields.Dict(dump_only=True)
    content_hash = ma.fields.String(dump_only=True)
    nonconforming_clauses = ma.fields.List(ma.fields.String(), dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)
    updated_at = ma.fields.DateTime(dump_only=True)
    accepted_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    history = ma.fields.List(ma.fields.Nested(HistorySchema), dump_only=True)
    computed = ma.fields.Dict(
        dump_only=True,
        metadata={"description": "fieldcert score's shapes for this record alone."},
    )


class RecordVersionSchema(Schema):
    number = ma.fields.Integer(dump_only=True)
    content = ma.fields.Dict(dump_only=True)
    content_hash = ma.fields.String(dump_only=True)
    created_by_id = ma.fields.UUID(dump_only=True)
    device_id = ma.fields.UUID(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)
    device_sent_at = ma.fields.DateTime(dump_only=True, allow_none=True)


class TimingImportSchema(Schema):
    """A monitoring platform's CSV export, to preview as timing rows (nothing is stored)."""

    csv = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=1_000_000))
    clause = ma.fields.String(load_default=None, allow_none=True)


class TimingPreviewRowSchema(Schema):
    line = ma.fields.Integer(dump_only=True)
    clause = ma.fields.String(dump_only=True)
    item = ma.fields.String(dump_only=True)
    received = ma.fields.String(dump_only=True)
    sent = ma.fields.String(dump_only=True)


class TimingRefusedRowSchema(Schema):
    line = ma.fields.Integer(dump_only=True)
    text = ma.fields.String(dump_only=True)
    reason = ma.fields.String(dump_only=True)


class TimingPreviewSchema(Schema):
    rows = ma.fields.List(ma.fields.Nested(TimingPreviewRowSchema), dump_only=True)
    refused = ma.fields.List(ma.fields.Nested(TimingRefusedRowSchema), dump_only=True)
    columns = ma.fields.Dict(dump_only=True)


# --------------------------------------------------------------------------- two raters


class PairCreateSchema(Schema):
    """``PUT /api/rater-pairs/<id>``: two auditors of the team on one service experience."""

    engagement_id = ma.fields.UUID(required=True)
    site_id = ma.fields.UUID(required=True)
    mode = ma.fields.String(required=True, validate=ma.validate.OneOf(list("ABCDEFGHI")))
    rater_ids = ma.fields.List(
        ma.fields.UUID(), required=True, validate=ma.validate.Length(equal=2)
    )
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=4000))


class ReconcileItemSchema(Schema):
    rating = ma.fields.Dict(required=True, metadata={"description": '{"level": 4} or α, N/A'})
    discussion = ma.fields.String(load_default="", validate=ma.validate.Length(max=4000))


class ReconcileSchema(Schema):
    """The agreed rating and the discussion per item (seed 003)."""

    items = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Nested(ReconcileItemSchema), required=True
    )
    notes = ma.fields.String(load_default="", validate=ma.validate.Length(max=4000))


class PairRaterSchema(Schema):
    user_id = ma.fields.UUID(dump_only=True)
    name = ma.fields.String(dump_only=True)
    record_id = ma.fields.UUID(dump_only=True, allow_none=True)
    status = ma.fields.String(dump_only=True)


class AgreementSchema(Schema):
    items = ma.fields.Integer(dump_only=True)
    exact = ma.fields.Float(dump_only=True, allow_none=True)
    kappa = ma.fields.Float(
        dump_only=True, allow_none=True, metadata={"description": "Linearly weighted kappa."}
    )
    mean_abs_difference = ma.fields.Float(dump_only=True, allow_none=True)


class PairSchema(Schema):
    """A rater pair; the two ratings only once both are submitted, then the differing items."""

    id = ma.fields.UUID(dump_only=True)
    engagement_id = ma.fields.UUID(dump_only=True)
    site_id = ma.fields.UUID(dump_only=True)
    mode = ma.fields.String(dump_only=True)
    note = ma.fields.String(dump_only=True)
    raters = ma.fields.List(ma.fields.Nested(PairRaterSchema), dump_only=True)
    status = ma.fields.String(
        dump_only=True, metadata={"enum": ["rating", "both_submitted", "reconciled"]}
    )
    ratings = ma.fields.Dict(dump_only=True, allow_none=True)
    differing = ma.fields.List(ma.fields.String(), dump_only=True)
    agreement = ma.fields.Nested(AgreementSchema, dump_only=True, allow_none=True)
    reconciliation = ma.fields.Dict(dump_only=True, allow_none=True)
    reconciliation_notes = ma.fields.String(dump_only=True)
    reconciled_by_id = ma.fields.UUID(dump_only=True, allow_none=True)
    reconciled_at = ma.fields.DateTime(dump_only=True, allow_none=True)


class RaterNameSchema(Schema):
    user_id = ma.fields.UUID(dump_only=True)
    name = ma.fields.String(dump_only=True)


class PairAgreementSchema(AgreementSchema):
    raters = ma.fields.List(ma.fields.Nested(RaterNameSchema), dump_only=True)
    engagements = ma.fields.Integer(dump_only=True)


class OnsiteFormSchema(Schema):
    """The pinned scheme's parts an on-site audit needs, for the phone to cache."""

    engagement_id = ma.fields.UUID(dump_only=True)
    title = ma.fields.String(dump_only=True)
    scheme = ma.fields.Dict(dump_only=True)
    management = ma.fields.Dict(dump_only=True, allow_none=True)
    conformity = ma.fields.Dict(dump_only=True, allow_none=True)
    timing = ma.fields.Dict(dump_only=True, allow_none=True)
