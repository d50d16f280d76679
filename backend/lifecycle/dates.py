"""Calendar arithmetic for the lifecycle rules: days, months and years after a date.

Every lifecycle date is a calendar date (China's time zone, no time of day). "Within N days" of D
ends on D + N, that day included. "N months after" D is the same day N months later, or the last
day of that month when it has no such day; N may be negative ("3 months before"). Each rule
computes from its own starting date, so month ends never drift (see the scheme note
``lifecycle_dates``).
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

#: Input dates are written exactly as YYYY-MM-DD (ISO 8601 calendar dates, extended format).
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
#: Input years are bounded so that every computed date (a few years later) stays in the calendar.
FIRST_YEAR = 1900
LAST_YEAR = 2999


def add_days(start: date, days: int) -> date:
    """D + N days: the last day of a period "within N days" of D."""
    return start + timedelta(days=days)


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later (earlier when negative), or that month's last day."""
    index = start.year * 12 + (start.month - 1) + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(start.day, last))


def add_years(start: date, years: int) -> date:
    """The same date ``years`` later; 29 February becomes 28 February in a common year."""
    return add_months(start, 12 * years)


def end_of_year(day: date) -> date:
    """31 December of the year of ``day`` (§7.3: 在当年（自然年）内完成)."""
    return date(day.year, 12, 31)


def parse_iso_date(text: str) -> date | None:
    """A YYYY-MM-DD date that exists in the calendar (not 2026-02-30), else None."""
    match = _ISO_DATE.match(text)
    if match is None:
        return None
    year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def zh(day: date) -> str:
    """A date as a Chinese auditor writes it: 2026年3月10日."""
    return f"{day.year}年{day.month}月{day.day}日"


def en(day: date) -> str:
    """A date in English explanations: ISO 8601, as in the JSON."""
    return day.isoformat()
