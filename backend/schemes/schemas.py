"""How scheme versions appear in the API."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from backend.api import Schema


class TextSchema(Schema):
    """A label in both languages (zh-CN first)."""

    zh = ma.fields.String(dump_only=True)
    en = ma.fields.String(dump_only=True)


class SchemeVersionSchema(Schema):
    """One imported scheme file: engagements pin it by ``id``."""

    id = ma.fields.UUID(dump_only=True)
    scheme_id = ma.fields.String(
        dump_only=True, metadata={"description": "The id inside the file, e.g. cts-tbsc034-2026."}
    )
    version = ma.fields.String(dump_only=True)
    content_hash = ma.fields.String(
        dump_only=True, metadata={"description": "sha256:<hex> of the file's exact bytes."}
    )
    status = ma.fields.String(
        dump_only=True, metadata={"description": "complete, or incomplete (clauses missing)."}
    )
    title = ma.fields.Nested(TextSchema, dump_only=True)
    imported_at = ma.fields.DateTime(dump_only=True)
    imported_by_id = ma.fields.UUID(
        dump_only=True, allow_none=True, metadata={"description": "None: imported by command."}
    )

    @ma.pre_dump
    def with_title(self, row: Any, **kwargs: Any) -> dict[str, Any]:
        return {
            "id": row.id,
            "scheme_id": row.scheme_id,
            "version": row.version,
            "content_hash": row.content_hash,
            "status": row.status,
            "title": {"zh": row.title_zh, "en": row.title_en},
            "imported_at": row.imported_at,
            "imported_by_id": row.imported_by_id,
        }


class CurrentVersionSchema(Schema):
    scheme_id = ma.fields.String(dump_only=True)
    scheme_version_id = ma.fields.UUID(dump_only=True)
    set_by_id = ma.fields.UUID(dump_only=True, allow_none=True)
    set_at = ma.fields.DateTime(dump_only=True)


class UsageSchema(Schema):
    scheme_version_id = ma.fields.UUID(dump_only=True)
    engagements = ma.fields.Integer(
        dump_only=True, metadata={"description": "My organisation's engagements pinned to it."}
    )


class ChangeSchema(Schema):
    section = ma.fields.String(
        dump_only=True,
        metadata={
            "description": "service, scales, management, conformity, timing, decision, "
            "lifecycle, modes or about."
        },
    )
    path = ma.fields.String(
        dump_only=True, metadata={"description": "e.g. conformity.chapters[5].clauses[5.1.1]"}
    )
    change = ma.fields.String(dump_only=True, metadata={"description": "added, removed, changed"})
    old = ma.fields.String(dump_only=True, allow_none=True)
    new = ma.fields.String(dump_only=True, allow_none=True)


class ComparisonSchema(Schema):
    old = ma.fields.Nested(SchemeVersionSchema, dump_only=True)
    new = ma.fields.Nested(SchemeVersionSchema, dump_only=True)
    changes = ma.fields.List(ma.fields.Nested(ChangeSchema), dump_only=True)
