"""α is one representation everywhere (issue 9, C8): a JSON number in and out, exact inside.

The API used to answer α as text (``"0.83"``) while ``fieldcert score`` takes numbers only, so an
evaluation could not be scored from the API's own answer. These tests read evaluations back from
the API and feed them, as they come, to the real command line.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.evaluations.models import EvaluationVersion
from tests.evaluations.helpers import (
    Person,
    World,
    inspection_payload,
    make_world,
    put,
    review,
    visit_payload,
)

REPO = Path(__file__).resolve().parents[2]
FIELDCERT = Path(sys.executable).parent / "fieldcert"
#: The scheme the test engagement pins (tests.factories.make_scheme_version's default).
SCHEME = REPO / "schemes" / "cts-tbsc034-2026.yaml"

#: α values of both kinds: ones a float prints back as written, a whole 1, and a small one.
VISIT = {"1.1": {"alpha": 0.83}, "1.2": {"alpha": 0.35}, "1.3": {"level": 3}, "2.1": {"alpha": 1}}
INSPECTION = {"7.1": {"alpha": 0.05}, "1.1": {"alpha": 0.333}, "2.2": {"na": True, "reason": "无"}}


@pytest.fixture
def world(db_session: Session) -> World:
    return make_world(db_session)


def _accepted(client: FlaskClient, world: World, who: Person, body: dict[str, Any]) -> str:
    evaluation_id = uuid.uuid4()
    created = put(client, who, evaluation_id, {**body, "submit": True})
    assert created.status_code == 201, created.get_json()
    accepted = review(client, world.leader, evaluation_id, "accept")
    assert accepted.status_code == 200, accepted.get_json()
    return str(evaluation_id)


def _fieldcert_score(document: str) -> dict[str, Any]:
    done = subprocess.run(
        [str(FIELDCERT), "score", "--scheme", str(SCHEME), "--input", "-"],
        input=document,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_an_evaluation_from_the_api_scores_the_same_in_the_command_line(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    visit = _accepted(client, world, world.shopper, visit_payload(world, ratings=VISIT))
    inspection = _accepted(
        client, world, world.auditor, inspection_payload(world, ratings=INSPECTION)
    )
    evaluations = []
    for evaluation_id in (visit, inspection):
        answer = client.get(f"/api/evaluations/{evaluation_id}", headers=world.leader.headers)
        assert answer.status_code == 200
        body = answer.get_json()
        evaluations.append(
            {"id": body["id"], "mode": body["mode"], "ratings": body["content"]["ratings"]}
        )

    cli = _fieldcert_score(json.dumps({"evaluations": evaluations}, ensure_ascii=False))
    scores = client.get(
        f"/api/engagements/{world.engagement.id}/scores", headers=world.leader.headers
    )

    assert scores.status_code == 200
    api = scores.get_json()
    api_exact = {e["id"]: e["exact"] for e in api["evaluations"]}
    cli_exact = {e["id"]: e["exact"]["score"] for e in cli["evaluations"]}
    # Worked by hand (points 1.1 = 5, 1.2 = 7, 2.1 = 5, 7.1 = 8; level 3 counts as α 0.6):
    # (5 × 0.83 + 7 × 0.35 + 5 × 0.6 + 5 × 1) / 22 × 100 and (8 × 0.05 + 5 × 0.333) / 13 × 100.
    assert cli_exact == api_exact == {visit: "730/11", inspection: "413/26"}
    assert cli["service"]["exact"] == api["overall"]["exact"] == "23523/572"
    # α comes back as the number it was sent as, not as text.
    assert evaluations[0]["ratings"]["1.1"] == {"alpha": 0.83}
    assert evaluations[0]["ratings"]["2.1"] == {"alpha": 1}
    assert evaluations[1]["ratings"]["7.1"] == {"alpha": 0.05}


def test_alpha_is_a_json_number_in_versions_and_client_results_and_stored_as_text(
    client: FlaskClient, db_session: Session, world: World
) -> None:
    evaluation_id = _accepted(client, world, world.shopper, visit_payload(world, ratings=VISIT))

    versions = client.get(
        f"/api/evaluations/{evaluation_id}/versions", headers=world.leader.headers
    )
    results = client.get(
        f"/api/engagements/{world.engagement.id}/results", headers=world.client_user.headers
    )

    assert versions.status_code == 200 and results.status_code == 200
    # Read as the command line reads it: every α is a number, the exact decimal that was sent.
    exact = json.loads(versions.get_data(as_text=True), parse_float=Decimal)
    assert exact[-1]["ratings"]["1.1"] == {"alpha": Decimal("0.83")}
    assert exact[-1]["ratings"]["1.2"] == {"alpha": Decimal("0.35")}
    (result,) = results.get_json()
    assert result["content"]["ratings"]["1.1"] == {"alpha": 0.83}
    stored = db_session.scalars(
        sa.select(EvaluationVersion.ratings).where(
            EvaluationVersion.evaluation_id == uuid.UUID(evaluation_id)
        )
    ).first()
    assert stored is not None
    assert stored["1.1"] == {"alpha": "0.83"} and stored["2.1"] == {"alpha": "1"}
