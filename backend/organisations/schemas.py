"""How the organisation's settings appear in the API."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from backend.api import Schema
from backend.organisations import numbering


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ma.ValidationError("不能为空 / must not be blank")


class _Trimmed(Schema):
    @ma.pre_load
    def strip(self, data: Any, **kwargs: Any) -> Any:
        """Spaces around a pasted value are not part of it."""
        if isinstance(data, dict):
            return {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
        return data


class LogoSchema(Schema):
    media_type = ma.fields.String(dump_only=True)
    sha256 = ma.fields.String(dump_only=True)
    width = ma.fields.Integer(dump_only=True)
    height = ma.fields.Integer(dump_only=True)
    url = ma.fields.String(dump_only=True, metadata={"description": "GET it for the image."})


class OrganisationSettingsSchema(Schema):
    id = ma.fields.UUID(dump_only=True)
    name = ma.fields.String(dump_only=True)
    address = ma.fields.String(dump_only=True)
    certificate_number_format = ma.fields.String(dump_only=True)
    certificate_number_examples = ma.fields.List(ma.fields.String(), dump_only=True)
    placeholders = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.String(), dump_only=True
    )
    logo = ma.fields.Nested(LogoSchema, dump_only=True, allow_none=True)


class OrganisationUpdateSchema(_Trimmed):
    """Only the fields sent change."""

    name = ma.fields.String(validate=[ma.validate.Length(min=1, max=200), _not_blank])
    address = ma.fields.String(validate=[ma.validate.Length(max=500)])
    certificate_number_format = ma.fields.String(
        validate=[ma.validate.Length(min=1, max=numbering.MAX_FORMAT_LENGTH)],
        metadata={"description": "e.g. FC-{year}-{seq:5}; placeholders in `placeholders`."},
    )

    @ma.validates_schema
    def not_empty(self, data: dict[str, object], **kwargs: object) -> None:
        if not data:
            raise ma.ValidationError("至少修改一项 / send at least one field", "_schema")


class FormatPreviewSchema(Schema):
    format = ma.fields.String(
        required=True, validate=[ma.validate.Length(min=1, max=numbering.MAX_FORMAT_LENGTH)]
    )


class FormatPreviewAnswerSchema(Schema):
    examples = ma.fields.List(ma.fields.String(), dump_only=True)
