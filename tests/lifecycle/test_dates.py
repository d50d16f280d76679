"""Calendar arithmetic: N days after, N months after (month ends), years, the calendar year's end.

The readings (scheme note ``lifecycle_dates``): "within N days" of D ends on D + N; "N months
after" D is the same day N months later, or that month's last day when it has no such day.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.lifecycle.dates import (
    add_days,
    add_months,
    add_years,
    end_of_year,
    parse_iso_date,
    zh,
)

D = date.fromisoformat


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        ("2026-03-10", 20, "2026-03-30"),  # §5.2.3.1 typical 20 days
        ("2026-03-10", 60, "2026-05-09"),  # §5.2.3.1 at most 60
        ("2027-02-20", 30, "2027-03-22"),  # §7.4 b typical 30
        ("2027-02-20", 90, "2027-05-21"),  # §7.4 b at most 90
        ("2026-12-15", 30, "2027-01-14"),  # across the year's end
        ("2028-02-10", 20, "2028-03-01"),  # through 29 February of a leap year
        ("2027-02-10", 20, "2027-03-02"),  # a common year's February
        ("2026-03-10", 0, "2026-03-10"),
    ],
)
def test_n_days_after_is_d_plus_n(start: str, days: int, expected: str) -> None:
    assert add_days(D(start), days) == D(expected)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2026-01-31", 1, "2026-02-28"),  # January 31 + 1 month: February has no 31st
        ("2028-01-31", 1, "2028-02-29"),  # … in a leap year, 29 February
        ("2026-11-30", 3, "2027-02-28"),  # the issue's own example
        ("2027-11-30", 3, "2028-02-29"),
        ("2026-03-31", 1, "2026-04-30"),
        ("2026-03-31", 2, "2026-05-31"),  # from the start date, not chained through April 30
        ("2026-12-31", -3, "2026-09-30"),  # December 31 - 3 months
        ("2026-05-31", -3, "2026-02-28"),
        ("2028-05-31", -3, "2028-02-29"),
        ("2027-01-15", -3, "2026-10-15"),  # back across the year's end
        ("2026-12-31", 1, "2027-01-31"),  # forward across the year's end
        ("2026-10-15", 3, "2027-01-15"),
        ("2024-02-29", 12, "2025-02-28"),  # 29 February + 12 months
        ("2024-02-29", 48, "2028-02-29"),  # … + 48 months: a leap year again
        ("2026-03-10", 12, "2027-03-10"),
        ("2026-03-10", 0, "2026-03-10"),
    ],
)
def test_n_months_after_keeps_the_day_or_takes_the_months_last(
    start: str, months: int, expected: str
) -> None:
    assert add_months(D(start), months) == D(expected)


@pytest.mark.parametrize(
    ("start", "years", "expected"),
    [
        ("2022-01-21", 3, "2025-01-21"),
        ("2024-02-29", 3, "2027-02-28"),
        ("2024-02-29", 4, "2028-02-29"),
        ("2025-12-31", 3, "2028-12-31"),
    ],
)
def test_years_after(start: str, years: int, expected: str) -> None:
    assert add_years(D(start), years) == D(expected)


def test_end_of_calendar_year() -> None:
    assert end_of_year(D("2027-03-10")) == D("2027-12-31")
    assert end_of_year(D("2027-12-31")) == D("2027-12-31")
    assert end_of_year(D("2028-01-01")) == D("2028-12-31")


@pytest.mark.parametrize(
    "text", ["2026-02-30", "2027-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "2026-01-00"]
)
def test_impossible_dates_are_refused(text: str) -> None:
    assert parse_iso_date(text) is None


@pytest.mark.parametrize(
    "text", ["20260301", "2026-3-1", "2026-03-01T00:00:00", " 2026-03-01", "2026-W10-1", ""]
)
def test_only_yyyy_mm_dd_is_a_date(text: str) -> None:
    assert parse_iso_date(text) is None


def test_real_dates_parse() -> None:
    assert parse_iso_date("2028-02-29") == date(2028, 2, 29)
    assert parse_iso_date("2026-12-31") == date(2026, 12, 31)


def test_chinese_date_text() -> None:
    assert zh(D("2026-03-09")) == "2026年3月9日"


days = st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31))


@settings(max_examples=300, deadline=None, database=None)
@given(days, st.integers(-120, 120))
def test_months_after_is_in_the_right_month_and_never_past_the_day(
    start: date, months: int
) -> None:
    out = add_months(start, months)
    assert (out.year * 12 + out.month) - (start.year * 12 + start.month) == months
    assert out.day <= start.day
    # The day is kept whenever the month has it; otherwise it is the month's last day.
    if out.day < start.day:
        assert add_days(out, 1).day == 1  # the month's last day


@settings(max_examples=300, deadline=None, database=None)
@given(days, st.integers(0, 120))
def test_months_after_and_back_returns_for_days_every_month_has(start: date, months: int) -> None:
    if start.day <= 28:
        assert add_months(add_months(start, months), -months) == start
