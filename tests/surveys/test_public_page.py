"""The public survey page /s/<code>: size, answers, duplicates, closed, malformed, limits."""

from __future__ import annotations

import gzip
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.demo import load_demo_data
from backend.surveys.models import Channel, SurveyCode, SurveyResponse
from tests.factories import sign_in
from tests.surveys.conftest import (
    SurveyWorld,
    answer,
    create_campaign,
    load_form,
    respondent,
    responses,
    set_dates,
)

#: Issue 5: the whole page (HTML, CSS, JS, fonts) at most 30 KB gzip.
BUDGET = 30 * 1024


def code_of(campaign: dict[str, Any], index: int = 0) -> str:
    code: str = campaign["sites"][index]["code"]
    return code


def test_the_page_is_one_self_contained_document_within_the_size_budget(
    app: Flask, campaign: dict[str, Any]
) -> None:
    phone = respondent(app)
    page = phone.get(f"/s/{code_of(campaign)}", headers={"Accept-Encoding": "gzip, deflate"})

    assert page.status_code == 200
    assert page.headers["Content-Encoding"] == "gzip"
    html = gzip.decompress(page.data).decode("utf-8")
    # Nothing else to fetch: no stylesheet, script, font or image by URL, no service worker.
    assert not re.search(r"<link|<script[^>]+src=|<img|@font-face|url\(", html)
    assert "serviceWorker" not in html
    transferred = len(page.data)
    print(f"survey page: {len(html.encode())} bytes HTML, {transferred} bytes gzip")
    assert transferred <= BUDGET
    # Even a server that does not compress stays within the budget once gzip'd by a proxy.
    assert len(gzip.compress(html.encode(), 9)) <= BUDGET
    assert page.headers["Cache-Control"] == "no-store"
    assert "script-src 'nonce-" in page.headers["Content-Security-Policy"]


def test_the_page_asks_every_question_with_the_schemes_labels_in_chinese(
    app: Flask, campaign: dict[str, Any]
) -> None:
    form = load_form(respondent(app), code_of(campaign))
    html = form["html"]

    assert form["items"] == [q["item"] for q in campaign["questions"]]
    assert len(form["items"]) == 19
    assert '<html lang="zh-CN" class="nojs">' in html
    for label in ("远低于预期", "低于预期", "符合预期", "高于预期", "远高于预期", "不适用"):
        assert label in html
    assert campaign["questions"][0]["zh"] in html
    # The consent sentence sits beside the optional phone number (PIPL).
    assert "我同意认证机构加密保存上述电话号码" in html
    assert "大字模式" in html


def test_an_answer_is_stored_once_with_its_start_and_device(
    app: Flask, db_session: Session, campaign: dict[str, Any]
) -> None:
    phone = respondent(app)
    reply = answer(phone, code_of(campaign), comment="服务很好")

    assert reply.status_code == 200
    assert "提交成功" in reply.get_data(as_text=True)
    (row,) = responses(db_session, campaign["id"])
    assert row.channel is Channel.ONLINE
    assert row.comment == "服务很好"
    assert len(row.answers) == 19
    assert row.started_at is not None and row.started_at <= row.received_at
    assert row.device_hash is not None and row.ip_hash is not None
    # Hashes, never the address or the token themselves.
    assert "203.0.113.7" not in row.ip_hash


def test_a_device_answers_once_by_cookie(
    app: Flask, db_session: Session, campaign: dict[str, Any]
) -> None:
    phone = respondent(app)
    form = load_form(phone, code_of(campaign))
    assert answer(phone, code_of(campaign), form=form).status_code == 200

    again = answer(phone, code_of(campaign), form=form)
    page = phone.get(f"/s/{code_of(campaign)}")

    assert again.status_code == 409
    assert "您已提交过" in again.get_data(as_text=True)
    assert page.status_code == 409
    assert 'id="already_answered"' in page.get_data(as_text=True)
    assert len(responses(db_session, campaign["id"])) == 1


def test_a_device_answers_once_by_its_local_storage_token_after_cookies_were_cleared(
    app: Flask, db_session: Session, campaign: dict[str, Any]
) -> None:
    first = respondent(app)
    stored = load_form(first, code_of(campaign))
    assert answer(first, code_of(campaign), form=stored).status_code == 200

    # Same phone, cookies cleared: a new cookie, but the script sends the stored token.
    cleared = respondent(app)
    fresh = load_form(cleared, code_of(campaign))
    assert fresh["device"] != stored["device"]
    reply = answer(cleared, code_of(campaign), form={**fresh, "device": stored["device"]})

    assert reply.status_code == 409
    assert len(responses(db_session, campaign["id"])) == 1


def test_two_devices_answer_twice(
    app: Flask, db_session: Session, campaign: dict[str, Any]
) -> None:
    assert answer(respondent(app, "198.51.100.1"), code_of(campaign)).status_code == 200
    assert answer(respondent(app, "198.51.100.2"), code_of(campaign, 1)).status_code == 200

    rows = responses(db_session, campaign["id"])
    assert len(rows) == 2
    assert {str(r.survey_site_id) for r in rows} == {s["id"] for s in campaign["sites"]}


def test_after_the_close_date_the_page_says_closed_and_takes_no_answer(
    app: Flask, db_session: Session, campaign: dict[str, Any]
) -> None:
    phone = respondent(app)
    form = load_form(phone, code_of(campaign))
    now = datetime.now(UTC)
    set_dates(db_session, campaign["id"], opens=now - timedelta(days=5), closes=now - timedelta(1))

    page = phone.get(f"/s/{code_of(campaign)}")
    late = answer(phone, code_of(campaign), form=form)

    assert page.status_code == 410
    assert "调查已结束" in page.get_data(as_text=True)
    assert 'name="t"' not in page.get_data(as_text=True)
    assert late.status_code == 410
    assert responses(db_session, campaign["id"]) == []


