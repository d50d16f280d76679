"""How engagements and assignments appear in the API (unknown fields are refused)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import marshmallow as ma

from backend.api import Schema
from backend.clients.schemas import LocationSchema, no_nul
from backend.engagements.models import AssignmentStatus, EngagementKind, EngagementStatus, TeamRole
from backend.schemes.schemas import TextSchema

#: GB/T 27207 certification modes (DOMAIN.md "Certification modes").
MODE_LETTERS = ("A", "B", "C", "D", "E", "F", "G", "H", "I")
#: The modes a shopper assignment can be for: B mystery-shopper inspection, D mystery-shopper
#: measurement (the two covert modes, CQC rule §3).
ASSIGNMENT_MODES = ("B", "D")
MAX_INSTRUCTIONS = 10_000
#: Visit windows must be plausible times: an offset on year 1 or 9999 cannot even be converted
#: to UTC (the database stores UTC), and no field work happens outside this range.
_PLAUSIBLE = ma.validate.Range(
    min=datetime(2000, 1, 1, tzinfo=UTC),
    max=datetime(2100, 1, 1, tzinfo=UTC),
    error="Must be between 2000-01-01 and 2100-01-01 (UTC).",
)


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ma.ValidationError("Must not be blank.")


def _unique(values: list[Any]) -> None:
    if len(set(values)) != len(values):
        raise ma.ValidationError("Must not repeat a value.")


def _modes_field(**kwargs: Any) -> ma.fields.List[str]:
    return ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(MODE_LETTERS)),
        validate=[ma.validate.Length(min=1, max=len(MODE_LETTERS)), _unique],
        metadata={"description": "Certification modes used, letters A–I (GB/T 27207)."},
        **kwargs,
    )


def _id_list(description: str) -> ma.fields.List[uuid.UUID]:
    return ma.fields.List(
        ma.fields.UUID(),
        validate=[ma.validate.Length(max=200), _unique],
        metadata={"description": description},
    )


class _DatesOrdered(Schema):
    @ma.validates_schema
    def dates_ordered(self, data: dict[str, Any], **kwargs: Any) -> None:
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts is not None and ends is not None and starts > ends:
            raise ma.ValidationError("Must not be before starts_on.", field_name="ends_on")


# --------------------------------------------------------------------------- engagements


class EngagementCreateSchema(_DatesOrdered):
    client_id = ma.fields.UUID(required=True)
    scheme_version_id = ma.fields.UUID(
        required=True, metadata={"description": "The scheme version every score is computed with."}
    )
    kind = ma.fields.Enum(EngagementKind, by_value=True, required=True)
    modes = _modes_field(required=True)
    title = ma.fields.String(
        required=True, validate=[ma.validate.Length(min=1, max=300), _not_blank, no_nul]
    )
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(required=True)
    leader_id = ma.fields.UUID(
        load_default=None,
        metadata={
            "description": "The team leader (审查组长); defaults to the signed-in team leader, "
            "required when an administrator creates the engagement."
        },
    )
    auditor_ids = _id_list("Auditors on the team (审查员).")
    site_ids = _id_list("Sites sampled, all of the engagement's client.")

    @ma.pre_load
    def strip_title(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("title"), str):
            return {**data, "title": data["title"].strip()}
        return data


class EngagementUpdateSchema(_DatesOrdered):
    """Only the fields given change. Team members can be added, never removed (CQC §6.1)."""

    kind = ma.fields.Enum(EngagementKind, by_value=True)
    modes = _modes_field()
    title = ma.fields.String(validate=[ma.validate.Length(min=1, max=300), _not_blank, no_nul])
    starts_on = ma.fields.Date()
    ends_on = ma.fields.Date()
    auditor_ids = _id_list("The whole list of auditors; it must keep every current auditor.")
    site_ids = _id_list("The whole list of sites; a site with assignments cannot be removed.")

    @ma.pre_load
    def strip_title(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("title"), str):
            return {**data, "title": data["title"].strip()}
        return data


class NamedRefSchema(Schema):
    id = ma.fields.UUID(dump_only=True)
    name = ma.fields.String(dump_only=True)


class SchemeRefSchema(Schema):
    id = ma.fields.UUID(dump_only=True)
    scheme_id = ma.fields.String(dump_only=True)
    version = ma.fields.String(dump_only=True)
    content_hash = ma.fields.String(dump_only=True)
    title = ma.fields.Nested(TextSchema, dump_only=True)


class TeamMemberSchema(Schema):
    user_id = ma.fields.UUID(dump_only=True)
    display_name = ma.fields.String(dump_only=True)
    team_role = ma.fields.Enum(TeamRole, by_value=True, dump_only=True)


class EngagementSiteSchema(Schema):
    id = ma.fields.UUID(dump_only=True)
    name = ma.fields.String(dump_only=True)
    address = ma.fields.String(dump_only=True)


class EngagementSchema(Schema):
    """An engagement with its client, pinned scheme version, team and sites."""

    id = ma.fields.UUID(dump_only=True)
    client = ma.fields.Nested(NamedRefSchema, dump_only=True)
    scheme_version = ma.fields.Nested(SchemeRefSchema, dump_only=True)
    kind = ma.fields.Enum(EngagementKind, by_value=True, dump_only=True)
    status = ma.fields.Enum(EngagementStatus, by_value=True, dump_only=True)
    modes = ma.fields.List(ma.fields.String(), dump_only=True)
    title = ma.fields.String(dump_only=True)
    starts_on = ma.fields.Date(dump_only=True)
    ends_on = ma.fields.Date(dump_only=True)
    team = ma.fields.List(ma.fields.Nested(TeamMemberSchema), dump_only=True)
    sites = ma.fields.List(ma.fields.Nested(EngagementSiteSchema), dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)

    @ma.pre_dump
    def from_view(self, view: Any, **kwargs: Any) -> dict[str, Any]:
        e, scheme = view.engagement, view.scheme_version
        return {
            "id": e.id,
            "client": view.client,
            "scheme_version": {
                "id": scheme.id,
                "scheme_id": scheme.scheme_id,
                "version": scheme.version,
                "content_hash": scheme.content_hash,
                "title": {"zh": scheme.title_zh, "en": scheme.title_en},
            },
            "kind": e.kind,
            "status": e.status,
            "modes": list(e.modes),
            "title": e.title,
            "starts_on": e.starts_on,
            "ends_on": e.ends_on,
            "team": view.team,
            "sites": view.sites,
            "created_at": e.created_at,
        }


# --------------------------------------------------------------------------- assignments


class _WindowOrdered(Schema):
    @ma.validates_schema
    def window_ordered(self, data: dict[str, Any], **kwargs: Any) -> None:
        start, end = data.get("window_start"), data.get("window_end")
        if start is not None and end is not None and start >= end:
            raise ma.ValidationError("Must be after window_start.", field_name="window_end")


class AssignmentCreateSchema(_WindowOrdered):
    site_id = ma.fields.UUID(required=True)
    shopper_id = ma.fields.UUID(required=True)
    window_start = ma.fields.AwareDateTime(
        required=True,
        validate=_PLAUSIBLE,
        metadata={"description": "ISO 8601 with an offset, e.g. +08:00."},
    )
    window_end = ma.fields.AwareDateTime(required=True, validate=_PLAUSIBLE)
    instructions = ma.fields.String(
        load_default="", validate=[ma.validate.Length(max=MAX_INSTRUCTIONS), no_nul]
    )
    mode = ma.fields.String(
        load_default="B",
        validate=ma.validate.OneOf(ASSIGNMENT_MODES),
        metadata={"description": "B mystery-shopper inspection (default) or D measurement."},
    )


class AssignmentUpdateSchema(_WindowOrdered):
    """Send If-Match with the assignment's ETag. Only ``cancelled`` can be set as status."""

    status = ma.fields.Enum(
        AssignmentStatus,
        by_value=True,
        validate=ma.validate.OneOf([AssignmentStatus.CANCELLED]),
        metadata={"description": "Only cancelled (by the team leader)."},
    )
    window_start = ma.fields.AwareDateTime(validate=_PLAUSIBLE)
    window_end = ma.fields.AwareDateTime(validate=_PLAUSIBLE)
    instructions = ma.fields.String(validate=[ma.validate.Length(max=MAX_INSTRUCTIONS), no_nul])


