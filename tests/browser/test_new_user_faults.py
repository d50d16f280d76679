"""What a new user tripped over in the field app (issue 9, C1–C7), each reproduced in Debian's
Chromium against the real server, and the screenshots of the key screens (C11).

One migrated database with the demo data and the real server for the module
(``tests/browser/live.py``); each test makes the assignments and records it needs. Waits are on
DOM state, never on the clock. Screenshots go to ``test-artifacts/screenshots/`` (gitignored).

Run alone: ``.venv/bin/pytest tests/browser/test_new_user_faults.py -q`` (needs ``make pwa``);
``TEST_DATABASE_URL=postgresql+psycopg://…`` runs the server on PostgreSQL.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import APIRequestContext, Browser, BrowserContext, Page

from backend.demo import DEMO_SURVEY_TITLE
from backend.users.models import Role
from tests.browser.live import (
    AT_SITE,
    World,
    live_world,
    make_photo,
    phone_context,
    read_position,
    save_screenshot,
    sign_in,
    wait_for_app,
    wait_for_controller,
)
from tests.chromium import launch_chromium

pytestmark = pytest.mark.browser

#: Integrity check keys (backend/evaluations/integrity_checks.py) that must never show as such.
RAW_CHECK_KEYS = (
    "geofence",
    "photo_location",
    "capture_times",
    "time_on_site",
    "clock_skew",
    "photo_reuse",
    "pace",
)
#: Text a screen must never show: snake_case keys, missing values, JavaScript leftovers.
RAW_TEXT = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b|undefined|NaN|\[object|\bnull\b")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with live_world(tmp_path_factory.mktemp("new-user")) as world:
        yield world


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("camera")
    return [
        make_photo(folder / "IMG_0101.jpg", 1200, 900, 11, noise=0.1),
        make_photo(folder / "IMG_0102.jpg", 900, 1200, 12, noise=0.1),
    ]


@pytest.fixture
def phones(browser: Browser, world: World) -> Iterator[list[BrowserContext]]:
    """Phones (browser contexts) a test opens with ``phones.append``; all closed afterwards."""
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def new_phone(phones: list[BrowserContext], browser: Browser, world: World, **extra: Any) -> Page:
    context = phone_context(browser, world.server.url, **extra)
    phones.append(context)
    return context.new_page()


# --------------------------------------------------------------------------- the API, as a phone


def csrf(request: APIRequestContext) -> str:
    token: str = request.get("/api/auth/csrf").json()["csrf_token"]
    return token


def upload(request: APIRequestContext, photo: Path) -> str:
    """Upload a photo as the signed-in user (taken at the demo site); returns its evidence id."""
    data = photo.read_bytes()
    evidence_id = str(uuid.uuid4())
    response = request.put(
        f"/api/evidence/{evidence_id}",
        data=data,
        headers={
            "X-CSRF-Token": csrf(request),
            "Content-Type": "application/octet-stream",
            "X-Content-SHA256": hashlib.sha256(data).hexdigest(),
            "X-Captured-At": (datetime.now(UTC) - timedelta(minutes=3)).isoformat(),
            "X-Capture-Latitude": str(AT_SITE["latitude"]),
            "X-Capture-Longitude": str(AT_SITE["longitude"]),
            "X-Capture-Accuracy": "10",
        },
    )
    assert response.status == 201, response.text()
    return evidence_id


def record_by_api(
    request: APIRequestContext,
    *,
    assignment_id: str | None = None,
    evidence: list[dict[str, str | None]] | None = None,
) -> str:
    """A submitted evaluation of the signed-in user: the shopper's visit of ``assignment_id``,
    or (without one) an auditor's open inspection at the first demo site; five minutes short of
    the time the integrity check wants on site. Returns its id."""
    if assignment_id is not None:
        assignment = next(
            a for a in request.get("/api/me/assignments").json() if a["id"] == assignment_id
        )
        engagement_id, site_id = assignment["engagement"]["id"], assignment["site"]["id"]
        items, mode = assignment["scheme"]["items"], assignment["mode"]
    else:
        engagement = next(e for e in request.get("/api/engagements").json() if "A" in e["modes"])
        engagement_id = engagement["id"]
        packet = request.get(f"/api/fieldapp/engagements/{engagement_id}/packet").json()
        site = min(packet["sites"], key=lambda s: s["location"]["latitude"])
        site_id, items, mode = site["id"], packet["scheme"]["items"], "A"
    ended = datetime.now(UTC) - timedelta(minutes=1)
    started = ended - timedelta(minutes=2)
    body = {
        "engagement_id": engagement_id,
        "site_id": site_id,
        "assignment_id": assignment_id,
        "mode": mode,
        "ratings": {item["code"]: {"level": 4} for item in items if not item["bonus"]},
        "notes": "接待规范。",
        "item_notes": {},
        "started_at": started.isoformat(),
        "ended_at": ended.isoformat(),
        "gps_fixes": [
            {
                "latitude": AT_SITE["latitude"],
                "longitude": AT_SITE["longitude"],
                "accuracy_m": 12.0,
                "captured_at": started.isoformat(),
            }
        ],
        "evidence": [
            {"evidence_id": link["evidence_id"], "item": link["item"]} for link in evidence or []
        ],
        "submit": True,
    }
    evaluation_id = str(uuid.uuid4())
    response = request.put(
        f"/api/evaluations/{evaluation_id}",
        data=body,
        headers={"X-CSRF-Token": csrf(request)},
    )
    assert response.status == 201, response.text()
    return evaluation_id


def review_by_api(request: APIRequestContext, evaluation_id: str, action: str) -> None:
    response = request.post(
        f"/api/evaluations/{evaluation_id}/review",
        data={"action": action, "comment": None if action == "accept" else "测试"},
        headers={"X-CSRF-Token": csrf(request), "If-Match": '"v1"'},
    )
    assert response.status == 200, response.text()


# --------------------------------------------------------------------------- steps in the app


def open_new_visit(page: Page, assignment_id: str) -> str:
    page.goto("/#/assignments")
    # A load of its own: the list shown since sign-in may predate the assignment.
    page.reload()
    wait_for_app(page)
    page.locator(f'[data-assignment-id="{assignment_id}"] [data-open-assignment]').click()
    page.wait_for_selector('[data-screen="visit"][data-draft-id] #checkin')
    draft_id = page.locator('[data-screen="visit"]').get_attribute("data-draft-id")
    assert draft_id
    return draft_id


def record_quickly(page: Page) -> None:
    """Check in, every item at level 4, check out: a visit the server takes."""
    read_position(page, "#checkin", "#checkin-fixes")
    for code in page.locator("article[data-item]").evaluate_all(
        "els => els.map(e => e.dataset.item)"
    ):
        page.locator(f'article[data-item="{code}"] [data-level="4"]').click()
    read_position(page, "#checkout", "#checkout-fixes")
    page.wait_for_selector('[data-screen="visit"][data-unsaved="0"]')


def submit_visit(page: Page) -> None:
    page.click("#submit-visit")
    page.wait_for_selector(
        '#visit-status[data-status="queued"], #visit-status[data-status="synced"]'
    )


def wait_synced(page: Page) -> None:
    page.wait_for_function(
        "(() => { const s = document.getElementById('sync-indicator');"
        " return s.dataset.pending === '0' && s.dataset.state === 'synced'; })()",
        timeout=60_000,
    )


def draft_count(page: Page) -> int:
    return int(
        page.evaluate(
            """async () => {
              const db = await new Promise((ok, fail) => {
                const r = indexedDB.open('fieldcert');
                r.onsuccess = () => ok(r.result);
                r.onerror = () => fail(r.error);
              });
              const n = await new Promise((ok) => {
                const r = db.transaction('drafts').objectStore('drafts').count();
                r.onsuccess = () => ok(r.result);
              });
              db.close();
              return n;
            }"""
        )
    )


def visible_text(page: Page, selector: str = "body") -> str:
    return str(page.locator(selector).inner_text())


def assert_no_raw_text(page: Page, screen: str) -> None:
    """No snake_case keys, 'undefined' or 'null' anywhere a person reads on this screen."""
    text = visible_text(page, "#view") + "\n" + visible_text(page, "#status-bar")
    found = RAW_TEXT.findall(text)
    assert not found, f"{screen} shows raw text {found}"


def assert_fits_the_phone(page: Page, screen: str) -> None:
    """Nothing wider than the 360 px phone: no sideways scrolling, one-handed."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{screen} is {width} px wide"


