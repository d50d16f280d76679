"""The scheme reader's lifecycle part: the CQC rule's numbers as typed data, and every problem.

The numbers are written here by hand from seed 002 (§5.2.3.1, §6.3, §7.3, §7.4 b, §8, §9.2,
§9.4, version 1.2's split of the suspension limit).
"""

from __future__ import annotations

import pytest

from backend.scoring import Scheme, SchemeError, parse_scheme
from tests.scoring.conftest import CQC_PATH


def test_the_cqc_rules_numbers_are_read_into_the_model(cqc: Scheme) -> None:
    lc = cqc.lifecycle
    assert lc is not None
    assert {k: (r.typical_days, r.max_days, r.on_miss, r.section)
            for k, r in lc.rectification.items()} == {
        "initial": (20, 60, "audit_failed", "§5.2.3.1"),
        "surveillance": (30, 90, "certificate_suspended", "§7.4 b)"),
        "recertification": (20, 60, "audit_failed", "§8, §5.2.3.1"),
    }  # fmt: skip
    assert lc.rectification["recertification"].note is not None
    assert (lc.certificate.issue_within_days, lc.certificate.validity_years) == (30, 3)
    s = lc.surveillance
    assert (s.first_within_months, s.interval_months, s.counted_from, s.extension) == (
        12, 12, "first_surveillance", "end_of_calendar_year",
    )  # fmt: skip
    assert dict(lc.suspension.max_months) == {"client_request": 12, "other": 3}
    r = lc.recertification
    assert (
        r.apply_from_months_before_expiry,
        r.finish_within_months_after_expiry,
        r.direct_renewal,
    ) == (3, 3, True)
    assert lc.other["document_review"]["person_days"] == 1
    assert lc.other["onsite_audit"]["person_days_per_unit"] == 2


def test_the_readings_are_notes_in_the_scheme(cqc: Scheme) -> None:
    topics = {n["topic"] for n in cqc.notes}
    assert {
        "lifecycle_dates",
        "lifecycle_nonconformity",
        "lifecycle_certificate_issue",
        "lifecycle_validity",
        "lifecycle_surveillance",
        "lifecycle_suspension",
        "lifecycle_recertification",
        "lifecycle_withdrawal",
    } <= topics


def test_the_tengbiao_schemes_have_no_lifecycle(tbsc034: Scheme, tbsc134: Scheme) -> None:
    assert tbsc034.lifecycle is None and tbsc134.lifecycle is None


def problems(old: str, new: str) -> list[str]:
    text = CQC_PATH.read_text(encoding="utf-8")
    assert old in text, old
    with pytest.raises(SchemeError) as err:
        parse_scheme(text.replace(old, new, 1).encode(), "cqc.yaml")
    return [str(p) for p in err.value.problems]


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            "      typical: 20\n      max: 60\n      on_miss: audit_failed\n    surveillance:",
            "      typical: 70\n      max: 60\n      on_miss: audit_failed\n    surveillance:",
            "lifecycle.rectification_days.initial.typical: the typical 70 days exceed the "
            "maximum 60",
        ),
        (
            "      on_miss: certificate_suspended",
            "      on_miss: certificate_withdrawn",
            "lifecycle.rectification_days.surveillance.on_miss: must be one of audit_failed, "
            "certificate_suspended, got the text 'certificate_withdrawn'",
        ),
        (
            "    issue_within_days: 30",
            "    issue_within_days: thirty",
            "lifecycle.certificate.issue_within_days: must be an integer 0..3660, got the text "
            "'thirty'",
        ),
        (
            "    validity_years: 3",
            "    validity_years: 0",
            "lifecycle.certificate.validity_years: must be an integer 1..100, got 0",
        ),
        (
            "    counted_from: first_surveillance",
            "    counted_from: last_surveillance",
            "lifecycle.surveillance.counted_from: must be first_surveillance or "
            "previous_surveillance, got the text 'last_surveillance'",
        ),
        (
            "    extension: end_of_calendar_year",
            "    extension: six_months",
            "lifecycle.surveillance.extension: must be end_of_calendar_year or absent, got the "
            "text 'six_months'",
        ),
        (
            "    other: 3\n",
            "    other: -3\n",
            "lifecycle.suspension_max_months.other: must be an integer 1..120, got -3",
        ),
        (
            "    direct_renewal: true",
            "    direct_renewal: yes please",
            "lifecycle.recertification.direct_renewal: must be true or false, got the text "
            "'yes please'",
        ),
        (
            "  certificate:\n    section:",
            "  certificate_issue_days: 30\n  certificate:\n    section:",
            "lifecycle.certificate_issue_days: unknown key",
        ),
    ],
)
def test_a_bad_lifecycle_value_is_reported_at_its_path(old: str, new: str, problem: str) -> None:
    assert problem in problems(old, new)


def test_every_problem_is_reported_at_once() -> None:
    text = CQC_PATH.read_text(encoding="utf-8")
    text = text.replace(
        '  certificate:\n    section: "§6.3, §9.2"\n', '  certificat:\n    section: "x"\n'
    )
    text = text.replace("    other: 3\n", "    other: 0\n")
    with pytest.raises(SchemeError) as err:
        parse_scheme(text.encode(), "cqc.yaml")
    found = {str(p) for p in err.value.problems}
    assert "lifecycle.certificat: unknown key" in found
    assert "lifecycle.suspension_max_months.other: must be an integer 1..120, got 0" in found


def test_a_lifecycle_without_its_rules_names_each_missing_part() -> None:
    text = CQC_PATH.read_text(encoding="utf-8")
    head = text[: text.index("  # Days from the day a nonconformity is opened")]
    with pytest.raises(SchemeError) as err:
        parse_scheme(head.encode(), "cqc.yaml")
    found = {str(p) for p in err.value.problems}
    assert {
        "lifecycle.rectification_days: is required",
        "lifecycle.certificate: is required",
        "lifecycle.surveillance: is required",
        "lifecycle.suspension_max_months: is required",
        "lifecycle.recertification: is required",
    } <= found
