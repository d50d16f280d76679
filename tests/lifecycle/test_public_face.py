"""The lifecycle core's public face: the names the product will import, and no framework inside."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import backend.lifecycle
from backend.lifecycle import (
    Audit,
    Certificate,
    Facts,
    Nonconformity,
    Surveillance,
    Suspension,
    calculate,
)
from backend.scoring.model import LifecycleModel
from tests.lifecycle.conftest import ROOT


def test_importing_the_core_loads_neither_flask_nor_sqlalchemy() -> None:
    # A fresh interpreter: this test process may have Flask loaded already (the app fixtures).
    code = (
        "import sys, backend.lifecycle, backend.lifecycle.cli\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy'))\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""


def test_the_names_other_code_imports_are_there() -> None:
    for name in (
        "calculate",
        "parse_lifecycle_input",
        "lifecycle_json",
        "rectification_deadlines",
        "valid_until",
        "issue_by",
        "surveillance_due",
        "extension_until",
        "suspension_ends_by",
        "recertification_window",
        "add_days",
        "add_months",
    ):
        assert callable(getattr(backend.lifecycle, name)), name


def test_plain_dataclasses_in_plain_results_out(rules: LifecycleModel) -> None:
    # How the product calls it: facts from its own records, no JSON on the way.
    d = date.fromisoformat
    facts = Facts(
        today=d("2027-06-01"),
        audits=(Audit("a1", "initial", d("2026-03-10"), True),),
        nonconformities=(Nonconformity("nc1", "a1", d("2026-03-10"), d("2026-04-01")),),
        certificate=Certificate(d("2026-04-01")),
        surveillances=(Surveillance(d("2027-02-20"), True),),
        suspensions=(Suspension(d("2027-05-01"), "other", d("2027-05-20")),),
    )
    result = calculate(rules, facts)
    assert result.nonconformities[0].latest_due == d("2026-05-09")
    assert result.nonconformities[0].overdue is False
    assert (result.certificate.valid_until, result.certificate.status) == (
        d("2029-03-31"),
        "active",
    )
    assert result.surveillance.next_due == d("2028-02-20")
    assert result.suspensions[0].ends_by == d("2027-08-01")
    assert (result.recertification.apply_from, result.recertification.finish_by) == (
        d("2028-12-31"),
        d("2029-06-30"),
    )
