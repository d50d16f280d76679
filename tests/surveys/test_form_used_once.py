"""Each served survey form stores at most one answer (security finding B6).

The form's signed token used to carry only the site and the served device; the device was
checked but never stored, so the same page load could be posted again and again with a fresh
``device`` value, each post one more answer. The token now carries a random form id, stored with
the answer under a unique (campaign, form) index in the same INSERT.
"""

from __future__ import annotations

import secrets
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.extensions import db
from backend.surveys.models import SurveyResponse
from tests.database import fresh_database
from tests.surveys.conftest import (
    answer,
    create_campaign,
    load_form,
    make_survey_world,
    respondent,
    responses,
)
from tests.surveys.test_public_page import code_of


def _device() -> str:
    return secrets.token_urlsafe(16)


def test_the_same_form_posted_again_with_fresh_devices_stores_one_answer(
    app: Flask, db_session: Session, campaign: dict[str, Any]
) -> None:
    poster = code_of(campaign)
    form = load_form(respondent(app), poster)

    # Each post from a phone without cookies, with a device value never seen before.
    first = answer(respondent(app), poster, form={**form, "device": _device()})
    second = answer(respondent(app), poster, form={**form, "device": _device()})
    third = answer(respondent(app), poster, form={**form, "device": _device()})

    assert first.status_code == 200
    assert second.status_code == 409
    assert third.status_code == 409
    assert len(responses(db_session, campaign["id"])) == 1
    # A page, not an error dump: the answer is said to be received.
    assert second.mimetype == "text/html"
    assert "您的答卷已收到，无需再次提交" in second.get_data(as_text=True)


def test_a_double_tap_or_a_resubmission_after_back_is_told_the_answer_was_received(
    app: Flask, db_session: Session, campaign: dict[str, Any]
) -> None:
    poster = code_of(campaign)
    phone = respondent(app)
    form = load_form(phone, poster)
    assert answer(phone, poster, form=form).status_code == 200

    again = answer(phone, poster, 3, form=form)
    english_browser = phone.post(
        f"/s/{poster}",
        data={"t": form["t"], "device": form["device"], f"q.{form['items'][0]}": "4"},
        headers={"Accept-Language": "en-US,en;q=0.9"},
    )
    english_page = phone.post(
        f"/s/{poster}?lang=en",
        data={"t": form["t"], "device": form["device"], f"q.{form['items'][0]}": "4"},
    )

    text = again.get_data(as_text=True)
    assert again.status_code == 409
    assert "您的答卷已收到，无需再次提交" in text
    assert "以第一次提交的答卷为准" in text
    assert "Your answer was received" not in text
    # Chinese first, then English for a browser that prefers it.
    both = english_browser.get_data(as_text=True)
    assert english_browser.status_code == 409
    assert both.index("您的答卷已收到") < both.index("Your answer was received")
    only_english = english_page.get_data(as_text=True)
    assert "Your answer was received: there is no need to send it again." in only_english
    assert "您的答卷已收到" not in only_english
    (row,) = responses(db_session, campaign["id"])
    # The first answer counts, not the changed one sent after it.
    assert set(row.answers.values()) == {4, 5}


def test_a_form_token_without_a_form_id_is_refused(
    app: Flask, db_session: Session, campaign: dict[str, Any]
) -> None:
    poster = code_of(campaign)
    form = load_form(respondent(app), poster)
    site_id = campaign["sites"][0]["id"].replace("-", "")
    with app.app_context():
        # A token as served before form ids existed: signed, but good for any number of posts.
        old = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="survey-form").dumps(
            [site_id, form["device"]]
        )

    reply = answer(respondent(app), poster, form={**form, "t": old})

    assert reply.status_code == 422
    assert responses(db_session, campaign["id"]) == []


def test_the_same_form_posted_at_once_from_several_phones_stores_one_answer(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    with fresh_database(tmp_path) as url:
        # Its own database: the run's shared test connection would serialise the requests.
        app = make_app(database_url=url)
        with app.app_context():
            flask_migrate.upgrade()
            world = make_survey_world(db.session())
            db.session.remove()
        campaign = create_campaign(app.test_client(), world)
        poster = code_of(campaign)
        form = load_form(respondent(app), poster)
        posts = 8
        start = threading.Barrier(posts)

        def post(i: int) -> int:
            phone = respondent(app, f"198.51.100.{i + 1}")
            start.wait()
            return int(answer(phone, poster, form={**form, "device": _device()}).status_code)

        with ThreadPoolExecutor(max_workers=posts) as pool:
            statuses = sorted(pool.map(post, range(posts)))

        with app.app_context():
            stored = responses(db.session(), campaign["id"])
            db.session.remove()
            db.engine.dispose()
        assert statuses == [200] + [409] * (posts - 1)
        assert len(stored) == 1


def test_the_database_refuses_a_second_answer_of_the_same_form(
    app: Flask, db_session: Session, campaign: dict[str, Any]
) -> None:
    # Two posts at once can both pass the service's check before either is stored: then the
    # unique (campaign, form) index decides, whatever the device.
    assert answer(respondent(app), code_of(campaign)).status_code == 200
    (stored,) = responses(db_session, campaign["id"])
    assert stored.form_nonce is not None and len(stored.form_nonce) >= 20
    twin = {
        column.key: getattr(stored, column.key)
        for column in sa.inspect(SurveyResponse).column_attrs
    }
    twin.update(id=uuid.uuid4(), device_hash="another device")

    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.execute(sa.insert(SurveyResponse), [twin])
