"""The scheme format expresses the other scoring models the cases use (seed 003, DOMAIN.md).

Each fixture in tests/fixtures/schemes/ is scored through the same core as the real schemes; the
expected numbers are worked out by hand in the comments.
"""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, ClassVar

import pytest

from backend.scoring import InputError, load_scheme, parse_input, result_json, score

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "schemes"


def run(fixture: str, data: dict[str, Any]) -> dict[str, Any]:
    scheme = load_scheme(FIXTURES / fixture)
    # Round-trip through JSON text with Decimal parsing, exactly as the CLI reads input.
    parsed = json.loads(json.dumps(data), parse_float=Decimal)
    return result_json(score(scheme, parse_input(parsed, scheme)))


def test_every_fixture_scheme_is_valid() -> None:
    names = sorted(p.name for p in FIXTURES.glob("*.yaml"))
    assert len(names) == 5
    for name in names:
        assert load_scheme(FIXTURES / name).status == "complete"


class TestTwoPassBars:
    """Homestay: service ≥ 70 AND management ≥ 70, grades named 钻."""

    def test_both_bars_met_gives_the_grade_the_lower_bar_allows(self) -> None:
        # Service: R1 0.8×30 = 24, R2 1.0×20 = 20, F1 0.9×50 = 45 → 89.
        # Management: M1 1.0×60 = 60, M2 0.85×40 = 34 → 94.
        out = run(
            "homestay-two-bars.yaml",
            {
                "evaluations": [
                    {
                        "id": "a",
                        "ratings": {"R1": {"level": 4}, "R2": {"level": 5}, "F1": {"alpha": 0.9}},
                    }
                ],
                "management": {"M1": {"level": 5}, "M2": {"alpha": 0.85}},
            },
        )
        assert out["service"]["exact"] == "89"
        assert out["management"]["exact"] == "94"
        assert (
            out["management"]["level"] is None
        )  # no level grading in this model: the total decides
        assert out["decision"]["outcome"] == "grade"
        assert out["decision"]["grade"] == "四钻"
        assert out["decision"]["row"] == "four"

    def test_management_below_its_bar_fails_even_with_a_top_service_score(self) -> None:
        # Service 100; management 0.6×60 + 0.6×40 = 60 < 70.
        out = run(
            "homestay-two-bars.yaml",
            {
                "evaluations": [
                    {
                        "id": "a",
                        "ratings": {"R1": {"level": 5}, "R2": {"level": 5}, "F1": {"level": 5}},
                    }
                ],
                "management": {"M1": 3, "M2": 3},
            },
        )
        assert out["service_score"] == 100.0
        assert out["management"]["total"] == 60.0
        assert out["decision"]["outcome"] == "not_certified"
        assert "60.00 < 70" in out["decision"]["reason"]["en"]


class TestMaturityOutOf1000:
    """Robot platform: maturity ≥ 800 of 1000 plus service ≥ 90 (fractional totals)."""

    def test_fractional_maturity_total_is_exact_and_passes(self) -> None:
        # C1 0.9×350 = 315, C2 0.85×400.5 = 340.425, C3 0.8×249.5 = 199.6 → 855.025.
        # Service: S1 0.9×60 = 54, S2 1.0×40 = 40 → 94.
        out = run(
            "robot-maturity-1000.yaml",
            {
                "evaluations": [{"id": "x", "ratings": {"S1": {"alpha": 0.9}, "S2": {"level": 5}}}],
                "management": {"C1": {"alpha": 0.9}, "C2": {"alpha": 0.85}, "C3": {"level": 4}},
            },
        )
        assert Fraction(out["management"]["exact"]) == Fraction("855.025")
        assert out["service"]["exact"] == "94"
        assert out["decision"]["outcome"] == "certified"
        assert out["decision"]["grade"] is None

    def test_service_below_90_is_not_certified_despite_maturity(self) -> None:
        # Service: S1 0.8×60 = 48, S2 1.0×40 = 40 → 88 < 90; maturity 1000.
        out = run(
            "robot-maturity-1000.yaml",
            {
                "evaluations": [{"id": "x", "ratings": {"S1": {"level": 4}, "S2": {"level": 5}}}],
                "management": {"C1": 5, "C2": 5, "C3": 5},
            },
        )
        assert out["management"]["total"] == 1000.0
        assert out["service_score"] == 88.0
        assert out["decision"]["outcome"] == "not_certified"


class TestWeightedIndicators:
    """Port tally: Σ weight × indicator score, star grades."""

    def test_weighted_sum_of_indicator_scores(self) -> None:
        # (35×98 + 25×90 + 22.5×85.5 + 17.5×80) / 100 = 9003.75 / 100 = 90.0375 → 五星级.
        out = run(
            "port-tally-weighted.yaml",
            {
                "evaluations": [
                    {
                        "id": "t",
                        "ratings": {
                            "Q1": {"score": 98},
                            "Q2": {"score": 90},
                            "C1": {"score": 85.5},
                            "C2": {"score": 80},
                        },
                    }
                ]
            },
        )
        assert Fraction(out["service"]["exact"]) == Fraction("90.0375")
        assert out["decision"]["grade"] == "五星级"

    def test_indicator_score_above_its_maximum_is_refused(self) -> None:
        scheme = load_scheme(FIXTURES / "port-tally-weighted.yaml")
        data = {"evaluations": [{"id": "t", "ratings": {"Q1": {"score": Decimal("100.5")}}}]}
        with pytest.raises(InputError) as err:
            parse_input(data, scheme)
        assert str(err.value) == "evaluations[0].ratings.Q1.score: 100.5 is outside 0..100"

    def test_a_likert_level_is_refused_for_a_scored_indicator(self) -> None:
        scheme = load_scheme(FIXTURES / "port-tally-weighted.yaml")
        with pytest.raises(InputError) as err:
            parse_input({"evaluations": [{"id": "t", "ratings": {"Q1": {"level": 4}}}]}, scheme)
        assert err.value.path == "evaluations[0].ratings.Q1.level"