# --------------------------------------------------------------------------- C1


def test_the_public_survey_opens_from_the_server_once_the_app_is_installed(
    world: World, browser: Browser, phones: list[BrowserContext]
) -> None:
    page = new_phone(phones, browser, world)
    page.goto("/")
    wait_for_app(page)
    wait_for_controller(page)

    response = page.goto("/s/demo")

    # The worker leaves the server's own pages alone: the survey, not the app shell.
    assert response is not None and response.status == 200
    assert not response.from_service_worker
    assert page.locator("form#f").count() == 1
    assert page.locator("h1").inner_text() == DEMO_SURVEY_TITLE
    assert page.locator("#view").count() == 0
    # The app itself still comes from the worker, offline too.
    page.context.set_offline(True)
    page.goto("/")
    wait_for_app(page)
    assert page.locator("#view").count() == 1


# --------------------------------------------------------------------------- C2


def test_the_independent_reviewer_is_offered_no_review_buttons_and_told_why(
    world: World, browser: Browser, phones: list[BrowserContext]
) -> None:
    shopper = new_phone(phones, browser, world)
    sign_in(shopper, Role.SHOPPER)
    evaluation_id = record_by_api(shopper.context.request, assignment_id=world.new_assignment())

    page = new_phone(phones, browser, world)
    sign_in(page, Role.REVIEWER)
    page.goto("/#/review")
    row = page.locator(f'#review-queue [data-evaluation-id="{evaluation_id}"]')
    row.wait_for()
    assert "仅查看" in row.inner_text()
    row.locator("a").click()
    page.wait_for_selector(f'[data-screen="review"][data-evaluation-id="{evaluation_id}"]')
    page.wait_for_selector("#review-no-actions")

    assert page.locator("#review-accept, #review-return, #review-comment").count() == 0
    reason = page.locator("#review-no-actions")
    assert reason.get_attribute("data-reason") == "independent_reviewer"
    assert "复核人" in reason.inner_text()


