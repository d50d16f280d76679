"""Wire format of nonconformities: opening, answering, verifying, and the record as shown."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate


class NonconformityOpenSchema(ma.Schema):
    clause = fields.String(required=True, validate=validate.Length(min=1, max=50))
    finding = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    evidence_ids = fields.List(fields.UUID(), load_default=list)
    source = fields.String(
        load_default="auditor", validate=validate.OneOf(["auditor", "conformity"])
    )
    source_ref = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=200)
    )


class NonconformityAnswerSchema(ma.Schema):
    """整改回复: cause (原因分析), correction (纠正措施), evidence (照片、文件)."""

    cause = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000))
    correction = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=4000)
    )
    evidence_ids = fields.List(fields.UUID(), load_default=list)


class NonconformityVerifySchema(ma.Schema):
    """The team's verification (§5.2.3.1): accept and close, or send back with the reason."""

    accept = fields.Boolean(required=True)
    method = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(["written", "on_site"])
    )
    verification = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=4000)
    )
    rejudged = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))
    equivalent = fields.Boolean(load_default=False)
    equivalent_reason = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=4000)
    )


class NonconformityTextSchema(ma.Schema):
    zh = fields.String()
    en = fields.String()


class NonconformityExplanationSchema(ma.Schema):
    zh = fields.String()
    en = fields.String()
    section = fields.String()


class RejudgementSchema(ma.Schema):
    code = fields.String()
    label = fields.Nested(NonconformityTextSchema)


class NonconformityEvidenceSchema(ma.Schema):
    finding = fields.List(fields.UUID(), metadata={"description": "staff only; [] for clients"})
    finding_count = fields.Integer()
    answer = fields.List(fields.UUID())


class NonconformitySchema(ma.Schema):
    """One nonconformity. Client users get no opener, verifier or source (null)."""

    id = fields.UUID()
    engagement_id = fields.UUID()
    engagement_title = fields.String()
    engagement_kind = fields.String()
    number = fields.Integer()
    clause = fields.String()
    finding = fields.String()
    stage = fields.String(metadata={"description": "open, answered, closed"})
    source = fields.String(allow_none=True)
    source_ref = fields.String(allow_none=True)
    opened_by_id = fields.UUID(allow_none=True)
    opened_on = fields.Date()
    typical_due = fields.Date()
    latest_due = fields.Date()
    rule_section = fields.String()
    on_miss = fields.String(metadata={"description": "audit_failed or certificate_suspended"})
    overdue = fields.Boolean()
    consequence = fields.String(allow_none=True)
    consequence_on = fields.Date(allow_none=True)
    days_left = fields.Integer(metadata={"description": "days until latest_due (negative: past)"})
    reminder = fields.String(allow_none=True, metadata={"description": "typical, latest or null"})
    explanation = fields.Nested(NonconformityExplanationSchema)
    cause = fields.String(allow_none=True)
    correction = fields.String(allow_none=True)
    answered_at = fields.DateTime(allow_none=True)
    returned_comment = fields.String(allow_none=True)
    verification_method = fields.String(allow_none=True)
    verification = fields.String(allow_none=True)
    rejudged = fields.String(allow_none=True)
    rejudged_label = fields.Nested(NonconformityTextSchema, allow_none=True)
    equivalent_reason = fields.String(allow_none=True)
    verified_by_id = fields.UUID(allow_none=True)
    closed_on = fields.Date(allow_none=True)
    evidence = fields.Nested(NonconformityEvidenceSchema)
    rejudgement_cap = fields.String()
    rejudgement_allowed = fields.List(fields.Nested(RejudgementSchema))
