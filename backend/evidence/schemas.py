"""How evidence uploads are described (headers) and how evidence records appear in the API."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import marshmallow as ma
from flask import url_for

from backend.api import DeviceClockHeadersSchema, Schema
from backend.evidence.models import EvidenceKind

#: ``X-Content-SHA256``: the client's SHA-256 of the file, 64 hex digits (any case).
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


class UploadHeadersSchema(DeviceClockHeadersSchema):
    """The headers of ``PUT /api/evidence/<id>``: the body is the file itself (docs/evidence.md)."""

    sha256 = ma.fields.String(
        required=True,
        data_key="X-Content-SHA256",
        validate=ma.validate.Regexp(_SHA256, error="Must be 64 hexadecimal digits."),
        metadata={"description": "SHA-256 of the file as the device computed it (hex)."},
    )
    captured_at = ma.fields.AwareDateTime(
        data_key="X-Captured-At",
        format="iso",
        metadata={"description": "Device clock at capture, ISO 8601 with offset or Z."},
    )
    latitude = ma.fields.Float(
        data_key="X-Capture-Latitude",
        allow_nan=False,
        validate=ma.validate.Range(-90, 90),
        metadata={"description": "WGS-84 latitude of the device at capture (decimal degrees)."},
    )
    longitude = ma.fields.Float(
        data_key="X-Capture-Longitude",
        allow_nan=False,
        validate=ma.validate.Range(-180, 180),
        metadata={"description": "WGS-84 longitude of the device at capture."},
    )
    accuracy_m = ma.fields.Float(
        data_key="X-Capture-Accuracy",
        allow_nan=False,
        validate=ma.validate.Range(0, 100_000),
        metadata={"description": "Accuracy of the fix in metres (Geolocation API accuracy)."},
    )
    original_filename = ma.fields.String(
        data_key="X-Original-Filename",
        validate=ma.validate.Length(max=1024),
        metadata={
            "description": "The file's name on the device, percent-encoded UTF-8 "
            "(encodeURIComponent); kept as metadata only, the type comes from the content."
        },
    )

    @ma.validates_schema
    def _position_is_whole(self, data: dict[str, Any], **_: Any) -> None:
        has_latitude, has_longitude = "latitude" in data, "longitude" in data
        if has_latitude != has_longitude:
            missing = "X-Capture-Longitude" if has_latitude else "X-Capture-Latitude"
            raise ma.ValidationError("Latitude and longitude come together.", missing)
        if "accuracy_m" in data and not has_latitude:
            raise ma.ValidationError("Accuracy without a position.", "X-Capture-Accuracy")

    @ma.validates("captured_at")
    def _plausible_clock(self, value: datetime, **_: Any) -> None:
        # Any device clock is kept, however wrong (a reset phone says 1970; skew is a check the
        # reviewer sees), but only within what timestamps can hold everywhere.
        try:
            year = value.astimezone(UTC).year
        except OverflowError:
            year = 0
        if not 1970 <= year <= 2999:
            raise ma.ValidationError("Must be between 1970 and 2999.")

    @ma.post_load
    def _normalise(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if "captured_at" in data:
            data["captured_at"] = data["captured_at"].astimezone(UTC)
        raw = data.get("original_filename")
        if raw is not None:
            data["original_filename"] = decode_filename(raw)
        return data


def decode_filename(raw: str) -> str | None:
    """The percent-decoded base name, without control characters; None when nothing is left.

    HTTP header values are Latin-1: Chinese names arrive percent-encoded.
    """
    try:
        name = unquote(raw, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise ma.ValidationError("Must be percent-encoded UTF-8.", "X-Original-Filename") from None
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if len(name) > 255:
        raise ma.ValidationError("At most 255 characters.", "X-Original-Filename")
    return name or None


class CaptureSchema(Schema):
    latitude = ma.fields.Float(dump_only=True)
    longitude = ma.fields.Float(dump_only=True)
    accuracy_m = ma.fields.Float(dump_only=True, allow_none=True)


class UploaderSchema(Schema):
    id = ma.fields.UUID(dump_only=True)
    display_name = ma.fields.String(dump_only=True, allow_none=True)


class ExifSchema(Schema):
    """What the file's EXIF says: metadata only, the app's capture data is primary."""

    taken_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    latitude = ma.fields.Float(dump_only=True, allow_none=True)
    longitude = ma.fields.Float(dump_only=True, allow_none=True)
    summary = ma.fields.Dict(
        dump_only=True,
        metadata={"description": "Camera, orientation, raw DateTimeOriginal and its offset."},
    )


class EvidenceLinksSchema(Schema):
    original = ma.fields.String(dump_only=True)
    display = ma.fields.String(dump_only=True)
    thumbnail = ma.fields.String(dump_only=True)


_STAFF_ONLY = " Absent for client users."


class EvidenceSchema(Schema):
    """One evidence file's record. Client users see the pictures, never who took them or where."""

    id = ma.fields.UUID(dump_only=True)
    sha256 = ma.fields.String(dump_only=True)
    size_bytes = ma.fields.Integer(dump_only=True)
    media_type = ma.fields.String(
        dump_only=True, metadata={"description": "Detected from the content."}
    )
    kind = ma.fields.Enum(EvidenceKind, by_value=True, dump_only=True)
    width = ma.fields.Integer(
        dump_only=True, allow_none=True, metadata={"description": "EXIF orientation applied."}
    )
    height = ma.fields.Integer(dump_only=True, allow_none=True)
    captured_at = ma.fields.DateTime(
        dump_only=True, allow_none=True, metadata={"description": "Device clock at capture."}
    )
    received_at = ma.fields.DateTime(
        dump_only=True, metadata={"description": "Server clock at receipt."}
    )
    phash = ma.fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "64-bit perceptual hash (dHash), 16 hex digits."},
    )
    derived = ma.fields.String(
        dump_only=True,
        metadata={
            "description": "The display image, thumbnail and perceptual hash: ``pending`` "
            "while a background job makes them after the upload answered, then ``ready``, or "
            "``failed`` (the image data is damaged; the original stays).",
            "enum": ["pending", "ready", "failed"],
        },
    )
    derived_at = ma.fields.DateTime(
        dump_only=True,
        allow_none=True,
        metadata={"description": "When they were made; null while pending."},
    )
    organisation_id = ma.fields.UUID(dump_only=True, metadata={"description": _STAFF_ONLY})
    uploaded_by = ma.fields.Nested(
        UploaderSchema, dump_only=True, metadata={"description": _STAFF_ONLY}
    )
    device_id = ma.fields.UUID(
        dump_only=True, allow_none=True, metadata={"description": _STAFF_ONLY}
    )
    original_filename = ma.fields.String(
        dump_only=True, allow_none=True, metadata={"description": _STAFF_ONLY}
    )
    capture = ma.fields.Nested(
        CaptureSchema,
        dump_only=True,
        allow_none=True,
        metadata={"description": "The app's GPS fix at capture (WGS-84)." + _STAFF_ONLY},
    )
    exif = ma.fields.Nested(ExifSchema, dump_only=True, metadata={"description": _STAFF_ONLY})
    metadata = ma.fields.Dict(
        dump_only=True,
        metadata={"description": "Stored size, format, rendition sizes." + _STAFF_ONLY},
    )
    links = ma.fields.Method(
        "_links",
        dump_only=True,
        metadata={
            "description": "Download addresses of the renditions this user may fetch.",
            "type": "object",
            "properties": {
                name: {"type": "string"} for name in ("original", "display", "thumbnail")
            },
        },
    )

    def _links(self, record: dict[str, Any]) -> dict[str, str]:
        return {
            rendition: url_for(f"evidence.{_VIEWS[rendition]}", evidence_id=record["id"])
            for rendition in record["renditions"]
        }


#: The view class serving each rendition (endpoint names in routes.py).
_VIEWS = {
    "original": "EvidenceOriginal",
    "display": "EvidenceDisplay",
    "thumbnail": "EvidenceThumbnail",
}