def test_an_auditor_is_not_offered_review_of_their_own_inspection_and_a_stale_screen_says_why(
    world: World, browser: Browser, phones: list[BrowserContext]
) -> None:
    page = new_phone(phones, browser, world)
    sign_in(page, Role.AUDITOR)
    own = record_by_api(page.context.request)
    page.goto(f"/#/review/{own}")
    page.wait_for_selector(f'[data-screen="review"][data-evaluation-id="{own}"] #review-actions')
    assert page.locator("#review-accept, #review-return").count() == 0
    assert page.locator("#review-no-actions").get_attribute("data-reason") == "own_evaluation"
    assert "自己" in page.locator("#review-no-actions").inner_text()

    # A shopper's visit, open on the auditor's screen; the team leader accepts it meanwhile.
    shopper = new_phone(phones, browser, world)
    sign_in(shopper, Role.SHOPPER)
    visit = record_by_api(shopper.context.request, assignment_id=world.new_assignment())
    page.goto(f"/#/review/{visit}")
    page.wait_for_selector(f'[data-screen="review"][data-evaluation-id="{visit}"] #review-return')
    leader = new_phone(phones, browser, world)
    sign_in(leader, Role.TEAM_LEADER)
    review_by_api(leader.context.request, visit, "accept")

    page.fill("#review-comment", "请补拍门口照片。")
    page.click("#review-return")
    message = page.locator('#review-message[data-code="INVALID_TRANSITION"]')
    message.wait_for()
    assert "已被他人处理" in message.inner_text()
    assert "已接受" in message.inner_text()
    # The screen now offers what the server allows: excluding the accepted visit, nothing else.
    page.wait_for_selector('#review-actions[data-actions="exclude"] #review-exclude')
    assert page.locator("#review-return, #review-accept").count() == 0


# --------------------------------------------------------------------------- C3


def test_the_assignment_list_follows_the_outbox_without_a_tab_change(
    world: World, browser: Browser, phones: list[BrowserContext]
) -> None:
    page = new_phone(phones, browser, world)
    assignment_id = world.new_assignment()
    sign_in(page, Role.SHOPPER)
    open_new_visit(page, assignment_id)
    page.context.set_offline(True)
    record_quickly(page)
    submit_visit(page)
    page.click("#nav-assignments")
    card = page.locator(f'[data-assignment-id="{assignment_id}"]')
    card.wait_for()
    assert card.get_attribute("data-draft") == "queued"

    page.context.set_offline(False)
    wait_synced(page)

    # Same screen, no navigation: the card says what the indicator says.
    page.wait_for_selector(f'[data-assignment-id="{assignment_id}"][data-draft="synced"]')
    assert page.evaluate("location.hash") == "#/assignments"
    assert "已提交到服务器" in card.locator("[data-draft-state]").inner_text()


