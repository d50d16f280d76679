"""A site's position as people have it at hand: typed coordinates, pasted coordinates, or a
link copied from Amap (高德), Baidu (百度) or Tencent (腾讯) maps; converted to every datum.

Chinese web maps do not use GPS coordinates: Amap and Tencent show GCJ-02, Baidu BD-09
(DOMAIN.md "Geography"). A link says which map it is from, so it says the datum too; pasted
numbers are in the datum the person chose. The server stores WGS-84 (backend/geo.py); the
screen shows every datum and how far the entered point is from the stored one, so a wrong
datum (a few hundred metres in China) is seen before it moves a geofence.

Pure functions: no database, no network (short links, which need a request to expand, are
refused with a way out).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from backend import geo
from backend.errors import ValidationFailed
from backend.geo import Datum

#: Hosts of short links that only the map's server can expand.
_SHORT_HOSTS = ("surl.amap.com", "j.map.baidu.com", "url.cn", "dwz.cn", "t.cn", "m.amap.com/s")
_NUMBER = r"[-+]?\d{1,3}(?:\.\d+)?"
_DMS = re.compile(
    # Minutes end in ' (or the prime, U+2032, or U+2019), seconds in " (U+2033, U+201D) or ''.
    r"(?P<deg>\d{1,3}(?:\.\d+)?)\s*[°度]\s*(?:(?P<min>\d{1,2}(?:\.\d+)?)\s*['\u2032\u2019分]\s*)?"
    r"(?:(?P<sec>\d{1,2}(?:\.\d+)?)\s*(?:\"|\u2033|\u201d|''|秒)\s*)?"
    r"(?P<hemi>[NSEW]|[北南东西](?![纬经]))?",
    re.IGNORECASE,
)
_LABELLED = re.compile(
    r"(?P<label>lat(?:itude)?|lng|lon(?:gitude)?|纬度|经度|北纬|南纬|东经|西经|[NSEW])\s*[:：=]?\s*"
    r"(?P<value>" + _NUMBER + r")\s*(?P<hemi>[NSEW])?",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Entered:
    latitude: float
    longitude: float
    datum: Datum
    #: coordinates, amap, baidu, tencent, geo
    source: str
    #: lat,lng or lng,lat: the order the numbers were read in.
    order: str


def _refuse(zh: str, en: str) -> ValidationFailed:
    return ValidationFailed(details={"text": [f"{zh} / {en}"]})


def _pair(text: str) -> tuple[float, float] | None:
    numbers = re.findall(_NUMBER, text)
    if len(numbers) != 2:
        return None
    return float(numbers[0]), float(numbers[1])


def _check(latitude: float, longitude: float) -> None:
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180) or not all(
        math.isfinite(v) for v in (latitude, longitude)
    ):
        raise _refuse("坐标超出范围", "the coordinates are out of range")


def _from_link(text: str) -> Entered | None:
    """A map link's position and datum, None if the text is no link."""
    if text.lower().startswith("geo:"):
        pair = _pair(text[4:].split(";")[0].split("?")[0])
        if pair is None:
            raise _refuse("geo: 链接里没有坐标", "the geo: link has no coordinates")
        return Entered(pair[0], pair[1], Datum.WGS84, "geo", "lat,lng")
    if not re.match(r"^(https?://)?[\w.-]+\.(com|cn)(/|\?|$)", text, re.IGNORECASE):
        return None
    url = urlsplit(text if "://" in text else f"https://{text}")
    host = (url.hostname or "").lower()
    if any(f"{host}{url.path}".startswith(short) for short in _SHORT_HOSTS):
        raise _refuse(
            "这是短链接，服务器不联网展开：请在浏览器中打开它，再复制地址栏里的完整链接",
            "a short link: open it in a browser and paste the full address it leads to",
        )
    query = {k: v[0] for k, v in parse_qs(url.query).items() if v}
    fragment = {k: v[0] for k, v in parse_qs(url.fragment).items() if v}
    query = {**fragment, **query}

    def lat_lng(value: str | None) -> tuple[float, float] | None:
        return _pair(unquote(value)) if value else None

    if host.endswith(("amap.com", "gaode.com", "autonavi.com")):
        # uri.amap.com/marker?position=lng,lat (the share link); ditu.amap.com/regeo?lng=&lat=.
        position = lat_lng(query.get("position") or query.get("lnglat"))
        if position is not None:
            return Entered(position[1], position[0], Datum.GCJ02, "amap", "lng,lat")
        if "lng" in query and "lat" in query:
            pair = lat_lng(f"{query['lat']},{query['lng']}")
            if pair is not None:
                return Entered(pair[0], pair[1], Datum.GCJ02, "amap", "lat,lng")
        q = lat_lng(query.get("q"))
        if q is not None:
            return Entered(q[0], q[1], Datum.GCJ02, "amap", "lat,lng")
        raise _refuse(
            "高德链接里没有坐标：请在高德地图里点位置后用“分享”复制链接",
            "no coordinates in the Amap link: share the point from Amap and paste that link",
        )
    if host.endswith("baidu.com"):
        # api.map.baidu.com/marker?location=lat,lng&coord_type=bd09ll|gcj02|wgs84; ?latlng=lat,lng.
        pair = lat_lng(query.get("location") or query.get("latlng"))
        if pair is not None:
            kind = (query.get("coord_type") or "bd09ll").lower()
            datum = {"gcj02": Datum.GCJ02, "wgs84": Datum.WGS84}.get(kind, Datum.BD09)
            return Entered(pair[0], pair[1], datum, "baidu", "lat,lng")
        raise _refuse(
            "百度链接里没有经纬度（网页地图地址用的是墨卡托坐标）：请在百度地图里点位置后用“分享”复制链接",
            "no latitude and longitude in the Baidu link (page addresses carry Mercator "
            "metres): share the point from Baidu Maps and paste that link",
        )
    if host.endswith(("qq.com", "map.qq.com")):
        # apis.map.qq.com/uri/v1/marker?marker=coord:lat,lng;title:…;
        # map.qq.com/?pointx=lng&pointy=lat.
        marker = query.get("marker", "")
        match = re.search(r"coord:\s*(" + _NUMBER + r")\s*,\s*(" + _NUMBER + r")", marker)
        if match:
            return Entered(
                float(match.group(1)), float(match.group(2)), Datum.GCJ02, "tencent", "lat,lng"
            )
        if "pointx" in query and "pointy" in query:
            pair = lat_lng(f"{query['pointy']},{query['pointx']}")
            if pair is not None:
                return Entered(pair[0], pair[1], Datum.GCJ02, "tencent", "lng,lat")
        center = lat_lng(query.get("center") or query.get("coord"))
        if center is not None:
            return Entered(center[0], center[1], Datum.GCJ02, "tencent", "lat,lng")
        raise _refuse(
            "腾讯地图链接里没有坐标：请在腾讯地图里点位置后用“分享”复制链接",
            "no coordinates in the Tencent link: share the point from Tencent Maps",
        )
    raise _refuse(
        "只认得高德、百度、腾讯地图的链接，或直接粘贴坐标",
        "only Amap, Baidu and Tencent map links, or plain coordinates, are understood",
    )


