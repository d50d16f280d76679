"""Shapes of the engagement overview (``backend/reports/overview.py``), for the OpenAPI document."""

from __future__ import annotations

import marshmallow as ma

from backend.api import Schema
from backend.schemes.schemas import TextSchema

_COUNTS = {"description": "How many, by state (every state listed, zero included)."}


class ModeProgressSchema(Schema):
    mode = ma.fields.String(dump_only=True, metadata={"description": "Mode letter A–I (§5.1.1)."})
    name = ma.fields.Nested(TextSchema, dump_only=True)
    state = ma.fields.String(
        dump_only=True,
        metadata={"description": "done (measured, nothing open) | open | not_started."},
    )
    evaluations = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Integer(), dump_only=True, metadata=_COUNTS
    )
    open_visits = ma.fields.Integer(dump_only=True)
    survey_answers = ma.fields.Integer(dump_only=True)
    survey_target = ma.fields.Integer(dump_only=True)


_COUNTED = {"description": "Answers that count in the scores (flagged ones once included)."}
_RECEIVED = {"description": "Every answer received, counted or not (flagged, denied)."}


class SurveySiteProgressSchema(Schema):
    site_id = ma.fields.UUID(dump_only=True)
    site_name = ma.fields.String(dump_only=True)
    answers = ma.fields.Integer(dump_only=True, metadata=_COUNTED)
    received = ma.fields.Integer(dump_only=True, metadata=_RECEIVED)
    target = ma.fields.Integer(dump_only=True)


class SurveyProgressSchema(Schema):
    campaign_id = ma.fields.UUID(dump_only=True)
    title = ma.fields.String(dump_only=True)
    opens_at = ma.fields.DateTime(dump_only=True)
    closes_at = ma.fields.DateTime(dump_only=True)
    answers = ma.fields.Integer(dump_only=True, metadata=_COUNTED)
    received = ma.fields.Integer(dump_only=True, metadata=_RECEIVED)
    target = ma.fields.Integer(dump_only=True)
    sites = ma.fields.List(ma.fields.Nested(SurveySiteProgressSchema), dump_only=True)


class FlaggedEvaluationSchema(Schema):
    evaluation_id = ma.fields.UUID(dump_only=True)
    mode = ma.fields.String(dump_only=True)
    site_name = ma.fields.String(dump_only=True)
    alerts = ma.fields.Integer(dump_only=True)
    warnings = ma.fields.Integer(dump_only=True)
    infos = ma.fields.Integer(dump_only=True)
    checks = ma.fields.List(ma.fields.String(), dump_only=True)


class OpenFlagsSchema(Schema):
    evaluations_checked = ma.fields.Integer(
        dump_only=True, metadata={"description": "Evaluations waiting for review."}
    )
    evaluations_flagged = ma.fields.Integer(dump_only=True)
    alerts = ma.fields.Integer(dump_only=True)
    warnings = ma.fields.Integer(dump_only=True)
    infos = ma.fields.Integer(dump_only=True)
    evaluations = ma.fields.List(ma.fields.Nested(FlaggedEvaluationSchema), dump_only=True)


class EngagementOverviewSchema(Schema):
    """Where an engagement's field work stands (issue 10 "The engagement page")."""

    engagement_id = ma.fields.UUID(dump_only=True)
    status = ma.fields.String(dump_only=True)
    modes = ma.fields.List(ma.fields.Nested(ModeProgressSchema), dump_only=True)
    modes_done = ma.fields.Integer(dump_only=True)
    modes_open = ma.fields.Integer(dump_only=True)
    evaluations = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Integer(), dump_only=True, metadata=_COUNTS
    )
    visits = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Integer(), dump_only=True, metadata=_COUNTS
    )
    surveys = ma.fields.List(ma.fields.Nested(SurveyProgressSchema), dump_only=True)
    survey_answers = ma.fields.Integer(dump_only=True, metadata=_COUNTED)
    survey_received = ma.fields.Integer(dump_only=True, metadata=_RECEIVED)
    survey_target = ma.fields.Integer(dump_only=True)
    integrity = ma.fields.Nested(OpenFlagsSchema, dump_only=True)


class ChartArgsSchema(Schema):
    """The chart's language when the page's differs from the browser's (an ``<img>`` request
    carries the browser's ``Accept-Language``, not the app's language switch)."""

    lang = ma.fields.String(
        load_default=None,
        validate=ma.validate.OneOf(["zh-CN", "en"]),
        metadata={"description": "zh-CN or en; default: Accept-Language."},
    )