# --------------------------------------------------------------------------- C4


def test_a_second_phone_is_told_the_assignment_was_submitted_from_another(
    world: World, browser: Browser, phones: list[BrowserContext]
) -> None:
    assignment_id = world.new_assignment()
    # Two more phones of the same shopper load the list while the assignment is still open.
    stale, offline = new_phone(phones, browser, world), new_phone(phones, browser, world)
    for phone in (stale, offline):
        sign_in(phone, Role.SHOPPER)
        phone.goto("/#/assignments")
        phone.wait_for_selector(f'[data-assignment-id="{assignment_id}"][data-status="assigned"]')
    offline.context.set_offline(True)

    first = new_phone(phones, browser, world)
    sign_in(first, Role.SHOPPER)
    first_id = open_new_visit(first, assignment_id)
    record_quickly(first)
    submit_visit(first)
    wait_synced(first)
    assert [str(e.id) for e in world.evaluations_for(assignment_id)] == [first_id]

    # Online, with the list from before: the app asks the server before starting, and refuses.
    stale.locator(f'[data-assignment-id="{assignment_id}"] [data-open-assignment]').click()
    refused = stale.locator(f'[data-assignment-id="{assignment_id}"] [data-start-refused]')
    refused.wait_for()
    assert refused.get_attribute("data-start-refused") == "submitted"
    assert "另一台手机" in refused.inner_text()
    assert stale.evaluate("location.hash") == "#/assignments"
    card = stale.locator(f'[data-assignment-id="{assignment_id}"]')
    assert card.get_attribute("data-status") == "submitted"
    assert card.locator("[data-open-assignment]").is_disabled()
    assert draft_count(stale) == 0

    # Offline, the phone cannot know: the visit is made, and refused when it is sent.
    offline.locator(f'[data-assignment-id="{assignment_id}"] [data-open-assignment]').click()
    offline.wait_for_selector('[data-screen="visit"][data-draft-id] #checkin')
    second_id = offline.locator('[data-screen="visit"]').get_attribute("data-draft-id")
    record_quickly(offline)
    submit_visit(offline)
    offline.context.set_offline(False)
    guidance = offline.locator('#visit-not-taken[data-state="refused"]')
    guidance.wait_for(timeout=60_000)
    assert guidance.get_attribute("data-code") == "ASSIGNMENT_ALREADY_RECORDED"
    text = guidance.inner_text()
    assert "另一台手机" in text and "为准" in text
    assert offline.locator("#submit-visit").is_hidden()
    save_screenshot(offline, "visit-refused-other-phone")

    offline.click("#visit-keep-copy")
    offline.wait_for_selector('#visit-not-taken[data-state="kept"]')
    assert offline.locator("#visit-status").get_attribute("data-status") == "superseded"
    offline.wait_for_function(
        "(() => { const s = document.getElementById('sync-indicator');"
        " return s.dataset.pending === '0' && s.dataset.attention === 'none'; })()"
    )
    # Only the first phone's visit is on the server, untouched.
    evaluations = world.evaluations_for(assignment_id)
    assert [str(e.id) for e in evaluations] == [first_id]
    assert evaluations[0].version == 1
    assert second_id != first_id

    offline.once("dialog", lambda dialog: dialog.accept())
    offline.click("#visit-discard")
    offline.wait_for_selector(f'[data-assignment-id="{assignment_id}"][data-draft="none"]')
    assert draft_count(offline) == 0
    assert [str(e.id) for e in world.evaluations_for(assignment_id)] == [first_id]


# --------------------------------------------------------------------------- C5


RED = ("rgb(185, 28, 28)", "rgb(220, 38, 38)")
#: Every colour painted inside the sync indicator (text and backgrounds).
INDICATOR_COLOURS = """
() => [...document.querySelectorAll('#sync-indicator, #sync-indicator *')].flatMap((e) => {
  const style = getComputedStyle(e);
  return [style.color, style.backgroundColor];
})
"""


