"""Annex 3 management maturity and the §5.3 certification result on TBSC034 / TBSC134.

Annex 3 (seed 001, 004): clauses 4.1, 4.2, 4.3, 5.1, 5.2, 6.1, 6.2, 6.3 score 2/4/6/8/10 by maturity
level, the other thirteen 1/2/3/4/5; 20 ≤ total < 45 → 一级, 45 ≤ t < 70 → 二级, 70 ≤ t < 95 → 三级,
95 ≤ t < 105 → 四级, 105 ≤ t ≤ 145 → 五级.

§5.3, our reading (scheme data): the best row met wins: s ≥ 95 & L ≥ 4 → 一级 / AAAAA级;
s ≥ 90 & L ≥ 4 → 二级 / AAAA级; s ≥ 80 & L ≥ 3 → 三级 / AAA级; s ≥ 60 & L ≥ 2 → certified
without a grade; otherwise not certified.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from backend.scoring import InputError, Scheme, parse_input, result_json, score

BIG = ("4.1", "4.2", "4.3", "5.1", "5.2", "6.1", "6.2", "6.3")
SMALL = ("1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "3.1", "3.2", "4.4", "4.5", "7.1", "7.2")
# Annex 3 order of the 21 clauses.
DOCUMENT_ORDER = (
    "1.1", "1.2", "1.3", "1.4", "2.1", "2.2", "2.3", "3.1", "3.2",
    "4.1", "4.2", "4.3", "4.4", "4.5", "5.1", "5.2", "6.1", "6.2", "6.3", "7.1", "7.2",
)  # fmt: skip
# Annex 3 by hand: points for maturity levels 1..5.
MATURITY: dict[str, tuple[int, ...]] = {
    **{c: (2, 4, 6, 8, 10) for c in BIG},
    **{c: (1, 2, 3, 4, 5) for c in SMALL},
}


def run(scheme: Scheme, data: dict[str, Any]) -> dict[str, Any]:
    return result_json(score(scheme, parse_input(data, scheme)))


def levels_for_total(total: int) -> dict[str, int]:
    """Maturity levels for some clauses whose Annex 3 points sum to ``total`` (0..145)."""
    levels: dict[str, int] = {}
    remaining = total
    for code in BIG + SMALL:
        unit = MATURITY[code][0]
        level = min(5, remaining // unit)
        if level >= 1:
            levels[code] = level
            remaining -= level * unit
    assert remaining == 0
    return levels


def hand_total(levels: dict[str, int]) -> int:
    return sum(MATURITY[c][lv - 1] for c, lv in levels.items())


def management_for_level(level: int) -> dict[str, int]:
    """Every clause rated: all 1 → 29 (L1), all 2 → 58 (L2), all 3 → 87 (L3),
    big clauses 4 and small 3 → 8·8 + 13·3 = 103 (L4), all 5 → 145 (L5)."""
    if level == 4:
        return {**{c: 4 for c in BIG}, **{c: 3 for c in SMALL}}
    return {c: level for c in BIG + SMALL}


def service_of(s: str) -> list[dict[str, Any]]:
    """One evaluation rating only item 1.1 (5 points) with α = s/100: its score is exactly s."""
    return [{"id": "v1", "ratings": {"1.1": {"alpha": Decimal(s) / 100}}}]


# --------------------------------------------------------------------------- Annex 3 data


@pytest.mark.parametrize("name", ["tbsc034", "tbsc134"])
def test_annex3_points_by_level_match_the_document(
    name: str, request: pytest.FixtureRequest
) -> None:
    model = request.getfixturevalue(name).management
    assert tuple(model.clauses) == DOCUMENT_ORDER
    assert {
        c: tuple(int(p) for p in cl.points_by_level) for c, cl in model.clauses.items()
    } == MATURITY
    assert model.total_points == 145


@pytest.mark.parametrize("name", ["tbsc034", "tbsc134"])
def test_management_grading_bands_match_annex3(name: str, request: pytest.FixtureRequest) -> None:
    grading = request.getfixturevalue(name).management.grading
    got = [(b.level, b.low, b.low_inclusive, b.high, b.high_inclusive) for b in grading]
    assert got == [
        (1, 20, True, 45, False),
        (2, 45, True, 70, False),
        (3, 70, True, 95, False),
        (4, 95, True, 105, False),
        (5, 105, True, 145, True),
    ]


def test_every_clause_level_scores_its_annex3_points(tbsc034: Scheme) -> None:
    for code, points in MATURITY.items():
        for level in range(1, 6):
            result = run(tbsc034, {"management": {code: level}})
            assert result["management"]["exact"] == str(points[level - 1]), (code, level)
            assert result["management"]["clauses"][code] == {
                "level": level,
                "alpha": None,
                "points": float(points[level - 1]),
            }


def test_all_clauses_level_1_total_29_is_level_1(tbsc034: Scheme) -> None:
    mg = run(tbsc034, {"management": {c: 1 for c in MATURITY}})["management"]
    assert (mg["exact"], mg["total"], mg["level"], mg["missing"]) == ("29", 29.0, 1, [])


def test_all_clauses_level_5_total_145_is_level_5(tbsc034: Scheme) -> None:
    mg = run(tbsc034, {"management": {c: 5 for c in MATURITY}})["management"]
    assert (mg["exact"], mg["total"], mg["level"], mg["maximum"]) == ("145", 145.0, 5, 145.0)


@pytest.mark.parametrize(
    ("total", "level"),
    [
        (20, 1), (21, 1), (44, 1),
        (45, 2), (69, 2),
        (70, 3), (94, 3),
        (95, 4), (104, 4),
        (105, 5), (144, 5), (145, 5),
    ],
)  # fmt: skip
def test_management_level_boundaries(tbsc034: Scheme, total: int, level: int) -> None:
    levels = levels_for_total(total)
    assert hand_total(levels) == total
    mg = run(tbsc034, {"management": levels})["management"]
    assert mg["exact"] == str(total)
    assert mg["level"] == level


@pytest.mark.parametrize("total", [1, 10, 19])
def test_total_below_20_has_no_level(tbsc034: Scheme, total: int) -> None:
    mg = run(tbsc034, {"management": levels_for_total(total)})["management"]
    assert mg["exact"] == str(total)
    assert mg["level"] is None
    assert "below the lowest level" in mg["explanation"]["en"]


def test_partially_rated_management_lists_the_missing_clauses(tbsc034: Scheme) -> None:
    mg = run(tbsc034, {"management": {"4.1": 3, "7.2": 5}})["management"]
    assert mg["exact"] == "11"  # 6 + 5
    assert mg["missing"] == [c for c in DOCUMENT_ORDER if c not in ("4.1", "7.2")]


def test_level_given_as_an_object_is_accepted(tbsc034: Scheme) -> None:
    mg = run(tbsc034, {"management": {"4.2": {"level": 4, "note": "evidence in file 12"}}})[
        "management"
    ]
    assert mg["exact"] == "8"


@pytest.mark.parametrize("level", [0, 6, -1, Decimal("3.5"), Decimal("3.0"), True, "3", None])
def test_maturity_level_outside_1_to_5_is_refused(tbsc034: Scheme, level: object) -> None:
    with pytest.raises(InputError) as info:
        parse_input({"management": {"1.1": level}}, tbsc034)
    assert info.value.path == "management.1.1"
    assert "is not a maturity level (an integer 1–5)" in info.value.message


def test_alpha_for_an_annex3_clause_is_refused(tbsc034: Scheme) -> None:
    with pytest.raises(InputError) as info:
        parse_input({"management": {"1.1": {"alpha": Decimal("0.5")}}}, tbsc034)
    assert info.value.path == "management.1.1.alpha"


def test_unknown_management_clause_is_refused(tbsc034: Scheme) -> None:
    with pytest.raises(InputError) as info:
        parse_input({"management": {"5.3": 3}}, tbsc034)
    assert str(info.value) == "management.5.3: unknown clause '5.3' in scheme cts-tbsc034-2026"


def test_empty_management_has_no_total_and_no_level(tbsc034: Scheme) -> None:
    mg = run(tbsc034, {"management": {}})["management"]
    assert (mg["total"], mg["level"]) == (None, None)
    assert len(mg["missing"]) == 21


# --------------------------------------------------------------------------- §5.3 decision

LABELS = {
    "tbsc034": {
        "top": ("grade-1", "一级"),
        "middle": ("grade-2", "二级"),
        "base": ("grade-3", "三级"),
    },
    "tbsc134": {
        "top": ("grade-aaaaa", "AAAAA级"),
        "middle": ("grade-aaaa", "AAAA级"),
        "base": ("grade-aaa", "AAA级"),
    },
}


@pytest.mark.parametrize("name", ["tbsc034", "tbsc134"])
def test_decision_rows_are_best_first_with_the_document_grades(
    name: str, request: pytest.FixtureRequest
) -> None:
    rows = request.getfixturevalue(name).decision.rows
    labels = LABELS[name]
    got = [
        (
            r.id,
            r.outcome,
            r.grade.zh if r.grade else None,
            r.when.service_min,
            r.when.management_level_min,
        )
        for r in rows
    ]
    assert got == [
        (labels["top"][0], "grade", labels["top"][1], 95, 4),
        (labels["middle"][0], "grade", labels["middle"][1], 90, 4),
        (labels["base"][0], "grade", labels["base"][1], 80, 3),
        ("certified", "certified", None, 60, 2),
    ]


@pytest.mark.parametrize("name", ["tbsc034", "tbsc134"])
@pytest.mark.parametrize(
    ("s", "level", "expected"),
    [
        ("100", 5, "top"),
        ("95", 4, "top"),
        ("94.99", 4, "middle"),
        ("90", 4, "middle"),
        ("99", 3, "base"),
        ("96", 3, "base"),
        ("95", 3, "base"),
        ("89.99", 5, "base"),
        ("80", 3, "base"),
        ("79.99", 5, "certified"),
        ("79.999999", 3, "certified"),
        ("60", 2, "certified"),
        ("99", 2, "certified"),
        ("59.99", 5, "not_certified"),
        ("59", 5, "not_certified"),
        ("60", 1, "not_certified"),
        ("0", 5, "not_certified"),
    ],
)
def test_decision_is_the_best_row_met(
    name: str, s: str, level: int, expected: str, request: pytest.FixtureRequest
) -> None:
    scheme: Scheme = request.getfixturevalue(name)
    result = run(scheme, {"evaluations": service_of(s), "management": management_for_level(level)})
    assert Fraction(result["service"]["exact"]) == Fraction(s)
    assert result["management"]["level"] == level
    decision = result["decision"]
    if expected in LABELS[name]:
        row, grade = LABELS[name][expected]
        assert (decision["outcome"], decision["row"], decision["grade"]) == ("grade", row, grade)
    elif expected == "certified":
        assert (decision["outcome"], decision["row"], decision["grade"]) == (
            "certified",
            "certified",
            None,
        )
    else:
        assert (decision["outcome"], decision["row"], decision["grade"]) == (
            "not_certified",
            None,
            None,
        )


def test_reason_names_the_row_that_applied_in_zh_and_en(tbsc034: Scheme) -> None:
    result = run(tbsc034, {"evaluations": service_of("96"), "management": management_for_level(3)})
    reason = result["decision"]["reason"]
    assert "满足第 3 行" in reason["zh"]
    assert "三级" in reason["zh"]
    assert "row 3 is met" in reason["en"]
    assert "Grade 3 (三级)" in reason["en"]
    # ...and why the better rows were not met: management level 3 < 4.
    assert "row 1 (Grade 1 (一级)) not met" in reason["en"]
    assert "management level 3 < 4" in reason["en"]
    assert result["decision"]["explanation"]["numbers"]["row"] == "grade-3"


def test_reason_for_the_certified_row_says_no_grade(tbsc134: Scheme) -> None:
    result = run(
        tbsc134, {"evaluations": service_of("79.99"), "management": management_for_level(3)}
    )
    reason = result["decision"]["reason"]
    assert "row 4 is met" in reason["en"]
    assert "certified without a grade" in reason["en"]
    assert "service score 79.99 < 80" in reason["en"]
    assert "满足第 4 行" in reason["zh"]
    assert "不定级" in reason["zh"]


def test_missing_management_is_not_certified_with_a_reason(tbsc034: Scheme) -> None:
    result = run(tbsc034, {"evaluations": service_of("100")})
    decision = result["decision"]
    assert (decision["outcome"], decision["row"], decision["grade"]) == (
        "not_certified",
        None,
        None,
    )
    assert "no management level" in decision["reason"]["en"]
    assert "无管理要求等级" in decision["reason"]["zh"]
    assert "No row is met: not certified." in decision["reason"]["en"]
    assert "不予认证" in decision["reason"]["zh"]


def test_management_total_below_20_is_not_certified(tbsc034: Scheme) -> None:
    result = run(tbsc034, {"evaluations": service_of("100"), "management": levels_for_total(19)})
    assert result["decision"]["outcome"] == "not_certified"
    assert "no management level" in result["decision"]["reason"]["en"]


def test_missing_service_score_is_not_certified_with_a_reason(tbsc034: Scheme) -> None:
    result = run(tbsc034, {"management": management_for_level(5)})
    assert result["decision"]["outcome"] == "not_certified"
    assert "no service score" in result["decision"]["reason"]["en"]
    assert "无服务特性测评得分" in result["decision"]["reason"]["zh"]


def test_reason_does_not_show_a_rounded_score_that_contradicts_its_comparison(
    tbsc034: Scheme,
) -> None:
    # s = 79.999 misses the 80 floor. Shown with two decimals after rounding it reads
    # "service score 80.00 < 80", which contradicts itself for the auditor reading it.
    result = run(
        tbsc034, {"evaluations": service_of("79.999"), "management": management_for_level(3)}
    )
    assert result["decision"]["row"] == "certified"
    reason = result["decision"]["reason"]
    assert "service score 80.00 < 80" not in reason["en"]
    assert "服务得分 80.00 < 80" not in reason["zh"]
