"""Each answer scored once (issue 13): the SQL analysis equals the scoring core's, exactly;
large exports are jobs with progress.

``analysis.analyse`` runs the scoring core over every answer (the analysis before issue 13);
``analysis.analyse_stored`` sums the answers' stored values in the database. On random answers
(levels, "not applicable", flags, inclusions, callbacks, channels, sites, equal arrival times)
both must give the same result, to the exact fraction and the explanation's words.
"""

from __future__ import annotations

import io
import random
import uuid
from datetime import UTC, datetime
from fractions import Fraction

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from backend.surveys import exports, tallies
from backend.surveys.campaigns import scheme_of
from backend.surveys.models import Channel, SurveyCampaign, SurveyResponse
from tests.factories import sign_in
from tests.surveys.conftest import SurveyWorld, answer, create_campaign, respondent
from tests.surveys.random_answers import both_analyses, campaign_engagement, random_answers


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_sql_analysis_equals_the_scoring_core_over_every_answer(
    client: FlaskClient, db_session: Session, world: SurveyWorld, seed: int
) -> None:
    created = create_campaign(client, world)
    campaign = db_session.get_one(SurveyCampaign, uuid.UUID(created["id"]))
    random_answers(db_session, world, campaign, random.Random(seed), 240)  # noqa: S311 - test data

    in_python, in_sql = both_analyses(db_session, campaign)
    client_python, client_sql = both_analyses(db_session, campaign, client_view=True)

    assert in_sql["overall"]["counted"] > 100  # the draw counts most answers
    assert in_sql["overall"]["excluded"]  # and leaves some out, for both reasons
    assert in_sql == in_python
    assert client_sql == client_python
    assert "per_respondent" not in client_sql["overall"]


def test_answers_are_scored_when_they_arrive_and_again_only_for_another_scheme(
    app: Flask, client: FlaskClient, db_session: Session, world: SurveyWorld
) -> None:
    created = create_campaign(client, world)
    code = created["sites"][0]["code"]
    assert answer(respondent(app), code, {"1.1": 5, "1.2": 1}).status_code == 200

    row = db_session.scalars(
        sa.select(SurveyResponse).where(SurveyResponse.campaign_id == uuid.UUID(created["id"]))
    ).one()
    campaign = db_session.get_one(SurveyCampaign, row.campaign_id)
    scale = tallies.scale_of(scheme_of(db_session, campaign_engagement(db_session, campaign)))

    # 1.1: 5 points × α 1; 1.2: 7 points × α 0.2 (tests/surveys: (5 + 1.4) / 12 × 100).
    assert row.scored_with == scale.content_hash
    assert scale.score(row.score_earned, row.score_possible) == Fraction(640, 12)
    assert row.levels is not None and row.levels.count("-") == len(row.levels) - 2
    assert row.flag_names == ""
    row.scored_with = "another scheme"
    db_session.flush()
    assert tallies.ensure_scored(db_session, campaign.id, scale)
    db_session.refresh(row)
    assert row.scored_with == scale.content_hash


def test_an_answer_the_scheme_cannot_score_leaves_the_verdict_to_the_scoring_core(
    client: FlaskClient, db_session: Session, world: SurveyWorld
) -> None:
    created = create_campaign(client, world)
    campaign = db_session.get_one(SurveyCampaign, uuid.UUID(created["id"]))
    db_session.add(
        SurveyResponse(
            campaign_id=campaign.id,
            survey_site_id=campaign.sites[0].id,
            channel=Channel.ONLINE,
            answers={"9.9": 3},  # no such item in the scheme
            received_at=datetime.now(UTC),
            flags=[],
        )
    )
    db_session.flush()
    sign_in(client, world.leader)

    reply = client.get(f"/api/survey-campaigns/{campaign.id}/analysis")

    assert reply.status_code == 422
    assert reply.get_json()["code"] == "VALIDATION_ERROR"
    assert any("9.9" in key for key in reply.get_json()["details"])


def test_a_large_export_is_a_job_with_progress_then_a_download_for_whoever_asked(
    app: Flask, client: FlaskClient, db_session: Session, world: SurveyWorld
) -> None:
    created = create_campaign(client, world)
    code = created["sites"][0]["code"]
    assert answer(respondent(app, "192.0.2.1"), code, {"1.1": 5, "1.2": 1}).status_code == 200
    assert answer(respondent(app, "192.0.2.2"), code, {"1.1": 2, "1.2": 4}).status_code == 200
    sign_in(client, world.leader)
    direct = client.get(f"/api/survey-campaigns/{created['id']}/export.xlsx").data
    csv_direct = client.get(f"/api/survey-campaigns/{created['id']}/export.csv").data

    asked = client.post(f"/api/survey-campaigns/{created['id']}/exports", json={"format": "xlsx"})
    polled = client.get(asked.headers["Location"]).get_json()
    made = client.get(polled["download"])
    asked_csv = client.post(
        f"/api/survey-campaigns/{created['id']}/exports", json={"format": "csv"}
    )
    made_csv = client.get(client.get(asked_csv.headers["Location"]).get_json()["download"])
    wrong = client.post(f"/api/survey-campaigns/{created['id']}/exports", json={"format": "pdf"})
    sign_in(client, world.auditor)  # on the team, but did not ask for this file
    other = client.get(asked.headers["Location"])

    assert asked.status_code == 202
    assert asked.headers["Location"] == f"/api/file-jobs/{asked.get_json()['id']}"
    # Tests run jobs at once (FIELDCERT_JOBS=immediate): done by the first poll.
    assert (polled["state"], polled["rows_done"], polled["rows_total"]) == ("done", 2, 2)
    assert made.status_code == 200 and made.mimetype == exports.XLSX_TYPE
    book = load_workbook(io.BytesIO(made.data))
    assert book.sheetnames == ["汇总", "题目", "答卷"]
    assert [row[0].value for row in book["答卷"].iter_rows(min_row=2)] == [
        row[0].value for row in load_workbook(io.BytesIO(direct))["答卷"].iter_rows(min_row=2)
    ]
    assert made_csv.data == csv_direct
    assert wrong.status_code == 422
    assert other.status_code == 404
