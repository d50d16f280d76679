"""Server-side SVG charts: geometry, labels, escaping, and the empty and one-value cases."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from backend.reports.charts import Datum, bar_svg, radar_svg, text_width

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 - our own output, checked to be well-formed XML
    assert root.tag == f"{SVG}svg"
    return root


def points(polygon: ET.Element) -> list[tuple[float, float]]:
    return [
        (float(x), float(y))
        for x, y in (pair.split(",") for pair in polygon.attrib["points"].split())
    ]


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


SEVEN = [
    Datum("服务人员", 100.0),
    Datum("服务环境与设施", 50.0),
    Datum("服务过程", 80.0),
    Datum("服务结果", 0.0),
    Datum("服务保障", 60.0),
    Datum("顾客沟通", 75.5),
    Datum("持续改进", 90.125),
]


def test_the_radar_value_polygon_puts_each_value_at_its_share_of_the_radius() -> None:
    root = parse(radar_svg(SEVEN, radius=100))
    width, height = (float(v) for v in root.attrib["viewBox"].split()[2:])
    cx, cy = width / 2, height / 2
    value_shape = [p for p in root.iter(f"{SVG}polygon") if p.get("fill") != "none"]
    assert len(value_shape) == 1
    shape = points(value_shape[0])
    assert len(shape) == 7
    for (x, y), datum, i in zip(shape, SEVEN, range(7), strict=True):
        assert math.hypot(x - cx, y - cy) == pytest.approx(datum.value, abs=0.02)
        angle = -math.pi / 2 + 2 * math.pi * i / 7
        if datum.value:
            assert math.atan2(y - cy, x - cx) == pytest.approx(
                math.atan2(math.sin(angle), math.cos(angle)), abs=1e-3
            )
    # The first spoke points straight up; five rings of seven corners each.
    assert shape[0] == pytest.approx((cx, cy - 100), abs=0.01)
    rings = [p for p in root.iter(f"{SVG}polygon") if p.get("fill") == "none"]
    assert len(rings) == 5 and all(len(points(r)) == 7 for r in rings)


def test_the_radar_labels_every_axis_with_its_value_and_stays_in_its_box() -> None:
    svg = radar_svg(SEVEN)
    root = parse(svg)
    shown = texts(root)
    for datum in SEVEN:
        assert datum.label in shown
    assert {"100.00", "50.00", "0.00", "75.50", "90.12"} <= set(shown)
    width = float(root.attrib["width"])
    for text in root.iter(f"{SVG}text"):
        x = float(text.attrib["x"])
        size = float(text.attrib["font-size"])
        span = text_width("".join(text.itertext()), size)
        anchor = text.get("text-anchor", "start")
        left = {"start": x, "middle": x - span / 2, "end": x - span}[anchor]
        assert left >= 0 and left + span <= width, (text.attrib, "".join(text.itertext()))
    assert "<script" not in svg and "href" not in svg  # self-contained, nothing to load


def test_values_outside_the_range_are_clamped_and_a_missing_value_sits_at_the_centre() -> None:
    data = [Datum("甲", 150.0), Datum("乙", -20.0), Datum("丙", None)]
    root = parse(radar_svg(data, radius=100))
    width, height = (float(v) for v in root.attrib["viewBox"].split()[2:])
    shape = points(next(p for p in root.iter(f"{SVG}polygon") if p.get("fill") != "none"))
    distances = [math.hypot(x - width / 2, y - height / 2) for x, y in shape]
    assert distances == pytest.approx([100, 0, 0], abs=0.02)
    assert "—" in texts(root)
    # Two markers: the missing value draws none.
    assert len([c for c in root.iter(f"{SVG}circle") if c.get("r") == "3"]) == 2


def test_labels_are_escaped() -> None:
    evil = '<script>alert("x")</script> & "引号"'
    for svg in (
        radar_svg([Datum(evil, 50), Datum("b", 1), Datum("c", 2)]),
        bar_svg([Datum(evil, 5, note="<b>")]),
    ):
        assert "<script" not in svg and "<b>" not in svg
        root = parse(svg)
        assert any(t.startswith("<script>") for t in texts(root))


def test_one_and_two_values_draw_points_and_circles_not_an_area() -> None:
    for data in ([Datum("服务人员", 80)], [Datum("服务人员", 80), Datum("服务过程", 40)]):
        root = parse(radar_svg(data))
        assert list(root.iter(f"{SVG}polygon")) == []
        assert len([c for c in root.iter(f"{SVG}circle") if c.get("fill") == "none"]) == 5
        assert len([c for c in root.iter(f"{SVG}circle") if c.get("r") == "3"]) == len(data)
        assert {d.label for d in data} <= set(texts(root))


def test_no_data_says_so() -> None:
    for svg in (radar_svg([]), bar_svg([])):
        root = parse(svg)
        assert texts(root) == ["暂无数据"]


def test_bars_are_proportional_with_value_and_note() -> None:
    data = [
        Datum("A 公开的服务特性检验", 86.5, "n=12"),
        Datum("B 神秘顾客", 43.25, "n=3"),
        Datum("E 顾客调查", None, "n=0"),
    ]
    root = parse(bar_svg(data, bar_width=200))
    bars = list(root.iter(f"{SVG}rect"))
    assert [float(r.attrib["width"]) for r in bars] == pytest.approx([173.0, 86.5], abs=0.01)
    assert len({r.attrib["x"] for r in bars}) == 1  # one baseline
    shown = texts(root)
    assert "86.50 n=12" in shown and "43.25 n=3" in shown and "— n=0" in shown
    assert [t for t in shown if t.startswith(("A ", "B ", "E "))] == [d.label for d in data]


def test_long_labels_are_cut_with_an_ellipsis() -> None:
    label = "南昌市红谷滩新区污水处理厂二期工程项目部施工现场服务场所"
    root = parse(bar_svg([Datum(label, 50)]))
    shown = [t for t in texts(root) if t.startswith("南昌")]
    assert len(shown) == 1 and shown[0].endswith("…") and len(shown[0]) < len(label)


def test_the_radar_is_small() -> None:
    assert len(radar_svg(SEVEN).encode()) < 8_000
    # Coordinates carry two decimals at most.
    assert not re.search(r"\d\.\d{3}", radar_svg(SEVEN))


@pytest.mark.parametrize("maximum", [0, -1, float("nan"), float("inf")])
def test_a_bad_maximum_is_refused(maximum: float) -> None:
    with pytest.raises(ValueError, match="maximum"):
        radar_svg(SEVEN, maximum=maximum)
    with pytest.raises(ValueError, match="maximum"):
        bar_svg(SEVEN, maximum=maximum)