def test_the_sync_indicator_hides_before_sign_in_counts_drafts_and_is_not_red_offline(
    world: World, browser: Browser, phones: list[BrowserContext]
) -> None:
    page = new_phone(phones, browser, world)
    page.goto("/#/login")
    wait_for_app(page)
    assert page.locator("#sync-indicator").is_hidden()

    assignment_id = world.new_assignment()
    sign_in(page, Role.SHOPPER)
    page.wait_for_selector("#sync-indicator:not([hidden])")
    open_new_visit(page, assignment_id)
    page.locator('article[data-item="1.1"] [data-level="3"]').click()
    page.wait_for_selector('#sync-indicator[data-drafts="1"]')
    summary = page.locator("#sync-summary").inner_text()
    assert "全部已同步" not in summary
    assert "只在本机" in page.locator("#sync-drafts").inner_text()

    # Offline is normal in the field: the indicator says it waits, in no alarming colour.
    page.context.set_offline(True)
    record_quickly(page)
    submit_visit(page)
    page.wait_for_function("document.getElementById('sync-indicator').dataset.state === 'offline'")
    indicator = page.locator("#sync-indicator")
    assert indicator.get_attribute("data-attention") != "person"
    assert "联网后自动发送" in page.locator("#sync-summary").inner_text()
    colours = page.evaluate(INDICATOR_COLOURS)
    assert not [c for c in colours if c in RED], colours
    assert indicator.get_attribute("data-drafts") == "0"

    page.context.set_offline(False)
    wait_synced(page)
    assert page.locator("#sync-summary").inner_text() == "全部已同步"


# --------------------------------------------------------------------------- C6, C7


def test_the_review_screen_speaks_plain_chinese(
    world: World, browser: Browser, phones: list[BrowserContext], photos: list[Path]
) -> None:
    shopper = new_phone(phones, browser, world)
    sign_in(shopper, Role.SHOPPER)
    request = shopper.context.request
    item_photo, general_photo = upload(request, photos[0]), upload(request, photos[1])
    evaluation_id = record_by_api(
        request,
        assignment_id=world.new_assignment(),
        evidence=[
            {"evidence_id": item_photo, "item": "1.1"},
            {"evidence_id": general_photo, "item": None},
        ],
    )

    page = new_phone(phones, browser, world)
    sign_in(page, Role.AUDITOR)
    page.goto(f"/#/review/{evaluation_id}")
    page.wait_for_selector(f'[data-screen="review"][data-evaluation-id="{evaluation_id}"]')
    page.wait_for_selector("#integrity [data-check]")

    checks = page.locator("#integrity [data-check]")
    texts = checks.all_inner_texts()
    assert len(texts) == len(RAW_CHECK_KEYS) + 1  # and exif
    for text in texts:
        assert not any(key in text for key in RAW_CHECK_KEYS), text
    geofence = page.locator('#integrity [data-check="geofence"]').inner_text()
    assert geofence.startswith("到场定位")
    # Two minutes on a construction site: the flag speaks of the site, not a shop.
    short = page.locator('#integrity [data-flag="TIME_ON_SITE_SHORT"]').inner_text()
    assert "现场停留时长" in short and "在店" not in short
    captions = page.locator("#review-photos [data-photo-caption]").all_inner_texts()
    assert captions == ["第 1.1 项", "其他照片"]
    timeline = page.locator("#review-timeline").inner_text()
    assert "项目 —" not in timeline and "拍照（其他照片）" in timeline
    assert "拍照（第 1.1 项）" in timeline
    assert_no_raw_text(page, "review detail")


