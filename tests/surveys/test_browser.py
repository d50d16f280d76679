"""The survey page in Debian's Chromium as a customer meets it: a 360 px phone, WeChat's in-app
browser user agent, service workers blocked; a whole questionnaire answered one screen at a time.

Serves its own app (a fresh database with the demo data, so /s/demo answers) from a werkzeug
server in a thread. Needs /usr/bin/chromium (``make test`` installs it); nothing from the
internet, and no PWA build.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Browser, Page
from werkzeug.serving import make_server

from backend import create_app
from backend.demo import load_demo_data
from backend.extensions import db
from backend.surveys.models import Channel, SurveyResponse
from tests.chromium import launch_chromium
from tests.database import app_config, fresh_database

pytestmark = pytest.mark.browser

#: WeChat's in-app browser on Android (XWEB), as it introduces itself.
WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 13; V2148A Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 "
    "MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 "
    "Weixin NetType/4G Language/zh_CN ABI/arm64"
)


@pytest.fixture(scope="module")
def survey_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Flask]]:
    tmp = tmp_path_factory.mktemp("survey-browser")
    with fresh_database(tmp) as url:
        app = create_app(app_config(url, FIELDCERT_STORAGE_DIR=str(tmp / "evidence")))
        with app.app_context():
            flask_migrate.upgrade()
            load_demo_data(db.session())
            db.session.remove()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, name="survey-server", daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}", app
        finally:
            server.shutdown()
            thread.join(timeout=10)
            server.server_close()
            with app.app_context():
                db.engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as browser:
        yield browser


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        user_agent=WECHAT_UA,
        locale="zh-CN",
        service_workers="block",
    )
    try:
        yield context.new_page()
    finally:
        context.close()


def stored(app: Flask) -> list[SurveyResponse]:
    with app.app_context():
        rows = list(db.session.scalars(sa.select(SurveyResponse)))
        db.session.remove()
        return rows


def test_a_customer_answers_the_whole_questionnaire_on_a_small_phone(
    phone: Page, survey_server: tuple[str, Flask]
) -> None:
    base, app = survey_server
    before = len(stored(app))
    transferred: list[int] = []
    phone.on("response", lambda r: transferred.append(len(r.body())))
    requests: list[str] = []
    phone.on("request", lambda r: requests.append(r.url))

    phone.goto(f"{base}/s/demo")

    # One document, nothing else fetched (no font, script, stylesheet or worker).
    assert requests == [f"{base}/s/demo"]
    assert sum(transferred) <= 30 * 1024
    assert phone.evaluate("document.documentElement.className").startswith("js")
    assert phone.evaluate("navigator.serviceWorker === undefined || true")
    # Nothing is wider than the screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    questions = phone.locator("fieldset.q")
    total = questions.count() - 1  # the last screen is comment and phone
    assert total == 19
    assert phone.locator("#cnt").inner_text() == f"第 1 / {total} 题"
    assert phone.locator("#back").is_hidden() or phone.locator("#back").is_disabled()

    for index in range(total):
        screen = phone.locator(f"#q{index}")
        assert screen.is_visible()
        assert phone.locator("fieldset.q:visible").count() == 1
        # Choose "高于预期" (level 4) except one "不适用", tapping the label as a thumb would.
        value = "na" if index == 3 else ("5" if index % 2 else "4")
        screen.locator(f'input[value="{value}"]').locator("xpath=..").tap()
        if index == 1:
            # Back, check the earlier answer is kept, and forward again.
            phone.locator(f"#q{index + 1}").wait_for(state="visible")
            phone.locator("#back").tap()
            phone.locator(f"#q{index}").wait_for(state="visible")
            assert screen.locator('input[value="5"]').is_checked()
            phone.locator("#next").tap()
            phone.locator(f"#q{index + 1}").wait_for(state="visible")
            continue
        phone.locator(f"#q{index + 1}" if index + 1 < total else "#last").wait_for(state="visible")
        bar = phone.evaluate("document.querySelector('#bar i').style.width")
        assert bar.endswith("%")

    assert phone.locator("#cnt").inner_text() == "最后一步"
    phone.locator("textarea[name=comment]").fill("工地围挡整洁，讲解耐心")
    phone.locator("#phone").fill("13812345678")
    phone.locator("button.s").tap()
    # No consent ticked: the page asks for it instead of sending.
    assert phone.locator("#cw").is_visible()
    phone.locator("#consent").check()
    phone.locator("#big").tap()
    assert "big" in phone.evaluate("document.documentElement.className")
    phone.locator("button.s").tap()

    phone.locator("#thanks").wait_for()
    assert "提交成功" in phone.locator("h1").inner_text()
    assert "回访" in phone.locator("#thanks").inner_text()
    rows = stored(app)
    assert len(rows) == before + 1
    row = max(rows, key=lambda r: r.received_at)
    assert row.channel is Channel.ONLINE
    assert len(row.answers) == 19
    assert row.answers["2.1"] == "na"
    assert row.comment == "工地围挡整洁，讲解耐心"
    assert row.contact_ciphertext is not None

    # Coming back on the same phone: already answered, by cookie and local storage.
    phone.goto(f"{base}/s/demo")
    assert phone.locator("#already_answered").is_visible()
    phone.context.clear_cookies()
    phone.goto(f"{base}/s/demo")
    phone.locator("#q0 input[value='3']").locator("xpath=..").tap()
    phone.evaluate("document.getElementById('f').submit()")
    phone.locator("#already_answered").wait_for()
    assert len(stored(app)) == before + 1


def test_the_levels_run_from_1_to_5_and_the_consent_warning_leaves_once_ticked(
    phone: Page, survey_server: tuple[str, Flask]
) -> None:
    base, _ = survey_server
    phone.goto(f"{base}/s/demo")

    # The documents' order, top to bottom: 1 远低于预期 … 5 远高于预期, then 不适用.
    options = [" ".join(t.split()) for t in phone.locator("#q0 label.o").all_inner_texts()]
    assert options == [
        "1 远低于预期",
        "2 低于预期",
        "3 符合预期",
        "4 高于预期",
        "5 远高于预期",
        "– 不适用 / 未接触",
    ]
    total = phone.locator("fieldset.q").count() - 1
    for index in range(total):
        phone.locator(f'#q{index} input[value="3"]').locator("xpath=..").tap()
        phone.locator(f"#q{index + 1}" if index + 1 < total else "#last").wait_for(state="visible")
    phone.locator("#phone").fill("13812345678")
    phone.locator("button.s").tap()
    warning = phone.locator("#cw")
    assert warning.is_visible()

    phone.locator("#consent").check()

    # Ticked: the warning goes at once, before any new submit.
    assert warning.is_hidden()
    phone.locator("#consent").uncheck()
    phone.locator("#phone").fill("")
    phone.locator("button.s").tap()
    phone.locator("#thanks").wait_for()
