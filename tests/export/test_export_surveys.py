"""The certification file's survey part: campaigns, every answer marked counted or not, no
respondent's phone number, device or address hash."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.engagements.models import Engagement
from backend.evidence.storage import LocalStorage
from backend.export.services import write_certification_file
from tests.export.support import signing_key
from tests.surveys.conftest import answer, create_campaign, make_survey_world, respondent


def test_survey_answers_are_in_the_file_marked_counted_without_personal_data(
    app: Flask, client: FlaskClient, db_session: Session, tmp_path: Path
) -> None:
    world = make_survey_world(db_session)
    campaign = create_campaign(client, world)
    code = campaign["sites"][0]["code"]
    assert answer(respondent(app, "203.0.113.7"), code, 4).status_code in (200, 303)
    assert answer(
        respondent(app, "203.0.113.8"), code, 5, phone="13900001234", consent="1"
    ).status_code in (200, 303)
    target = io.BytesIO()
    engagement = db_session.get_one(Engagement, world.engagement.id)
    write_certification_file(
        db_session,
        engagement,
        LocalStorage(tmp_path),
        signing_key(app),
        target,
        exported_by="test",
    )
    with zipfile.ZipFile(target) as archive:
        files = {i.filename.split("/", 1)[1]: archive.read(i) for i in archive.infolist()}
    campaigns = json.loads(files["data/records/survey-campaigns.json"])
    assert [c["id"] for c in campaigns["campaigns"]] == [campaign["id"]]
    lines = files["data/records/survey-responses.jsonl"].decode().splitlines()
    rows = [json.loads(line) for line in lines]
    assert len(rows) == 2
    counted = json.loads(files["data/records/survey-answers-counted.json"])
    assert {row["id"] for row in rows if row["counted"]} == {c["id"] for c in counted}
    assert counted, "answers of an open campaign without flags count (§5.1.2)"
    assert sorted(row["had_contact"] for row in rows) == [False, True]
    for row in rows:
        for secret in ("contact_ciphertext", "device_hash", "ip_hash", "form_nonce"):
            assert secret not in row
    assert b"13900001234" not in b"".join(files.values())
    scores = json.loads(files["data/scores/input.json"])
    assert {e["id"] for e in scores["evaluations"]} == {c["id"] for c in counted}
