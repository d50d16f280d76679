"""The public survey form refuses control characters (issue 9 B7): an error page, never a 500.

The form is checked when it is parsed (``backend.textguard.check_form``), after the page's own
64 KiB body limit applies, so the customer sees the survey's own error page, in HTML.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from tests.surveys.conftest import answer, load_form, respondent, responses
from tests.surveys.test_public_page import code_of


@pytest.mark.parametrize(
    "fields",
    [
        {"comment": "服务很好\x00"},
        {"comment": "\x1b[31m"},
        {"phone": "138\x0012345678", "consent": "1"},
        {"device": "a\x00" * 10},
    ],
)
def test_a_control_character_in_the_form_answers_the_error_page_and_stores_nothing(
    app: Flask, db_session: Session, campaign: dict[str, Any], fields: dict[str, str]
) -> None:
    code = code_of(campaign)
    phone = respondent(app)
    form = load_form(phone, code)

    reply = answer(phone, code, form=form, **fields)

    assert reply.status_code == 422, reply.get_data(as_text=True)[:300]
    assert reply.mimetype == "text/html"
    assert responses(db_session, campaign["id"]) == []
    # The same phone then answers normally: nothing was half-written.
    assert answer(phone, code, form=load_form(phone, code)).status_code == 200
    assert len(responses(db_session, campaign["id"])) == 1


def test_a_comment_with_line_breaks_and_tabs_is_kept(
    app: Flask, db_session: Session, campaign: dict[str, Any]
) -> None:
    reply = answer(respondent(app), code_of(campaign), comment="第一行\r\n第二行\t结束")

    assert reply.status_code == 200
    (stored,) = responses(db_session, campaign["id"])
    assert stored.comment == "第一行\r\n第二行\t结束"
