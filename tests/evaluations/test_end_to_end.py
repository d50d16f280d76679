"""The outbox order through the real API: upload photos, create, submit, review, flags, score."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.evaluations.helpers import (
    VISIT_START,
    Person,
    beijing,
    make_world,
    put,
    review,
    visit_payload,
)
from tests.evidence.pictures import jpeg, scene, sha256


def _upload(client: FlaskClient, who: Person, data: bytes, minutes: int) -> uuid.UUID:
    evidence_id = uuid.uuid4()
    response = client.put(
        f"/api/evidence/{evidence_id}",
        data=data,
        headers={
            **who.headers,
            "Content-Type": "image/jpeg",
            "X-Content-SHA256": sha256(data),
            "X-Captured-At": beijing(VISIT_START + timedelta(minutes=minutes)),
        },
    )
    assert response.status_code == 201, response.get_json()
    return evidence_id


def test_a_visit_from_upload_to_score(client: FlaskClient, db_session: Session) -> None:
    world = make_world(db_session)
    picture = scene(seed=3)
    # The auditor's inspection cites a photo; the shopper's visit the same scene re-encoded.
    original = _upload(client, world.auditor, jpeg(picture, quality=92), minutes=5)
    reencoded = _upload(client, world.shopper, jpeg(picture, quality=60), minutes=6)
    inspection = visit_payload(
        world, mode="A", evidence=[{"evidence_id": str(original), "item": None}]
    )
    del inspection["assignment_id"]
    assert put(client, world.auditor, uuid.uuid4(), inspection).status_code == 201
    visit = uuid.uuid4()
    body = visit_payload(
        world, submit=True, evidence=[{"evidence_id": str(reencoded), "item": "1.1"}]
    )

    created = put(client, world.shopper, visit, body)
    flags = client.get(f"/api/evaluations/{visit}/integrity", headers=world.leader.headers)
    accepted = review(client, world.leader, visit, "accept")
    scores = client.get(
        f"/api/engagements/{world.engagement.id}/scores", headers=world.client_user.headers
    )

    assert created.status_code == 201
    assert [f["code"] for f in flags.get_json()["flags"]] == ["PHOTO_NEAR_DUPLICATE"]
    assert accepted.status_code == 200
    # 1.1 at level 4 (α 0.8, 4 of 5) and 1.2 at α 0.75 (5.25 of 7): 9.25 / 12 × 100.
    assert scores.get_json()["overall"]["exact"] == "925/12"
