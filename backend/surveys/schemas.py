"""Request and response schemas of the survey API (unknown input fields are refused)."""

from __future__ import annotations

import re
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from backend.api import Schema
from backend.paging import PageArgsMixin
from backend.surveys.models import CallbackOutcome

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class QuestionSchema(Schema):
    item = fields.String(required=True, validate=validate.Length(1, 20))
    zh = fields.String(required=True, validate=validate.Length(1, 200))
    en = fields.String(load_default="", validate=validate.Length(0, 300))


class CampaignSiteInSchema(Schema):
    site_id = fields.UUID(required=True)
    target = fields.Integer(load_default=30, validate=validate.Range(0, 100_000))


class _SettingsMixin(Schema):
    instructions = fields.String(validate=validate.Length(0, 1000))
    callback_share = fields.Float(
        validate=validate.Range(0, 1, min_inclusive=False),
        metadata={"description": "Share of phone-leaving online answers drawn for callback."},
    )
    contact_retention_days = fields.Integer(validate=validate.Range(1, 3650))
    min_seconds_per_question = fields.Float(validate=validate.Range(0, 120))
    burst_threshold = fields.Integer(validate=validate.Range(1, 10_000))
    burst_window_minutes = fields.Integer(validate=validate.Range(1, 24 * 60))
    opening_time = fields.String(
        allow_none=True,
        validate=validate.Regexp(_HHMM),
        metadata={"description": "Local opening time HH:MM (Asia/Shanghai); null: no hours."},
    )
    closing_time = fields.String(allow_none=True, validate=validate.Regexp(_HHMM))
    requires_code = fields.Boolean()


class CampaignCreateSchema(_SettingsMixin):
    engagement_id = fields.UUID(required=True)
    title = fields.String(required=True, validate=validate.Length(1, 200))
    opens_at = fields.AwareDateTime(required=True)
    closes_at = fields.AwareDateTime(required=True)
    sites = fields.List(
        fields.Nested(CampaignSiteInSchema), required=True, validate=validate.Length(1, 200)
    )
    questions = fields.List(
        fields.Nested(QuestionSchema),
        validate=validate.Length(1, 40),
        metadata={"description": "Omit for the default questionnaire generated from the scheme."},
    )


class CampaignUpdateSchema(_SettingsMixin):
    title = fields.String(validate=validate.Length(1, 200))
    opens_at = fields.AwareDateTime()
    closes_at = fields.AwareDateTime()
    sites = fields.List(fields.Nested(CampaignSiteInSchema), validate=validate.Length(1, 200))
    questions = fields.List(fields.Nested(QuestionSchema), validate=validate.Length(1, 40))


class CampaignListArgsSchema(Schema):
    engagement_id = fields.UUID(required=True)


class CampaignSiteSchema(Schema):
    id = fields.UUID()
    site_id = fields.UUID()
    site_name = fields.String()
    code = fields.String()
    path = fields.String(metadata={"description": "The public page: /s/<code>."})
    target = fields.Integer()
    target_margin_of_error = fields.Float(allow_none=True)


class CampaignSchema(Schema):
    id = fields.UUID()
    engagement_id = fields.UUID()
    title = fields.String()
    instructions = fields.String()
    opens_at = fields.DateTime()
    closes_at = fields.DateTime()
    state = fields.String(metadata={"description": "not_open, open or closed (now)."})
    questions = fields.List(fields.Nested(QuestionSchema))
    sites = fields.List(fields.Nested(CampaignSiteSchema))
    callback_share = fields.Float()
    contact_retention_days = fields.Integer()
    min_seconds_per_question = fields.Float()
    burst_threshold = fields.Integer()
    burst_window_minutes = fields.Integer()
    opening_time = fields.String(allow_none=True)
    closing_time = fields.String(allow_none=True)
    requires_code = fields.Boolean()
    responses = fields.Integer()
    version = fields.Integer()


class CodesRequestSchema(Schema):
    count = fields.Integer(required=True, validate=validate.Range(1, 5000))


class CodesSchema(Schema):
    codes = fields.List(fields.String(), metadata={"description": "Shown once: print them now."})


class DrawRequestSchema(Schema):
    seed = fields.String(
        validate=validate.Length(8, 64),
        metadata={"description": "Omit for a random seed (recorded in the audit log)."},
    )
    share = fields.Float(validate=validate.Range(0, 1, min_inclusive=False))


class DrawSchema(Schema):
    id = fields.UUID()
    campaign_id = fields.UUID()
    seed = fields.String()
    share = fields.Float()
    eligible_ids = fields.List(fields.String())
    selected_ids = fields.List(fields.String())
    drawn_at = fields.DateTime()