class TestBonusWithCap:
    """Zero-carbon: 100 base points judged yes/no plus bonus items capped at 10 (max 110)."""

    def test_bonus_is_capped_at_ten(self) -> None:
        # Base: 30 + 30 + 20 + 0 = 80 of 100 → 80 %; bonus 6 + 6 = 12 → capped 10 → 90 → 二星级.
        out = run(
            "zero-carbon-bonus.yaml",
            {
                "evaluations": [
                    {
                        "id": "z",
                        "ratings": {
                            "R1": {"met": True},
                            "R2": {"met": True},
                            "O1": {"met": True},
                            "O2": {"met": False},
                            "B1": {"met": True},
                            "B2": {"met": True},
                        },
                    }
                ]
            },
        )
        ev = out["evaluations"][0]
        assert ev["bonus"] == 10.0
        assert ev["score"] == 90.0
        assert out["decision"]["grade"] == "二星级"

    def test_everything_met_reaches_exactly_110(self) -> None:
        ratings = {code: {"met": True} for code in ("R1", "R2", "O1", "O2", "B1", "B2")}
        out = run("zero-carbon-bonus.yaml", {"evaluations": [{"id": "z", "ratings": ratings}]})
        assert out["service"]["exact"] == "110"
        assert out["decision"]["grade"] == "三星级"

    def test_bonus_items_stay_out_of_the_characteristic_view(self) -> None:
        ratings = {"R1": {"met": True}, "B1": {"met": True}}
        out = run("zero-carbon-bonus.yaml", {"evaluations": [{"id": "z", "ratings": ratings}]})
        assert set(out["characteristics"]) == {"R"}
        assert out["characteristics"]["R"] == 100.0

    def test_yes_no_items_refuse_an_alpha(self) -> None:
        scheme = load_scheme(FIXTURES / "zero-carbon-bonus.yaml")
        with pytest.raises(InputError) as err:
            parse_input(
                {"evaluations": [{"id": "z", "ratings": {"R1": {"alpha": Decimal("0.5")}}}]}, scheme
            )
        assert err.value.path == "evaluations[0].ratings.R1.alpha"


class TestModeWeightsAndYesNo:
    """Elderly care: Likert items mixed with yes/no clauses; modes weighted 0.5 / 0.3 / 0.2."""

    EVALUATIONS: ClassVar[list[dict[str, Any]]] = [
        # E1 0.8×40 = 32 + E2 yes 60 → 92
        {"id": "a1", "mode": "A", "ratings": {"E1": {"level": 4}, "E2": {"met": True}}},
        # E1 0.6×40 = 24 + 60 → 84; mode A mean = 88
        {"id": "a2", "mode": "A", "ratings": {"E1": {"level": 3}, "E2": {"met": True}}},
        # E1 0.4×40 = 16 + 0 → 16
        {"id": "b1", "mode": "B", "ratings": {"E1": {"level": 2}, "E2": {"met": False}}},
        # 40 + 60 → 100
        {"id": "e1", "mode": "E", "ratings": {"E1": {"level": 5}, "E2": {"met": True}}},
    ]

    def test_service_score_is_the_weighted_mean_of_mode_means(self) -> None:
        # 0.5×88 + 0.3×16 + 0.2×100 = 44 + 4.8 + 20 = 68.8 (the unweighted mean would be 73).
        out = run("elderly-mode-weights.yaml", {"evaluations": self.EVALUATIONS})
        assert out["modes"] == {"A": 88.0, "B": 16.0, "E": 100.0}
        assert Fraction(out["service"]["exact"]) == Fraction("68.8")

    def test_weights_renormalise_over_the_modes_present(self) -> None:
        # Only A and B: (0.5×88 + 0.3×16) / 0.8 = 48.8 / 0.8 = 61.
        out = run("elderly-mode-weights.yaml", {"evaluations": self.EVALUATIONS[:3]})
        assert out["service"]["exact"] == "61"

    def test_an_unweighted_or_missing_mode_is_refused(self) -> None:
        scheme = load_scheme(FIXTURES / "elderly-mode-weights.yaml")
        with pytest.raises(InputError) as err:
            parse_input({"evaluations": [{"id": "c", "mode": "C", "ratings": {}}]}, scheme)
        assert err.value.path == "evaluations[0].mode"
        with pytest.raises(InputError) as err:
            parse_input({"evaluations": [{"id": "c", "ratings": {}}]}, scheme)
        assert "weights evaluations by mode" in err.value.message
