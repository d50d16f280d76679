"""Suspension limits (CQC rule §9.4) and the recertification window (§8).

§9.4 (version 1.2): at the client's request at most 12 months; for other causes at most 3.
§8: apply from 3 months before expiry; finish within 3 months after it, else a new application;
a passed last surveillance within validity lets the body renew directly.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.lifecycle.conftest import Run


def suspension(run: Run, today: str, **fields: Any) -> Any:
    return run({"today": today, "suspensions": [fields]})["suspensions"][0]


@pytest.mark.parametrize(
    ("started", "cause", "ends_by"),
    [
        ("2027-05-01", "client_request", "2028-05-01"),
        ("2027-05-01", "other", "2027-08-01"),
        ("2026-11-30", "other", "2027-02-28"),
        ("2027-11-30", "other", "2028-02-29"),
        ("2028-02-29", "client_request", "2029-02-28"),
        ("2026-10-31", "other", "2027-01-31"),  # across the year's end
    ],
)
def test_a_suspension_ends_by_12_or_3_months_after_it_started(
    run: Run, started: str, cause: str, ends_by: str
) -> None:
    s = suspension(run, started, started_on=started, cause=cause)
    assert (s["started_on"], s["cause"], s["ends_by"]) == (started, cause, ends_by)
    assert (s["open"], s["overdue"], s["ended_on"]) == (True, False, None)
    assert s["explanation"]["section"] == "§9.4"


def test_open_on_the_last_day_is_in_time_and_overdue_the_day_after(run: Run) -> None:
    fields = {"started_on": "2027-05-01", "cause": "other"}
    assert suspension(run, "2027-08-01", **fields)["overdue"] is False
    late = suspension(run, "2027-08-02", **fields)
    assert late["overdue"] is True
    assert "恢复或撤销" in late["explanation"]["zh"]
    assert "does not withdraw by itself" in late["explanation"]["en"]


def test_an_ended_suspension_is_judged_by_its_end(run: Run) -> None:
    fields = {"started_on": "2027-05-01", "cause": "other"}
    in_time = suspension(run, "2028-01-01", ended_on="2027-08-01", **fields)
    assert (in_time["open"], in_time["overdue"]) == (False, False)
    over = suspension(run, "2028-01-01", ended_on="2027-08-02", **fields)
    assert (over["open"], over["overdue"]) == (False, True)


def recert(run: Run, today: str, issued: str, **sections: Any) -> Any:
    return run({"today": today, "certificate": {"issued_on": issued}, **sections})[
        "recertification"
    ]


@pytest.mark.parametrize(
    ("issued", "apply_from", "finish_by"),
    [
        ("2026-04-01", "2028-12-31", "2029-06-30"),  # valid until 2029-03-31
        ("2024-01-01", "2026-09-30", "2027-03-31"),  # valid until 2026-12-31: Dec 31 - 3 months
        ("2024-02-29", "2026-11-27", "2027-05-27"),  # valid until 2027-02-27
        ("2024-12-01", "2027-08-30", "2028-02-29"),  # valid until 2027-11-30
        ("2022-01-21", "2024-10-20", "2025-04-20"),  # seed 003: valid until 2025-01-20
    ],
)
def test_window_from_3_months_before_to_3_months_after_the_last_day(
    run: Run, issued: str, apply_from: str, finish_by: str
) -> None:
    r = recert(run, issued, issued)
    assert (r["apply_from"], r["finish_by"]) == (apply_from, finish_by)
    assert (r["open"], r["overdue"]) == (False, False)
    assert r["explanation"]["section"] == "§8"


def test_window_opens_and_closes_on_its_days(run: Run) -> None:
    issued = "2026-04-01"
    assert recert(run, "2028-12-30", issued)["open"] is False
    assert recert(run, "2028-12-31", issued)["open"] is True
    last = recert(run, "2029-06-30", issued)
    assert (last["open"], last["overdue"]) == (True, False)
    late = recert(run, "2029-07-01", issued)
    assert (late["open"], late["overdue"]) == (False, True)
    assert "按新申请处理" in late["explanation"]["zh"]


def test_no_window_without_a_certificate(run: Run) -> None:
    r = run({"today": "2027-01-01"})["recertification"]
    assert (r["apply_from"], r["finish_by"], r["open"], r["overdue"]) == (None, None, False, False)


def test_a_withdrawn_certificate_has_no_recertification(run: Run) -> None:
    r = run(
        {
            "today": "2029-01-10",
            "certificate": {"issued_on": "2026-04-01", "withdrawn_on": "2027-09-01"},
        }
    )["recertification"]
    assert (r["apply_from"], r["open"], r["renew_directly"]) == ("2028-12-31", False, None)
    assert "重新申请" in r["explanation"]["zh"]


INITIAL = {"id": "a1", "kind": "initial", "ended_on": "2026-03-10", "passed": True}


@pytest.mark.parametrize(
    ("surveillances", "today", "renew"),
    [
        # Two done; the third falls due 2029-02-20, within validity (until 2029-03-31): unknown.
        (["2027-02-20", "2028-02-20"], "2029-01-10", None),
        # The third done and passed: no more surveillance within validity, renew directly.
        (["2027-02-20", "2028-02-20", "2029-02-20"], "2029-03-01", True),
        # The third never took place and validity has ended.
        (["2027-02-20", "2028-02-20"], "2029-04-01", False),
    ],
)
def test_renew_directly_after_a_passed_last_surveillance(
    run: Run, surveillances: list[str], today: str, renew: bool | None
) -> None:
    r = recert(
        run,
        today,
        "2026-04-01",
        audits=[INITIAL],
        surveillances=[{"done_on": d, "passed": True} for d in surveillances],
    )
    assert r["renew_directly"] is renew


def test_no_direct_renewal_when_the_last_surveillance_failed(run: Run) -> None:
    r = recert(
        run,
        "2029-03-01",
        "2026-04-01",
        audits=[INITIAL],
        surveillances=[
            {"done_on": "2027-02-20", "passed": True},
            {"done_on": "2028-02-20", "passed": True},
            {"done_on": "2029-02-20", "passed": False},
        ],
    )
    assert r["renew_directly"] is False
