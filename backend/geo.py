"""Coordinates in China: WGS-84 ↔ GCJ-02 ↔ BD-09, distances, and accuracy-aware geofences.

Pure functions (no Flask, no database). DOMAIN.md "Geography in China": browsers and GPS give
WGS-84; Amap and Tencent maps show GCJ-02 (国测局坐标, "Mars coordinates"), Baidu maps BD-09,
both offset from WGS-84 by up to several hundred metres. Sites are stored in WGS-84, entry in the
other two is converted here, and geofence checks compare WGS-84 with WGS-84.

The GCJ-02 offset is the widely published reimplementation of the official obfuscation (on the
Krasovsky 1940 ellipsoid); it agrees with the official one to well under a metre. Its inverse has
no closed form: ``gcj02_to_wgs84`` inverts it by fixed-point iteration.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from typing import NamedTuple

#: Krasovsky 1940 ellipsoid: semi-major axis (m) and first eccentricity squared.
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323
#: Baidu's extra rotation and scaling constant (π · 3000 / 180).
_BD_X_PI = math.pi * 3000.0 / 180.0
#: Mean Earth radius (IUGG, metres) for the haversine distance.
EARTH_RADIUS_M = 6371008.8
#: The inverse iteration stops when the forward transform of the estimate is this close (degrees).
_INVERSE_TOLERANCE_DEG = 1e-9
_INVERSE_MAX_STEPS = 30


class LatLng(NamedTuple):
    """A position in degrees: latitude first, as the database columns and the API use it."""

    latitude: float
    longitude: float


class Datum(enum.StrEnum):
    """Coordinate systems (same values as ``backend.clients.models.Datum``)."""

    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


def out_of_china(latitude: float, longitude: float) -> bool:
    """Outside the rectangle where GCJ-02 applies (there GCJ-02 equals WGS-84).

    The rectangle of the public formula: it is coarse (it includes e.g. parts of Mongolia), but it
    is the rectangle Amap and Tencent themselves use, so conversions agree with their maps.
    """
    return not (73.66 < longitude < 135.05 and 3.86 < latitude < 53.55)


def _offset_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _offset_lng(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(latitude: float, longitude: float) -> LatLng:
    """The GCJ-02 position Amap or Tencent would show for a WGS-84 (GPS) position."""
    if out_of_china(latitude, longitude):
        return LatLng(latitude, longitude)
    d_lat = _offset_lat(longitude - 105.0, latitude - 35.0)
    d_lng = _offset_lng(longitude - 105.0, latitude - 35.0)
    rad_lat = latitude / 180.0 * math.pi
    magic = 1.0 - _KRASOVSKY_EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / (
        (_KRASOVSKY_A * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * math.pi
    )
    d_lng = (d_lng * 180.0) / (_KRASOVSKY_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return LatLng(latitude + d_lat, longitude + d_lng)


def gcj02_to_wgs84(latitude: float, longitude: float) -> LatLng:
    """The WGS-84 position of a GCJ-02 one, by iterating the forward transform (error < 1e-8°).

    The offset varies slowly (its derivative is far below 1), so the fixed-point iteration
    w ← w - (f(w) - g) converges in a few steps; the one-step "subtract the offset" shortcut
    common online leaves errors of up to ~5 m.
    """
    if out_of_china(latitude, longitude):
        return LatLng(latitude, longitude)
    return _invert(wgs84_to_gcj02, latitude, longitude, latitude, longitude)


def _invert(
    forward: Callable[[float, float], LatLng],
    latitude: float,
    longitude: float,
    lat: float,
    lng: float,
) -> LatLng:
    """Solve forward(w) = (latitude, longitude) for w by fixed-point iteration from (lat, lng)."""
    for _ in range(_INVERSE_MAX_STEPS):
        image = forward(lat, lng)
        d_lat = image.latitude - latitude
        d_lng = image.longitude - longitude
        if abs(d_lat) < _INVERSE_TOLERANCE_DEG and abs(d_lng) < _INVERSE_TOLERANCE_DEG:
            break
        lat -= d_lat
        lng -= d_lng
    return LatLng(lat, lng)


def gcj02_to_bd09(latitude: float, longitude: float) -> LatLng:
    """The BD-09 position Baidu maps would show for a GCJ-02 one (Baidu's published formula)."""
    x, y = longitude, latitude
    z = math.sqrt(x * x + y * y) + 0.00002 * math.sin(y * _BD_X_PI)
    theta = math.atan2(y, x) + 0.000003 * math.cos(x * _BD_X_PI)
    return LatLng(z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065)


def bd09_to_gcj02(latitude: float, longitude: float) -> LatLng:
    """The GCJ-02 position of a BD-09 one.

    Baidu's published inverse is approximate (its round trip is off by up to ~2e-6°, 0.2 m);
    starting from it, the same fixed-point iteration as ``gcj02_to_wgs84`` makes the round trip
    exact to 1e-9°.
    """
    x, y = longitude - 0.0065, latitude - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _BD_X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _BD_X_PI)
    lat, lng = z * math.sin(theta), z * math.cos(theta)
    return _invert(gcj02_to_bd09, latitude, longitude, lat, lng)


def wgs84_to_bd09(latitude: float, longitude: float) -> LatLng:
    gcj = wgs84_to_gcj02(latitude, longitude)
    return gcj02_to_bd09(gcj.latitude, gcj.longitude)


def bd09_to_wgs84(latitude: float, longitude: float) -> LatLng:
    gcj = bd09_to_gcj02(latitude, longitude)
    return gcj02_to_wgs84(gcj.latitude, gcj.longitude)


def to_wgs84(latitude: float, longitude: float, datum: Datum | str) -> LatLng:
    """A position entered in ``datum`` (wgs84, gcj02 or bd09), in WGS-84."""
    match Datum(datum):
        case Datum.WGS84:
            return LatLng(latitude, longitude)
        case Datum.GCJ02:
            return gcj02_to_wgs84(latitude, longitude)
        case Datum.BD09:
            return bd09_to_wgs84(latitude, longitude)


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres between two WGS-84 positions (spherical Earth, < 0.5 %)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lng2 - lng1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


class Geofence(enum.StrEnum):
    """Where a GPS fix is relative to a site's geofence, given the fix's accuracy."""

    INSIDE = "inside"  # the whole accuracy circle is inside the fence
    OUTSIDE = "outside"  # the whole accuracy circle is outside
    UNCERTAIN = "uncertain"  # the accuracy circle straddles the boundary


def inside_geofence(
    site_lat: float,
    site_lng: float,
    radius_m: float,
    fix_lat: float,
    fix_lng: float,
    accuracy_m: float,
) -> Geofence:
    """Whether a WGS-84 fix lies within ``radius_m`` of a WGS-84 site, accuracy taken into account.

    ``accuracy_m`` is the radius of the fix's uncertainty circle (the Geolocation API's
    ``coords.accuracy``, about 68 % confidence). A flag for the reviewer, never a verdict
    (issue 3, "Integrity checks"): a poor fix near the boundary is UNCERTAIN, not OUTSIDE.
    """
    for name, value in (("radius_m", radius_m), ("accuracy_m", accuracy_m)):
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a finite number ≥ 0, got {value!r}")
    distance = haversine_m(site_lat, site_lng, fix_lat, fix_lng)
    if distance + accuracy_m <= radius_m:
        return Geofence.INSIDE
    if distance - accuracy_m > radius_m:
        return Geofence.OUTSIDE
    return Geofence.UNCERTAIN
