"""Rating input on the Tengbiao schemes: §5.1.1 α bands, bare levels, N/A, refused values.

§5.1.1 2) (seed 001 and 004): ① 0 ≤ α ≤ 0.2 · ② 0.2 < α ≤ 0.4 · ③ 0.4 < α ≤ 0.6 ·
④ 0.6 < α ≤ 0.8 · ⑤ 0.8 < α ≤ 1. A bare level L counts as α = 0.2·L (our reading, scheme data).
"""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from backend.scoring import InputError, Scheme, parse_input, result_json, score


def parse_json(text: str, scheme: Scheme) -> Any:
    return parse_input(json.loads(text, parse_float=Decimal), scheme)


def rating_of(scheme: Scheme, code: str, rating_json: str) -> Any:
    text = one_item(code, rating_json)
    parsed = parse_json(text, scheme)
    (rating,) = parsed.evaluations[0].ratings
    return rating


def error_of(scheme: Scheme, text: str) -> InputError:
    with pytest.raises(InputError) as info:
        parse_json(text, scheme)
    return info.value


def one_item(code: str, rating_json: str) -> str:
    return f'{{"evaluations": [{{"id": "v1", "ratings": {{"{code}": {rating_json}}}}}]}}'


# --------------------------------------------------------------------------- α bands, §5.1.1


@pytest.mark.parametrize(
    ("alpha", "level"),
    [
        ("0", 1),
        ("0.1", 1),
        ("0.2", 1),
        ("0.2000001", 2),
        ("0.4", 2),
        ("0.40000001", 3),
        ("0.6", 3),
        ("0.6000001", 4),
        ("0.8", 4),
        ("0.80000001", 5),
        ("0.999", 5),
        ("1", 5),
        ("1.0", 5),
    ],
)
def test_exact_alpha_is_classified_by_the_bands_as_written(
    tbsc034: Scheme, alpha: str, level: int
) -> None:
    rating = rating_of(tbsc034, "2.1", f'{{"alpha": {alpha}}}')
    assert rating.level == level
    assert rating.alpha == Fraction(alpha)


def test_exact_alpha_is_kept_exactly_not_rounded_to_its_band(tbsc034: Scheme) -> None:
    rating = rating_of(tbsc034, "2.1", '{"alpha": 0.2000001}')
    assert rating.alpha == Fraction(2000001, 10000000)


@pytest.mark.parametrize(
    ("level", "alpha"),
    [
        (1, Fraction(1, 5)),
        (2, Fraction(2, 5)),
        (3, Fraction(3, 5)),
        (4, Fraction(4, 5)),
        (5, Fraction(1)),
    ],
)
def test_bare_level_counts_as_the_band_upper_bound(
    tbsc034: Scheme, level: int, alpha: Fraction
) -> None:
    rating = rating_of(tbsc034, "1.2", f'{{"level": {level}}}')
    assert rating.level == level
    assert rating.alpha == alpha


def test_level_alpha_mapping_is_scheme_data(tbsc034: Scheme) -> None:
    bands = tbsc034.scales["likert5"].bands
    assert [b.level_alpha for b in bands] == [
        Fraction(1, 5),
        Fraction(2, 5),
        Fraction(3, 5),
        Fraction(4, 5),
        Fraction(1),
    ]


def test_bare_level_3_on_item_1_2_earns_seven_times_0_6(tbsc034: Scheme) -> None:
    result = result_json(score(tbsc034, parse_json(one_item("1.2", '{"level": 3}'), tbsc034)))
    ev = result["evaluations"][0]
    assert ev["exact"] == {"score": "60", "earned": "21/5", "possible": "7"}
    assert ev["score"] == 60.0


@pytest.mark.parametrize(
    ("level", "alpha"),
    [(1, "0.2"), (1, "0"), (2, "0.3"), (2, "0.4"), (3, "0.5"), (4, "0.75"), (5, "0.81"), (5, "1")],
)
def test_level_with_a_consistent_alpha_is_accepted_and_alpha_counts(
    tbsc034: Scheme, level: int, alpha: str
) -> None:
    rating = rating_of(tbsc034, "2.1", f'{{"level": {level}, "alpha": {alpha}}}')
    assert rating.level == level
    assert rating.alpha == Fraction(alpha)


