"""The default questionnaire reads as natural Chinese and English for every item of every scheme.

Issue 9 (C6): question 19 was generated as "这里的制定服务规范在“服务规范”方面表现如何": the item's
title (an activity of the organisation, 制定服务规范) used as the question's subject, and the
characteristic's name repeated inside it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backend.config import REPO_ROOT
from backend.scoring import Scheme, load_scheme
from backend.scoring.scheme import parse_scheme
from backend.surveys import logic

SCHEME_FILES = sorted((REPO_ROOT / "schemes").glob("*.yaml"))
ZH_OPENING = "与您的预期相比，"
EN_OPENING = "Compared with what you expected, "


def _schemes_with_survey_items() -> list[Scheme]:
    return [s for s in map(load_scheme, SCHEME_FILES) if logic.survey_items(s)]


def _characteristic_titles(scheme: Scheme) -> dict[str, tuple[str, str]]:
    assert scheme.service is not None
    return {
        item.code: (characteristic.title.zh, characteristic.title.en)
        for characteristic in scheme.service.characteristics
        for item in characteristic.items
    }


def test_the_shipped_schemes_have_items_a_customer_rates() -> None:
    # The test below would pass vacuously on no scheme at all.
    assert len(SCHEME_FILES) >= 3
    assert {s.id for s in _schemes_with_survey_items()} >= {"cts-tbsc034-2026", "cts-tbsc134-2026"}


@pytest.mark.parametrize("path", SCHEME_FILES, ids=lambda p: Path(p).stem)
def test_every_generated_question_is_well_formed(path: Path) -> None:
    scheme = load_scheme(path)
    questions = logic.default_questions(scheme)
    ratable = logic.survey_items(scheme)
    titles = _characteristic_titles(scheme) if ratable else {}

    assert [q["item"] for q in questions] == list(ratable)
    assert len({q["zh"] for q in questions}) == len(questions), "two items, one question"
    assert len({q["en"] for q in questions}) == len(questions), "two items, one question"
    for q in questions:
        zh, en, item = q["zh"], q["en"], ratable[q["item"]]
        name_zh, name_en = titles[q["item"]]
        # One sentence: the comparison with expectation, then what is asked, then 如何.
        assert zh.startswith(ZH_OPENING) and zh.endswith("如何？"), zh  # noqa: RUF001
        assert zh.count("？") == 1 and zh.count("，") == 1, zh  # noqa: RUF001
        # No English, codes or placeholders in the Chinese.
        assert not re.search(r"[A-Za-z0-9{}]", zh), zh
        # The doubled construction of question 19: no verb-led item title as a subject ...
        assert "制定" not in zh and "的制定" not in zh, zh
        if item.title is not None and item.dimension is None:
            assert item.title.zh not in zh, zh
        # ... and nothing said twice: no 的的, no name repeated, no quoted jargon for shipped items.
        assert "的的" not in zh and "这里的这里" not in zh, zh
        assert zh.count(name_zh) <= 1, zh
        assert "“" not in zh, f"{q['item']}: no customer wording, only the standard's term"
        assert en.startswith(EN_OPENING + "how ") and en.endswith("?"), en
        assert en.count("?") == 1 and not re.search(r"\b(\w+) \1\b", en), en
        assert "establishing" not in en.lower(), en
        assert not re.search(rf"\b{re.escape(name_en)}\b", en, re.IGNORECASE), en


def test_the_generated_wording_of_a_few_items() -> None:
    scheme = load_scheme(REPO_ROOT / "schemes" / "cts-tbsc034-2026.yaml")
    by_item = {q["item"]: q for q in logic.default_questions(scheme)}

    assert by_item["1.1"] == {
        "item": "1.1",
        "zh": "与您的预期相比，这里工作人员的业务能力如何？",  # noqa: RUF001
        "en": "Compared with what you expected, how competent were the staff here?",
    }
    assert by_item["5.3"]["zh"] == "与您的预期相比，这里在节能、节水、节材方面做得如何？"  # noqa: RUF001
    assert by_item["7.1"] == {
        "item": "7.1",
        "zh": "与您的预期相比，这里接待受理、组织实施、验收结算和售后服务的规范程度如何？",  # noqa: RUF001
        "en": "Compared with what you expected, how well organised was the service here, "
        "from reception to after-sales?",
    }


def test_a_characteristic_without_customer_wording_is_asked_by_its_name() -> None:
    text = (REPO_ROOT / "schemes" / "cts-tbsc034-2026.yaml").read_text(encoding="utf-8")
    for old, new in (
        ('{zh: "时间性", en: "Timeliness"}', '{zh: "可靠性", en: "Reliability"}'),
        ('{zh: "服务规范", en: "Service norms"}', '{zh: "投诉处理", en: "Complaint handling"}'),
    ):
        assert old in text
        text = text.replace(old, new)
    scheme = parse_scheme(text.encode("utf-8"))
    by_item = {q["item"]: q for q in logic.default_questions(scheme)}

    assert by_item["3.1"]["zh"] == "与您的预期相比，这里工作人员在“可靠性”方面的表现如何？"  # noqa: RUF001
    assert by_item["3.1"]["en"] == (
        "Compared with what you expected, how did the staff here do on reliability?"
    )
    # The item's own title (制定服务规范) is never the subject of the question.
    assert by_item["7.1"]["zh"] == "与您的预期相比，这里在“投诉处理”方面的表现如何？"  # noqa: RUF001
    assert by_item["7.1"]["en"] == (
        "Compared with what you expected, how did the service here do on complaint handling?"
    )
