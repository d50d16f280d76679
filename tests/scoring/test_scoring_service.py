"""Service-characteristic score (§5.1, Annex 1) on TBSC034/TBSC134, checked with hand-made numbers.

Annex 1 (seed 001 and 004): 7 characteristics, 19 items, 100 points. Item points: 1.2 is 7, the
unnumbered 服务规范 item (coded 7.1) is 8, every other item 5. §5.1.1 1): one evaluation
scores 实际得分 ÷ 应得分 (earned / possible) as a percentage. §5.1.2:
其总分通过计算每人或每次测评分的均值得到, the service score is the MEAN of per-evaluation scores.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from backend.scoring import Scheme, parse_input, result_json, score

# Annex 1 by hand: item -> points; characteristic -> points.
POINTS: dict[str, int] = {
    "1.1": 5, "1.2": 7, "1.3": 5,
    "2.1": 5, "2.2": 5, "2.3": 5,
    "3.1": 5, "3.2": 5, "3.3": 5,
    "4.1": 5, "4.2": 5, "4.3": 5,
    "5.1": 5, "5.2": 5, "5.3": 5,
    "6.1": 5, "6.2": 5, "6.3": 5,
    "7.1": 8,
}  # fmt: skip
CHARACTERISTIC_POINTS = {"1": 17, "2": 15, "3": 15, "4": 15, "5": 15, "6": 15, "7": 8}
NA = {"na": True, "reason": "not offered at this site"}


def run(scheme: Scheme, data: dict[str, Any]) -> dict[str, Any]:
    return result_json(score(scheme, parse_input(data, scheme)))


def all_items(rating: dict[str, Any]) -> dict[str, Any]:
    return {code: dict(rating) for code in POINTS}


def alpha(text: str) -> dict[str, Decimal]:
    return {"alpha": Decimal(text)}


def management_for_level(level: int) -> dict[str, int]:
    """All 21 clauses rated; Annex 3 totals: all 1 -> 29 (L1), all 2 -> 58 (L2), 3 -> 87 (L3),
    4 -> 116 (L5!). For L4 (95..104) raise the eight 2/4/6/8/10 clauses to 4 and the rest to 3:
    8 x 8 + 13 x 3 = 103."""
    big = ("4.1", "4.2", "4.3", "5.1", "5.2", "6.1", "6.2", "6.3")
    small = (
        "1.1",
        "1.2",
        "1.3",
        "1.4",
        "2.1",
        "2.2",
        "2.3",
        "3.1",
        "3.2",
        "4.4",
        "4.5",
        "7.1",
        "7.2",
    )
    if level == 4:
        return {**{c: 4 for c in big}, **{c: 3 for c in small}}
    if level == 5:
        return {c: 5 for c in big + small}
    return {c: level for c in big + small}


# --------------------------------------------------------------------------- the scheme data


@pytest.mark.parametrize("name", ["tbsc034", "tbsc134"])
def test_annex1_items_points_and_characteristics_match_the_document(
    name: str, request: pytest.FixtureRequest
) -> None:
    scheme: Scheme = request.getfixturevalue(name)
    service = scheme.service
    assert service is not None
    assert {code: item.points for code, item in service.items.items()} == {
        c: Fraction(p) for c, p in POINTS.items()
    }
    assert {c.code: c.points for c in service.characteristics} == {
        k: Fraction(v) for k, v in CHARACTERISTIC_POINTS.items()
    }
    assert {code: item.characteristic for code, item in service.items.items()} == {
        c: c.split(".")[0] for c in POINTS
    }
    assert service.total_points == 100
    assert len(service.items) == 19


@pytest.mark.parametrize("name", ["tbsc034", "tbsc134"])
def test_annex1_items_follow_the_people_equipment_environment_dimensions(
    name: str, request: pytest.FixtureRequest
) -> None:
    service = request.getfixturevalue(name).service
    expected = {
        f"{c}.{i}": d
        for c in range(1, 7)
        for i, d in ((1, "people"), (2, "equipment"), (3, "environment"))
    }
    expected["7.1"] = None
    assert {code: item.dimension for code, item in service.items.items()} == expected


# --------------------------------------------------------------------------- one evaluation


def test_one_evaluation_is_earned_over_possible_times_100(tbsc034: Scheme) -> None:
    # 1.1: 5 x 0.5 = 2.5; 1.2: 7 x 0.8 = 5.6; 7.1: 8 x 0.4 = 3.2  ->  11.3 / 20 x 100 = 56.5
    data = {
        "evaluations": [
            {"id": "v1", "ratings": {"1.1": alpha("0.5"), "1.2": {"level": 4}, "7.1": {"level": 2}}}
        ]
    }
    ev = run(tbsc034, data)["evaluations"][0]
    assert ev["exact"] == {"score": "113/2", "earned": "113/10", "possible": "20"}
    assert ev["score"] == 56.5
    assert ev["rated"] == 3


def test_all_items_level_4_is_exactly_80(tbsc034: Scheme) -> None:
    result = run(tbsc034, {"evaluations": [{"id": "v1", "ratings": all_items({"level": 4})}]})
    ev = result["evaluations"][0]
    assert ev["exact"] == {"score": "80", "earned": "80", "possible": "100"}
    assert ev["score"] == 80.0
    assert result["service"]["exact"] == "80"
    assert result["service_score"] == 80.0
    assert result["characteristics"] == {c: 80.0 for c in CHARACTERISTIC_POINTS}


def test_all_items_level_4_with_management_level_3_is_the_base_grade(tbsc034: Scheme) -> None:
    data = {
        "evaluations": [{"ratings": all_items({"level": 4})}],
        "management": management_for_level(3),
    }
    decision = run(tbsc034, data)["decision"]
    assert (decision["outcome"], decision["row"], decision["grade"]) == ("grade", "grade-3", "三级")


@pytest.mark.parametrize(("level", "expected"), [(1, "20"), (2, "40"), (3, "60"), (5, "100")])
def test_all_items_at_one_level_score_20_times_the_level(
    tbsc034: Scheme, level: int, expected: str
) -> None:
    result = run(tbsc034, {"evaluations": [{"ratings": all_items({"level": level})}]})
    assert result["service"]["exact"] == expected
    assert result["service_score"] == float(expected)


def test_all_items_alpha_0_scores_exactly_0(tbsc034: Scheme) -> None:
    result = run(tbsc034, {"evaluations": [{"ratings": all_items(alpha("0"))}]})
    assert result["evaluations"][0]["exact"]["score"] == "0"
    assert result["service_score"] == 0.0


# --------------------------------------------------------------------- §5.1.2 mean of evaluations


def test_service_score_is_the_mean_of_evaluation_scores_not_the_pooled_ratio(
    tbsc034: Scheme,
) -> None:
    # A rates only 1.1 (alpha 1): 5/5 = 100. B rates all 19 items at level 3: 60/100 = 60.
    # Mean (§5.1.2) = 80. Pooled = (5 + 60) / (5 + 100) x 100 = 1300/21 = 61.90...
    a = {"id": "A", "ratings": {**{c: dict(NA) for c in POINTS if c != "1.1"}, "1.1": alpha("1")}}
    b = {"id": "B", "ratings": all_items({"level": 3})}
    result = run(tbsc034, {"evaluations": [a, b]})
    assert [e["exact"]["score"] for e in result["evaluations"]] == ["100", "60"]
    assert result["service"]["exact"] == "80"
    assert result["service_score"] == 80.0
    pooled = Fraction(5 + 60, 5 + 100) * 100
    assert Fraction(result["service"]["exact"]) != pooled
    assert result["service"]["explanation"]["numbers"]["pooled_ratio_for_comparison"] == "61.90"


def test_mean_not_pooled_decides_the_grade(tbsc034: Scheme) -> None:
    # The same two evaluations: the mean 80 with management level 3 earns the base grade; the
    # pooled ratio 61.9 would only have been "certified without a grade".
    a = {"id": "A", "ratings": {**{c: dict(NA) for c in POINTS if c != "1.1"}, "1.1": alpha("1")}}
    b = {"id": "B", "ratings": all_items({"level": 3})}
    decision = run(tbsc034, {"evaluations": [a, b], "management": management_for_level(3)})[
        "decision"
    ]
    assert decision["row"] == "grade-3"


def test_three_evaluations_80_90_100_average_exactly_90(tbsc034: Scheme) -> None:
    evs = [
        {"id": "e80", "ratings": all_items({"level": 4})},
        {"id": "e90", "ratings": all_items(alpha("0.9"))},
        {"id": "e100", "ratings": all_items({"level": 5})},
    ]
    result = run(tbsc034, {"evaluations": evs, "management": management_for_level(4)})
    assert [e["exact"]["score"] for e in result["evaluations"]] == ["80", "90", "100"]
    assert result["service"]["exact"] == "90"
    assert result["service_score"] == 90.0
    assert result["service"]["evaluations_counted"] == 3
    assert (result["decision"]["row"], result["decision"]["grade"]) == ("grade-2", "二级")


def test_mean_of_repeating_decimals_lands_exactly_on_95(tbsc034: Scheme) -> None:
    # A: 1.1 alpha 0.8 (4) + 1.2 alpha 1 (7) = 11/12 -> 275/3 = 91.666...
    # B: 1.1 alpha 0.96 (4.8) + 1.2 alpha 1 (7) = 11.8/12 -> 295/3 = 98.333...
    # mean = (275/3 + 295/3) / 2 = 95 exactly: the top grade with management level 4.
    evs = [
        {"id": "A", "ratings": {"1.1": alpha("0.8"), "1.2": alpha("1")}},
        {"id": "B", "ratings": {"1.1": alpha("0.96"), "1.2": alpha("1")}},
    ]
    result = run(tbsc034, {"evaluations": evs, "management": management_for_level(4)})
    assert [e["exact"]["score"] for e in result["evaluations"]] == ["275/3", "295/3"]
    assert result["service"]["exact"] == "95"
    assert result["service_score"] == 95.0
    assert (result["decision"]["row"], result["decision"]["grade"]) == ("grade-1", "一级")


def test_modes_are_the_mean_of_each_mode_evaluations(tbsc034: Scheme) -> None:
    evs = [
        {"id": "a1", "mode": "A", "ratings": all_items({"level": 3})},  # 60
        {"id": "a2", "mode": "A", "ratings": all_items({"level": 5})},  # 100
        {"id": "b1", "mode": "B", "ratings": {"1.1": alpha("0.5")}},  # 50
        {"id": "x", "ratings": all_items({"level": 1})},  # 20, no mode
    ]
    result = run(tbsc034, {"evaluations": evs})
    assert result["modes"] == {"A": 80.0, "B": 50.0}
    # The service score is the mean over ALL evaluations (equal weight), not of the mode means.
    assert result["service"]["exact"] == "115/2"  # (60 + 100 + 50 + 20) / 4 = 57.5
    assert result["evaluations"][0]["mode"] == "A"


def test_all_na_evaluation_of_a_mode_leaves_that_mode_out(tbsc034: Scheme) -> None:
    evs = [
        {"id": "a", "mode": "A", "ratings": all_items({"level": 4})},
        {"id": "e", "mode": "E", "ratings": all_items(NA)},
    ]
    result = run(tbsc034, {"evaluations": evs})
    assert result["modes"] == {"A": 80.0}


def test_characteristic_view_is_the_mean_over_evaluations_that_rated_it(tbsc034: Scheme) -> None:
    # A: every item level 5 except 1.2 N/A and 1.1 alpha 0.5.
    #    characteristic 1: (2.5 + 5) / (5 + 5) = 75; characteristics 2..7: 100.
    #    score: (93 - 2.5) / 93 x 100 = 9050/93.
    # B: only 1.2 at level 4: characteristic 1: 5.6 / 7 = 80; score 80. B rated nothing in 2..7.
    a_ratings = all_items({"level": 5})
    a_ratings["1.2"] = dict(NA)
    a_ratings["1.1"] = alpha("0.5")
    evs = [{"id": "A", "ratings": a_ratings}, {"id": "B", "ratings": {"1.2": {"level": 4}}}]
    result = run(tbsc034, {"evaluations": evs})
    assert result["characteristics"] == {
        "1": 77.5,
        "2": 100.0,
        "3": 100.0,
        "4": 100.0,
        "5": 100.0,
        "6": 100.0,
        "7": 100.0,
    }
    assert [e["exact"]["score"] for e in result["evaluations"]] == ["9050/93", "80"]
    # (9050/93 + 80) / 2 = (9050 + 7440) / 186 = 8245/93
    assert result["service"]["exact"] == "8245/93"


def test_characteristic_without_any_rated_item_is_absent(tbsc034: Scheme) -> None:
    result = run(tbsc034, {"evaluations": [{"ratings": {"1.1": {"level": 4}, "7.1": dict(NA)}}]})
    assert result["characteristics"] == {"1": 80.0}


def test_all_na_evaluation_scores_null_and_is_excluded_from_the_mean(tbsc034: Scheme) -> None:
    evs = [
        {"id": "na", "ratings": all_items(NA)},
        {"id": "ok", "ratings": all_items({"level": 4})},
    ]
    result = run(tbsc034, {"evaluations": evs})
    first = result["evaluations"][0]
    assert first["score"] is None
    assert first["exact"] == {"score": None, "earned": "0", "possible": "0"}
    assert first["unrated"] == []
    assert result["service"]["exact"] == "80"
    assert result["service"]["evaluations_counted"] == 1
    assert result["service"]["explanation"]["numbers"]["evaluations_without_rated_items"] == 1


def test_evaluation_with_no_ratings_scores_null_and_lists_every_item_unrated(
    tbsc034: Scheme,
) -> None:
    evs = [{"id": "empty", "ratings": {}}, {"id": "ok", "ratings": {"2.1": {"level": 2}}}]
    result = run(tbsc034, {"evaluations": evs})
    assert result["evaluations"][0]["score"] is None
    assert result["evaluations"][0]["unrated"] == list(POINTS)
    assert result["service"]["exact"] == "40"


@pytest.mark.parametrize("data", [{"evaluations": []}, {}], ids=["empty-list", "no-section"])
def test_no_evaluations_gives_a_null_service_score(tbsc034: Scheme, data: dict[str, Any]) -> None:
    result = run(tbsc034, data)
    assert result["service_score"] is None
    assert result["service"]["exact"] is None
    assert result["service"]["evaluations_counted"] == 0
    assert result["characteristics"] == {}
    assert result["modes"] == {}


def test_only_all_na_evaluations_give_a_null_service_score(tbsc034: Scheme) -> None:
    result = run(
        tbsc034, {"evaluations": [{"ratings": all_items(NA)}, {"ratings": {"1.1": dict(NA)}}]}
    )
    assert result["service_score"] is None
    assert result["service"]["exact"] is None


def test_tbsc134_scores_the_same_input_the_same_way(tbsc034: Scheme, tbsc134: Scheme) -> None:
    evs = [
        {"id": "A", "ratings": {"1.1": alpha("0.8"), "1.2": alpha("1"), "7.1": dict(NA)}},
        {"id": "B", "ratings": all_items({"level": 3})},
    ]
    a = run(tbsc034, {"evaluations": evs})
    b = run(tbsc134, {"evaluations": evs})
    assert a["service"]["exact"] == b["service"]["exact"] == "455/6"  # (275/3 + 60) / 2
    assert a["evaluations"] == b["evaluations"]