@pytest.mark.parametrize(
    ("level", "alpha", "band"),
    [(2, "0.2", 1), (3, "0.3", 2), (4, "0.8000001", 5), (5, "0.8", 4), (1, "0.21", 2)],
)
def test_level_with_an_inconsistent_alpha_is_refused(
    tbsc034: Scheme, level: int, alpha: str, band: int
) -> None:
    err = error_of(tbsc034, one_item("2.1", f'{{"level": {level}, "alpha": {alpha}}}'))
    assert err.path == "evaluations[0].ratings.2.1.alpha"
    assert f"lies in level {band}" in err.message
    assert f"not the given level {level}" in err.message


@pytest.mark.parametrize("alpha", ["1.3", "-0.1", "1.0000001", "1.30"])
def test_alpha_outside_0_1_is_refused_with_path_and_value(tbsc034: Scheme, alpha: str) -> None:
    err = error_of(tbsc034, one_item("2.1", f'{{"alpha": {alpha}}}'))
    assert err.path == "evaluations[0].ratings.2.1.alpha"
    assert err.message == f"{alpha} is outside 0..1"
    assert str(err) == f"evaluations[0].ratings.2.1.alpha: {alpha} is outside 0..1"


def test_input_error_str_is_path_colon_message(tbsc034: Scheme) -> None:
    err = error_of(tbsc034, one_item("2.1", '{"alpha": 1.3}'))
    assert str(err) == f"{err.path}: {err.message}"


@pytest.mark.parametrize("level", ["0", "6", "3.5", "true", "false", '"3"', "3.0", "null"])
def test_level_that_is_not_an_integer_1_to_5_is_refused(tbsc034: Scheme, level: str) -> None:
    err = error_of(tbsc034, one_item("2.1", f'{{"level": {level}}}'))
    assert err.path == "evaluations[0].ratings.2.1.level"
    assert "is not a level of the scale (1–5)" in err.message


@pytest.mark.parametrize("alpha", ['"0.5"', "true", "null", "[0.5]"])
def test_alpha_that_is_not_a_number_is_refused(tbsc034: Scheme, alpha: str) -> None:
    err = error_of(tbsc034, one_item("2.1", f'{{"alpha": {alpha}}}'))
    assert err.path == "evaluations[0].ratings.2.1.alpha"
    assert err.message.startswith("must be a number")


def test_non_finite_alpha_is_refused(tbsc034: Scheme) -> None:
    data = {"evaluations": [{"ratings": {"2.1": {"alpha": Decimal("NaN")}}}]}
    with pytest.raises(InputError) as info:
        parse_input(data, tbsc034)
    assert info.value.path == "evaluations[0].ratings.2.1.alpha"


def test_binary_float_alpha_is_read_as_the_decimal_it_prints(tbsc034: Scheme) -> None:
    # A caller that forgot parse_float=Decimal still gets 0.2 = 1/5, level 1
    # (not the binary 0.200000000000000011102230246251565...).
    rating = (
        parse_input({"evaluations": [{"ratings": {"2.1": {"alpha": 0.2}}}]}, tbsc034)
        .evaluations[0]
        .ratings[0]
    )
    assert rating.alpha == Fraction(1, 5)
    assert rating.level == 1


def test_rating_without_level_alpha_or_na_is_refused(tbsc034: Scheme) -> None:
    err = error_of(tbsc034, one_item("2.1", "{}"))
    assert err.path == "evaluations[0].ratings.2.1"


def test_yes_no_or_score_field_on_a_likert_item_is_refused(tbsc034: Scheme) -> None:
    err = error_of(tbsc034, one_item("2.1", '{"met": true}'))
    assert err.path == "evaluations[0].ratings.2.1.met"


def test_unknown_rating_field_is_refused(tbsc034: Scheme) -> None:
    err = error_of(tbsc034, one_item("2.1", '{"level": 3, "stars": 4}'))
    assert err.path == "evaluations[0].ratings.2.1.stars"


# --------------------------------------------------------------------------- N/A, unknown, missing


