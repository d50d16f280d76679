"""backend.geo: WGS-84 ↔ GCJ-02 ↔ BD-09, haversine distances, accuracy-aware geofences."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend import geo
from backend.geo import Geofence, inside_geofence

#: Tiananmen: WGS-84 and the GCJ-02 position Amap shows for it (public reference values).
TIANANMEN_WGS84 = (39.908823, 116.397470)
TIANANMEN_GCJ02 = (39.910225, 116.403714)

#: Mainland China, well inside the GCJ-02 rectangle.
china_lat = st.floats(min_value=18.0, max_value=53.0)
china_lng = st.floats(min_value=74.0, max_value=134.5)


def test_wgs84_to_gcj02_matches_the_tiananmen_reference_point() -> None:
    lat, lng = geo.wgs84_to_gcj02(*TIANANMEN_WGS84)
    assert lat == pytest.approx(TIANANMEN_GCJ02[0], abs=5e-6)
    assert lng == pytest.approx(TIANANMEN_GCJ02[1], abs=5e-6)


def test_gcj02_to_wgs84_recovers_tiananmen() -> None:
    lat, lng = geo.gcj02_to_wgs84(*TIANANMEN_GCJ02)
    assert lat == pytest.approx(TIANANMEN_WGS84[0], abs=5e-6)
    assert lng == pytest.approx(TIANANMEN_WGS84[1], abs=5e-6)


def test_the_gcj02_offset_in_beijing_is_several_hundred_metres() -> None:
    gcj = geo.wgs84_to_gcj02(*TIANANMEN_WGS84)
    offset = geo.haversine_m(*TIANANMEN_WGS84, *gcj)
    assert 450 < offset < 650  # ~555 m: GCJ-02 moves Tiananmen east-north-east


def test_bd09_is_a_further_offset_of_about_a_kilometre_from_gcj02() -> None:
    gcj = geo.wgs84_to_gcj02(*TIANANMEN_WGS84)
    bd = geo.gcj02_to_bd09(*gcj)
    # Baidu's published value for Tiananmen, about (39.9166, 116.4101).
    assert bd.latitude == pytest.approx(39.91657, abs=1e-4)
    assert bd.longitude == pytest.approx(116.41009, abs=1e-4)
    assert 800 < geo.haversine_m(*gcj, *bd) < 1200


@given(china_lat, china_lng)
def test_gcj02_round_trip_is_within_a_millionth_of_a_degree(lat: float, lng: float) -> None:
    back = geo.gcj02_to_wgs84(*geo.wgs84_to_gcj02(lat, lng))
    assert abs(back.latitude - lat) < 1e-6
    assert abs(back.longitude - lng) < 1e-6


@given(china_lat, china_lng)
def test_bd09_round_trip_is_within_a_millionth_of_a_degree(lat: float, lng: float) -> None:
    back = geo.bd09_to_wgs84(*geo.wgs84_to_bd09(lat, lng))
    assert abs(back.latitude - lat) < 1e-6
    assert abs(back.longitude - lng) < 1e-6
    gcj = geo.wgs84_to_gcj02(lat, lng)
    back_gcj = geo.bd09_to_gcj02(*geo.gcj02_to_bd09(*gcj))
    assert abs(back_gcj.latitude - gcj.latitude) < 1e-6
    assert abs(back_gcj.longitude - gcj.longitude) < 1e-6


@given(china_lat, china_lng)
def test_gcj02_offsets_stay_below_a_kilometre_in_china(lat: float, lng: float) -> None:
    gcj = geo.wgs84_to_gcj02(lat, lng)
    assert 0 < geo.haversine_m(lat, lng, *gcj) < 1000


@pytest.mark.parametrize(
    ("lat", "lng"),
    [
        (51.5007, -0.1246),  # London
        (35.6586, 139.7454),  # Tokyo: east of the rectangle
        (1.2839, 103.8607),  # Singapore: south of it
        (-33.8568, 151.2153),  # Sydney
    ],
)
def test_outside_china_gcj02_is_wgs84(lat: float, lng: float) -> None:
    assert geo.out_of_china(lat, lng)
    assert geo.wgs84_to_gcj02(lat, lng) == (lat, lng)
    assert geo.gcj02_to_wgs84(lat, lng) == (lat, lng)
    assert geo.to_wgs84(lat, lng, "gcj02") == (lat, lng)


def test_to_wgs84_converts_from_each_datum() -> None:
    gcj = geo.wgs84_to_gcj02(*TIANANMEN_WGS84)
    bd = geo.gcj02_to_bd09(*gcj)
    for datum, entered in (("wgs84", TIANANMEN_WGS84), ("gcj02", gcj), ("bd09", bd)):
        lat, lng = geo.to_wgs84(*entered, datum)
        assert lat == pytest.approx(TIANANMEN_WGS84[0], abs=1e-6), datum
        assert lng == pytest.approx(TIANANMEN_WGS84[1], abs=1e-6), datum


def test_to_wgs84_refuses_an_unknown_datum() -> None:
    with pytest.raises(ValueError, match="cgcs2000"):
        geo.to_wgs84(39.9, 116.4, "cgcs2000")


def test_haversine_of_one_degree_of_latitude_is_about_111_km() -> None:
    assert geo.haversine_m(0, 0, 1, 0) == pytest.approx(111_195, rel=1e-3)
    assert geo.haversine_m(39.9, 116.4, 39.9, 116.4) == 0
    # Beijing to Shanghai, about 1068 km.
    assert geo.haversine_m(39.9042, 116.4074, 31.2304, 121.4737) == pytest.approx(
        1_067_000, rel=0.01
    )


def _north_of(lat: float, lng: float, metres: float) -> tuple[float, float]:
    return lat + metres / (math.pi * geo.EARTH_RADIUS_M / 180), lng


@pytest.mark.parametrize(
    ("distance", "accuracy", "expected"),
    [
        (50, 10, Geofence.INSIDE),  # 50 + 10 ≤ 100
        (89.9, 10, Geofence.INSIDE),  # the circle just inside the fence
        (95, 10, Geofence.UNCERTAIN),  # straddles the boundary
        (105, 10, Geofence.UNCERTAIN),
        (111, 10, Geofence.OUTSIDE),  # 111 - 10 > 100
        (400, 10, Geofence.OUTSIDE),
        (50, 0, Geofence.INSIDE),  # an exact fix is never uncertain
        (101, 0, Geofence.OUTSIDE),
        (0, 500, Geofence.UNCERTAIN),  # a poor fix at the very centre proves nothing
    ],
)
def test_inside_geofence_is_accuracy_aware(
    distance: float, accuracy: float, expected: Geofence
) -> None:
    site = TIANANMEN_WGS84
    fix = _north_of(*site, distance)
    assert geo.haversine_m(*site, *fix) == pytest.approx(distance, abs=0.01)
    assert inside_geofence(*site, 100, *fix, accuracy) is expected


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf])
def test_inside_geofence_refuses_a_meaningless_accuracy_or_radius(bad: float) -> None:
    with pytest.raises(ValueError, match="accuracy_m"):
        inside_geofence(39.9, 116.4, 100, 39.9, 116.4, bad)
    with pytest.raises(ValueError, match="radius_m"):
        inside_geofence(39.9, 116.4, bad, 39.9, 116.4, 5)


def test_a_gcj02_fix_compared_unconverted_lands_outside_the_fence() -> None:
    """Why sites convert: the raw GCJ-02 numbers are ~555 m from the WGS-84 site in Beijing."""
    gcj = geo.wgs84_to_gcj02(*TIANANMEN_WGS84)
    assert inside_geofence(*TIANANMEN_WGS84, 150, *gcj, 10) is Geofence.OUTSIDE
    assert inside_geofence(*TIANANMEN_WGS84, 150, *geo.gcj02_to_wgs84(*gcj), 10) is Geofence.INSIDE
