"""GET /api/engagements/<id>/scores with the on-site parts, and /scores/input fed to the CLI.

TBSC034: every service item at level 5 scores 100; every management clause at level 3 scores
13 × 3 + 8 × 6 = 87 → level 3; §5.3 as data: s ≥ 95 needs level ≥ 4, so 100 with level 3 is the
base grade 三级 (row grade-3). CQC: (4 + 2 + 3) / 3 = 3, passed, every clause judged, no open
nonconformity → certified.
"""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.scorecli import score_command
from tests.decisions.support import accepted_visit
from tests.evaluations.helpers import World, make_world
from tests.onsite.support import accepted, cqc_world, levels, put_record
from tests.onsite.test_conformity import full_audit


def scores(client: FlaskClient, world: World) -> dict[str, Any]:
    answer = client.get(
        f"/api/engagements/{world.engagement.id}/scores", headers=world.leader.headers
    )
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def cli(client: FlaskClient, world: World, scheme_file: str) -> dict[str, Any]:
    given = client.get(
        f"/api/engagements/{world.engagement.id}/scores/input", headers=world.leader.headers
    )
    assert given.status_code == 200, given.get_json()
    run = CliRunner().invoke(
        score_command, ["--scheme", f"schemes/{scheme_file}", "--input", "-"], input=given.data
    )
    assert run.exit_code == 0, run.output
    return json.loads(run.output)


def test_management_level_and_decision_and_the_cli_agrees(
    client: FlaskClient, db_session: Session
) -> None:
    world = make_world(db_session)
    accepted_visit(client, world)
    before = scores(client, world)
    assert before["provisional"] is True
    assert [m["part"] for m in before["missing"]] == ["management"]
    accepted(client, world, "management", levels(3))
    # A draft never counts: only accepted records do.
    put_record(client, world.auditor, world, "management", levels(5))
    after = scores(client, world)
    assert after["overall"]["score"] == 100
    assert after["management"]["total"] == 87
    assert after["management"]["level"] == 3
    assert after["decision"]["row"] == "grade-3"
    assert after["decision"]["grade"] == "三级"
    assert after["provisional"] is False
    rules = {e["rule"] for e in after["explanations"]}
    assert rules >= {"service_score", "management_level", "decision"}
    printed = cli(client, world, "cts-tbsc034-2026.yaml")
    assert printed["service_score"] == after["overall"]["score"]
    assert printed["management"] == after["management"]
    assert printed["decision"] == after["decision"]


def test_an_incomplete_management_audit_is_provisional(
    client: FlaskClient, db_session: Session
) -> None:
    world = make_world(db_session)
    accepted(client, world, "management", levels({"1.1": 5}))
    body = scores(client, world)
    assert body["management"]["total"] == 5
    assert len(body["management"]["missing"]) == 20
    assert body["provisional"] is True


def test_conformity_timing_decision_and_the_cli_agrees(
    client: FlaskClient, db_session: Session
) -> None:
    world = cqc_world(db_session)
    accepted(client, world, "conformity", full_audit())
    body = scores(client, world)
    assert body["conformity"]["final"] == 3
    assert body["conformity"]["chapters"] == {"4": 3}
    assert body["conformity"]["passed"] is True
    assert [r["conforms"] for r in body["timing"]] == [True, True, True, False]
    assert body["timing_suggestions"]["4.3.2"]["judgement"] == "partial"
    assert body["decision"]["outcome"] == "certified"
    assert body["provisional"] is False
    printed = cli(client, world, "cqc83-831102-2025.yaml")
    for key in ("conformity", "timing", "timing_suggestions", "decision"):
        assert printed[key] == body[key], key


def test_the_decision_file_reads_the_accepted_records(
    client: FlaskClient, db_session: Session
) -> None:
    world = make_world(db_session)
    accepted_visit(client, world)
    accepted(client, world, "management", levels(3))
    answer = client.get(
        f"/api/engagements/{world.engagement.id}/file", headers=world.reviewer.headers
    )
    assert answer.status_code == 200, answer.get_json()
    lines = {line["key"]: line for line in answer.get_json()["checklist"]}
    assert lines["management"]["complete"] is True
    assert lines["management"]["numbers"]["level"] == 3
