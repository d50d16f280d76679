"""How evaluations enter and leave the API: the sync payloads, the review action, the views.

Input schemas refuse unknown fields (``backend.api.Schema``). Ratings are checked here only for
shape (an object per item); their values are validated against the engagement's pinned scheme
by the scoring core's ``parse_input`` in the service, which knows the scheme.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from backend.api import Schema
from backend.evaluations.actions import REVIEW_ACTIONS
from backend.evaluations.models import EvaluationStatus
from backend.evaluations.ratings import wire_ratings
from backend.paging import PageArgsMixin
from backend.schemes.schemas import TextSchema

#: Certification modes (GB/T 27207, DOMAIN.md "Certification modes").
MODES = ("A", "B", "C", "D", "E", "F", "G", "H", "I")
#: Item codes are short ("1.1", "4.3.1"); the evidence link column holds 20 characters.
_ITEM_CODE = ma.fields.String(validate=ma.validate.Length(min=1, max=20))
#: Bounds that keep one request reasonable; a real visit is far below every one of them.
MAX_RATINGS = 500
MAX_NOTES = 20_000
MAX_ITEM_NOTE = 5_000
MAX_GPS_FIXES = 1_000
MAX_EVIDENCE = 200


class GpsFixSchema(Schema):
    """One position as the phone's Geolocation API gave it (WGS-84)."""

    latitude = ma.fields.Float(required=True, validate=ma.validate.Range(-90, 90))
    longitude = ma.fields.Float(required=True, validate=ma.validate.Range(-180, 180))
    #: The radius of the fix's uncertainty circle in metres (``coords.accuracy``).
    accuracy_m = ma.fields.Float(required=True, validate=ma.validate.Range(0, 100_000))
    captured_at = ma.fields.AwareDateTime(required=True)


class EvaluationEvidenceLinkSchema(Schema):
    """Evidence (uploaded first) that the evaluation cites, optionally for one item."""

    evidence_id = ma.fields.UUID(required=True)
    item = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(min=1, max=20)
    )


def _ratings(**kwargs: Any) -> ma.fields.Dict:
    return ma.fields.Dict(
        keys=_ITEM_CODE,
        values=ma.fields.Dict(),
        validate=ma.validate.Length(max=MAX_RATINGS),
        metadata={
            "description": 'Item code → {"level": n} | {"alpha": x} | '
            '{"na": true, "reason": "..."}, validated against the engagement\'s scheme.'
        },
        **kwargs,
    )


def _notes(**kwargs: Any) -> ma.fields.String:
    return ma.fields.String(validate=ma.validate.Length(max=MAX_NOTES), **kwargs)


def _item_notes(**kwargs: Any) -> ma.fields.Dict:
    return ma.fields.Dict(
        keys=_ITEM_CODE,
        values=ma.fields.String(validate=ma.validate.Length(max=MAX_ITEM_NOTE)),
        validate=ma.validate.Length(max=MAX_RATINGS),
        **kwargs,
    )


def _gps_fixes(**kwargs: Any) -> ma.fields.List[Any]:
    return ma.fields.List(
        ma.fields.Nested(GpsFixSchema), validate=ma.validate.Length(max=MAX_GPS_FIXES), **kwargs
    )


def _evidence(**kwargs: Any) -> ma.fields.List[Any]:
    return ma.fields.List(
        ma.fields.Nested(EvaluationEvidenceLinkSchema),
        validate=ma.validate.Length(max=MAX_EVIDENCE),
        metadata={"description": "Evidence must be uploaded first (422 names any missing)."},
        **kwargs,
    )


