"""Numbers as JSON: α goes out as the number it came in as (issue 9, C8)."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from backend.scoring.numbers import json_number


@given(st.floats(min_value=0, max_value=1, allow_nan=False, allow_infinity=False))
def test_decimal_text_of_a_json_number_goes_out_as_the_same_text(alpha: float) -> None:
    # What the server stores for a JSON number it was sent: the float's shortest text.
    text = repr(alpha)

    written = json.dumps(json_number(text))

    assert written == text
    assert json.loads(written, parse_float=Decimal) == Decimal(text)


def test_whole_numbers_stay_integers_and_scheme_fractions_print_as_decimals() -> None:
    assert json.dumps([json_number("1"), json_number("0"), json_number("1.0")]) == "[1, 0, 1.0]"
    assert json.dumps([json_number(Fraction(1, 5)), json_number(Fraction(2))]) == "[0.2, 2]"
    assert json.dumps(json_number(Decimal("0.40"))) == "0.4"
