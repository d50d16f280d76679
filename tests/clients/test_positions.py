"""Positions pasted or linked from Chinese web maps, and POST /api/sites/locate."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend import geo
from backend.clients.positions import conversions, parse
from backend.errors import ValidationFailed
from backend.geo import Datum
from backend.users.models import Role
from tests.factories import make_user, sign_in

#: The first demo site (Nanchang) in WGS-84, as a GPS reads it.
LAT, LNG = 28.716950, 115.960260


@pytest.mark.parametrize(
    ("text", "lat", "lng", "datum", "source"),
    [
        ("28.716950, 115.960260", 28.71695, 115.96026, Datum.WGS84, "coordinates"),
        ("28.716950 115.960260", 28.71695, 115.96026, Datum.WGS84, "coordinates"),
        # Amap's coordinate picker and many tools write longitude first.
        ("115.960260,28.716950", 28.71695, 115.96026, Datum.WGS84, "coordinates"),
        ("纬度 28.71695 经度 115.96026", 28.71695, 115.96026, Datum.WGS84, "coordinates"),
        ("lng: 115.96026, lat: 28.71695", 28.71695, 115.96026, Datum.WGS84, "coordinates"),
        ("北纬28度43分1秒 东经115度57分37秒", 28.716944, 115.960278, Datum.WGS84, "coordinates"),
        (
            "东经115°57\u203237\u2033 北纬28°43\u20321\u2033",
            28.716944,
            115.960278,
            Datum.WGS84,
            "coordinates",
        ),
        ("28°43'1.02\"N 115°57'36.9\"E", 28.71695, 115.96025, Datum.WGS84, "coordinates"),
        (
            "https://uri.amap.com/marker?position=115.966,28.714&name=%E5%8E%82",
            28.714,
            115.966,
            Datum.GCJ02,
            "amap",
        ),
        (
            "https://ditu.amap.com/regeo?lng=115.966&lat=28.714",
            28.714,
            115.966,
            Datum.GCJ02,
            "amap",
        ),
        (
            "http://api.map.baidu.com/marker?location=28.72,115.97&title=x&output=html",
            28.72,
            115.97,
            Datum.BD09,
            "baidu",
        ),
        (
            "http://api.map.baidu.com/marker?location=28.72,115.97&coord_type=gcj02",
            28.72,
            115.97,
            Datum.GCJ02,
            "baidu",
        ),
        ("https://map.baidu.com/?latlng=28.72,115.97", 28.72, 115.97, Datum.BD09, "baidu"),
        (
            "https://apis.map.qq.com/uri/v1/marker?marker=coord:28.713,115.965;title:厂",
            28.713,
            115.965,
            Datum.GCJ02,
            "tencent",
        ),
        (
            "https://map.qq.com/?type=marker&pointx=115.965&pointy=28.713",
            28.713,
            115.965,
            Datum.GCJ02,
            "tencent",
        ),
        ("geo:28.7,115.9?z=17", 28.7, 115.9, Datum.WGS84, "geo"),
    ],
)
def test_positions_people_paste_are_read_with_their_datum(
    text: str, lat: float, lng: float, datum: Datum, source: str
) -> None:
    entered = parse(text, Datum.WGS84)
    assert (entered.latitude, entered.longitude) == pytest.approx((lat, lng), abs=1e-6)
    assert (entered.datum, entered.source) == (datum, source)


def test_plain_numbers_take_the_chosen_datum() -> None:
    assert parse("28.7, 115.9", Datum.BD09).datum is Datum.BD09


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "paste"),
        ("hello", "two numbers"),
        ("1, 2, 3", "two numbers"),
        ("95, 200", "out of range"),
        ("https://surl.amap.com/1abcD", "short link"),
        ("https://www.amap.com/place/B0FFFAB6J2", "Amap"),
        ("https://map.baidu.com/@12958160.5,4825923.77,19z", "Mercator"),
        ("https://map.qq.com/m/place/info/uid=123", "Tencent"),
        ("https://www.google.com/maps/@28.7,115.9,15z", "only Amap, Baidu and Tencent"),
    ],
)
def test_what_cannot_be_read_is_refused_saying_what_to_do(text: str, fragment: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse(text, Datum.WGS84)
    assert fragment in caught.value.details["text"][0]


def test_conversions_round_trip_and_show_the_offset() -> None:
    gcj = geo.wgs84_to_gcj02(LAT, LNG)
    result = conversions(gcj.latitude, gcj.longitude, Datum.GCJ02)
    assert result["wgs84"] == pytest.approx({"latitude": LAT, "longitude": LNG}, abs=1e-6)
    assert result["gcj02"] == pytest.approx(
        {"latitude": gcj.latitude, "longitude": gcj.longitude}, abs=1e-6
    )
    # In Nanchang GCJ-02 is some 600 m from WGS-84: the reason the datum must be right.
    assert 400 < float(result["offset_m"]) < 800  # type: ignore[arg-type]
    assert conversions(LAT, LNG, Datum.WGS84)["offset_m"] == 0


def test_the_locate_endpoint_answers_every_datum(client: FlaskClient, db_session: Session) -> None:
    sign_in(client, make_user(db_session, role=Role.TEAM_LEADER))
    link = client.post(
        "/api/sites/locate",
        json={"text": "https://uri.amap.com/marker?position=115.966,28.714", "datum": "wgs84"},
    )
    assert link.status_code == 200
    body = link.get_json()
    assert body["source"] == "amap" and body["entered"]["datum"] == "gcj02"
    assert set(body) >= {"wgs84", "gcj02", "bd09", "offset_m", "order"}
    typed = client.post(
        "/api/sites/locate", json={"latitude": LAT, "longitude": LNG, "datum": "bd09"}
    ).get_json()
    assert typed["source"] == "typed" and typed["offset_m"] > 100
    refused = client.post("/api/sites/locate", json={"text": "附近"})
    assert refused.status_code == 422
    assert refused.get_json()["details"]["text"]
    assert client.post("/api/sites/locate", json={"latitude": 28.7}).status_code == 422


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.REVIEWER, Role.SHOPPER, Role.CLIENT_USER])
def test_only_site_editors_locate(client: FlaskClient, db_session: Session, role: Role) -> None:
    sign_in(client, make_user(db_session, role=role))
    assert client.post("/api/sites/locate", json={"text": "28.7, 115.9"}).status_code == 403