class _ContentFields(Schema):
    """The content of one version: what a correction may change."""

    ratings = _ratings()
    notes = _notes()
    item_notes = _item_notes()
    started_at = ma.fields.AwareDateTime(allow_none=True)
    ended_at = ma.fields.AwareDateTime(allow_none=True)
    gps_fixes = _gps_fixes()
    evidence = _evidence()
    submit = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "Also submit for review (draft or returned → submitted)."},
    )

    @ma.validates_schema
    def _consistent(self, data: dict[str, Any], **kwargs: Any) -> None:
        started, ended = data.get("started_at"), data.get("ended_at")
        if started is not None and ended is not None and ended < started:
            raise ma.ValidationError("ended_at is before started_at.", "ended_at")
        seen: set[Any] = set()
        for link in data.get("evidence") or ():
            if link["evidence_id"] in seen:
                raise ma.ValidationError(
                    f"evidence {link['evidence_id']} is cited twice.", "evidence"
                )
            seen.add(link["evidence_id"])


class EvaluationCreateSchema(_ContentFields):
    """``PUT /api/evaluations/<id>``: the whole evaluation as the phone recorded it."""

    engagement_id = ma.fields.UUID(required=True)
    site_id = ma.fields.UUID(required=True)
    assignment_id = ma.fields.UUID(load_default=None, allow_none=True)
    mode = ma.fields.String(required=True, validate=ma.validate.OneOf(MODES))
    # Omitted content fields are empty on create (on edit they keep their current value).
    ratings = _ratings(load_default=dict)
    notes = _notes(load_default="")
    item_notes = _item_notes(load_default=dict)
    started_at = ma.fields.AwareDateTime(load_default=None, allow_none=True)
    ended_at = ma.fields.AwareDateTime(load_default=None, allow_none=True)
    gps_fixes = _gps_fixes(load_default=list)
    evidence = _evidence(load_default=list)


class EvaluationEditSchema(_ContentFields):
    """``PATCH /api/evaluations/<id>``: each field given replaces that field; others are kept."""


class EvaluationReviewSchema(Schema):
    """A review action (actions.py); a comment is required for all but accept."""

    action = ma.fields.String(required=True, validate=ma.validate.OneOf(REVIEW_ACTIONS))
    comment = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(max=MAX_NOTES)
    )

    @ma.validates_schema
    def _comment_when_required(self, data: dict[str, Any], **kwargs: Any) -> None:
        comment = data.get("comment")
        if data.get("action") != "accept" and (comment is None or not comment.strip()):
            raise ma.ValidationError(
                "A comment is required to return, reject or exclude an evaluation.", "comment"
            )


class EvaluationReadArgsSchema(Schema):
    """Why the caller reads personal data (shopper identity, GPS track): kept in the audit log."""

    reason = ma.fields.String(
        load_default=None,
        validate=ma.validate.Length(min=1, max=500),
        metadata={"description": "Purpose of the read, recorded in the audit log."},
    )


class ReviewQueueArgsSchema(PageArgsMixin, EvaluationReadArgsSchema):
    status = ma.fields.List(
        ma.fields.Enum(EvaluationStatus, by_value=True),
        load_default=None,
        metadata={"description": "Only these statuses (repeat the parameter for several)."},
    )


class ResultsArgsSchema(PageArgsMixin, Schema):
    """``cursor`` and ``limit`` of the client's results (backend/paging.py)."""


# --------------------------------------------------------------------------- output


class EvaluatorSchema(Schema):
    id = ma.fields.UUID(dump_only=True)
    display_name = ma.fields.String(dump_only=True)


class StoredGpsFixSchema(Schema):
    latitude = ma.fields.Float(dump_only=True)
    longitude = ma.fields.Float(dump_only=True)
    accuracy_m = ma.fields.Float(dump_only=True)
    captured_at = ma.fields.String(dump_only=True, metadata={"format": "date-time"})


class StoredEvidenceLinkSchema(Schema):
    evidence_id = ma.fields.String(dump_only=True, metadata={"format": "uuid"})
    item = ma.fields.String(dump_only=True, allow_none=True)