def _dms(text: str) -> tuple[float, float] | None:
    """``28°43'1.02"N 115°57'36.9"E`` or ``北纬28度43分1秒 东经115度57分37秒``."""
    found = [m for m in _DMS.finditer(text) if m.group("deg")]
    if len(found) != 2:
        return None
    latitude = longitude = None
    unnamed: list[float] = []
    for match in found:
        value = float(match.group("deg"))
        value += float(match.group("min") or 0) / 60 + float(match.group("sec") or 0) / 3600
        hemi = (match.group("hemi") or "").upper()
        # Chinese puts the hemisphere before the number (北纬 28度…), English after (28°…N).
        before = text[max(0, match.start() - 3) : match.start()]
        if hemi in ("S", "W", "南", "西") or "南纬" in before or "西经" in before:
            value = -value
        if hemi in ("N", "S", "北", "南") or "纬" in before:
            latitude = value
        elif hemi in ("E", "W", "东", "西") or "经" in before:
            longitude = value
        else:
            unnamed.append(value)
    if latitude is None and unnamed:
        latitude = unnamed.pop(0)
    if longitude is None and unnamed:
        longitude = unnamed.pop(0)
    if latitude is None or longitude is None:
        return None
    return latitude, longitude


def _labelled(text: str) -> tuple[float, float] | None:
    latitude = longitude = None
    for match in _LABELLED.finditer(text):
        label = match.group("label").lower()
        value = float(match.group("value"))
        if label in ("s", "南纬") or (match.group("hemi") or "").upper() == "S":
            value = -abs(value)
        if label in ("w", "西经") or (match.group("hemi") or "").upper() == "W":
            value = -abs(value)
        if label.startswith("lat") or label in ("纬度", "北纬", "南纬", "n", "s"):
            latitude = value
        elif label.startswith(("lng", "lon")) or label in ("经度", "东经", "西经", "e", "w"):
            longitude = value
    if latitude is None or longitude is None:
        return None
    return latitude, longitude


def parse(text: str, datum: Datum) -> Entered:
    """Read a pasted position or map link; plain numbers are in ``datum``."""
    text = text.strip()
    if not text:
        raise _refuse("请粘贴坐标或地图链接", "paste coordinates or a map link")
    link = _from_link(text)
    if link is not None:
        _check(link.latitude, link.longitude)
        return link
    for reader in (_dms, _labelled):
        pair = reader(text)
        if pair is not None:
            _check(*pair)
            return Entered(pair[0], pair[1], datum, "coordinates", "lat,lng")
    pair = _pair(text)
    if pair is None:
        raise _refuse(
            "没有读到两个数：请粘贴“纬度, 经度”，如 28.716950, 115.960260",
            "two numbers are needed: latitude, longitude, e.g. 28.716950, 115.960260",
        )
    first, second = pair
    # Chinese map tools write "longitude,latitude" (Amap's picker does): in China longitudes are
    # 73–136 and latitudes 3–54, so a first number that can only be a longitude is one.
    if 73 <= first <= 136 and 3 <= second <= 54:
        _check(second, first)
        return Entered(second, first, datum, "coordinates", "lng,lat")
    _check(first, second)
    return Entered(first, second, datum, "coordinates", "lat,lng")


def conversions(latitude: float, longitude: float, datum: Datum) -> dict[str, object]:
    """The point in every datum, and how far the entered numbers are from the WGS-84 point."""
    wgs = geo.to_wgs84(latitude, longitude, datum)
    gcj = geo.wgs84_to_gcj02(wgs.latitude, wgs.longitude)
    bd = geo.wgs84_to_bd09(wgs.latitude, wgs.longitude)
    return {
        "entered": {"latitude": latitude, "longitude": longitude, "datum": datum.value},
        "wgs84": {"latitude": wgs.latitude, "longitude": wgs.longitude},
        "gcj02": {"latitude": gcj.latitude, "longitude": gcj.longitude},
        "bd09": {"latitude": bd.latitude, "longitude": bd.longitude},
        # Read as WGS-84, the entered numbers would be this far off: the datum matters this much.
        "offset_m": round(geo.haversine_m(latitude, longitude, wgs.latitude, wgs.longitude), 1),
        "out_of_china": geo.out_of_china(wgs.latitude, wgs.longitude),
    }
