"""Surveillance due dates (CQC rule §7.3) and the extension to the end of the calendar year.

初始审查结束后12个月内应安排年度监督现场审查，之后的年度监督按照第一次监督日期为准，每12个月为一个
监督周期。……获证组织可申请延期，在当年（自然年）内完成。
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from backend.lifecycle import surveillance_due
from backend.scoring.model import LifecycleModel
from tests.lifecycle.conftest import Run

D = date.fromisoformat
INITIAL = {"id": "a1", "kind": "initial", "ended_on": "2026-03-10", "passed": True}


def plan(run: Run, today: str, **sections: Any) -> Any:
    return run({"today": today, **sections})["surveillance"]


def done(*days: str, passed: bool = True) -> list[dict[str, Any]]:
    return [{"done_on": d, "passed": passed} for d in days]


def test_the_first_is_due_12_months_after_the_initial_audit_ended(run: Run) -> None:
    s = plan(run, "2026-06-01", audits=[INITIAL])
    assert (s["number"], s["next_due"], s["cycle_audit"]) == (1, "2027-03-10", "a1")
    assert (s["overdue"], s["first_on"], s["done"]) == (False, None, [])
    assert s["explanation"]["section"] == "§7.3"


@pytest.mark.parametrize(
    ("ended", "due"),
    [
        ("2026-01-31", "2027-01-31"),
        ("2024-02-29", "2025-02-28"),  # no 29 February in 2025: the month's last day
        ("2026-12-31", "2027-12-31"),
    ],
)
def test_the_first_due_date_at_month_ends(run: Run, ended: str, due: str) -> None:
    assert plan(run, ended, audits=[{**INITIAL, "ended_on": ended}])["next_due"] == due


def test_due_day_included_overdue_the_day_after(run: Run) -> None:
    assert plan(run, "2027-03-10", audits=[INITIAL])["overdue"] is False
    late = plan(run, "2027-03-11", audits=[INITIAL])
    assert late["overdue"] is True
    assert "P9B6" in late["explanation"]["zh"]


def test_later_ones_count_from_the_first_surveillance_date(run: Run) -> None:
    s = plan(run, "2027-06-01", audits=[INITIAL], surveillances=done("2027-02-20"))
    assert (s["number"], s["next_due"], s["first_on"]) == (2, "2028-02-20", "2027-02-20")
    assert s["done"] == [
        {"number": 1, "done_on": "2027-02-20", "passed": True, "due": "2027-03-10",
         "extended": False, "late": False},
    ]  # fmt: skip


def test_a_late_second_surveillance_does_not_move_the_third(run: Run) -> None:
    # §7.3 按照第一次监督日期为准: the third is 24 months after the first, not 12 after the second.
    s = plan(
        run,
        "2028-06-01",
        audits=[INITIAL],
        certificate={"issued_on": "2026-04-01"},
        surveillances=done("2027-02-20", "2028-03-15"),
    )
    assert (s["number"], s["next_due"]) == (3, "2029-02-20")
    assert s["done"][1]["due"] == "2028-02-20"
    assert s["done"][1]["late"] is True


def test_a_first_surveillance_on_29_february_does_not_drift(
    run: Run, rules: LifecycleModel
) -> None:
    first = [D("2028-02-29")]
    rule = rules.surveillance
    end = D("2027-03-01")
    assert surveillance_due(rule, 1, end, []) == D("2028-03-01")
    assert surveillance_due(rule, 2, end, first) == D("2029-02-28")
    assert surveillance_due(rule, 3, end, [*first, D("2029-02-28")]) == D("2030-02-28")
    four = [*first, D("2029-02-28"), D("2030-02-28"), D("2031-02-28")]
    assert surveillance_due(rule, 5, end, four) == D("2032-02-29")  # not 2032-02-28


def test_surveillances_given_in_any_order_are_counted_by_date(run: Run) -> None:
    s = plan(run, "2028-06-01", audits=[INITIAL], surveillances=done("2028-02-10", "2027-02-20"))
    assert (s["number"], s["next_due"], s["first_on"]) == (3, "2029-02-20", "2027-02-20")


def test_extension_to_the_end_of_the_calendar_year(run: Run) -> None:
    base = {"audits": [INITIAL], "surveillances": done("2027-02-20")}
    s = plan(run, "2028-02-21", **base)
    assert (s["next_due"], s["extension_until"], s["extended"]) == (
        "2028-02-20",
        "2028-12-31",
        False,
    )
    assert s["overdue"] is True  # no extension was granted
    granted = [{"surveillance": 2, "granted_on": "2028-01-15"}]
    s = plan(run, "2028-12-31", surveillance_extensions=granted, **base)
    assert (s["extended"], s["overdue"]) == (True, False)
    assert "2028年12月31日前完成" in s["explanation"]["zh"]
    s = plan(run, "2029-01-01", surveillance_extensions=granted, **base)
    assert s["overdue"] is True


def test_an_extension_of_a_surveillance_due_on_31_december_gives_no_more_days(run: Run) -> None:
    s = plan(run, "2027-01-05", audits=[{**INITIAL, "ended_on": "2026-12-31"}])
    assert (s["next_due"], s["extension_until"]) == ("2027-12-31", "2027-12-31")


def test_an_extended_surveillance_done_within_the_year_is_not_late(run: Run) -> None:
    s = plan(
        run,
        "2028-12-01",
        audits=[INITIAL],
        surveillances=done("2027-02-20", "2028-11-30"),
        surveillance_extensions=[{"surveillance": 2}],
    )
    assert s["done"][1] == {
        "number": 2, "done_on": "2028-11-30", "passed": True, "due": "2028-02-20",
        "extended": True, "late": False,
    }  # fmt: skip
    assert s["next_due"] == "2029-02-20"  # still from the first date


def test_a_passed_recertification_starts_a_new_cycle(run: Run) -> None:
    s = plan(
        run,
        "2029-06-01",
        audits=[
            INITIAL,
            {"id": "r1", "kind": "recertification", "ended_on": "2029-02-01", "passed": True},
        ],
        certificate={"issued_on": "2029-02-20"},
        surveillances=done("2027-02-20", "2028-02-20"),
    )
    assert (s["cycle_audit"], s["number"], s["next_due"], s["done"]) == (
        "r1",
        1,
        "2030-02-01",
        [],
    )


def test_no_surveillance_due_after_the_last_day_of_validity(run: Run) -> None:
    out = run(
        {
            "today": "2029-03-01",
            "audits": [INITIAL],
            "certificate": {"issued_on": "2026-04-01"},  # valid until 2029-03-31
            "surveillances": done("2027-02-20", "2028-02-20", "2029-02-20"),
        }
    )
    s = out["surveillance"]
    assert (s["number"], s["next_due"], s["overdue"]) == (4, None, False)
    assert "§8" in s["explanation"]["zh"]
    assert out["recertification"]["renew_directly"] is True


@pytest.mark.parametrize(
    ("today", "certificate"),
    [
        ("2029-04-01", {"issued_on": "2026-04-01"}),
        ("2027-09-01", {"issued_on": "2026-04-01", "withdrawn_on": "2027-09-01"}),
    ],
    ids=["expired", "withdrawn"],
)
def test_no_surveillance_for_an_expired_or_withdrawn_certificate(
    run: Run, today: str, certificate: dict[str, str]
) -> None:
    s = plan(run, today, audits=[INITIAL], certificate=certificate)
    assert (s["next_due"], s["overdue"]) == (None, False)


def test_without_the_initial_audit_the_first_date_is_unknown(run: Run) -> None:
    assert plan(run, "2027-06-01")["next_due"] is None
    s = plan(run, "2027-06-01", surveillances=done("2027-02-20"))
    assert (s["cycle_audit"], s["number"], s["next_due"]) == (None, 2, "2028-02-20")


def test_the_rule_is_data(rules: LifecycleModel) -> None:
    r = rules.surveillance
    assert (r.first_within_months, r.interval_months, r.counted_from, r.extension) == (
        12,
        12,
        "first_surveillance",
        "end_of_calendar_year",
    )


def test_without_a_surveillances_section_the_surveillance_audits_count(run: Run) -> None:
    audits = [
        INITIAL,
        {"id": "s1", "kind": "surveillance", "ended_on": "2027-02-20", "passed": True},
        {"id": "s2", "kind": "surveillance", "ended_on": "2028-03-01", "passed": True},
    ]
    s = plan(run, "2028-06-01", audits=audits)
    assert (s["number"], s["first_on"], s["next_due"]) == (3, "2027-02-20", "2029-02-20")


def test_a_surveillances_section_alone_counts_when_given(run: Run) -> None:
    audits = [
        INITIAL,
        {"id": "s1", "kind": "surveillance", "ended_on": "2027-02-21", "passed": True},
    ]
    s = plan(run, "2027-06-01", audits=audits, surveillances=done("2027-02-20"))
    assert (s["number"], s["first_on"], s["next_due"]) == (2, "2027-02-20", "2028-02-20")
    none_yet = plan(run, "2027-06-01", audits=audits, surveillances=[])
    assert (none_yet["number"], none_yet["next_due"]) == (1, "2027-03-10")


def test_an_audit_not_concluded_yet_already_gives_its_dates(run: Run) -> None:
    pending = {"id": "a1", "kind": "initial", "ended_on": "2026-03-10"}
    out = run({"today": "2026-03-20", "audits": [pending]})
    assert out["surveillance"]["next_due"] == "2027-03-10"
    assert out["certificate"]["issue_by"] == "2026-04-09"
    assert "尚无结论" in out["certificate"]["explanation"]["zh"]