class StoredRatingsField(ma.fields.Dict):
    """A version's ratings as the API answers them: α and score as JSON numbers (docs/sync.md).

    The database keeps them as decimal text; the answer gives the number that text was, in the
    shape ``fieldcert score`` reads, so an evaluation can be scored from the API's answer as is.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            dump_only=True,
            metadata={
                "description": 'Item code → {"level": n} | {"alpha": x} | {"score": x} | '
                '{"met": true} | {"na": true, "reason": "..."}; α and score are JSON numbers.'
            },
            **kwargs,
        )

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else wire_ratings(value)


class EvaluationVersionSchema(Schema):
    """One version of an evaluation's content, as recorded (never changed afterwards)."""

    number = ma.fields.Integer(dump_only=True)
    ratings = StoredRatingsField()
    notes = ma.fields.String(dump_only=True)
    item_notes = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), dump_only=True)
    started_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    ended_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    gps_fixes = ma.fields.List(ma.fields.Nested(StoredGpsFixSchema), dump_only=True)
    evidence = ma.fields.List(ma.fields.Nested(StoredEvidenceLinkSchema), dump_only=True)
    content_hash = ma.fields.String(dump_only=True)
    created_by_id = ma.fields.UUID(dump_only=True)
    device_id = ma.fields.UUID(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)


class EvaluationEventSchema(Schema):
    """A status change: who, when, from what to what, why."""

    actor_id = ma.fields.UUID(dump_only=True)
    from_status = ma.fields.Enum(EvaluationStatus, by_value=True, dump_only=True, allow_none=True)
    to_status = ma.fields.Enum(EvaluationStatus, by_value=True, dump_only=True)
    version = ma.fields.Integer(dump_only=True)
    comment = ma.fields.String(dump_only=True, allow_none=True)
    at = ma.fields.DateTime(dump_only=True)


class ReviewActionsSchema(Schema):
    """The review actions the asking user may take on the evaluation now (actions.py)."""

    actions = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(REVIEW_ACTIONS)),
        dump_only=True,
        metadata={
            "description": "What POST /api/evaluations/<id>/review accepts from this user now; "
            "offer exactly these."
        },
    )
    reason = ma.fields.String(
        dump_only=True,
        allow_none=True,
        metadata={
            "description": "Why there are none: own_evaluation, independent_reviewer (复核人 "
            "read only), not_on_the_audit_team, role, status (no action applies to this "
            "status); null when some are allowed."
        },
    )


def _review() -> ma.fields.Nested:
    return ma.fields.Nested(
        ReviewActionsSchema,
        dump_only=True,
        allow_none=True,
        metadata={"description": "The review actions the asking user may take now."},
    )


class EvaluationSchema(Schema):
    """An evaluation for its evaluator and the certification body's staff."""

    id = ma.fields.UUID(dump_only=True)
    engagement_id = ma.fields.UUID(dump_only=True)
    site_id = ma.fields.UUID(dump_only=True)
    assignment_id = ma.fields.UUID(dump_only=True, allow_none=True)
    mode = ma.fields.String(dump_only=True)
    status = ma.fields.Enum(EvaluationStatus, by_value=True, dump_only=True)
    status_reason = ma.fields.String(dump_only=True, allow_none=True)
    version = ma.fields.Integer(dump_only=True, metadata={"description": 'ETag is "v<version>".'})
    evaluator = ma.fields.Nested(EvaluatorSchema, dump_only=True)
    device_id = ma.fields.UUID(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)
    updated_at = ma.fields.DateTime(dump_only=True)
    submitted_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    content = ma.fields.Nested(EvaluationVersionSchema, dump_only=True)
    events = ma.fields.List(ma.fields.Nested(EvaluationEventSchema), dump_only=True)
    review = _review()


class EvaluationSummarySchema(Schema):
    """One line of a review queue: no content, no GPS."""

    id = ma.fields.UUID(dump_only=True)
    site_id = ma.fields.UUID(dump_only=True)
    assignment_id = ma.fields.UUID(dump_only=True, allow_none=True)
    mode = ma.fields.String(dump_only=True)
    status = ma.fields.Enum(EvaluationStatus, by_value=True, dump_only=True)
    version = ma.fields.Integer(dump_only=True)
    evaluator = ma.fields.Nested(EvaluatorSchema, dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)
    updated_at = ma.fields.DateTime(dump_only=True)
    submitted_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    review = _review()


