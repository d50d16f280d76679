"""How applications, document reviews, audit plans and the portal appear in the API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from decimal import Decimal
from typing import Any

import marshmallow as ma

from backend.api import Schema
from backend.clients.schemas import no_nul
from backend.engagements.models import EngagementKind
from backend.engagements.schemas import (
    ASSIGNMENT_MODES,
    NamedRefSchema,
    SchemeRefSchema,
    _modes_field,
    _not_blank,
    _unique,
)
from backend.planning.models import (
    ApplicationStatus,
    DocumentReviewOutcome,
    DocumentType,
    PlanStatus,
    RefusalReason,
)
from backend.scoring.model import MODES

_TEXT: list[Callable[[Any], Any]] = [ma.validate.Length(max=20_000), no_nul]


def _ids(description: str, *, minimum: int = 0) -> ma.fields.List[Any]:
    # A list that must hold at least one id must also be given (a missing one is a 422 naming
    # the field, not a service called without it).
    return ma.fields.List(
        ma.fields.UUID(),
        required=minimum > 0,
        validate=[ma.validate.Length(min=minimum, max=200), _unique],
        metadata={"description": description},
    )


def _scheme_ref(scheme: Any) -> dict[str, Any]:
    return {
        "id": scheme.id,
        "scheme_id": scheme.scheme_id,
        "version": scheme.version,
        "content_hash": scheme.content_hash,
        "title": {"zh": scheme.title_zh, "en": scheme.title_en},
    }


# --------------------------------------------------------------------------- applications


class ApplicationCreateSchema(Schema):
    client_id = ma.fields.UUID(required=True)
    scheme_version_id = ma.fields.UUID(required=True)
    kind = ma.fields.Enum(EngagementKind, by_value=True, required=True)
    unit_ids = _ids("Certification units applied for (§4.1).", minimum=1)
    received_on = ma.fields.Date(required=True)
    note = ma.fields.String(load_default="", validate=_TEXT)


class DocumentAddSchema(Schema):
    evidence_id = ma.fields.UUID(
        required=True,
        metadata={
            "description": "An uploaded evidence file (PUT /api/evidence/<id>): PDF or image."
        },
    )
    doc_type = ma.fields.Enum(DocumentType, by_value=True, required=True)
    title = ma.fields.String(load_default="", validate=[ma.validate.Length(max=200), no_nul])


class ApplicationReviewSchema(Schema):
    accepted = ma.fields.Boolean(required=True, metadata={"description": "受理 or 不予受理."})
    reasons = ma.fields.List(
        ma.fields.Enum(RefusalReason, by_value=True),
        load_default=list,
        validate=[ma.validate.Length(max=4), _unique],
        metadata={"description": "§4.3 grounds for not accepting (one or more)."},
    )
    note = ma.fields.String(load_default="", validate=_TEXT)


class PlanEngagementSchema(Schema):
    title = ma.fields.String(
        required=True, validate=[ma.validate.Length(min=1, max=300), _not_blank, no_nul]
    )
    modes = _modes_field(required=True)
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(required=True)
    site_ids = _ids("Sampled sites, of the units applied for.", minimum=1)
    auditor_ids = _ids("Auditors (or team leaders) on the team, from the directory.")
    leader_id = ma.fields.UUID(load_default=None)

    @ma.validates_schema
    def dates_ordered(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["starts_on"] > data["ends_on"]:
            raise ma.ValidationError("Must not be before starts_on.", "ends_on")


class DocumentSchema(Schema):
    id = ma.fields.UUID()
    doc_type = ma.fields.Enum(DocumentType, by_value=True)
    title = ma.fields.String()
    evidence_id = ma.fields.UUID()
    sha256 = ma.fields.String()
    media_type = ma.fields.String()
    size_bytes = ma.fields.Integer()
    added_at = ma.fields.DateTime()


class UnitRefSchema(Schema):
    id = ma.fields.UUID()
    name = ma.fields.String()
    scope = ma.fields.String(allow_none=True)


class ApplicationSchema(Schema):
    """An application, its units and documents, its review (§4.2, §4.3)."""

    id = ma.fields.UUID()
    client = ma.fields.Nested(NamedRefSchema)
    scheme_version = ma.fields.Nested(SchemeRefSchema)
    kind = ma.fields.Enum(EngagementKind, by_value=True)
    status = ma.fields.Enum(ApplicationStatus, by_value=True)
    received_on = ma.fields.Date()
    note = ma.fields.String()
    units = ma.fields.List(ma.fields.Nested(UnitRefSchema))
    documents = ma.fields.List(ma.fields.Nested(DocumentSchema))
    missing_documents = ma.fields.List(
        ma.fields.Enum(DocumentType, by_value=True),
        metadata={"description": "Required documents (§4.2) not received yet."},
    )
    refusal_reasons = ma.fields.List(ma.fields.Enum(RefusalReason, by_value=True))
    review_note = ma.fields.String()
    reviewed_at = ma.fields.DateTime(allow_none=True)
    engagement_id = ma.fields.UUID(allow_none=True)

    @ma.pre_dump
    def from_view(self, view: Any, **kwargs: Any) -> dict[str, Any]:
        a = view.application
        return {
            "id": a.id,
            "client": view.client,
            "scheme_version": _scheme_ref(view.scheme_version),
            "kind": a.kind,
            "status": a.status,
            "received_on": a.received_on,
            "note": a.note,
            "units": view.units,
            "documents": [
                {
                    "id": d.document.id,
                    "doc_type": d.document.doc_type,
                    "title": d.document.title,
                    "evidence_id": d.evidence.id,
                    "sha256": d.evidence.sha256,
                    "media_type": d.evidence.media_type,
                    "size_bytes": d.evidence.size_bytes,
                    "added_at": d.document.created_at,
                }
                for d in view.documents
            ],
            "missing_documents": view.missing_documents,
            "refusal_reasons": [RefusalReason(r) for r in a.refusal_reasons],
            "review_note": a.review_note,
            "reviewed_at": a.reviewed_at,
            "engagement_id": a.engagement_id,
        }


# --------------------------------------------------------------------------- document review


class DocumentReviewCreateSchema(Schema):
    outcome = ma.fields.Enum(
        DocumentReviewOutcome,
        by_value=True,
        required=True,
        metadata={"description": "§5.1.4: fit, fix_during_audit or resubmit."},
    )
    findings = ma.fields.String(load_default="", validate=_TEXT)
    requested = ma.fields.List(
        ma.fields.String(validate=[ma.validate.Length(max=500), no_nul]),
        load_default=list,
        validate=ma.validate.Length(max=50),
    )


class DocumentReviewSchema(Schema):
    id = ma.fields.UUID()
    engagement_id = ma.fields.UUID()
    reviewed_by_id = ma.fields.UUID()
    outcome = ma.fields.Enum(DocumentReviewOutcome, by_value=True)
    findings = ma.fields.String()
    requested = ma.fields.List(ma.fields.String())
    created_at = ma.fields.DateTime()


# --------------------------------------------------------------------------- audit plan


class SurveyTargetSchema(Schema):
    site_id = ma.fields.UUID(required=True)
    target = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=100_000))


class SamplingSchema(Schema):
    service_items = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(max=20)),
        load_default=list,
        validate=[ma.validate.Length(max=500), _unique],
    )
    survey_targets = ma.fields.List(
        ma.fields.Nested(SurveyTargetSchema),
        load_default=list,
        validate=ma.validate.Length(max=500),
    )
    note = ma.fields.String(load_default="", validate=_TEXT)
    #: Which service items each certification mode rates (seed 003: the team decides which items
    #: can be experienced unannounced and which are inspected openly): mode letter → item codes.
    #: A mode not named rates every item.
    items_by_mode = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.OneOf(sorted(MODES))),
        values=ma.fields.List(
            ma.fields.String(validate=ma.validate.Length(max=20)),
            validate=[ma.validate.Length(max=500), _unique],
        ),
        load_default=dict,
    )


def _days(value: Decimal) -> None:
    """Person-days: 0 to 999 in tenths (a function, so the OpenAPI bounds stay numbers)."""
    if not Decimal(0) <= value <= Decimal(999):
        raise ma.ValidationError("Must be between 0 and 999.")


class PlanUpdateSchema(Schema):
    """The parts of §4.4.4 a) the plan holds (dates, team and sites are the engagement's)."""

    purpose = ma.fields.String(validate=_TEXT)
    basis = ma.fields.String(validate=_TEXT)
    scope = ma.fields.String(validate=_TEXT)
    process = ma.fields.String(validate=_TEXT)
    departments = ma.fields.String(validate=_TEXT)
    sampling = ma.fields.Nested(SamplingSchema)
    extra_person_days = ma.fields.Decimal(places=1, validate=_days)
    extra_reason = ma.fields.String(validate=_TEXT)
    manual_person_days = ma.fields.Decimal(places=1, validate=_days, allow_none=True)


class PlanSchema(Schema):
    """The plan as it stands and as the client last received it."""

    engagement_id = ma.fields.UUID()
    status = ma.fields.Enum(PlanStatus, by_value=True)
    revision = ma.fields.Integer()
    confirmed_revision = ma.fields.Integer(allow_none=True)
    confirmed_at = ma.fields.DateTime(allow_none=True)
    issued_at = ma.fields.DateTime(allow_none=True)
    changed_since_issue = ma.fields.Boolean()
    current = ma.fields.Dict(metadata={"description": "The plan's content now (§4.4.4 a))."})
    issued = ma.fields.Dict(allow_none=True)
    issued_sha256 = ma.fields.String(allow_none=True)
    latest_document_review = ma.fields.Nested(DocumentReviewSchema, allow_none=True)
    service_items = ma.fields.List(
        ma.fields.String(), metadata={"description": "Codes the sampling plan may name."}
    )
    service_model = ma.fields.List(
        ma.fields.Dict(),
        metadata={
            "description": "The scheme's service items by characteristic (code, title zh/en, "
            "items with code and title): what sampling.items_by_mode may name per mode."
        },
    )

    @ma.pre_dump
    def from_view(self, view: Any, **kwargs: Any) -> dict[str, Any]:
        plan = view.plan
        return {
            "engagement_id": view.engagement.id,
            "status": view.status,
            "revision": plan.revision if plan is not None else 0,
            "confirmed_revision": plan.confirmed_revision if plan is not None else None,
            "confirmed_at": plan.confirmed_at if plan is not None else None,
            "issued_at": plan.issued_at if plan is not None else None,
            "changed_since_issue": view.changed_since_issue,
            "current": view.current,
            "issued": plan.issued if plan is not None else None,
            "issued_sha256": plan.issued_sha256 if plan is not None else None,
            "latest_document_review": view.latest_review,
            "service_items": view.service_items,
            "service_model": view.service_model,
        }


class SpreadSchema(Schema):
    """Visits per sampled site, spread over the days (China time) and the shoppers."""

    shopper_ids = _ids("Mystery shoppers, taken in turn.", minimum=1)
    visits_per_site = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=50))
    first_day = ma.fields.Date(required=True)
    last_day = ma.fields.Date(required=True)
    opens = ma.fields.Time(load_default=time(9, 0))
    closes = ma.fields.Time(load_default=time(17, 0))
    site_ids = _ids("Only these sampled sites (default: all).")
    instructions = ma.fields.String(load_default="", validate=_TEXT)
    mode = ma.fields.String(load_default="B", validate=ma.validate.OneOf(ASSIGNMENT_MODES))

    @ma.validates_schema
    def ordered(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["first_day"] > data["last_day"]:
            raise ma.ValidationError("Must not be before first_day.", "last_day")
        if (data["last_day"] - data["first_day"]).days > 366:
            raise ma.ValidationError("At most a year.", "last_day")
        if data["opens"] >= data["closes"]:
            raise ma.ValidationError("Must be after opens.", "closes")


class SpreadResultSchema(Schema):
    created = ma.fields.Integer()
    assignment_ids = ma.fields.List(ma.fields.UUID())


# --------------------------------------------------------------------------- portal


class ConfirmSchema(Schema):
    revision = ma.fields.Integer(
        required=True,
        validate=ma.validate.Range(min=1, max=1_000_000),
        metadata={"description": "The revision read, so a newer one is not confirmed unseen."},
    )


class PortalPlanSchema(Schema):
    """A plan sent to the client: the issued snapshot only."""

    engagement_id = ma.fields.UUID()
    status = ma.fields.Enum(PlanStatus, by_value=True)
    revision = ma.fields.Integer()
    confirmed_revision = ma.fields.Integer(allow_none=True)
    issued_at = ma.fields.DateTime()
    confirmed_at = ma.fields.DateTime(allow_none=True)
    content = ma.fields.Dict()

    @ma.pre_dump
    def from_view(self, view: Any, **kwargs: Any) -> dict[str, Any]:
        plan = view.plan
        return {
            "engagement_id": view.engagement.id,
            "status": plan.status,
            "revision": plan.revision,
            "confirmed_revision": plan.confirmed_revision,
            "issued_at": plan.issued_at,
            "confirmed_at": plan.confirmed_at,
            "content": view.content,
        }


class PortalEngagementSchema(Schema):
    """One of the client's engagements: no team detail beyond the plan, no visits."""

    id = ma.fields.UUID()
    title = ma.fields.String()
    kind = ma.fields.Enum(EngagementKind, by_value=True)
    status = ma.fields.String()
    modes = ma.fields.List(ma.fields.String())
    starts_on = ma.fields.Date()
    ends_on = ma.fields.Date()
    plan_status = ma.fields.String(allow_none=True)
    plan_revision = ma.fields.Integer(allow_none=True)
    accepted_evaluations = ma.fields.Integer()
    document_review = ma.fields.Nested(DocumentReviewSchema, allow_none=True)

    @ma.pre_dump
    def from_view(self, view: Any, **kwargs: Any) -> dict[str, Any]:
        e = view.engagement
        return {
            "id": e.id,
            "title": e.title,
            "kind": e.kind,
            "status": e.status.value,
            "modes": list(e.modes),
            "starts_on": e.starts_on,
            "ends_on": e.ends_on,
            "plan_status": view.plan_status,
            "plan_revision": view.plan.revision if view.plan_status is not None else None,
            "accepted_evaluations": view.accepted_evaluations,
            "document_review": view.latest_review,
        }