class PersonRefSchema(Schema):
    id = ma.fields.UUID(dump_only=True)
    display_name = ma.fields.String(dump_only=True)


class AssignmentSchema(Schema):
    """An assignment as the audit team sees it (never shown to client users)."""

    id = ma.fields.UUID(dump_only=True)
    engagement_id = ma.fields.UUID(dump_only=True)
    site = ma.fields.Nested(NamedRefSchema, dump_only=True)
    shopper = ma.fields.Nested(PersonRefSchema, dump_only=True)
    mode = ma.fields.String(dump_only=True)
    window_start = ma.fields.DateTime(dump_only=True)
    window_end = ma.fields.DateTime(dump_only=True)
    instructions = ma.fields.String(dump_only=True)
    status = ma.fields.Enum(AssignmentStatus, by_value=True, dump_only=True)
    version = ma.fields.Integer(dump_only=True, metadata={"description": "Also the ETag: v<n>."})
    created_at = ma.fields.DateTime(dump_only=True)

    @ma.pre_dump
    def from_view(self, view: Any, **kwargs: Any) -> dict[str, Any]:
        a = view.assignment
        return {
            "id": a.id,
            "engagement_id": a.engagement_id,
            "site": {"id": view.site.id, "name": view.site.name},
            "shopper": {"id": view.shopper.id, "display_name": view.shopper.display_name},
            "mode": a.mode,
            "window_start": a.window_start,
            "window_end": a.window_end,
            "instructions": a.instructions,
            "status": a.status,
            "version": a.version,
            "created_at": a.created_at,
        }


