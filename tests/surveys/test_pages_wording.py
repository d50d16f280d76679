"""The server-rendered survey pages speak Chinese (or English), never raw values, and list the
levels in the documents' order: 1 远低于预期 … 5 远高于预期, then 不适用 (issue 9, C6 and C7).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.factories import sign_in
from tests.surveys.conftest import SurveyWorld, answer, load_form, respondent
from tests.surveys.test_public_page import code_of

#: Values of the survey's enumerations as the API spells them: none may show on a page.
RAW = re.compile(
    r"\b(open|closed|not_open|online|offline|too_fast|straight_lining|burst|outside_hours"
    r"|flagged|callback_denied|na)\b"
)


def _text(html: str) -> str:
    """What a reader sees: no tags, attributes, styles or scripts."""
    html = re.sub(r"<(style|script)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_the_public_page_lists_the_levels_lowest_first(
    app: Flask, campaign: dict[str, Any]
) -> None:
    form = load_form(respondent(app), code_of(campaign))
    english = respondent(app).get(f"/s/{code_of(campaign)}?lang=en").get_data(as_text=True)

    for html in (form["html"], english):
        fieldsets = re.findall(r'<fieldset class="q" id="q\d+">(.*?)</fieldset>', html, re.S)
        assert len(fieldsets) == 19
        for fieldset in fieldsets:
            values = re.findall(r'type="radio" name="q\.[^"]+" value="([^"]+)"', fieldset)
            assert values == ["1", "2", "3", "4", "5", "na"]
    first = form["html"]
    assert first.index("远低于预期") < first.index("符合预期") < first.index("远高于预期")
    assert english.index("Far below expectation") < english.index("Far above expectation")


def test_the_english_page_gives_the_deadline_in_english(
    app: Flask, campaign: dict[str, Any]
) -> None:
    page = respondent(app).get(f"/s/{code_of(campaign)}?lang=en").get_data(as_text=True)

    deadline = re.search(r"Anonymous\. Deadline ([^<]+)<", page)
    assert deadline is not None
    assert deadline.group(1).endswith("(Beijing time)")
    assert not re.search(r"[年月日]", deadline.group(1))


def test_a_refused_answer_is_explained_in_the_respondents_words(
    app: Flask, campaign: dict[str, Any]
) -> None:
    code = code_of(campaign)
    phone = respondent(app)
    form = load_form(phone, code)
    good = {"t": form["t"], "device": form["device"], "q.1.1": "4"}

    bad_phone = phone.post(f"/s/{code}", data={**good, "phone": "12345", "consent": "1"})
    bad_level = phone.post(f"/s/{code}", data={**good, "q.1.2": "6"})
    old_page = phone.post(f"/s/{code}", data={**good, "t": "forged"})
    bad_phone_en = phone.post(f"/s/{code}?lang=en", data={**good, "phone": "12", "consent": "1"})

    assert bad_phone.status_code == 422
    text = _text(bad_phone.get_data(as_text=True))
    assert "回访电话格式不正确：请填写 11 位手机号或带区号的固定电话。" in text
    # No field names, no API messages, no English on the Chinese page.
    assert "phone:" not in text and "digits" not in text and "landline" not in text
    assert "第 2 题的答案无效，请重新选择。" in _text(bad_level.get_data(as_text=True))
    assert "q.1.2" not in bad_level.get_data(as_text=True)
    assert "页面已过期或内容不完整，请重新扫码后填写。" in _text(old_page.get_data(as_text=True))
    english = _text(bad_phone_en.get_data(as_text=True))
    assert "Phone: enter an 11-digit mobile number" in english
    assert "回访电话" not in english


def test_the_analysis_page_names_every_value_and_orders_the_levels(
    app: Flask, client: FlaskClient, world: SurveyWorld, campaign: dict[str, Any]
) -> None:
    code = code_of(campaign)
    answer(respondent(app, "192.0.2.1"), code)
    # The same level everywhere: flagged as straight-lining, so not counted.
    answer(respondent(app, "192.0.2.2"), code, {"1.1": 3, "1.2": 3, "1.3": 3})
    sign_in(client, world.leader)

    html = client.get(f"/surveys/{campaign['id']}/analysis").get_data(as_text=True)
    index = client.get("/surveys").get_data(as_text=True)

    text = _text(html)
    assert "状态 进行中（Open）" in text
    assert "未计入（质量标记）1" in text
    assert "全部同一选项" in text
    assert RAW.findall(text) == []
    assert RAW.findall(_text(index)) == []
    assert "进行中" in index
    # The distribution's legend: 1 远低于预期 … 5 远高于预期, then 不适用.
    legend = re.findall(r">(\d 远[低高]于预期|\d [低高]于预期|\d 符合预期|不适用)</text>", html)
    assert legend == [
        "1 远低于预期",
        "2 低于预期",
        "3 符合预期",
        "4 高于预期",
        "5 远高于预期",
        "不适用",
    ]
    assert "网点" not in text
