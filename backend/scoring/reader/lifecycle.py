"""Reading the lifecycle parameters (CQC rule: audits, rectification, validity, surveillance).

Only checked, not modelled: the values are counts of days, months or years (non-negative numbers)
or texts, kept as written for the lifecycle features that read them.
"""

from __future__ import annotations

from fractions import Fraction

from backend.scoring.numbers import is_number
from backend.scoring.reader.base import Reader, join, kind

_LIFECYCLE_KEYS = {
    "section",
    "note",
    "document_review",
    "onsite_audit",
    "rectification_days",
    "certificate_issue_days",
    "validity_years",
    "surveillance",
    "suspension_max_months",
    "recertification",
}


def read_lifecycle(r: Reader, value: object, path: str) -> None:
    m = r.mapping(value, path, set(), _LIFECYCLE_KEYS)
    if m is None:
        return
    walk_numbers(r, m, path)


def walk_numbers(r: Reader, value: object, path: str) -> None:
    """Lifecycle values are counts of days, months or years: non-negative numbers or texts."""
    if isinstance(value, dict):
        for key, sub in value.items():
            if key in ("zh", "en", "section", "note", "unit"):
                continue
            walk_numbers(r, sub, join(path, str(key)))
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            walk_numbers(r, sub, f"{path}[{i}]")
    elif is_number(value):
        r.number(value, path, min_value=Fraction(0))
    elif not isinstance(value, str | bool):
        r.fail(path, f"must be a number, got {kind(value)}")
