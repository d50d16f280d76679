"""Property-based tests of the service score on TBSC034 over random evaluations.

Every expected value is recomputed independently here with ``Fraction`` from the Annex 1 points
written by hand: earned = Σ points·α over rated items, possible = Σ points over rated items,
score = earned / possible · 100; the service score is the mean of the per-evaluation scores
(§5.1.2).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.scoring import Scheme, parse_input, result_json, score

POINTS: dict[str, int] = {
    **{f"{c}.{i}": 5 for c in range(1, 7) for i in range(1, 4)},
    "1.2": 7,
    "7.1": 8,
}
CODES = tuple(POINTS)
NA = {"na": True, "reason": "not offered"}

PROPERTY = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

alphas = st.integers(0, 1000).map(lambda n: Decimal(n).scaleb(-3))  # 0.000 .. 1.000, exact
ratings = st.one_of(
    st.integers(1, 5).map(lambda level: {"level": level}),
    alphas.map(lambda a: {"alpha": a}),
    st.just(NA),
)
evaluations = st.fixed_dictionaries(
    {
        "mode": st.sampled_from([None, "A", "B", "E"]),
        "ratings": st.dictionaries(st.sampled_from(CODES), ratings, max_size=len(CODES)),
    }
)
evaluation_lists = st.lists(evaluations, min_size=1, max_size=6)


def with_ids(evs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"id": f"e{i}", **ev} for i, ev in enumerate(evs)]


def run(scheme: Scheme, evs: list[dict[str, Any]]) -> dict[str, Any]:
    return result_json(score(scheme, parse_input({"evaluations": with_ids(evs)}, scheme)))


def exact(text: str | None) -> Fraction | None:
    return None if text is None else Fraction(text)


def hand_alpha(rating: dict[str, Any]) -> Fraction:
    return Fraction(rating["level"], 5) if "level" in rating else Fraction(rating["alpha"])


def hand_sums(ratings: dict[str, Any], prefix: str = "") -> tuple[Fraction, int]:
    rated = {c: r for c, r in ratings.items() if "na" not in r and c.startswith(prefix)}
    earned = sum((POINTS[c] * hand_alpha(r) for c, r in rated.items()), Fraction(0))
    return earned, sum(POINTS[c] for c in rated)


def hand_score(ratings: dict[str, Any], prefix: str = "") -> Fraction | None:
    earned, possible = hand_sums(ratings, prefix)
    return earned / possible * 100 if possible else None


def mean(values: list[Fraction]) -> Fraction | None:
    return sum(values, Fraction(0)) / len(values) if values else None


@PROPERTY
@given(evaluation_lists)
def test_every_score_is_within_0_and_100(tbsc034: Scheme, evs: list[dict[str, Any]]) -> None:
    result = run(tbsc034, evs)
    for ev in result["evaluations"]:
        value = exact(ev["exact"]["score"])
        assert value is None or 0 <= value <= 100
    service = exact(result["service"]["exact"])
    assert service is None or 0 <= service <= 100
    assert all(0 <= v <= 100 for v in result["characteristics"].values())
    assert all(0 <= v <= 100 for v in result["modes"].values())


@PROPERTY
@given(evaluation_lists)
def test_scores_equal_the_independent_exact_computation(
    tbsc034: Scheme, evs: list[dict[str, Any]]
) -> None:
    result = run(tbsc034, evs)
    hand = [hand_score(ev["ratings"]) for ev in evs]
    assert [exact(e["exact"]["score"]) for e in result["evaluations"]] == hand
    counted = [s for s in hand if s is not None]
    # §5.1.2: the mean of per-evaluation scores, evaluations without a rated item left out.
    assert exact(result["service"]["exact"]) == mean(counted)
    assert result["service"]["evaluations_counted"] == len(counted)
    expected_service = mean(counted)
    assert result["service_score"] == (
        None if expected_service is None else float(expected_service)
    )
    # Per mode: the mean of that mode's scored evaluations.
    modes: dict[str, list[Fraction]] = {}
    for ev, s in zip(evs, hand, strict=True):
        if ev["mode"] is not None and s is not None:
            modes.setdefault(ev["mode"], []).append(s)
    assert result["modes"] == {
        m: float(sum(v, Fraction(0)) / len(v)) for m, v in sorted(modes.items())
    }
    # Per characteristic: the mean over evaluations that rated an item of it.
    characteristics: dict[str, float] = {}
    for c in ("1", "2", "3", "4", "5", "6", "7"):
        per = [s for ev in evs if (s := hand_score(ev["ratings"], f"{c}.")) is not None]
        if per:
            characteristics[c] = float(sum(per, Fraction(0)) / len(per))
    assert result["characteristics"] == characteristics


@PROPERTY
@given(evaluations)
def test_na_item_is_the_same_as_an_absent_item(tbsc034: Scheme, ev: dict[str, Any]) -> None:
    given_ = ev["ratings"]
    without_na = {c: r for c, r in given_.items() if "na" not in r}
    all_other_na = {**{c: NA for c in CODES if c not in given_}, **given_}
    result = run(tbsc034, [{"ratings": given_}, {"ratings": without_na}, {"ratings": all_other_na}])
    scores = [e["exact"]["score"] for e in result["evaluations"]]
    assert scores[0] == scores[1] == scores[2]
    earned = [e["exact"]["earned"] for e in result["evaluations"]]
    possible = [e["exact"]["possible"] for e in result["evaluations"]]
    assert earned[0] == earned[1] == earned[2]
    assert possible[0] == possible[1] == possible[2]


@PROPERTY
@given(evaluation_lists, st.data())
def test_raising_one_alpha_never_lowers_the_evaluation_or_the_service_score(
    tbsc034: Scheme, evs: list[dict[str, Any]], data: st.DataObject
) -> None:
    base = [dict(ev, ratings=dict(ev["ratings"])) for ev in evs]
    index = data.draw(st.integers(0, len(base) - 1), label="evaluation")
    code = data.draw(st.sampled_from(CODES), label="item")
    old = base[index]["ratings"].get(code)
    # Only raise an item that is rated: rating an N/A or absent item changes the possible points,
    # so such an item is first rated alpha 0 in both runs.
    if old is None or "na" in old:
        old = base[index]["ratings"][code] = {"alpha": Decimal(0)}
    low = hand_alpha(old)
    step = data.draw(st.integers(0, 1000), label="step")
    new_alpha = min(Fraction(1), low + Fraction(step, 1000))
    before = run(tbsc034, base)
    raised = [dict(ev, ratings=dict(ev["ratings"])) for ev in base]
    raised[index]["ratings"][code] = {
        "alpha": Decimal(new_alpha.numerator) / Decimal(new_alpha.denominator)
    }
    after = run(tbsc034, raised)
    b, a = (
        before["evaluations"][index]["exact"]["score"],
        after["evaluations"][index]["exact"]["score"],
    )
    assert Fraction(a) >= Fraction(b)
    assert Fraction(after["service"]["exact"]) >= Fraction(before["service"]["exact"])


@PROPERTY
@given(
    st.lists(
        st.lists(st.integers(1, 5), min_size=len(CODES), max_size=len(CODES)),
        min_size=1,
        max_size=5,
    )
)
def test_mean_equals_pooled_ratio_when_every_evaluation_rates_every_item(
    tbsc034: Scheme, levels: list[list[int]]
) -> None:
    # Same possible points (100) in every evaluation: the mean of the scores equals the pooled
    # ratio Σ earned / Σ possible. They differ only when the N/A patterns differ (see
    # test_service_score_is_the_mean_of_evaluation_scores_not_the_pooled_ratio).
    evs = [
        {"ratings": {c: {"level": lv} for c, lv in zip(CODES, row, strict=True)}} for row in levels
    ]
    result = run(tbsc034, evs)
    earned = sum((Fraction(e["exact"]["earned"]) for e in result["evaluations"]), Fraction(0))
    possible = sum((Fraction(e["exact"]["possible"]) for e in result["evaluations"]), Fraction(0))
    assert possible == 100 * len(levels)
    assert Fraction(result["service"]["exact"]) == earned / possible * 100


def test_mean_differs_from_pooled_ratio_when_na_patterns_differ(tbsc034: Scheme) -> None:
    # A rates 7.1 only (8 points) at alpha 0.5: 50.
    # B rates everything else (92 points) at level 5: 100.
    # Mean: 75. Pooled: (4 + 92) / 100 x 100 = 96.
    a = {"ratings": {"7.1": {"alpha": Decimal("0.5")}}}
    b = {"ratings": {c: {"level": 5} for c in CODES if c != "7.1"}}
    result = run(tbsc034, [a, b])
    assert result["service"]["exact"] == "75"
    earned = sum((Fraction(e["exact"]["earned"]) for e in result["evaluations"]), Fraction(0))
    possible = sum((Fraction(e["exact"]["possible"]) for e in result["evaluations"]), Fraction(0))
    assert earned / possible * 100 == 96