class ClientEvidenceLinkSchema(Schema):
    evidence_id = ma.fields.String(dump_only=True, metadata={"format": "uuid"})
    item = ma.fields.String(dump_only=True, allow_none=True)


class ClientVersionSchema(Schema):
    """Content as the evaluated organisation may see it: no GPS track, no visit times."""

    number = ma.fields.Integer(dump_only=True)
    ratings = StoredRatingsField()
    notes = ma.fields.String(dump_only=True)
    item_notes = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), dump_only=True)
    evidence = ma.fields.List(ma.fields.Nested(ClientEvidenceLinkSchema), dump_only=True)


class ClientEvaluationSchema(Schema):
    """An evaluation for a client user: never the evaluator, a device, GPS fixes or capture GPS.

    DOMAIN.md: the client "never sees shopper identities"; issue 3: "never ... shopper GPS
    tracks". Visit and submission times are left out too: with the site they would let staff
    pick the shopper out of their own CCTV.
    """

    id = ma.fields.UUID(dump_only=True)
    engagement_id = ma.fields.UUID(dump_only=True)
    site_id = ma.fields.UUID(dump_only=True)
    mode = ma.fields.String(dump_only=True)
    status = ma.fields.Enum(EvaluationStatus, by_value=True, dump_only=True)
    version = ma.fields.Integer(dump_only=True)
    content = ma.fields.Nested(ClientVersionSchema, dump_only=True)


# --------------------------------------------------------------------------- scores


class ScoreExplanationSchema(Schema):
    rule = ma.fields.String(dump_only=True)
    section = ma.fields.String(dump_only=True)
    zh = ma.fields.String(dump_only=True)
    en = ma.fields.String(dump_only=True)
    numbers = ma.fields.Dict(dump_only=True)


class ScoredSchemeSchema(Schema):
    id = ma.fields.String(dump_only=True)
    version = ma.fields.String(dump_only=True)
    content_hash = ma.fields.String(dump_only=True)
    title = ma.fields.Nested(TextSchema, dump_only=True)


class ScoreValueSchema(Schema):
    score = ma.fields.Float(dump_only=True, allow_none=True)
    exact = ma.fields.String(dump_only=True, allow_none=True)


class OverallScoreSchema(ScoreValueSchema):
    method = ma.fields.String(dump_only=True)
    explanation = ma.fields.Nested(ScoreExplanationSchema, dump_only=True, allow_none=True)


class SiteScoreSchema(ScoreValueSchema):
    site_id = ma.fields.UUID(dump_only=True)
    site_name = ma.fields.String(dump_only=True)
    evaluations_counted = ma.fields.Integer(dump_only=True)
    explanation = ma.fields.Nested(ScoreExplanationSchema, dump_only=True, allow_none=True)


class ModeScoreSchema(ScoreValueSchema):
    mode = ma.fields.String(dump_only=True)
    evaluations_counted = ma.fields.Integer(dump_only=True)


class CharacteristicScoreSchema(ScoreValueSchema):
    code = ma.fields.String(dump_only=True)
    title = ma.fields.Nested(TextSchema, dump_only=True)


class EvaluationScoreSchema(ScoreValueSchema):
    id = ma.fields.UUID(dump_only=True)
    source = ma.fields.String(
        dump_only=True,
        metadata={
            "enum": ["evaluation", "survey_answer"],
            "description": "An evaluation accepted in QA, or a counted customer survey answer.",
        },
    )
    site_id = ma.fields.UUID(dump_only=True)
    mode = ma.fields.String(dump_only=True)
    version = ma.fields.Integer(dump_only=True, allow_none=True)
    earned = ma.fields.Float(dump_only=True)
    possible = ma.fields.Float(dump_only=True)
    rated = ma.fields.Integer(dump_only=True)
    not_applicable = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())
    unrated = ma.fields.List(ma.fields.String(), dump_only=True)


class ScoreInputSchema(Schema):
    """``fieldcert score``'s input (docs/scoring.md): only the sections the scheme models."""

    evaluations = ma.fields.List(ma.fields.Dict(), dump_only=True)
    management = ma.fields.Dict(dump_only=True)
    conformity = ma.fields.Dict(dump_only=True)
    timing = ma.fields.List(ma.fields.Dict(), dump_only=True)


