"""Campaigns: planning, the default questionnaire, edits, posters and the margin-of-error helper."""

from __future__ import annotations

import io
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy.orm import Session

from backend.surveys import logic
from tests.factories import make_site, sign_in
from tests.reports.pdfcheck import assert_fonts_embedded
from tests.reports.pdfcheck import text as pdf_text
from tests.surveys.conftest import SurveyWorld, answer, campaign_body, respondent


def test_a_campaign_gets_the_default_questionnaire_from_the_scheme(
    world: SurveyWorld, campaign: dict[str, Any]
) -> None:
    assert [q["item"] for q in campaign["questions"]] == [
        *(f"{c}.{i}" for c in range(1, 7) for i in range(1, 4)),
        "7.1",
    ]
    first = campaign["questions"][0]
    # Issue 9 (C6) changed the generated wording to customers' words (tests/surveys/
    # test_questionnaire.py checks every item of every scheme).
    assert first["zh"] == "与您的预期相比，这里工作人员的业务能力如何？"  # noqa: RUF001
    assert first["en"].startswith("Compared with what you expected")
    assert campaign["state"] == "open"
    assert [s["target"] for s in campaign["sites"]] == [30, 20]
    assert all(s["path"] == f"/s/{s['code']}" and len(s["code"]) == 10 for s in campaign["sites"])
    assert campaign["sites"][0]["target_margin_of_error"] == round(logic.margin_of_error(30), 4)


def test_questions_can_be_edited_before_the_first_answer_only(
    app: Flask, client: FlaskClient, world: SurveyWorld, campaign: dict[str, Any]
) -> None:
    url = f"/api/survey-campaigns/{campaign['id']}"
    questions = [
        {"item": "1.1", "zh": "工作人员办事是否准确、完整"},
        {"item": "6.1", "zh": "态度"},
    ]
    sign_in(client, world.leader)
    no_if_match = client.patch(url, json={"questions": questions})
    edited = client.patch(url, json={"questions": questions}, headers={"If-Match": '"v1"'})
    stale = client.patch(url, json={"title": "新标题"}, headers={"If-Match": '"v1"'})

    assert no_if_match.status_code == 428
    assert edited.status_code == 200, edited.get_json()
    assert edited.headers["ETag"] == '"v2"'
    assert [q["item"] for q in edited.get_json()["questions"]] == ["1.1", "6.1"]
    assert stale.status_code == 412

    assert answer(respondent(app), campaign["sites"][0]["code"], {"1.1": 4}).status_code == 200
    late = client.patch(url, json={"questions": questions[:1]}, headers={"If-Match": '"v2"'})
    dates = client.patch(url, json={"contact_retention_days": 30}, headers={"If-Match": '"v2"'})

    assert late.status_code == 409
    assert dates.status_code == 200


def test_questions_must_be_distinct_five_point_items_of_the_scheme(
    client: FlaskClient, world: SurveyWorld
) -> None:
    sign_in(client, world.leader)
    for questions in (
        [{"item": "9.9", "zh": "?"}],
        [{"item": "1.1", "zh": "a"}, {"item": "1.1", "zh": "b"}],
        [],
    ):
        reply = client.post("/api/survey-campaigns", json=campaign_body(world, questions=questions))
        assert reply.status_code == 422, questions


def test_sites_must_belong_to_the_engagement_and_dates_be_ordered(
    client: FlaskClient, db_session: Session, world: SurveyWorld
) -> None:
    stranger = make_site(db_session)
    sign_in(client, world.leader)
    body = campaign_body(world)
    wrong_site = client.post(
        "/api/survey-campaigns", json={**body, "sites": [{"site_id": str(stranger.id)}]}
    )
    backwards = client.post(
        "/api/survey-campaigns",
        json={**body, "opens_at": body["closes_at"], "closes_at": body["opens_at"]},
    )
    half_hours = client.post("/api/survey-campaigns", json={**body, "opening_time": "09:00"})

    assert wrong_site.status_code == 422
    assert backwards.status_code == 422
    assert half_hours.status_code == 422


def test_only_the_engagements_team_leader_and_administrators_plan_campaigns(
    client: FlaskClient, world: SurveyWorld
) -> None:
    body = campaign_body(world)
    results = {}
    for who in (world.auditor, world.other_leader, world.admin, world.client_user):
        sign_in(client, who)
        results[who.display_name] = client.post("/api/survey-campaigns", json=body).status_code
        client.post("/api/auth/logout")

    assert results == {"刘审查": 403, "李组长": 403, "王管理": 201, "孙委托": 403}


