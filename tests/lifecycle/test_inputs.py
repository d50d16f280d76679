"""Invalid input exits 2 with one line naming the path of the bad value (like ``fieldcert score``).

Checked through the command itself (click's runner, no subprocess): exit code, stderr, and no
output on stdout. The installed console script is checked in ``test_lifecycle_cli``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from backend.lifecycle.cli import lifecycle_command
from tests.lifecycle.conftest import CQC_PATH

AUDIT = {"id": "a1", "kind": "initial", "ended_on": "2026-03-10", "passed": True}


def cli(text: str | bytes) -> Any:
    return CliRunner().invoke(
        lifecycle_command, ["--scheme", str(CQC_PATH), "--input", "-"], input=text
    )


def refused(data: object) -> str:
    result = cli(json.dumps(data))
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    return lines[0]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "today: is required (the date to calculate for, YYYY-MM-DD)"),
        ({"today": "2026-02-30"}, "today: '2026-02-30' is not a calendar date (YYYY-MM-DD)"),
        ({"today": 20260301}, "today: must be a date written YYYY-MM-DD, got the number 20260301"),
        ({"today": None}, "today: must be a date written YYYY-MM-DD, got nothing"),
        ({"today": "2026/03/01"}, "today: '2026/03/01' is not a calendar date (YYYY-MM-DD)"),
        ({"today": "3000-01-01"}, "today: '3000-01-01' is outside the years 1900–2999"),
        (
            {"today": "2027-06-01", "audits": [{**AUDIT, "ended_on": "2027-02-29"}]},
            "audits[0].ended_on: '2027-02-29' is not a calendar date (YYYY-MM-DD)",
        ),
        (
            {"today": "2027-06-01", "audits": [{**AUDIT, "kind": "final"}]},
            "audits[0].kind: 'final' is not an audit kind (initial, surveillance, recertification)",
        ),
        (
            {"today": "2027-06-01", "audits": [{**AUDIT, "passed": "yes"}]},
            "audits[0].passed: must be true, false or null, got the text 'yes'",
        ),
        (
            {"today": "2027-06-01", "audits": [{"id": "a1", "kind": "initial"}]},
            "audits[0].ended_on: is required",
        ),
        (
            {"today": "2027-06-01", "audits": [AUDIT, {**AUDIT, "ended_on": "2026-04-01"}]},
            "audits[1].id: duplicate id 'a1' (also audits[0])",
        ),
        (
            {"today": "2027-06-01", "audits": {"a1": AUDIT}},
            "audits: must be a list, got an object",
        ),
        (
            {
                "today": "2027-06-01",
                "audits": [AUDIT],
                "nonconformities": [{"id": "nc1", "audit": "a9", "opened_on": "2026-03-10"}],
            },
            "nonconformities[0].audit: unknown audit 'a9' (audits: a1)",
        ),
        (
            {
                "today": "2027-06-01",
                "nonconformities": [{"id": "nc1", "audit": "a1", "opened_on": "2026-03-10"}],
            },
            "nonconformities[0].audit: unknown audit 'a1' (audits: none given)",
        ),
        (
            {
                "today": "2027-06-01",
                "audits": [AUDIT],
                "nonconformities": [
                    {
                        "id": "nc1",
                        "audit": "a1",
                        "opened_on": "2026-03-10",
                        "closed_on": "2026-03-09",
                    }
                ],
            },
            "nonconformities[0].closed_on: 2026-03-09 is before opened_on 2026-03-10",
        ),
        (
            {
                "today": "2027-06-01",
                "audits": [AUDIT],
                "nonconformities": [
                    {"id": "nc1", "audit": "a1", "opened_on": "2026-03-10", "closed_on": 5}
                ],
            },
            "nonconformities[0].closed_on: must be a date written YYYY-MM-DD, got the number 5",
        ),
        (
            {
                "today": "2027-06-01",
                "audits": [AUDIT],
                "nonconformities": [{"id": "nc1", "audit": "a1"}],
            },
            "nonconformities[0].opened_on: is required",
        ),
        (
            {"today": "2027-06-01", "certificate": {"issued_on": "2026-04-31"}},
            "certificate.issued_on: '2026-04-31' is not a calendar date (YYYY-MM-DD)",
        ),
        (
            {"today": "2027-06-01", "certificate": "2026-04-01"},
            "certificate: must be an object, got the text '2026-04-01'",
        ),
        (
            {"today": "2027-06-01", "certificate": {"withdrawn_on": "2027-01-01"}},
            "certificate.withdrawn_on: a certificate never issued cannot be withdrawn",
        ),
        (
            {
                "today": "2027-06-01",
                "certificate": {"issued_on": "2026-04-01", "withdrawn_on": "2026-03-01"},
            },
            "certificate.withdrawn_on: 2026-03-01 is before issued_on 2026-04-01",
        ),
        (
            {"today": "2027-06-01", "surveillances": [{"done_on": "2027-02-20", "passed": 1}]},
            "surveillances[0].passed: must be true, false or null, got the number 1",
        ),
        (
            {
                "today": "2027-06-01",
                "surveillances": [{"done_on": "2027-02-20"}, {"done_on": "2027-02-20"}],
            },
            "surveillances[1].done_on: two surveillances on 2027-02-20 (also surveillances[0])",
        ),
        (
            {
                "today": "2027-06-01",
                "suspensions": [{"started_on": "2027-05-01", "cause": "holiday"}],
            },
            "suspensions[0].cause: 'holiday' is not a suspension cause (client_request, other)",
        ),
        (
            {"today": "2027-06-01", "suspensions": [{"started_on": "2027-05-01"}]},
            "suspensions[0].cause: is required",
        ),
        (
            {
                "today": "2027-06-01",
                "suspensions": [
                    {"started_on": "2027-05-01", "cause": "other", "ended_on": "2027-04-30"}
                ],
            },
            "suspensions[0].ended_on: 2027-04-30 is before started_on 2027-05-01",
        ),
        (
            {"today": "2027-06-01", "surveillance_extensions": [{"surveillance": 0}]},
            "surveillance_extensions[0].surveillance: must be the surveillance's number in the "
            "cycle (1–100), got the number 0",
        ),
        (
            {
                "today": "2027-06-01",
                "surveillance_extensions": [{"surveillance": 2}, {"surveillance": 2}],
            },
            "surveillance_extensions[1].surveillance: surveillance 2 is extended twice "
            "(also surveillance_extensions[0])",
        ),
        ([], "the input must be a JSON object, got a list"),
    ],
)
def test_invalid_input_exits_2_naming_the_path(data: object, message: str) -> None:
    assert refused(data) == message


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("{", "input: not valid JSON"),
        ("", "input: not valid JSON"),
        ('{"today": NaN}', "input: not valid JSON"),
        ('{"today": "2027-06-01", "today": "2027-06-02"}', "input: not valid JSON"),
        (b'{"today": "\xff"}', "input: not UTF-8 text"),
    ],
    ids=["brace", "empty", "nan", "duplicate-key", "not-utf8"],
)
def test_input_that_is_not_json_exits_2(text: str | bytes, start: str) -> None:
    result = cli(text)
    assert result.exit_code == 2
    assert result.stderr.startswith(start)
    assert result.stdout == ""


def test_deeply_nested_input_exits_2_without_a_traceback() -> None:
    result = cli("[" * 100_000 + "]" * 100_000)
    assert result.exit_code == 2
    assert result.stderr.startswith("input: ")


def test_a_list_longer_than_500_entries_is_refused() -> None:
    many = [{"done_on": f"2027-{1 + i // 28:02d}-{1 + i % 28:02d}"} for i in range(336)]
    many += [{"done_on": f"2026-{1 + i // 28:02d}-{1 + i % 28:02d}"} for i in range(165)]
    assert refused({"today": "2027-12-31", "surveillances": many}) == (
        "surveillances: has 501 entries; at most 500 are accepted"
    )


def test_the_calendars_edges_compute_without_error() -> None:
    # The last accepted day, and 500 surveillances: every computed date stays in the calendar.
    last = "2999-12-31"
    data = {
        "today": last,
        "audits": [{"id": "a", "kind": "surveillance", "ended_on": last, "passed": True}],
        "nonconformities": [{"id": "n", "audit": "a", "opened_on": last}],
        "certificate": {"issued_on": last},
        "suspensions": [{"started_on": last, "cause": "client_request"}],
        "surveillances": [{"done_on": f"2999-{1 + i // 28:02d}-{1 + i % 28:02d}"}
                          for i in range(336)],
    }  # fmt: skip
    result = cli(json.dumps(data))
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["certificate"]["valid_until"] == "3002-12-30"
    # + 90 days: January 31, February 28 (3000 is no leap year), March 31.
    assert out["nonconformities"][0]["latest_due"] == "3000-03-31"
    # Surveillance 337 falls after the certificate's validity: none is due ...
    assert (out["surveillance"]["number"], out["surveillance"]["next_due"]) == (337, None)
    # ... and without the certificate it is 12 x 336 months after the first, 2999-01-01.
    del data["certificate"]
    again = cli(json.dumps(data))
    assert json.loads(again.stdout)["surveillance"]["next_due"] == "3335-01-01"


def test_fields_the_calculator_does_not_read_are_skipped_and_listed() -> None:
    """A tool may send more than the contract names (an id on a suspension, a title): the dates
    still come, and the skipped fields are listed like ``fieldcert score``'s ignored sections."""
    result = cli(
        json.dumps(
            {
                "today": "2027-06-01",
                "calendar": [],
                "audits": [AUDIT],
                "certificate": {"issued_on": "2026-04-01", "expires": "x"},
                "suspensions": [{"id": "s1", "started_on": "2027-05-01", "cause": "other"}],
            }
        )
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["ignored_fields"] == ["calendar", "certificate.expires", "suspensions[0].id"]
    assert out["certificate"]["valid_until"] == "2029-03-31"
    assert out["suspensions"][0]["ends_by"] == "2027-08-01"


def test_a_date_after_today_is_taken_as_given() -> None:
    """A suspension that starts after ``today`` has not begun: the certificate is still active;
    one lifted after ``today`` still holds it suspended today."""
    ahead = cli(
        json.dumps(
            {
                "today": "2027-06-01",
                "certificate": {"issued_on": "2026-04-01"},
                "suspensions": [{"started_on": "2027-06-02", "cause": "other"}],
            }
        )
    )
    assert ahead.exit_code == 0, ahead.output
    assert json.loads(ahead.stdout)["certificate"]["status"] == "active"
    lifted_later = cli(
        json.dumps(
            {
                "today": "2027-06-01",
                "certificate": {"issued_on": "2026-04-01"},
                "suspensions": [
                    {"started_on": "2027-05-01", "cause": "other", "ended_on": "2027-06-10"}
                ],
            }
        )
    )
    assert lifted_later.exit_code == 0, lifted_later.output
    assert json.loads(lifted_later.stdout)["certificate"]["status"] == "suspended"


def test_a_nonconformity_naming_no_audit_belongs_to_the_only_audit() -> None:
    result = cli(
        json.dumps(
            {
                "today": "2026-04-01",
                "audits": [AUDIT],
                "nonconformities": [{"id": "nc1", "opened_on": "2026-03-10"}],
            }
        )
    )
    assert result.exit_code == 0, result.output
    nc = json.loads(result.stdout)["nonconformities"][0]
    assert (nc["audit"], nc["typical_due"], nc["latest_due"]) == ("a1", "2026-03-30", "2026-05-09")
