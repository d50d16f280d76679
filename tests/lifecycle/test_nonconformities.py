"""Nonconformity deadlines (CQC rule §5.2.3.1, §7.4 b) and their consequence when missed.

After an initial or recertification audit: typically 20 days, at most 60; after a surveillance
audit: 30 / 90; counted from the day the nonconformity was opened, the deadline day included.
Missed: the initial (and, our reading, the recertification) audit fails; in surveillance the
certificate is suspended.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.lifecycle.conftest import Run


def one(run: Run, kind: str, opened: str, today: str, closed: str | None = None) -> Any:
    out = run(
        {
            "today": today,
            "audits": [{"id": "a", "kind": kind, "ended_on": opened, "passed": True}],
            "nonconformities": [
                {"id": "nc", "audit": "a", "opened_on": opened, "closed_on": closed}
            ],
        }
    )
    return out["nonconformities"][0]


@pytest.mark.parametrize(
    ("kind", "opened", "typical", "latest"),
    [
        ("initial", "2026-03-10", "2026-03-30", "2026-05-09"),  # +20, +60 (§5.2.3.1)
        ("recertification", "2026-03-10", "2026-03-30", "2026-05-09"),  # as initial (our reading)
        ("surveillance", "2027-02-20", "2027-03-22", "2027-05-21"),  # +30, +90 (§7.4 b)
        ("initial", "2026-12-15", "2027-01-04", "2027-02-13"),  # across the year's end
        ("surveillance", "2027-12-01", "2027-12-31", "2028-02-29"),  # into a leap February
    ],
)
def test_deadlines_count_from_the_day_opened(
    run: Run, kind: str, opened: str, typical: str, latest: str
) -> None:
    nc = one(run, kind, opened, today=opened)
    assert (nc["typical_due"], nc["latest_due"]) == (typical, latest)
    assert (nc["overdue"], nc["consequence"]) == (False, None)
    assert nc["audit_kind"] == kind


def test_the_clock_starts_when_the_nonconformity_is_opened_not_when_the_audit_ended(
    run: Run,
) -> None:
    out = run(
        {
            "today": "2026-03-20",
            "audits": [{"id": "a", "kind": "initial", "ended_on": "2026-03-10", "passed": True}],
            "nonconformities": [{"id": "nc", "audit": "a", "opened_on": "2026-03-12"}],
        }
    )
    assert out["nonconformities"][0]["typical_due"] == "2026-04-01"
    assert out["nonconformities"][0]["latest_due"] == "2026-05-11"


@pytest.mark.parametrize(
    ("kind", "opened", "last_day", "day_after", "consequence"),
    [
        ("initial", "2026-03-10", "2026-05-09", "2026-05-10", "audit_failed"),
        ("recertification", "2028-12-01", "2029-01-30", "2029-01-31", "audit_failed"),
        ("surveillance", "2027-02-20", "2027-05-21", "2027-05-22", "certificate_suspended"),
        ("surveillance", "2027-12-01", "2028-02-29", "2028-03-01", "certificate_suspended"),
    ],
)
def test_open_on_the_latest_day_is_in_time_and_overdue_the_day_after(
    run: Run, kind: str, opened: str, last_day: str, day_after: str, consequence: str
) -> None:
    on_the_day = one(run, kind, opened, today=last_day)
    assert (on_the_day["overdue"], on_the_day["consequence"]) == (False, None)
    late = one(run, kind, opened, today=day_after)
    assert (late["overdue"], late["consequence"]) == (True, consequence)


def test_past_the_typical_deadline_only_is_not_overdue(run: Run) -> None:
    nc = one(run, "initial", "2026-03-10", today="2026-04-20")  # typical 03-30 passed
    assert (nc["overdue"], nc["consequence"]) == (False, None)


def test_closed_on_the_latest_day_is_in_time(run: Run) -> None:
    nc = one(run, "initial", "2026-03-10", today="2027-01-01", closed="2026-05-09")
    assert (nc["overdue"], nc["consequence"]) == (False, None)
    assert nc["closed_on"] == "2026-05-09"


def test_closed_after_the_latest_day_was_not_rectified_in_time(run: Run) -> None:
    # §5.2.3.1 限期未完成整改的: a late closing does not undo the missed deadline.
    nc = one(run, "surveillance", "2027-02-20", today="2027-07-01", closed="2027-05-22")
    assert (nc["overdue"], nc["consequence"]) == (True, "certificate_suspended")
    assert "2027年5月22日才关闭" in nc["explanation"]["zh"]


def test_explanation_cites_the_section_and_the_numbers(run: Run) -> None:
    nc = one(run, "surveillance", "2027-02-20", today="2027-06-01")
    e = nc["explanation"]
    assert e["section"] == "§7.4 b)"
    assert e["numbers"] == {
        "opened_on": "2027-02-20",
        "typical_days": 30,
        "max_days": 90,
        "typical_due": "2027-03-22",
        "latest_due": "2027-05-21",
    }
    assert "通常为30天" in e["zh"] and "最长不超过90天" in e["zh"]
    assert "暂停认证证书" in e["zh"]
    assert "the certificate is suspended" in e["en"]
    initial = one(run, "initial", "2026-03-10", today="2026-06-01")["explanation"]
    assert initial["section"] == "§5.2.3.1"
    assert "现场审查不通过" in initial["zh"]


def test_an_overdue_nonconformity_fails_its_audit(run: Run) -> None:
    out = run(
        {
            "today": "2026-06-01",
            "audits": [
                {"id": "a1", "kind": "initial", "ended_on": "2026-03-10", "passed": True},
                {"id": "a2", "kind": "initial", "ended_on": "2026-03-20", "passed": True},
            ],
            "nonconformities": [
                {"id": "late", "audit": "a1", "opened_on": "2026-03-10"},
                {"id": "fine", "audit": "a2", "opened_on": "2026-03-20", "closed_on": "2026-04-01"},
            ],
        }
    )
    a1, a2 = out["audits"]
    assert (a1["failed"], a1["overdue_nonconformities"]) == (True, ["late"])
    assert (a2["failed"], a2["overdue_nonconformities"]) == (False, [])


def test_deadlines_come_from_the_scheme_data(run: Run, rules: Any) -> None:
    assert {k: (r.typical_days, r.max_days, r.on_miss) for k, r in rules.rectification.items()} == {
        "initial": (20, 60, "audit_failed"),
        "surveillance": (30, 90, "certificate_suspended"),
        "recertification": (20, 60, "audit_failed"),
    }