class CallbackEntrySchema(Schema):
    response_id = fields.UUID()
    site_id = fields.UUID()
    received_at = fields.DateTime()
    phone_masked = fields.String(allow_none=True)
    outcome = fields.Enum(CallbackOutcome, by_value=True)
    note = fields.String(allow_none=True)
    called_at = fields.DateTime(allow_none=True)


class _Answer(fields.Field[Any]):
    """A level 1..5 or "na"."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if value == "na":
            return "na"
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise ma.ValidationError('a level 1..5 or "na"')
        return value


class OfflineResponseSchema(Schema):
    campaign_id = fields.UUID(required=True)
    site_id = fields.UUID(required=True)
    answers = fields.Dict(
        keys=fields.String(validate=validate.Length(1, 20)),
        values=_Answer(),
        required=True,
        validate=validate.Length(1, 40),
    )
    comment = fields.String(load_default="", validate=validate.Length(0, 500))
    interviewer_ids = fields.List(
        fields.UUID(),
        required=True,
        validate=validate.Length(1, 2),
        metadata={"description": "The one or two auditors who took the interview."},
    )
    staff_absent = fields.Boolean(
        required=True,
        metadata={"description": "Attestation: the client's staff were absent. Must be true."},
    )
    conducted_at = fields.AwareDateTime(required=True)
    phone = fields.String(load_default="", validate=validate.Length(0, 20))
    consent = fields.Boolean(load_default=False)


class PageArgsSchema(PageArgsMixin, Schema):
    """``cursor`` and ``limit``: one page of a list (backend/paging.py)."""


class ResponseSchema(Schema):
    id = fields.UUID()
    campaign_id = fields.UUID()
    survey_site_id = fields.UUID()
    channel = fields.String(attribute="channel.value")
    answers = fields.Dict()
    comment = fields.String()
    received_at = fields.DateTime()
    flags = fields.List(fields.Dict())
    counted = fields.Boolean()
    excluded_because = fields.String(allow_none=True)
    included_reason = fields.String(allow_none=True)
    callback_outcome = fields.String(allow_none=True)
    has_contact = fields.Boolean()
    interviewer_ids = fields.List(fields.String(), allow_none=True)
    staff_absent = fields.Boolean()


class InclusionSchema(Schema):
    include = fields.Boolean(required=True)
    reason = fields.String(required=True, validate=validate.Length(1, 1000))


class CallbackOutcomeSchema(Schema):
    outcome = fields.Enum(CallbackOutcome, by_value=True, required=True)
    note = fields.String(load_default="", validate=validate.Length(0, 1000))


class ContactRequestSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(1, 500))


class ContactSchema(Schema):
    phone = fields.String()


class AnalysisArgsSchema(Schema):
    per_respondent = fields.Boolean(
        load_default=True,
        metadata={
            "description": "false leaves out `per_respondent` (every counted answer's score, per "
            "block; it grows with the answers). The office page reads the analysis without it. "
            "不需要逐份得分时传 false。"
        },
    )


class MarginArgsSchema(Schema):
    n = fields.Integer(validate=validate.Range(1, 10_000_000))
    margin = fields.Float(
        validate=validate.Range(0.001, 0.5),
        metadata={"description": "Wanted margin of error (0.05 = ±5 points): gives n."},
    )
    population = fields.Integer(validate=validate.Range(1, 1_000_000_000))
    confidence = fields.Float(load_default=0.95, validate=validate.OneOf([0.9, 0.95, 0.99]))

    @ma.validates_schema
    def _one(self, data: dict[str, Any], **kwargs: Any) -> None:
        if ("n" in data) == ("margin" in data):
            raise ma.ValidationError("give n (sample size) or margin (wanted margin of error)")


class MarginSchema(Schema):
    n = fields.Integer()
    margin_of_error = fields.Float()
    confidence = fields.Float()
    population = fields.Integer(allow_none=True)


class AnalysisSchema(Schema):
    class Meta:
        # The analysis is a nested report (docs/surveys.md): documented there, passed through.
        unknown = ma.INCLUDE

    campaign_id = fields.UUID()
    title = fields.String()
    scheme = fields.Dict()
    mode = fields.String()
    low_item_threshold = fields.Integer()
    overall = fields.Dict()
    sites = fields.List(fields.Dict())
    low_items = fields.List(fields.Dict())
    excluded = fields.Dict()
    responses_counted = fields.Integer()
    latest = fields.List(
        fields.Dict(), metadata={"description": "The 50 latest answers (empty for client users)."}
    )


class ExportRequestSchema(Schema):
    format = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(["xlsx", "csv"]),
        metadata={"description": "xlsx (summary, questions, answers) or csv (answers)."},
    )