def test_na_with_reason_leaves_both_sums(tbsc034: Scheme) -> None:
    text = (
        '{"evaluations": [{"id": "v1", "ratings": {"1.1": {"level": 5}, '
        '"1.2": {"na": true, "reason": "no equipment on this site"}}}]}'
    )
    result = result_json(score(tbsc034, parse_json(text, tbsc034)))
    ev = result["evaluations"][0]
    assert ev["exact"] == {"score": "100", "earned": "5", "possible": "5"}
    assert ev["not_applicable"] == {"1.2": "no equipment on this site"}
    assert ev["rated"] == 1
    assert "1.2" not in ev["unrated"]


@pytest.mark.parametrize(
    "na",
    [
        '{"na": true}',
        '{"na": true, "reason": ""}',
        '{"na": true, "reason": "   "}',
        '{"na": true, "reason": null}',
    ],
)
def test_na_without_a_reason_is_refused(tbsc034: Scheme, na: str) -> None:
    err = error_of(tbsc034, one_item("1.2", na))
    assert err.path == "evaluations[0].ratings.1.2.reason"
    assert "needs a reason" in err.message


@pytest.mark.parametrize("field", ['"level": 3', '"alpha": 0.5'])
def test_na_with_a_rating_is_refused(tbsc034: Scheme, field: str) -> None:
    err = error_of(tbsc034, one_item("1.2", f'{{"na": true, "reason": "closed", {field}}}'))
    assert err.path.startswith("evaluations[0].ratings.1.2.")
    assert "carries no rating" in err.message


def test_reason_without_na_is_refused(tbsc034: Scheme) -> None:
    err = error_of(tbsc034, one_item("1.2", '{"level": 3, "reason": "why"}'))
    assert err.path == "evaluations[0].ratings.1.2.reason"


def test_na_false_with_a_level_is_an_ordinary_rating(tbsc034: Scheme) -> None:
    rating = rating_of(tbsc034, "1.2", '{"na": false, "level": 2}')
    assert rating.alpha == Fraction(2, 5)


@pytest.mark.parametrize("code", ["9.9", "7.2", "1", "1.4", "2.01"])
def test_unknown_item_is_refused(tbsc034: Scheme, code: str) -> None:
    err = error_of(tbsc034, one_item(code, '{"level": 3}'))
    assert err.path == f"evaluations[0].ratings.{code}"
    assert f"unknown item '{code}'" in err.message


def test_missing_items_are_unrated_not_refused(tbsc034: Scheme) -> None:
    text = (
        '{"evaluations": [{"id": "v1", "ratings": '
        '{"1.1": {"level": 4}, "2.2": {"na": true, "reason": "n/a"}}}]}'
    )
    ev = result_json(score(tbsc034, parse_json(text, tbsc034)))["evaluations"][0]
    expected = [
        "1.2",
        "1.3",
        "2.1",
        "2.3",
        "3.1",
        "3.2",
        "3.3",
        "4.1",
        "4.2",
        "4.3",
        "5.1",
        "5.2",
        "5.3",
        "6.1",
        "6.2",
        "6.3",
        "7.1",
    ]
    assert ev["unrated"] == expected
    assert ev["exact"]["score"] == "80"


def test_evaluation_error_path_names_the_evaluation_index(tbsc034: Scheme) -> None:
    text = (
        '{"evaluations": [{"ratings": {"1.1": {"level": 3}}}, '
        '{"ratings": {"2.1": {"alpha": 1.3}}}]}'
    )
    err = error_of(tbsc034, text)
    assert str(err) == "evaluations[1].ratings.2.1.alpha: 1.3 is outside 0..1"


def test_duplicate_evaluation_id_is_refused(tbsc034: Scheme) -> None:
    text = '{"evaluations": [{"id": "a", "ratings": {}}, {"id": "a", "ratings": {}}]}'
    err = error_of(tbsc034, text)
    assert err.path == "evaluations[1].id"


def test_unknown_mode_is_refused(tbsc034: Scheme) -> None:
    err = error_of(tbsc034, '{"evaluations": [{"mode": "Z", "ratings": {}}]}')
    assert err.path == "evaluations[0].mode"


def test_unknown_top_level_section_is_refused(tbsc034: Scheme) -> None:
    err = error_of(tbsc034, '{"evaluation": []}')
    assert err.path == "evaluation"
