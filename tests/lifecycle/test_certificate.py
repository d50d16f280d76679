"""The certificate: issue by (§6.3), valid until (§9.2, seed 003), and its status today.

Status: withdrawn from the body's withdrawal date; expired after the last day of validity;
suspended while a suspension is open or while one the rule requires (§7.4 b, c) is not recorded;
active otherwise. The calculator never withdraws by itself.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from backend.lifecycle import valid_until
from backend.scoring.model import LifecycleModel
from tests.lifecycle.conftest import Run

INITIAL = {"id": "a1", "kind": "initial", "ended_on": "2026-03-10", "passed": True}


def cert(run: Run, today: str, **sections: Any) -> Any:
    return run({"today": today, **sections})["certificate"]


# --------------------------------------------------------------------------- issue by (§6.3)


def test_issue_by_is_30_days_after_the_passed_audit_ended(run: Run) -> None:
    c = cert(run, "2026-03-20", audits=[INITIAL])
    assert (c["issue_by"], c["issue_audit"]) == ("2026-04-09", "a1")
    assert (c["issued_on"], c["valid_until"], c["status"]) == (None, None, None)
    assert c["explanation"]["section"] == "§6.3, §9.2"
    assert "30天内即2026年4月9日前颁发" in c["explanation"]["zh"]


def test_issue_by_across_the_years_end(run: Run) -> None:
    audit = {**INITIAL, "ended_on": "2026-12-15"}
    assert cert(run, "2026-12-20", audits=[audit])["issue_by"] == "2027-01-14"


def test_issue_by_follows_the_latest_passed_initial_or_recertification_audit(run: Run) -> None:
    audits = [
        INITIAL,
        {"id": "s1", "kind": "surveillance", "ended_on": "2027-02-20", "passed": True},
        {"id": "r1", "kind": "recertification", "ended_on": "2029-01-15", "passed": True},
        {"id": "r2", "kind": "recertification", "ended_on": "2029-02-01", "passed": False},
    ]
    c = cert(run, "2029-02-10", audits=audits)
    assert (c["issue_by"], c["issue_audit"]) == ("2029-02-14", "r1")


def test_no_issue_deadline_when_every_audit_failed(run: Run) -> None:
    failed = {**INITIAL, "passed": False}
    c = cert(run, "2026-04-01", audits=[failed])
    assert (c["issue_by"], c["issue_audit"]) == (None, None)
    # A later audit not concluded yet already has its target date.
    pending = {"id": "a2", "kind": "initial", "ended_on": "2026-03-12"}
    c = cert(run, "2026-04-01", audits=[failed, pending])
    assert (c["issue_by"], c["issue_audit"]) == ("2026-04-11", "a2")


# --------------------------------------------------------------------------- valid until (§9.2)


@pytest.mark.parametrize(
    ("issued", "until"),
    [
        ("2022-01-21", "2025-01-20"),  # seed 003 prints 2022.1.21–2025.1.20
        ("2026-04-01", "2029-03-31"),
        ("2025-01-01", "2027-12-31"),  # ends on a year's last day
        ("2024-03-01", "2027-02-28"),
        ("2025-03-01", "2028-02-29"),  # the day before 2028-03-01 is a leap day
        ("2024-02-29", "2027-02-27"),  # our reading: 3 years after is 2027-02-28, the day before
        ("2024-02-28", "2027-02-27"),
        ("2023-02-28", "2026-02-27"),
        ("2025-12-31", "2028-12-30"),
    ],
)
def test_valid_until_is_the_day_before_the_same_date_three_years_later(
    run: Run, rules: LifecycleModel, issued: str, until: str
) -> None:
    assert valid_until(rules.certificate, date.fromisoformat(issued)) == date.fromisoformat(until)
    assert cert(run, issued, certificate={"issued_on": issued})["valid_until"] == until


# --------------------------------------------------------------------------- status


def test_active_on_the_last_day_and_expired_the_day_after(run: Run) -> None:
    issued = {"issued_on": "2022-01-21"}
    assert cert(run, "2025-01-20", certificate=issued)["status"] == "active"
    expired = cert(run, "2025-01-21", certificate=issued)
    assert expired["status"] == "expired"
    assert "状态：过期" in expired["explanation"]["zh"]


def test_suspended_while_a_suspension_is_open(run: Run) -> None:
    c = cert(
        run,
        "2027-06-01",
        certificate={"issued_on": "2026-04-01"},
        suspensions=[{"started_on": "2027-05-01", "cause": "client_request"}],
    )
    assert c["status"] == "suspended"
    assert c["suspension_due"] == []
    assert "证书自2027年5月1日起暂停" in c["explanation"]["zh"]


def test_active_again_from_the_day_the_suspension_ended(run: Run) -> None:
    c = cert(
        run,
        "2027-07-01",
        certificate={"issued_on": "2026-04-01"},
        suspensions=[
            {"started_on": "2027-05-01", "cause": "other", "ended_on": "2027-07-01"},
        ],
    )
    assert c["status"] == "active"


def test_an_overdue_suspension_stays_suspended_and_is_not_withdrawn(run: Run) -> None:
    out = run(
        {
            "today": "2027-09-01",
            "certificate": {"issued_on": "2026-04-01"},
            "suspensions": [{"started_on": "2027-05-01", "cause": "other"}],
        }
    )
    assert out["suspensions"][0]["overdue"] is True
    assert out["certificate"]["status"] == "suspended"


def test_withdrawn_from_the_bodys_withdrawal_date(run: Run) -> None:
    c = cert(
        run,
        "2027-09-01",
        certificate={"issued_on": "2026-04-01", "withdrawn_on": "2027-09-01"},
        suspensions=[
            {"started_on": "2027-05-01", "cause": "other", "ended_on": "2027-09-01"},
        ],
    )
    assert (c["status"], c["withdrawn_on"]) == ("withdrawn", "2027-09-01")
    assert "撤销" in c["explanation"]["zh"]


def test_withdrawn_stays_withdrawn_after_the_validity_would_have_ended(run: Run) -> None:
    c = cert(
        run, "2030-01-01", certificate={"issued_on": "2026-04-01", "withdrawn_on": "2027-09-01"}
    )
    assert c["status"] == "withdrawn"


def test_expired_wins_over_an_open_suspension(run: Run) -> None:
    c = cert(
        run,
        "2029-04-01",
        certificate={"issued_on": "2026-04-01"},
        suspensions=[{"started_on": "2029-01-10", "cause": "client_request"}],
    )
    assert c["status"] == "expired"


SURVEILLANCE_NC = {
    "audits": [
        INITIAL,
        {"id": "s1", "kind": "surveillance", "ended_on": "2027-02-20", "passed": True},
    ],
    "nonconformities": [{"id": "nc1", "audit": "s1", "opened_on": "2027-02-20"}],
    "certificate": {"issued_on": "2026-04-01"},
}


def test_a_surveillance_nonconformity_overdue_suspends_until_the_body_records_it(
    run: Run,
) -> None:
    # §7.4 b: latest deadline 2027-05-21; from 2027-05-22 the certificate is to be suspended.
    assert cert(run, "2027-05-21", **SURVEILLANCE_NC)["status"] == "active"
    c = cert(run, "2027-05-22", **SURVEILLANCE_NC)
    assert c["status"] == "suspended"
    assert c["suspension_due"] == [
        {"since": "2027-05-22", "because": "nonconformity_overdue", "ref": "nc1"}
    ]
    assert "§7.4 b" in c["explanation"]["zh"]


def test_a_recorded_suspension_answers_the_rule_and_its_reinstatement_stands(run: Run) -> None:
    recorded = [{"started_on": "2027-05-25", "cause": "other", "ended_on": "2027-06-20"}]
    c = cert(run, "2027-07-01", suspensions=recorded, **SURVEILLANCE_NC)
    assert (c["status"], c["suspension_due"]) == ("active", [])
    still = cert(run, "2027-06-01", suspensions=[{**recorded[0], "ended_on": None}],
                 **SURVEILLANCE_NC)  # fmt: skip
    assert (still["status"], still["suspension_due"]) == ("suspended", [])


def test_an_initial_audit_nonconformity_overdue_does_not_suspend(run: Run) -> None:
    out = run(
        {
            "today": "2026-06-01",
            "audits": [INITIAL],
            "nonconformities": [{"id": "nc1", "audit": "a1", "opened_on": "2026-03-10"}],
            "certificate": {"issued_on": "2026-04-01"},
        }
    )
    assert out["nonconformities"][0]["consequence"] == "audit_failed"
    assert out["certificate"]["status"] == "active"


@pytest.mark.parametrize(
    "failed",
    [
        {"surveillances": [{"done_on": "2027-02-20", "passed": False}]},
        {
            "audits": [
                INITIAL,
                {"id": "s1", "kind": "surveillance", "ended_on": "2027-02-20", "passed": False},
            ]
        },
    ],
    ids=["surveillances", "audits"],
)
def test_a_failed_surveillance_suspends_until_the_body_decides(
    run: Run, failed: dict[str, Any]
) -> None:
    c = cert(run, "2027-03-01", certificate={"issued_on": "2026-04-01"}, **failed)
    assert c["status"] == "suspended"
    assert [d["since"] for d in c["suspension_due"]] == ["2027-02-20"]
    assert c["suspension_due"][0]["because"] == "surveillance_failed"
    assert "§7.4 c" in c["explanation"]["zh"]


def test_an_earlier_certificates_failures_do_not_suspend_the_new_one(run: Run) -> None:
    c = cert(
        run,
        "2029-06-01",
        surveillances=[{"done_on": "2028-02-20", "passed": False}],
        certificate={"issued_on": "2029-03-01"},
    )
    assert (c["status"], c["suspension_due"]) == ("active", [])