def test_levels_run_one_to_five_on_the_visit_and_the_survey_and_the_consent_warning_clears(
    world: World, browser: Browser, phones: list[BrowserContext]
) -> None:
    page = new_phone(phones, browser, world)
    sign_in(page, Role.SHOPPER)
    open_new_visit(page, world.new_assignment())
    visit_levels = page.locator('article[data-item="1.1"] [data-level]')
    assert visit_levels.evaluate_all("els => els.map(e => e.dataset.level)") == list("12345")
    tops = [box["y"] for box in (b.bounding_box() for b in visit_levels.all()) if box]
    assert tops == sorted(tops)

    auditor = new_phone(phones, browser, world)
    sign_in(auditor, Role.AUDITOR)
    auditor.click("#nav-surveys")
    auditor.locator("#survey-campaigns [data-new-survey]").first.click()
    auditor.wait_for_selector("[data-screen=surveys] #survey-save")
    first = auditor.locator("[data-question]").first
    answers = first.locator("[data-answer]")
    assert answers.evaluate_all("els => els.map(e => e.dataset.answer)") == [
        *"12345",
        "na",
    ]
    tops = [box["y"] for box in (b.bounding_box() for b in answers.all()) if box]
    assert tops == sorted(tops)
    labels = answers.all_inner_texts()
    assert "远低于预期" in labels[0] and "远高于预期" in labels[4]

    # The consent warning goes as soon as the box is ticked.
    auditor.fill("#survey-phone", "13800138000")
    auditor.click("#survey-save")
    auditor.wait_for_selector('#survey-errors [data-problem="consent"]')
    auditor.check("#survey-consent")
    auditor.wait_for_selector('#survey-errors [data-problem="consent"]', state="detached")
    assert auditor.locator("#survey-errors [data-problem]").count() >= 1  # the rest remain


# --------------------------------------------------------------------------- C11

#: Draw a CJK character and a code point no font has; with no CJK font both are the same box.
CJK_RENDERS = """
() => {
  const draw = (text) => {
    const canvas = document.createElement('canvas');
    canvas.width = 64; canvas.height = 64;
    const ctx = canvas.getContext('2d');
    ctx.font = '48px sans-serif';
    ctx.fillText(text, 4, 52);
    return Array.from(ctx.getImageData(0, 0, 64, 64).data).join(',');
  };
  return draw('审') !== draw('\\u0378') && draw('审') !== draw('查');
}
"""


def test_screenshots_of_the_key_screens_in_chinese_at_360_px(
    world: World, browser: Browser, phones: list[BrowserContext], photos: list[Path]
) -> None:
    page = new_phone(phones, browser, world)
    page.goto("/#/login")
    wait_for_app(page)
    assert page.evaluate(CJK_RENDERS), "Chromium has no CJK font: apt-get install fonts-noto-cjk"

    assignment_id = world.new_assignment()
    sign_in(page, Role.SHOPPER)  # lands on the assignments, made before
    page.wait_for_selector(f'[data-assignment-id="{assignment_id}"]')
    assert_no_raw_text(page, "assignments")
    assert_fits_the_phone(page, "assignments")
    save_screenshot(page, "assignments")

    open_new_visit(page, assignment_id)
    read_position(page, "#checkin", "#checkin-fixes")
    page.locator('article[data-item="1.1"] [data-level="4"]').click()
    page.wait_for_selector('[data-screen="visit"][data-unsaved="0"]')
    assert_no_raw_text(page, "visit")
    assert_fits_the_phone(page, "visit")
    save_screenshot(page, "visit")
    page.locator('article[data-item="1.1"]').scroll_into_view_if_needed()
    save_screenshot(page, "visit-item", full_page=False)

    page.click("#nav-settings")
    page.wait_for_selector('[data-screen="settings"] #pair-state')
    assert_no_raw_text(page, "settings")
    assert_fits_the_phone(page, "settings")
    save_screenshot(page, "settings")

    request = page.context.request
    evaluation_id = record_by_api(
        request,
        assignment_id=world.new_assignment(),
        evidence=[{"evidence_id": upload(request, photos[0]), "item": "1.1"}],
    )
    auditor = new_phone(phones, browser, world)
    sign_in(auditor, Role.AUDITOR)
    auditor.goto("/#/review")
    auditor.wait_for_selector(f'#review-queue [data-evaluation-id="{evaluation_id}"]')
    assert_no_raw_text(auditor, "review queue")
    save_screenshot(auditor, "review-queue")
    auditor.goto(f"/#/review/{evaluation_id}")
    auditor.wait_for_selector("#review-photos [data-loaded='true']")
    auditor.wait_for_selector("#integrity [data-check]")
    assert_no_raw_text(auditor, "review detail")
    assert_fits_the_phone(auditor, "review detail")
    save_screenshot(auditor, "review-detail")

    auditor.click("#nav-surveys")
    auditor.locator("#survey-campaigns [data-new-survey]").first.click()
    auditor.wait_for_selector("[data-screen=surveys] #survey-save")
    assert_no_raw_text(auditor, "survey interview")
    assert_fits_the_phone(auditor, "survey interview")
    save_screenshot(auditor, "survey-interview")
