"""Face-to-face entry (idempotent PUT) and the analysis: §5.1.2 means, channels, exports, page."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.surveys.models import Channel
from tests.factories import sign_in
from tests.surveys.conftest import SurveyWorld, answer, create_campaign, respondent, responses


def offline_body(world: SurveyWorld, campaign: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "campaign_id": campaign["id"],
        "site_id": str(world.site.id),
        "answers": {"1.1": 5, "1.2": 4, "6.1": "na"},
        "comment": "现场面访",
        "interviewer_ids": [str(world.auditor.id), str(world.second_auditor.id)],
        "staff_absent": True,
        "conducted_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        **extra,
    }


def test_face_to_face_answers_are_idempotent_by_the_phones_id(
    client: FlaskClient, db_session: Session, world: SurveyWorld, campaign: dict[str, Any]
) -> None:
    sign_in(client, world.auditor)
    rid = uuid.uuid4()
    body = offline_body(world, campaign)

    first = client.put(f"/api/survey-responses/{rid}", json=body)
    replay = client.put(f"/api/survey-responses/{rid}", json=body)
    changed = client.put(f"/api/survey-responses/{rid}", json={**body, "comment": "改过"})

    assert first.status_code == 201, first.get_json()
    assert replay.status_code == 200
    assert replay.get_json() == first.get_json()
    assert changed.status_code == 409
    assert changed.get_json()["code"] == "IDEMPOTENCY_CONFLICT"
    (row,) = responses(db_session, campaign["id"])
    assert row.channel is Channel.OFFLINE and row.staff_absent
    assert row.interviewer_ids == [str(world.auditor.id), str(world.second_auditor.id)]
    assert row.entered_by_id == world.auditor.id
    assert db_session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "survey_response.entered")
    ).one()


def test_face_to_face_entry_needs_the_attestation_team_interviewers_and_campaign_dates(
    client: FlaskClient, db_session: Session, world: SurveyWorld, campaign: dict[str, Any]
) -> None:
    sign_in(client, world.auditor)
    cases = [
        offline_body(world, campaign, staff_absent=False),
        offline_body(world, campaign, interviewer_ids=[str(world.other_auditor.id)]),
        offline_body(world, campaign, conducted_at="2020-01-01T00:00:00+08:00"),
        offline_body(world, campaign, answers={"9.9": 3}),
        offline_body(world, campaign, answers={"1.1": 6}),
        offline_body(world, campaign, site_id=str(uuid.uuid4())),
        offline_body(world, campaign, phone="13812345678"),  # no consent
    ]
    statuses = [
        client.put(f"/api/survey-responses/{uuid.uuid4()}", json=c).status_code for c in cases
    ]
    sign_in(client, world.other_auditor)
    outsider = client.put(
        f"/api/survey-responses/{uuid.uuid4()}", json=offline_body(world, campaign)
    )

    assert statuses == [422] * len(cases)
    assert outsider.status_code == 403
    assert responses(db_session, campaign["id"]) == []


def test_the_score_is_the_mean_of_per_respondent_scores_not_a_pooled_ratio(
    app: Flask, client: FlaskClient, db_session: Session, world: SurveyWorld
) -> None:
    campaign = create_campaign(client, world)
    code = campaign["sites"][0]["code"]
    # Respondent A rates 1.1 (5 points) at level 5 and 1.2 (7 points) at level 1;
    # respondent B rates only 1.2, at level 5 (the rest not applicable).
    assert answer(respondent(app, "192.0.2.1"), code, {"1.1": 5, "1.2": 1}).status_code == 200
    assert answer(respondent(app, "192.0.2.2"), code, {"1.1": "na", "1.2": 5}).status_code == 200
    sign_in(client, world.leader)

    result = client.get(f"/api/survey-campaigns/{campaign['id']}/analysis").get_json()

    a = (5 * Fraction(1) + 7 * Fraction(2, 10)) / 12 * 100  # 1.4 + 5 = 6.4 of 12
    b = Fraction(100)
    mean = (a + b) / 2
    pooled = (5 * Fraction(1) + 7 * Fraction(2, 10) + 7) / 19 * 100
    assert result["overall"]["score"]["exact"] == str(mean)
    assert abs(result["overall"]["score"]["score"] - float(mean)) < 1e-9
    assert float(mean) != float(pooled)
    assert result["overall"]["score"]["method"] == "mean_of_evaluations"
    assert sorted(result["overall"]["per_respondent"].values()) == [float(a), float(b)]
    site = result["sites"][0]
    assert site["counted"] == 2 and site["target"] == 30 and site["target_met"] is False
    assert result["sites"][1]["counted"] == 0 and result["sites"][1]["score"]["score"] is None
    q11 = next(q for q in result["overall"]["questions"] if q["item"] == "1.1")
    assert q11["distribution"] == {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1, "na": 1}


def test_per_respondent_false_leaves_out_each_answers_score_but_not_the_scores(
    app: Flask, client: FlaskClient, db_session: Session, world: SurveyWorld
) -> None:
    campaign = create_campaign(client, world)
    code = campaign["sites"][0]["code"]
    assert answer(respondent(app, "192.0.2.1"), code, {"1.1": 5, "1.2": 1}).status_code == 200
    assert answer(respondent(app, "192.0.2.2"), code, {"1.1": "na", "1.2": 5}).status_code == 200
    sign_in(client, world.leader)
    url = f"/api/survey-campaigns/{campaign['id']}/analysis"

    full = client.get(url).get_json()
    slim = client.get(f"{url}?per_respondent=false").get_json()
    explicit = client.get(f"{url}?per_respondent=true").get_json()
    bad = client.get(f"{url}?per_respondent=maybe")

    assert len(full["overall"]["per_respondent"]) == 2
    assert len(full["sites"][0]["per_respondent"]) == 2
    assert explicit["overall"]["per_respondent"] == full["overall"]["per_respondent"]
    assert "per_respondent" not in slim["overall"]
    assert all("per_respondent" not in site for site in slim["sites"])
    assert slim["overall"]["score"] == full["overall"]["score"]
    assert slim["sites"][0]["counted"] == full["sites"][0]["counted"] == 2
    assert bad.status_code == 422
    assert bad.get_json()["code"] == "VALIDATION_ERROR"
    parameters = (
        app.test_client()
        .get("/api/openapi.json")
        .get_json()["paths"]["/api/survey-campaigns/{campaign_id}/analysis"]["get"]["parameters"]
    )
    assert any(p["name"] == "per_respondent" and p["in"] == "query" for p in parameters)


def test_online_and_face_to_face_are_shown_apart_and_low_items_flagged(
    app: Flask, client: FlaskClient, db_session: Session, world: SurveyWorld
) -> None:
    campaign = create_campaign(client, world)
    code = campaign["sites"][0]["code"]
    assert answer(respondent(app), code, {"1.1": 2, "1.2": 4}).status_code == 200
    sign_in(client, world.auditor)
    body = offline_body(world, campaign, answers={"1.1": 1, "1.2": 5})
    assert client.put(f"/api/survey-responses/{uuid.uuid4()}", json=body).status_code == 201

    result = client.get(f"/api/survey-campaigns/{campaign['id']}/analysis").get_json()

    channels = result["overall"]["channels"]
    assert channels["online"]["counted"] == 1 and channels["offline"]["counted"] == 1
    online = (5 * Fraction(4, 10) + 7 * Fraction(8, 10)) / 12 * 100
    offline = (5 * Fraction(2, 10) + 7 * Fraction(1)) / 12 * 100
    assert channels["online"]["exact"] == str(online)
    assert channels["offline"]["exact"] == str(offline)
    assert [q["item"] for q in result["low_items"]] == ["1.1"]  # mean α 0.3 → 30 < 60
    assert result["low_items"][0]["score"] == 30.0


def test_exports_as_csv_and_xlsx_without_contacts_and_safe_from_formulas(
    app: Flask, client: FlaskClient, db_session: Session, world: SurveyWorld
) -> None:
    campaign = create_campaign(client, world)
    code = campaign["sites"][0]["code"]
    answer(
        respondent(app), code, comment='=HYPERLINK("http://x")', phone="13812345678", consent="1"
    )
    sign_in(client, world.leader)

    csv_reply = client.get(f"/api/survey-campaigns/{campaign['id']}/export.csv")
    xlsx_reply = client.get(f"/api/survey-campaigns/{campaign['id']}/export.xlsx")

    assert csv_reply.status_code == 200 and csv_reply.mimetype == "text/csv"
    text = csv_reply.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["response_id", "site", "channel", "received_at", "counted"]
    assert rows[1][1] == "一号项目部" and rows[1][2] == "online"
    assert rows[1][-1] == '\'=HYPERLINK("http://x")'
    assert "13812345678" not in text and "138****" not in text
    book = load_workbook(io.BytesIO(xlsx_reply.data))
    assert book.sheetnames == ["汇总", "题目", "答卷"]
    assert book["汇总"]["A2"].value == "一号项目部"
    assert book["题目"].max_row == 20
    assert book["答卷"].max_row == 2


def test_the_analysis_page_draws_charts_for_signed_in_staff(
    app: Flask, client: FlaskClient, world: SurveyWorld, campaign: dict[str, Any]
) -> None:
    answer(respondent(app), campaign["sites"][0]["code"])
    anonymous = client.get(f"/surveys/{campaign['id']}/analysis")
    sign_in(client, world.leader)
    page = client.get(f"/surveys/{campaign['id']}/analysis")
    sign_in(client, world.shopper)
    shopper = client.get(f"/surveys/{campaign['id']}/analysis")

    assert anonymous.status_code == 401
    assert "请先登录" in anonymous.get_data(as_text=True)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count("<svg") >= 3
    assert 'id="overall-counted">1<' in html
    assert "export.xlsx" in html
    assert 'id="latest"' in html and "一号项目部" in html
    assert shopper.status_code == 403


def test_the_surveys_page_lists_the_campaigns_the_user_may_analyse(
    client: FlaskClient, world: SurveyWorld, campaign: dict[str, Any]
) -> None:
    anonymous = client.get("/surveys")
    sign_in(client, world.leader)
    leader = client.get("/surveys").get_data(as_text=True)
    sign_in(client, world.other_auditor)
    outsider = client.get("/surveys").get_data(as_text=True)

    assert anonymous.status_code == 401
    assert f'href="/surveys/{campaign["id"]}/analysis"' in leader
    assert campaign["sites"][0]["code"] in leader
    assert campaign["id"] not in outsider


def test_counted_answers_join_the_engagements_scores_as_mode_e_measurements(
    app: Flask, client: FlaskClient, db_session: Session, world: SurveyWorld
) -> None:
    campaign = create_campaign(client, world)
    code = campaign["sites"][0]["code"]
    answer(respondent(app, "192.0.2.1"), code, {"1.1": 4, "1.2": "na"})
    answer(respondent(app, "192.0.2.2"), code, {"1.1": 3, "1.2": 3, "1.3": 3})  # straight-lining

    sign_in(client, world.leader)
    scores = client.get(f"/api/engagements/{world.engagement.id}/scores").get_json()

    # §5.1.2: the counted respondent is one more person in the mean; the flagged one is not.
    assert (scores["accepted_evaluations"], scores["survey_answers"]) == (0, 1)
    (measured,) = scores["evaluations"]
    assert measured["source"] == "survey_answer"
    assert (measured["mode"], measured["version"]) == ("E", None)
    assert measured["site_id"] == str(campaign["sites"][0]["site_id"])
    assert measured["rated"] == 1 and set(measured["not_applicable"]) == {"1.2"}
    assert scores["overall"]["score"] == measured["score"]
    assert [(m["mode"], m["evaluations_counted"]) for m in scores["per_mode"]] == [("E", 1)]
