"""Exact numbers.

Scores are compared against thresholds (80, 90, 95, a pass mark of 3, ...). Binary floating point
would put 0.8 x 5 x 20 a hair below 80 and cost a grade, so the core works in exact rationals and
converts to float only for output. Decimal literals in scheme files and JSON input are read as
``Decimal`` and become exact ``Fraction`` values here.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

Number = int | Decimal | Fraction


def is_number(value: object) -> bool:
    """True for int/Decimal/Fraction/float values, not for bools (a JSON ``true`` is no number)."""
    return isinstance(value, int | Decimal | Fraction | float) and not isinstance(value, bool)


def exact(value: object) -> Fraction:
    """Convert a number to an exact fraction.

    A float is taken as the decimal it prints as (``0.2`` -> 1/5), which is what a person wrote;
    non-finite values are refused.
    """
    if isinstance(value, bool) or not is_number(value):
        raise TypeError(f"not a number: {value!r}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value!r}")
        return Fraction(repr(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"not a finite number: {value!r}")
        return Fraction(value)
    assert isinstance(value, int | Fraction)
    return Fraction(value)


def show(value: Fraction | None, places: int = 2) -> str:
    """Format for people: two decimals by default (the value itself is never rounded)."""
    if value is None:
        return "—"
    quantum = Decimal(1).scaleb(-places)
    dec = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(quantum)
    return format(dec, "f")


def plain(value: object) -> str:
    """Render an input number the way it was written (``Decimal('1.30')`` stays ``1.30``).

    An exact fraction prints as a terminating decimal when it has one (-1/2 → -0.5).
    """
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        d = value.denominator
        while d % 2 == 0:
            d //= 2
        while d % 5 == 0:
            d //= 5
        if d == 1:
            dec = Decimal(value.numerator) / Decimal(value.denominator)
            return format(dec.normalize(), "f")
        return str(value)
    return str(value)


def show_against(value: Fraction, threshold: Fraction, places: int = 2) -> str:
    """Show ``value`` with enough decimals that it never reads equal to a threshold it differs from.

    79.999 against 80 shows as 79.999, not as a self-contradicting "80.00 < 80".
    """
    if value == threshold:
        return show(value, places)
    shown = show(value, places)
    while places < 12 and Fraction(Decimal(shown)) == threshold:
        places += 1
        shown = show(value, places)
    return shown


def decimal_text(value: Fraction) -> str:
    """A scheme number as decimal text (``1/5`` → ``0.2``, ``5`` → ``5``) for messages and the API.

    Scheme files write decimals, so their fractions terminate; any other is shown to 28 digits.
    """
    if value.denominator == 1:
        return str(value.numerator)
    dec = Decimal(value.numerator) / Decimal(value.denominator)
    return format(dec.normalize(), "f")


def json_number(value: str | Decimal | Fraction) -> int | float:
    """An exact decimal as the JSON number that prints as it (``"0.75"`` → 0.75, ``"5"`` → 5).

    For α and scores that came in as JSON numbers, kept as decimal text, and go back out as JSON
    numbers: a float prints as the shortest decimal that reads back as it (Python's ``repr``,
    JavaScript's ``JSON.stringify``), so ``"0.83"`` is written as ``0.83`` again, and whoever reads
    it with ``parse_float=Decimal`` has the exact value the server stored. Text without a point or
    an exponent stays an integer (``"1"`` → 1, ``"1.0"`` → 1.0).
    """
    if isinstance(value, str):
        value = Decimal(value)
    if isinstance(value, Decimal):
        # Exponent 0: written without a point ("5"), so an integer again.
        return int(value) if value.as_tuple().exponent == 0 else float(value)
    if value.denominator == 1:
        return value.numerator
    return value.numerator / value.denominator  # int / int is correctly rounded


def to_float(value: Fraction | None) -> float | None:
    """The float nearest to an exact value (Python's int/int division is correctly rounded)."""
    if value is None:
        return None
    return value.numerator / value.denominator


def describe_value(value: object, mapping: str = "an object") -> str:
    """Name a value for an error message: "the number 1.3", "the text 'x'", "a list", ...

    ``mapping`` names a dict: "an object" for JSON input, "a mapping" for YAML scheme files.
    """
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the text {value!r}"
    if is_number(value):
        return f"the number {plain(value)}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return mapping
    return type(value).__name__
