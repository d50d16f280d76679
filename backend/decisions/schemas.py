"""Wire format of the on-site record, the file's checklist, the review and the decision."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate


class OnSiteRecordSchema(ma.Schema):
    """The on-site results in the scoring input's format (docs/scoring.md)."""

    management = fields.Dict(
        keys=fields.String(), metadata={"description": "clause → level (Annex 3)"}
    )
    conformity = fields.Dict(
        keys=fields.String(), metadata={"description": "clause → judgement (§5.2.3)"}
    )
    timing = fields.List(fields.Dict(), metadata={"description": "timing check rows"})


class OnSiteRecordAnswerSchema(ma.Schema):
    engagement_id = fields.UUID()
    data = fields.Dict()
    recorded_by_id = fields.UUID()
    recorded_at = fields.DateTime()


class ChecklistTextSchema(ma.Schema):
    zh = fields.String()
    en = fields.String()


class ChecklistLineSchema(ma.Schema):
    key = fields.String()
    title = fields.Nested(ChecklistTextSchema)
    applies = fields.Boolean()
    complete = fields.Boolean()
    summary = fields.Nested(ChecklistTextSchema)
    numbers = fields.Dict()


class ReviewLineSchema(ma.Schema):
    confirmed = fields.Boolean(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class ReviewCreateSchema(ma.Schema):
    checklist = fields.Dict(
        keys=fields.String(), values=fields.Nested(ReviewLineSchema), required=True
    )
    conclusion = fields.String(
        required=True, validate=validate.OneOf(["recommend", "not_recommend"])
    )
    comment = fields.String(load_default="", validate=validate.Length(max=5000))


class ReviewSchema(ma.Schema):
    reviewer_id = fields.UUID()
    checklist = fields.Dict()
    conclusion = fields.String()
    comment = fields.String()
    reviewed_at = fields.DateTime()


class DecisionCreateSchema(ma.Schema):
    approve = fields.Boolean(required=True)
    reasons = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class DecisionSchema(ma.Schema):
    decided_by_id = fields.UUID()
    approved = fields.Boolean()
    reasons = fields.String()
    outcome = fields.String()
    row = fields.String(allow_none=True)
    grade = fields.Dict(allow_none=True)
    scores = fields.Dict()
    service_score = fields.Float(allow_none=True)
    decided_at = fields.DateTime()


class FileSchema(ma.Schema):
    engagement_id = fields.UUID()
    scheme = fields.Dict()
    complete = fields.Boolean()
    missing = fields.List(fields.String())
    checklist = fields.List(fields.Nested(ChecklistLineSchema))
    characteristic_scores = fields.Dict()
    scheme_decision = fields.Dict(allow_none=True)
    review = fields.Nested(ReviewSchema, allow_none=True)
    decision = fields.Nested(DecisionSchema, allow_none=True)
