"""The audit log as administrators read it."""

from __future__ import annotations

import marshmallow as ma

from backend.api import Schema
from backend.audit.queries import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from backend.db import BIGINT_MAX
from backend.paging import MAX_CURSOR_LENGTH, NEXT_CURSOR_HEADER


class AuditQuerySchema(Schema):
    """Filters (all optional, combined with AND) and the page."""

    action = ma.fields.String(
        validate=ma.validate.Length(min=1, max=100),
        metadata={"description": "e.g. auth.login_failed, device.revoked, user.updated"},
    )
    object_type = ma.fields.String(validate=ma.validate.Length(min=1, max=50))
    object_id = ma.fields.String(validate=ma.validate.Length(min=1, max=64))
    actor = ma.fields.UUID(metadata={"description": "The acting user's id."})
    since = ma.fields.AwareDateTime(
        metadata={"description": "From this time on (inclusive), with a UTC offset."}
    )
    until = ma.fields.AwareDateTime(
        metadata={"description": "Before this time (exclusive), with a UTC offset."}
    )
    before_id = ma.fields.Integer(
        # audit_log.id is a BIGINT: a larger number is no id (and PostgreSQL refuses it).
        validate=ma.validate.Range(min=1, max=BIGINT_MAX),
        metadata={"description": "Entries older than this id: next_before_id of the last page."},
    )
    cursor = ma.fields.String(
        validate=ma.validate.Length(min=1, max=MAX_CURSOR_LENGTH),
        metadata={
            "description": f"The next page: the `{NEXT_CURSOR_HEADER}` header of the previous "
            "page (opaque, bound to the same filters; instead of before_id)."
        },
    )
    limit = ma.fields.Integer(
        load_default=DEFAULT_PAGE_SIZE, validate=ma.validate.Range(min=1, max=MAX_PAGE_SIZE)
    )

    @ma.validates_schema
    def ordered(self, data: dict[str, object], **kwargs: object) -> None:
        since, until = data.get("since"), data.get("until")
        if since is not None and until is not None and since >= until:  # type: ignore[operator]
            raise ma.ValidationError("since must be before until", "until")


class AuditEntrySchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    at = ma.fields.DateTime(dump_only=True)
    organisation_id = ma.fields.UUID(dump_only=True, allow_none=True)
    actor_id = ma.fields.UUID(dump_only=True, allow_none=True)
    device_id = ma.fields.UUID(dump_only=True, allow_none=True)
    action = ma.fields.String(dump_only=True)
    object_type = ma.fields.String(dump_only=True)
    object_id = ma.fields.String(dump_only=True, allow_none=True)
    reason = ma.fields.String(dump_only=True, allow_none=True)
    details = ma.fields.Dict(dump_only=True)
    ip = ma.fields.String(dump_only=True, allow_none=True)


class AuditPageSchema(Schema):
    items = ma.fields.List(ma.fields.Nested(AuditEntrySchema), dump_only=True)
    next_before_id = ma.fields.Integer(
        dump_only=True,
        allow_none=True,
        metadata={"description": "Pass as before_id for the next (older) page; null at the end."},
    )
