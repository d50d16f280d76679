"""``fieldcert lifecycle`` end to end: the installed console script, stdin and a file, exit codes.

Exit 0 with JSON on stdout; 1 for a scheme that is invalid or has no lifecycle section; 2 for
invalid input (one line naming the path). The contract's example input is the issue's own.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from backend.lifecycle.cli import lifecycle_command
from tests.lifecycle.conftest import CQC_PATH, ROOT

# The input example of the CLI contract (issue 12), as written there.
CONTRACT_EXAMPLE = """{"today": "2027-06-01",
 "audits": [{"id": "a1", "kind": "initial", "ended_on": "2026-03-10", "passed": true}],
 "nonconformities": [{"id": "nc1", "audit": "a1", "opened_on": "2026-03-10", "closed_on": null}],
 "certificate": {"issued_on": "2026-04-01"},
 "surveillances": [{"done_on": "2027-02-20", "passed": true}],
 "suspensions": [{"started_on": "2027-05-01", "cause": "client_request", "ended_on": null}]}"""


def _fieldcert_command() -> list[str]:
    script = ROOT / ".venv" / "bin" / "fieldcert"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    if importlib.util.find_spec("flask") is None:
        pytest.skip("no .venv/bin/fieldcert and Flask is not importable, so backend.cli cannot run")
    return [sys.executable, "-c", "from backend.cli import main; main()"]


def fieldcert(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    return subprocess.run(
        [*_fieldcert_command(), *args], input=stdin, capture_output=True, text=True,
        encoding="utf-8", cwd=tmp_path, env=env, timeout=60, check=False,
    )  # fmt: skip


def test_the_contract_example_through_the_console_script_on_stdin(tmp_path: Path) -> None:
    done = fieldcert(
        tmp_path, "lifecycle", "--scheme", str(CQC_PATH), "--input", "-", stdin=CONTRACT_EXAMPLE
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    out = json.loads(done.stdout)
    assert out["scheme"]["id"] == "cqc83-831102-2025"
    assert out["today"] == "2027-06-01"
    nc = out["nonconformities"][0]
    # §5.2.3.1: opened 2026-03-10, typical +20, at most +60; open on 2027-06-01: the audit fails.
    assert {k: nc[k] for k in ("id", "typical_due", "latest_due", "overdue", "consequence")} == {
        "id": "nc1",
        "typical_due": "2026-03-30",
        "latest_due": "2026-05-09",
        "overdue": True,
        "consequence": "audit_failed",
    }
    c = out["certificate"]
    # §6.3: 2026-03-10 + 30; §9.2: 2026-04-01 + 3 years - 1 day; open suspension: suspended.
    assert (c["issue_by"], c["valid_until"], c["status"]) == (
        "2026-04-09",
        "2029-03-31",
        "suspended",
    )
    # §7.3: first done 2027-02-20, the second 12 months after it.
    assert out["surveillance"]["next_due"] == "2028-02-20"
    s = out["suspensions"][0]
    # §9.4: at the client's request at most 12 months.
    assert {k: s[k] for k in ("started_on", "cause", "ends_by", "overdue")} == {
        "started_on": "2027-05-01",
        "cause": "client_request",
        "ends_by": "2028-05-01",
        "overdue": False,
    }
    r = out["recertification"]
    # §8: 2029-03-31 - 3 months and + 3 months.
    assert (r["apply_from"], r["finish_by"]) == ("2028-12-31", "2029-06-30")
    # Every part explains itself in Chinese and English, citing its section.
    parts = [out["certificate"], out["surveillance"], out["recertification"], nc, s]
    for part in parts:
        e = part["explanation"]
        assert e["section"].startswith("§") and e["zh"] and e["en"]
    assert len(out["explanations"]) == 6  # audit, nonconformity, certificate, surveillance, ...


def test_the_console_script_reads_a_file_and_refuses_bad_input(tmp_path: Path) -> None:
    source = tmp_path / "facts.json"
    source.write_text(CONTRACT_EXAMPLE, encoding="utf-8")
    ok = fieldcert(tmp_path, "lifecycle", "--scheme", str(CQC_PATH), "--input", str(source))
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["certificate"]["valid_until"] == "2029-03-31"

    bad = fieldcert(
        tmp_path, "lifecycle", "--scheme", str(CQC_PATH), "--input", "-",
        stdin=CONTRACT_EXAMPLE.replace('"2026-03-10", "passed"', '"2026-02-30", "passed"'),
    )  # fmt: skip
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert bad.stderr.splitlines() == [
        "audits[0].ended_on: '2026-02-30' is not a calendar date (YYYY-MM-DD)"
    ]
    cause = fieldcert(
        tmp_path, "lifecycle", "--scheme", str(CQC_PATH), "--input", "-",
        stdin=CONTRACT_EXAMPLE.replace("client_request", "client"),
    )  # fmt: skip
    assert cause.returncode == 2
    assert cause.stderr.splitlines() == [
        "suspensions[0].cause: 'client' is not a suspension cause (client_request, other)"
    ]


def test_the_console_script_lists_the_command(tmp_path: Path) -> None:
    done = fieldcert(tmp_path, "--help")
    assert done.returncode == 0
    assert "lifecycle" in done.stdout


def test_indent_0_prints_one_line() -> None:
    result = CliRunner().invoke(
        lifecycle_command,
        ["--scheme", str(CQC_PATH), "--input", "-", "--indent", "0"],
        input=CONTRACT_EXAMPLE,
    )
    assert result.exit_code == 0
    assert len(result.stdout.strip().splitlines()) == 1


def test_a_scheme_without_lifecycle_exits_1() -> None:
    tengbiao = ROOT / "schemes" / "cts-tbsc034-2026.yaml"
    result = CliRunner().invoke(
        lifecycle_command, ["--scheme", str(tengbiao), "--input", "-"], input=CONTRACT_EXAMPLE
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"{tengbiao}: lifecycle: scheme cts-tbsc034-2026 has no")


def test_an_invalid_scheme_exits_1_naming_file_and_path(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        CQC_PATH.read_text(encoding="utf-8").replace("client_request: 12", "client_request: 12.5"),
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        lifecycle_command, ["--scheme", str(broken), "--input", "-"], input=CONTRACT_EXAMPLE
    )
    assert result.exit_code == 1
    assert (
        f"{broken}: lifecycle.suspension_max_months.client_request: must be an integer 1..120, "
        "got the number 12.5" in result.stderr.splitlines()
    )


def test_a_missing_scheme_exits_1(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        lifecycle_command,
        ["--scheme", str(tmp_path / "none.yaml"), "--input", "-"],
        input=CONTRACT_EXAMPLE,
    )
    assert result.exit_code == 1
    assert str(tmp_path / "none.yaml") in result.stderr