class ScoresSchema(Schema):
    """An engagement's service scores: accepted evaluations and counted survey answers (§5.1.2)."""

    engagement_id = ma.fields.UUID(dump_only=True)
    scheme = ma.fields.Nested(ScoredSchemeSchema, dump_only=True)
    accepted_evaluations = ma.fields.Integer(dump_only=True)
    survey_answers = ma.fields.Integer(
        dump_only=True, metadata={"description": "Counted customer survey answers (mode E)."}
    )
    evaluations_counted = ma.fields.Integer(dump_only=True)
    overall = ma.fields.Nested(OverallScoreSchema, dump_only=True)
    per_site = ma.fields.List(ma.fields.Nested(SiteScoreSchema), dump_only=True)
    per_mode = ma.fields.List(ma.fields.Nested(ModeScoreSchema), dump_only=True)
    per_characteristic = ma.fields.List(ma.fields.Nested(CharacteristicScoreSchema))
    evaluations = ma.fields.List(ma.fields.Nested(EvaluationScoreSchema), dump_only=True)
    explanations = ma.fields.List(ma.fields.Nested(ScoreExplanationSchema), dump_only=True)
    # The on-site parts (issue 11), in ``fieldcert score``'s shapes (docs/scoring.md).
    management = ma.fields.Dict(
        dump_only=True, allow_none=True, metadata={"description": "Annex 3 total and level."}
    )
    conformity = ma.fields.Dict(
        dump_only=True, allow_none=True, metadata={"description": "§5.2.3 chapters and final."}
    )
    timing = ma.fields.List(ma.fields.Dict(), dump_only=True)
    timing_suggestions = ma.fields.Dict(dump_only=True)
    decision = ma.fields.Dict(dump_only=True, allow_none=True)
    exemptions = ma.fields.List(
        ma.fields.Dict(), dump_only=True, metadata={"description": "§5.2.2 ISO 9001 exemptions."}
    )
    provisional = ma.fields.Boolean(
        dump_only=True, metadata={"description": "True while parts of the file are missing."}
    )
    missing = ma.fields.List(ma.fields.Dict(), dump_only=True)
    onsite_records = ma.fields.List(ma.fields.Dict(), dump_only=True)


# --------------------------------------------------------------------------- integrity


class IntegrityFlagSchema(Schema):
    """A fact for the reviewer to weigh, never a verdict (issue 3, "Integrity checks")."""

    code = ma.fields.String(dump_only=True)
    check = ma.fields.String(dump_only=True)
    severity = ma.fields.String(dump_only=True, metadata={"enum": ["info", "warning", "alert"]})
    message = ma.fields.Nested(TextSchema, dump_only=True)
    numbers = ma.fields.Dict(dump_only=True)
    evidence_id = ma.fields.UUID(dump_only=True, allow_none=True)


class IntegrityCheckSchema(Schema):
    check = ma.fields.String(dump_only=True)
    status = ma.fields.String(
        dump_only=True,
        metadata={
            "enum": ["passed", "flagged", "pending", "not_applicable"],
            "description": "``pending``: found nothing so far, but some evidence could not be "
            "looked at yet (``pending_evidence``: its perceptual hash is still being made).",
        },
    )
    note = ma.fields.Nested(TextSchema, dump_only=True, allow_none=True)
    pending_evidence = ma.fields.List(
        ma.fields.UUID(),
        dump_only=True,
        metadata={"description": "Evidence the check waits for (its derived parts)."},
    )


class IntegritySchema(Schema):
    evaluation_id = ma.fields.UUID(dump_only=True)
    version = ma.fields.Integer(dump_only=True)
    checks = ma.fields.List(ma.fields.Nested(IntegrityCheckSchema), dump_only=True)
    flags = ma.fields.List(ma.fields.Nested(IntegrityFlagSchema), dump_only=True)
    thresholds = ma.fields.Dict(dump_only=True)