def test_posters_and_codes_for_each_site(
    client: FlaskClient, world: SurveyWorld, campaign: dict[str, Any]
) -> None:
    sign_in(client, world.leader)
    base = f"/api/survey-campaigns/{campaign['id']}/sites/{world.site.id}"
    png = client.get(f"{base}/qr.png")
    svg = client.get(f"{base}/qr.svg")
    pdf = client.get(f"{base}/poster.pdf")
    other = client.get(f"/api/survey-campaigns/{campaign['id']}/sites/{world.leader.id}/qr.png")

    assert png.status_code == 200 and png.mimetype == "image/png"
    image = Image.open(io.BytesIO(png.data))
    assert image.size[0] == image.size[1] >= 250
    assert svg.status_code == 200 and svg.data.lstrip().startswith(b"<")
    assert b"<svg" in svg.data
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    # The Noto CJK font embedded as a subset (issue 10: no font the reader must supply).
    assert {f.name.split("+")[-1] for f in assert_fonts_embedded(pdf.data)} == {"Noto-Sans-CJK-SC"}
    assert "服务场所" in pdf_text(pdf.data)
    assert len(pdf.data) < 200_000
    assert "attachment" in pdf.headers["Content-Disposition"]
    assert other.status_code == 404


def test_the_margin_of_error_helper_both_ways(client: FlaskClient, world: SurveyWorld) -> None:
    sign_in(client, world.auditor)
    for_n = client.get("/api/survey-campaigns/margin-of-error?n=384").get_json()
    for_margin = client.get("/api/survey-campaigns/margin-of-error?margin=0.05").get_json()
    finite = client.get("/api/survey-campaigns/margin-of-error?margin=0.05&population=500")
    neither = client.get("/api/survey-campaigns/margin-of-error")

    assert abs(for_n["margin_of_error"] - 0.05) < 0.0005
    assert for_margin["n"] == 385
    assert finite.get_json()["n"] == 218
    assert neither.status_code == 422


def test_a_campaign_needs_an_engagement_that_uses_customer_surveys(
    client: FlaskClient, db_session: Session, world: SurveyWorld
) -> None:
    world.engagement.modes = ["A"]
    db_session.commit()
    sign_in(client, world.leader)
    reply = client.post("/api/survey-campaigns", json=campaign_body(world))
    assert reply.status_code == 422
    assert "engagement_id" in reply.get_json()["details"]


def test_sites_and_targets_change_but_a_site_with_answers_stays(
    app: Flask, client: FlaskClient, world: SurveyWorld, campaign: dict[str, Any]
) -> None:
    url = f"/api/survey-campaigns/{campaign['id']}"
    assert answer(respondent(app), campaign["sites"][0]["code"]).status_code == 200
    sign_in(client, world.leader)

    dropped = client.patch(
        url,
        json={"sites": [{"site_id": str(world.site.id), "target": 50}]},
        headers={"If-Match": '"v1"'},
    )
    kept = client.patch(
        url,
        json={"sites": [{"site_id": str(world.other_site.id), "target": 10}]},
        headers={"If-Match": '"v2"'},
    )

    assert dropped.status_code == 200, dropped.get_json()
    assert [(s["site_name"], s["target"]) for s in dropped.get_json()["sites"]] == [
        ("一号项目部", 50)
    ]
    assert dropped.get_json()["sites"][0]["code"] == campaign["sites"][0]["code"]
    assert kept.status_code == 409


def test_who_reads_a_campaigns_analysis(
    client: FlaskClient, world: SurveyWorld, campaign: dict[str, Any]
) -> None:
    url = f"/api/survey-campaigns/{campaign['id']}/analysis"
    answers = {}
    for who in (
        world.leader,
        world.auditor,
        world.admin,
        world.reviewer,
        world.reviewer_on_team,
        world.other_auditor,
        world.client_user,
        world.shopper,
    ):
        sign_in(client, who)
        reply = client.get(url)
        answers[who.display_name] = (reply.status_code, reply.get_json().get("code"))
        client.post("/api/auth/logout")

    assert answers == {
        "张组长": (200, None),
        "刘审查": (200, None),
        "王管理": (200, None),
        "陈复核": (200, None),
        "曾在组复核": (403, "CONFLICT_OF_INTEREST"),  # CQC rule §6.1, §6.2
        "赵审查": (403, "FORBIDDEN"),  # not on the team
        "孙委托": (200, None),  # the client's own user: aggregates
        "周暗访": (403, "FORBIDDEN"),
    }
