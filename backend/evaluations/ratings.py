"""An evaluation's ratings in their three forms: on the wire, in the database, for the scoring core.

α (and a score-scale item's score) is a JSON number in requests and in answers (docs/sync.md); the
database keeps it as the decimal text it came as, so that no binary float sits between what the
phone sent and what is scored; the scoring core reads that text back as an exact ``Decimal``. The
other keys of a rating (``level``, ``na``, ``reason``, ``met``) are kept as sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from backend.scoring.numbers import json_number

#: The rating keys whose value is a decimal number (§5.1.1: α; a score scale's score).
DECIMAL_KEYS = ("alpha", "score")


def _decimal_text(value: Any) -> Any:
    """A JSON number as the decimal text it was written as (``0.75`` → ``"0.75"``).

    The request's JSON gives a float, whose ``repr`` is the shortest text that reads back as it:
    the same text the phone wrote (JavaScript prints numbers the same way). Other values are kept
    as sent (validation has refused them already).
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return str(value) if isinstance(value, int) else repr(value)


def stored_ratings(raw: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Ratings from a request as the database keeps them: α and score as decimal text."""
    return {
        code: {
            key: _decimal_text(value) if key in DECIMAL_KEYS else value
            for key, value in rating.items()
        }
        for code, rating in raw.items()
    }


def scoring_ratings(stored: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Stored ratings as scoring input: α and score texts back to exact ``Decimal``."""
    return {
        code: {
            key: Decimal(value) if key in DECIMAL_KEYS and isinstance(value, str) else value
            for key, value in rating.items()
        }
        for code, rating in stored.items()
    }


def wire_ratings(stored: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Stored ratings as the API answers them: α and score as the JSON numbers they came as.

    The same shape ``fieldcert score`` reads (``{"1.2": {"alpha": 0.75}}``), so an evaluation as
    the API gives it can be scored by the command line as it is (issue 9, C8).
    """
    return {
        code: {
            key: json_number(value) if key in DECIMAL_KEYS and isinstance(value, str) else value
            for key, value in rating.items()
        }
        for code, rating in stored.items()
    }
