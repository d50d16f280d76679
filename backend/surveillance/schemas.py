"""Wire format of the lifecycle, the surveillance and recertification audits and the calendar."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from backend.surveillance.models import EXTRA_CAUSES

REASON = validate.Length(min=1, max=2000)


class AuditPlanSchema(ma.Schema):
    """The engagement to create for a surveillance or recertification audit."""

    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    leader_id = fields.UUID(metadata={"description": "required when an administrator plans"})
    auditor_ids = fields.List(fields.UUID(), load_default=list, validate=validate.Length(max=50))
    site_ids = fields.List(
        fields.UUID(),
        validate=validate.Length(max=200),
        metadata={"description": "default: the sites of the certificate's audit"},
    )
    modes = fields.List(
        fields.String(validate=validate.OneOf(list("ABCDEFGHI"))),
        validate=validate.Length(min=1, max=9),
        metadata={"description": "default: the modes of the certificate's audit"},
    )
    title = fields.String(validate=validate.Length(min=1, max=300))


class SurveillancePlanSchema(AuditPlanSchema):
    extra_id = fields.UUID(metadata={"description": "an extra surveillance decided (§7.3)"})
    reduced_sampling = fields.Boolean(
        load_default=False,
        metadata={"description": "§7.1: fewer sites than the previous audit; say what is same"},
    )
    unchanged_note = fields.String(load_default="", validate=validate.Length(max=2000))


class RecertificationSchema(AuditPlanSchema):
    applied_on = fields.Date(metadata={"description": "default: today (Beijing time)"})


class ConclusionSchema(ma.Schema):
    passed = fields.Boolean(required=True)
    note = fields.String(required=True, validate=REASON)
    concluded_on = fields.Date(metadata={"description": "default: today (Beijing time)"})


class ExtensionSchema(ma.Schema):
    reason = fields.String(required=True, validate=REASON)
    granted_on = fields.Date(metadata={"description": "default: today (Beijing time)"})


class ExtraSurveillanceSchema(ma.Schema):
    cause = fields.String(
        required=True,
        validate=validate.OneOf(EXTRA_CAUSES),
        metadata={"description": "§7.3 1) complaint, 2) doubt, 3) change, 4) negative_news"},
    )
    reason = fields.String(required=True, validate=REASON)
    due_by = fields.Date(required=True)
    decided_on = fields.Date(metadata={"description": "default: today (Beijing time)"})


class LinkedAuditSchema(ma.Schema):
    engagement_id = fields.UUID()
    title = fields.String()
    kind = fields.String()
    purpose = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    reduced_sampling = fields.Boolean()
    unchanged_note = fields.String()
    applied_on = fields.Date(allow_none=True)
    passed = fields.Boolean(allow_none=True)
    concluded_on = fields.Date(allow_none=True)
    conclusion_note = fields.String()
    extra_id = fields.UUID(allow_none=True)


class SuspensionRecordSchema(ma.Schema):
    id = fields.UUID()
    started_on = fields.Date()
    cause = fields.String()
    reason = fields.String()
    ended_on = fields.Date(allow_none=True)
    ended_how = fields.String(allow_none=True)


class ExtensionRecordSchema(ma.Schema):
    number = fields.Integer()
    granted_on = fields.Date()
    reason = fields.String()


class ExtraRecordSchema(ma.Schema):
    id = fields.UUID()
    cause = fields.String()
    reason = fields.String()
    decided_on = fields.Date()
    due_by = fields.Date()


class LifecycleSchema(ma.Schema):
    certificate_id = fields.UUID()
    number = fields.String()
    client_id = fields.UUID()
    engagement_id = fields.UUID()
    status = fields.String(metadata={"description": "active, suspended, withdrawn, expired"})
    lifecycle = fields.Dict(
        metadata={"description": "the lifecycle core's answer, as `fieldcert lifecycle` prints it"}
    )
    audits = fields.List(fields.Nested(LinkedAuditSchema))
    suspensions = fields.List(fields.Nested(SuspensionRecordSchema))
    extensions = fields.List(fields.Nested(ExtensionRecordSchema))
    extras = fields.List(fields.Nested(ExtraRecordSchema))


class CalendarQuerySchema(ma.Schema):
    from_ = fields.Date(data_key="from", metadata={"description": "default: today"})
    to = fields.Date(metadata={"description": "default: 6 months after from"})
    client_id = fields.UUID()
    team = fields.UUID(metadata={"description": "a user on the audit team"})


class CalendarItemSchema(ma.Schema):
    kind = fields.String()
    label_zh = fields.String()
    label_en = fields.String()
    on = fields.Date()
    overdue = fields.Boolean()
    client_id = fields.UUID()
    client_name = fields.String()
    certificate_id = fields.UUID(allow_none=True)
    certificate_number = fields.String(allow_none=True)
    engagement_id = fields.UUID(allow_none=True)
    title_zh = fields.String()
    title_en = fields.String()
    section = fields.String()
    details = fields.Dict()


class CalendarSchema(ma.Schema):
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    today = fields.Date()
    items = fields.List(fields.Nested(CalendarItemSchema))
