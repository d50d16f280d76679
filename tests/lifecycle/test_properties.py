"""Properties of the lifecycle dates over random facts (hypothesis).

Each property restates a rule independently of the code: validity ends the day before the date
three years after issue; deadlines never fall before the day a nonconformity was opened and the
latest never before the typical; the recertification window brackets the last day of validity;
surveillance k ≥ 2 falls 12 × (k - 1) months after the first; a suspension's limit is the same
day of a month N months later, or that month's last day.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.lifecycle import add_years, valid_until
from backend.scoring.model import LifecycleModel
from tests.lifecycle.conftest import Run

PROPERTY = settings(
    max_examples=200, deadline=None, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)  # fmt: skip
days = st.dates(min_value=date(1990, 1, 1), max_value=date(2200, 12, 31))
kinds = st.sampled_from(["initial", "surveillance", "recertification"])
ONE = timedelta(days=1)


def months_later(d: date, n: int) -> date:
    """Independent restatement: same day n months later, clamped to the month's length."""
    y, m = d.year + (d.month - 1 + n) // 12, (d.month - 1 + n) % 12 + 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


@PROPERTY
@given(days)
def test_valid_until_plus_one_day_is_exactly_three_years_after_issue(
    rules: LifecycleModel, issued: date
) -> None:
    until = valid_until(rules.certificate, issued)
    assert until + ONE == months_later(issued, 36) == add_years(issued, 3)
    assert until > issued
    # Never longer than three years: at most 1096 days counted inclusively (one leap day).
    assert 1095 <= (until - issued).days + 1 <= 1096


@PROPERTY
@given(kinds, days, st.integers(0, 200), st.one_of(st.none(), st.integers(0, 200)))
def test_deadlines_never_before_opened_and_overdue_exactly_after_the_latest(
    run: Run, kind: str, opened: date, later: int, closed_after: int | None
) -> None:
    today = opened + timedelta(days=later)
    closed = None if closed_after is None else opened + timedelta(days=min(closed_after, later))
    out = run(
        {
            "today": today.isoformat(),
            "audits": [{"id": "a", "kind": kind, "ended_on": opened.isoformat()}],
            "nonconformities": [
                {
                    "id": "n",
                    "audit": "a",
                    "opened_on": opened.isoformat(),
                    "closed_on": closed.isoformat() if closed else None,
                }
            ],
        }
    )
    nc = out["nonconformities"][0]
    typical, latest = date.fromisoformat(nc["typical_due"]), date.fromisoformat(nc["latest_due"])
    expected = {"surveillance": (30, 90)}.get(kind, (20, 60))
    assert (typical - opened).days == expected[0]
    assert (latest - opened).days == expected[1]
    assert opened <= typical <= latest
    assert nc["overdue"] == ((closed or today) > latest)
    if nc["overdue"]:
        suspended = kind == "surveillance"
        assert nc["consequence"] == ("certificate_suspended" if suspended else "audit_failed")
    else:
        assert nc["consequence"] is None


@PROPERTY
@given(days, st.integers(0, 1500))
def test_recertification_window_brackets_the_last_day(run: Run, issued: date, later: int) -> None:
    today = issued + timedelta(days=later)
    out = run({"today": today.isoformat(), "certificate": {"issued_on": issued.isoformat()}})
    until = date.fromisoformat(out["certificate"]["valid_until"])
    r = out["recertification"]
    apply_from, finish_by = date.fromisoformat(r["apply_from"]), date.fromisoformat(r["finish_by"])
    assert apply_from == months_later(until, -3)
    assert finish_by == months_later(until, 3)
    assert apply_from < until < finish_by
    assert r["open"] == (apply_from <= today <= finish_by)
    assert r["overdue"] == (today > finish_by)
    assert out["certificate"]["status"] == ("expired" if today > until else "active")


@PROPERTY
@given(days, st.lists(st.integers(200, 500), min_size=1, max_size=6))
def test_surveillance_k_is_due_12_k_minus_1_months_after_the_first(
    run: Run, ended: date, gaps: list[int]
) -> None:
    done: list[date] = []
    last = ended
    for gap in gaps:
        last = last + timedelta(days=gap)
        done.append(last)
    out = run(
        {
            "today": last.isoformat(),
            "audits": [{"id": "a", "kind": "initial", "ended_on": ended.isoformat(),
                        "passed": True}],
            "surveillances": [{"done_on": d.isoformat(), "passed": True} for d in done],
        }
    )  # fmt: skip
    s = out["surveillance"]
    k = len(done) + 1
    assert s["number"] == k
    assert s["next_due"] == months_later(done[0], 12 * (k - 1)).isoformat()
    assert s["done"][0]["due"] == months_later(ended, 12).isoformat()
    for i, d in enumerate(s["done"][1:], start=2):
        assert d["due"] == months_later(done[0], 12 * (i - 1)).isoformat()


@PROPERTY
@given(days, st.sampled_from(["client_request", "other"]), st.integers(0, 800))
def test_a_suspension_ends_by_n_months_after_it_started(
    run: Run, started: date, cause: str, later: int
) -> None:
    today = started + timedelta(days=later)
    out: Any = run(
        {
            "today": today.isoformat(),
            "suspensions": [{"started_on": started.isoformat(), "cause": cause}],
        }
    )
    s = out["suspensions"][0]
    ends_by = months_later(started, 12 if cause == "client_request" else 3)
    assert s["ends_by"] == ends_by.isoformat()
    assert s["overdue"] == (today > ends_by)