# --------------------------------------------------------------------------- the shopper's packet


class FieldSiteSchema(Schema):
    id = ma.fields.UUID(dump_only=True)
    name = ma.fields.String(dump_only=True)
    address = ma.fields.String(dump_only=True)
    location = ma.fields.Nested(LocationSchema, dump_only=True)
    geofence_radius_m = ma.fields.Float(dump_only=True)


class BandSchema(Schema):
    level = ma.fields.Integer(dump_only=True)
    label = ma.fields.Nested(TextSchema, dump_only=True)


class ScaleSchema(Schema):
    code = ma.fields.String(dump_only=True)
    kind = ma.fields.String(dump_only=True, metadata={"description": "alpha_bands, yes_no, score"})
    title = ma.fields.Nested(TextSchema, dump_only=True)
    bands = ma.fields.List(
        ma.fields.Nested(BandSchema),
        dump_only=True,
        metadata={"description": "The Likert levels and their labels (alpha_bands scales)."},
    )
    maximum = ma.fields.String(dump_only=True, allow_none=True)


class CharacteristicRefSchema(Schema):
    code = ma.fields.String(dump_only=True)
    title = ma.fields.Nested(TextSchema, dump_only=True, allow_none=True)


class FieldItemSchema(Schema):
    code = ma.fields.String(dump_only=True, metadata={"description": "e.g. 1.1 … 7.1"})
    points = ma.fields.String(dump_only=True, metadata={"description": "Exact decimal, e.g. 5"})
    characteristic = ma.fields.Nested(CharacteristicRefSchema, dump_only=True)
    title = ma.fields.Nested(TextSchema, dump_only=True, allow_none=True)
    text = ma.fields.Nested(TextSchema, dump_only=True, allow_none=True)
    dimension = ma.fields.String(dump_only=True, allow_none=True)
    scale = ma.fields.String(dump_only=True, metadata={"description": "Code of a scale below."})
    bonus = ma.fields.Boolean(dump_only=True)


class FieldSchemeSchema(SchemeRefSchema):
    scales = ma.fields.List(ma.fields.Nested(ScaleSchema), dump_only=True)
    items = ma.fields.List(ma.fields.Nested(FieldItemSchema), dump_only=True)


class EngagementRefSchema(Schema):
    id = ma.fields.UUID(dump_only=True)
    title = ma.fields.String(dump_only=True)


class FieldAssignmentSchema(Schema):
    """Everything a shopper's phone needs to make the visit offline."""

    id = ma.fields.UUID(dump_only=True)
    version = ma.fields.Integer(dump_only=True)
    engagement = ma.fields.Nested(EngagementRefSchema, dump_only=True)
    mode = ma.fields.String(dump_only=True)
    status = ma.fields.Enum(AssignmentStatus, by_value=True, dump_only=True)
    window_start = ma.fields.DateTime(dump_only=True)
    window_end = ma.fields.DateTime(dump_only=True)
    instructions = ma.fields.String(dump_only=True)
    site = ma.fields.Nested(FieldSiteSchema, dump_only=True)
    scheme = ma.fields.Nested(FieldSchemeSchema, dump_only=True)
