"""Wire format of certificates, their issue, changes and status."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

TEXT = validate.Length(min=1, max=500)


class CertificateIssueSchema(ma.Schema):
    issued_on = fields.Date(metadata={"description": "default: today (Beijing time)"})
    scope = fields.String(validate=TEXT, metadata={"description": "default: the units' scope"})
    provider = fields.String(
        validate=TEXT, metadata={"description": "default: the client's service provider"}
    )


class CertificateFieldsChangeSchema(ma.Schema):
    client = fields.String(validate=TEXT)
    provider = fields.String(validate=TEXT)
    scope = fields.String(validate=TEXT)


class CertificateChangeSchema(ma.Schema):
    changes = fields.Nested(CertificateFieldsChangeSchema, required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    changed_on = fields.Date()


class CertificateStatusSchema(ma.Schema):
    action = fields.String(
        required=True, validate=validate.OneOf(["suspend", "reinstate", "withdraw"])
    )
    on = fields.Date()
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    cause = fields.String(
        validate=validate.OneOf(["client_request", "other"]),
        metadata={
            "description": "suspend only (§9.4): client_request (at most 12 months) or other "
            "(at most 3; the default)"
        },
    )


class CertificateChangeRecordSchema(ma.Schema):
    changed_on = fields.Date()
    kind = fields.String()
    reason = fields.String()
    before = fields.Dict()
    after = fields.Dict()


class CertificateSchema(ma.Schema):
    id = fields.UUID()
    engagement_id = fields.UUID()
    number = fields.String()
    fields_ = fields.Dict(data_key="fields")
    issued_on = fields.Date()
    valid_until = fields.Date()
    issue_by = fields.Date()
    issued_late = fields.Boolean()
    changed_on = fields.Date(allow_none=True)
    status = fields.String()
    status_zh = fields.String()
    scans = fields.Integer()
    payload = fields.String()
    fingerprint = fields.String()
    key_id = fields.String()
    verification_url = fields.String()
    pdf_url = fields.String()
    titles = fields.Dict(metadata={"description": "characteristic code → its Chinese title"})
    changes = fields.List(fields.Nested(CertificateChangeRecordSchema))
