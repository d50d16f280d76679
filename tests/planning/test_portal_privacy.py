"""The client portal never shows a shopper's identity, GPS, visit times or a respondent's contact.

DOMAIN.md "Who uses the product": the evaluated organisation sees its results, never shopper
identities or respondent contact data. The world has a shopper's accepted visit (with GPS and
times), an assignment window and a plan sent to the client; every portal answer is searched for
any of them.
"""

from __future__ import annotations

import json

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.evaluations.models import Evaluation
from tests.evaluations.helpers import (
    VISIT_END,
    VISIT_START,
    make_world,
    review,
    submitted_visit,
)
from tests.planning.test_plans_api import PLAN


def test_portal_answers_hold_no_shopper_gps_visit_time_or_contact(
    client: FlaskClient, db_session: Session
) -> None:
    world = make_world(db_session, modes=("A", "B", "E"))
    evaluation_id, _ = submitted_visit(client, world)
    assert review(client, world.leader, evaluation_id, "accept").status_code == 200
    leader = world.leader.headers
    engagement = f"/api/engagements/{world.engagement.id}"
    body = {**PLAN, "manual_person_days": "3"}
    assert client.patch(f"{engagement}/plan", json=body, headers=leader).status_code == 200
    assert (
        client.post(
            f"{engagement}/document-reviews", json={"outcome": "fit"}, headers=leader
        ).status_code
        == 201
    )
    issued = client.post(f"{engagement}/plan/issue", headers=leader)
    assert issued.status_code == 200, issued.get_json()

    client_user = world.client_user.headers
    answers = {
        path: client.get(path, headers=client_user)
        for path in (
            "/api/portal/engagements",
            "/api/portal/plans",
            f"/api/portal/plans/{world.engagement.id}",
            "/api/portal/applications",
        )
    }
    for path, response in answers.items():
        assert response.status_code == 200, (path, response.get_json())
    text = json.dumps([r.get_json() for r in answers.values()], ensure_ascii=False)
    pdf = client.get(f"/api/portal/plans/{world.engagement.id}/plan.pdf", headers=client_user)
    assert pdf.status_code == 200

    (mine,) = answers["/api/portal/engagements"].get_json()
    assert mine["accepted_evaluations"] == 1  # the results are there ...
    evaluation = db_session.get_one(Evaluation, evaluation_id)
    assignment = world.assignment
    secrets = {
        # ... but not who made the visit,
        str(world.shopper.user.id),
        world.shopper.user.display_name,
        world.shopper.user.email,
        str(world.shopper.device.id),
        # nor where the phone was,
        repr(world.site.latitude),
        repr(world.site.longitude),
        "accuracy_m",
        "gps",
        # nor when: the visit's times and the assignment's window,
        VISIT_START.isoformat()[:16],
        VISIT_END.isoformat()[:16],
        assignment.window_start.isoformat()[:16],
        assignment.window_end.isoformat()[:16],
        str(assignment.id),
        str(evaluation.id),
        # nor a respondent's contact.
        "contact",
        "phone",
    }
    leaked = sorted(s for s in secrets if s in text)
    assert leaked == []
    # The plan names the audit team (the client meets them), never a shopper.
    assert world.leader.user.display_name in text
    for secret in (world.shopper.user.display_name, world.shopper.user.email):
        assert secret.encode("utf-16-be") not in pdf.data and secret.encode() not in pdf.data


def test_staff_and_other_clients_cannot_use_the_portal(
    client: FlaskClient, db_session: Session
) -> None:
    world = make_world(db_session)
    as_leader = client.get("/api/portal/plans", headers=world.leader.headers)
    other = client.post(
        f"/api/portal/plans/{world.engagement.id}/confirm",
        json={"revision": 1},
        headers=world.other_client_user.headers,
    )
    assert as_leader.status_code == 403
    assert other.status_code == 404
