"""How clients, certification units and sites appear in the API (unknown fields are refused)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from backend.api import Schema
from backend.clients.models import Datum

#: Bounds of a site's geofence radius: below 10 m ordinary GPS noise (±5-20 m in town) would put
#: a visitor standing at the door "outside"; above 5 km the fence no longer says which site.
GEOFENCE_MIN_M = 10.0
GEOFENCE_MAX_M = 5000.0
GEOFENCE_DEFAULT_M = 150.0


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ma.ValidationError("Must not be blank.")


def no_nul(value: str | None) -> None:
    """Refuse NUL characters: PostgreSQL text cannot hold them (and no real text has one)."""
    if value is not None and "\x00" in value:
        raise ma.ValidationError("Must not contain NUL characters.")


class _Trimmed(Schema):
    """Strips surrounding whitespace from text (copied from maps and forms) before validation."""

    @ma.pre_load
    def strip_text(self, data: Any, **kwargs: Any) -> Any:
        if not isinstance(data, dict):
            return data
        return {key: v.strip() if isinstance(v, str) else v for key, v in data.items()}


# --------------------------------------------------------------------------- clients


class ClientCreateSchema(_Trimmed):
    name = ma.fields.String(
        required=True, validate=[ma.validate.Length(min=1, max=200), _not_blank, no_nul]
    )
    service_provider = ma.fields.String(
        allow_none=True,
        load_default=None,
        validate=[ma.validate.Length(max=200), no_nul],
        metadata={"description": "服务提供者, when it differs from the client (认证委托人)."},
    )


class ClientUpdateSchema(_Trimmed):
    name = ma.fields.String(validate=[ma.validate.Length(min=1, max=200), _not_blank, no_nul])
    service_provider = ma.fields.String(
        allow_none=True, validate=[ma.validate.Length(max=200), no_nul]
    )


class ClientSchema(Schema):
    id = ma.fields.UUID(dump_only=True)
    name = ma.fields.String(dump_only=True)
    service_provider = ma.fields.String(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)


# --------------------------------------------------------------------------- units


class UnitCreateSchema(_Trimmed):
    name = ma.fields.String(
        required=True, validate=[ma.validate.Length(min=1, max=200), _not_blank, no_nul]
    )
    scope = ma.fields.String(
        allow_none=True,
        load_default=None,
        validate=[ma.validate.Length(max=5000), no_nul],
        metadata={"description": "The certification scope of the unit (认证范围)."},
    )


class UnitUpdateSchema(_Trimmed):
    name = ma.fields.String(validate=[ma.validate.Length(min=1, max=200), _not_blank, no_nul])
    scope = ma.fields.String(allow_none=True, validate=[ma.validate.Length(max=5000), no_nul])


class UnitSchema(Schema):
    id = ma.fields.UUID(dump_only=True)
    client_id = ma.fields.UUID(dump_only=True)
    name = ma.fields.String(dump_only=True)
    scope = ma.fields.String(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)


# --------------------------------------------------------------------------- sites


class EnteredLocationSchema(Schema):
    """A position as entered: WGS-84 (GPS), GCJ-02 (Amap, Tencent) or BD-09 (Baidu)."""

    latitude = ma.fields.Float(required=True, validate=ma.validate.Range(min=-90, max=90))
    longitude = ma.fields.Float(required=True, validate=ma.validate.Range(min=-180, max=180))
    datum = ma.fields.Enum(
        Datum,
        by_value=True,
        required=True,
        metadata={"description": "wgs84 (GPS), gcj02 (Amap, Tencent), bd09 (Baidu)."},
    )


class LocationSchema(Schema):
    """A position as stored or answered, with the datum it is in."""

    latitude = ma.fields.Float(dump_only=True)
    longitude = ma.fields.Float(dump_only=True)
    datum = ma.fields.Enum(Datum, by_value=True, dump_only=True)


class SiteCreateSchema(_Trimmed):
    name = ma.fields.String(
        required=True, validate=[ma.validate.Length(min=1, max=200), _not_blank, no_nul]
    )
    address = ma.fields.String(
        required=True, validate=[ma.validate.Length(min=1, max=500), _not_blank, no_nul]
    )
    location = ma.fields.Nested(EnteredLocationSchema, required=True)
    geofence_radius_m = ma.fields.Float(
        load_default=GEOFENCE_DEFAULT_M,
        validate=ma.validate.Range(min=GEOFENCE_MIN_M, max=GEOFENCE_MAX_M),
        metadata={"description": "Metres around the WGS-84 location (10-5000, default 150)."},
    )


class SiteUpdateSchema(_Trimmed):
    name = ma.fields.String(validate=[ma.validate.Length(min=1, max=200), _not_blank, no_nul])
    address = ma.fields.String(validate=[ma.validate.Length(min=1, max=500), _not_blank, no_nul])
    location = ma.fields.Nested(EnteredLocationSchema)
    geofence_radius_m = ma.fields.Float(
        validate=ma.validate.Range(min=GEOFENCE_MIN_M, max=GEOFENCE_MAX_M)
    )


def site_locations(site: Any) -> dict[str, Any]:
    """The stored WGS-84 location and the entered one, as the API answers them."""
    return {
        "location": {
            "latitude": site.latitude,
            "longitude": site.longitude,
            "datum": Datum.WGS84,
        },
        "entered_location": {
            "latitude": site.entered_latitude,
            "longitude": site.entered_longitude,
            "datum": site.entered_datum,
        },
    }


class SiteSchema(Schema):
    """A site: its stored WGS-84 location, and the location as it was entered."""

    id = ma.fields.UUID(dump_only=True)
    unit_id = ma.fields.UUID(dump_only=True)
    name = ma.fields.String(dump_only=True)
    address = ma.fields.String(dump_only=True)
    location = ma.fields.Nested(
        LocationSchema,
        dump_only=True,
        metadata={"description": "WGS-84: what geofence checks compare GPS fixes with."},
    )
    entered_location = ma.fields.Nested(
        LocationSchema,
        dump_only=True,
        metadata={"description": "As entered, with its datum, so the conversion can be checked."},
    )
    geofence_radius_m = ma.fields.Float(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)

    @ma.pre_dump
    def with_locations(self, site: Any, **kwargs: Any) -> dict[str, Any]:
        return {
            "id": site.id,
            "unit_id": site.unit_id,
            "name": site.name,
            "address": site.address,
            "geofence_radius_m": site.geofence_radius_m,
            "created_at": site.created_at,
            **site_locations(site),
        }


class LocateSchema(Schema):
    """A pasted position or map link (``text``), or typed numbers; plain numbers in ``datum``."""

    text = ma.fields.String(validate=ma.validate.Length(min=1, max=2000))
    latitude = ma.fields.Float(validate=ma.validate.Range(min=-90, max=90))
    longitude = ma.fields.Float(validate=ma.validate.Range(min=-180, max=180))
    datum = ma.fields.Enum(Datum, by_value=True, load_default=Datum.WGS84)

    @ma.validates_schema
    def one_way(self, data: dict[str, Any], **kwargs: Any) -> None:
        typed = ("latitude" in data) + ("longitude" in data)
        if "text" in data and typed:
            raise ma.ValidationError("send text or latitude and longitude, not both", "text")
        if "text" not in data and typed != 2:
            raise ma.ValidationError(
                "粘贴坐标或地图链接，或输入纬度和经度 / send text, or latitude and longitude",
                "text",
            )


class PointSchema(Schema):
    latitude = ma.fields.Float(dump_only=True)
    longitude = ma.fields.Float(dump_only=True)


class EnteredPointSchema(PointSchema):
    datum = ma.fields.String(dump_only=True, metadata={"description": "wgs84, gcj02 or bd09"})


class LocatedSchema(Schema):
    source = ma.fields.String(
        dump_only=True, metadata={"description": "coordinates, amap, baidu, tencent, geo, typed"}
    )
    order = ma.fields.String(dump_only=True, metadata={"description": "lat,lng or lng,lat"})
    entered = ma.fields.Nested(EnteredPointSchema, dump_only=True)
    wgs84 = ma.fields.Nested(PointSchema, dump_only=True)
    gcj02 = ma.fields.Nested(PointSchema, dump_only=True)
    bd09 = ma.fields.Nested(PointSchema, dump_only=True)
    offset_m = ma.fields.Float(
        dump_only=True,
        metadata={
            "description": "Metres between the entered numbers read as WGS-84 and the point."
        },
    )
    out_of_china = ma.fields.Boolean(dump_only=True)