def test_before_the_open_date_the_page_says_not_yet(
    app: Flask, db_session: Session, campaign: dict[str, Any]
) -> None:
    now = datetime.now(UTC)
    set_dates(db_session, campaign["id"], opens=now + timedelta(days=1), closes=now + timedelta(9))

    page = respondent(app).get(f"/s/{code_of(campaign)}")

    assert page.status_code == 409
    assert "调查尚未开始" in page.get_data(as_text=True)


def test_an_unknown_code_is_a_page_not_found(app: Flask, db_session: Session) -> None:
    page = respondent(app).get("/s/no-such-code")
    long = respondent(app).get("/s/" + "x" * 5000)

    assert long.status_code == 404
    assert page.status_code == 404
    assert page.mimetype == "text/html"
    assert "未找到该调查" in page.get_data(as_text=True)


def test_malformed_answers_are_refused_and_write_nothing(
    app: Flask, db_session: Session, campaign: dict[str, Any]
) -> None:
    code = code_of(campaign)
    phone = respondent(app)
    form = load_form(phone, code)
    good = {"t": form["t"], "device": form["device"], "q.1.1": "4"}
    cases = [
        {**good, "t": "forged"},  # not our signature
        {**good, "t": form["t"][:-3] + "abc"},  # altered
        {**good, "q.1.1": "6"},  # not a level
        {**good, "q.1.1": "四"},
        {**good, "q.9.9": "4"},  # not a question
        {**good, "surprise": "x"},  # unknown field
        {"t": form["t"], "device": form["device"]},  # nothing answered
        {**good, "comment": "长" * 501},
        {**good, "phone": "12345", "consent": "1"},  # not a phone number
    ]
    for data in cases:
        reply = phone.post(f"/s/{code}", data=data)
        assert reply.status_code == 422, (data, reply.status_code)
        assert reply.mimetype == "text/html"
    as_json = phone.post(f"/s/{code}", json={"q.1.1": 4})
    huge = phone.post(f"/s/{code}", data={**good, "comment": "x" * 100_000})
    other = load_form(respondent(app), code_of(campaign, 1))
    wrong_site = phone.post(f"/s/{code}", data={**good, "t": other["t"]})

    assert as_json.status_code == 422
    assert huge.status_code == 413
    assert huge.mimetype == "text/html"
    assert wrong_site.status_code == 422
    assert responses(db_session, campaign["id"]) == []


def test_a_phone_number_without_consent_is_not_kept(
    app: Flask, db_session: Session, campaign: dict[str, Any]
) -> None:
    reply = answer(respondent(app), code_of(campaign), phone="13812345678")

    assert reply.status_code == 200
    assert "电话号码未保存" in reply.get_data(as_text=True)
    (row,) = responses(db_session, campaign["id"])
    assert row.contact_ciphertext is None


def test_answers_over_the_per_address_limit_are_refused(
    make_app: Any, db_session: Session, world: SurveyWorld
) -> None:
    app = make_app(FIELDCERT_SURVEY_RATE_LIMIT="3 per minute")
    campaign = create_campaign(app.test_client(), world)
    code = code_of(campaign)
    statuses = [answer(respondent(app, "192.0.2.50"), code).status_code for _ in range(4)]
    other_address = answer(respondent(app, "192.0.2.51"), code)
    blocked = answer(respondent(app, "192.0.2.50"), code)

    assert statuses == [200, 200, 200, 429]
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) >= 1
    assert "提交过于频繁" in blocked.get_data(as_text=True)
    assert other_address.status_code == 200
    assert len(responses(db_session, campaign["id"])) == 4


def test_one_time_codes_are_required_when_the_campaign_asks_and_work_once(
    app: Flask, client: FlaskClient, db_session: Session, world: SurveyWorld
) -> None:
    campaign = create_campaign(client, world, requires_code=True)
    sign_in(client, world.leader)
    issued = client.post(f"/api/survey-campaigns/{campaign['id']}/codes", json={"count": 2})
    assert issued.status_code == 201
    first, second = issued.get_json()["codes"]
    code = code_of(campaign)

    missing = answer(respondent(app, "192.0.2.1"), code)
    wrong = answer(respondent(app, "192.0.2.2"), code, code="zzzzzzzz")
    used_once = answer(respondent(app, "192.0.2.3"), code, code=first.upper())
    reused = answer(respondent(app, "192.0.2.4"), code, code=first)
    other = answer(respondent(app, "192.0.2.5"), code, code=second)

    assert [missing.status_code, wrong.status_code] == [403, 403]
    assert used_once.status_code == 200
    assert reused.status_code == 403
    assert "调查码无效或已被使用" in reused.get_data(as_text=True)
    assert other.status_code == 200
    assert len(responses(db_session, campaign["id"])) == 2
    stored = db_session.scalars(sa.select(SurveyCode.code_hash)).all()
    assert first not in stored and second not in stored


def test_the_page_works_in_english_and_large_text(app: Flask, campaign: dict[str, Any]) -> None:
    page = respondent(app).get(f"/s/{code_of(campaign)}?lang=en&big=1")
    html = page.get_data(as_text=True)

    assert '<html lang="en" class="nojs big">' in html
    assert "Far above expectation" in html or "far above" in html.lower()
    assert "Submit" in html


def test_the_demo_campaign_answers_at_s_demo(app: Flask, db_session: Session) -> None:
    load_demo_data(db_session)

    reply = answer(respondent(app), "demo")
    again = load_demo_data(db_session)

    assert reply.status_code == 200
    assert again.created == 0
    assert db_session.scalar(sa.select(sa.func.count()).select_from(SurveyResponse)) == 1
