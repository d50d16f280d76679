"""The field app as a shopper and an auditor use it, in Debian's Chromium against the real server.

One migrated database with the demo data per module and the real app in a server process of
its own (``tests/browser/live.py``), so a test can kill it mid-sync and start it again. Every
test makes its own assignment, so each visit is the only one of its assignment. Waits are on
DOM state (``data-*`` attributes the screens set), never on the clock.

Run alone: ``.venv/bin/pytest tests/browser -q`` (needs ``make pwa`` and ``apt-get install
chromium``); ``TEST_DATABASE_URL=postgresql+psycopg://…`` runs the server on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, BrowserContext, Page, Route

from backend.demo import DEMO_ENGAGEMENT
from backend.engagements.models import Engagement
from backend.users.models import Role
from tests.browser.live import (
    StoredPhoto,
    World,
    jpeg_size,
    live_world,
    make_photo,
    phone_context,
    read_position,
    restore_visit_stores,
    sign_in,
    snapshot_visit_stores,
    stored_photos,
    wait_for_app,
    wait_for_controller,
)
from tests.chromium import launch_chromium

pytestmark = pytest.mark.browser

#: The five items the tests treat specially; the rest get level 4.
NA_ITEM = "2.1"
ALPHA_ITEM = "1.2"
PHOTO_ITEMS = ("1.1", "3.1")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with live_world(tmp_path_factory.mktemp("field-app")) as world:
        yield world


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Camera files: a 12-megapixel JPEG (downscaled on the phone) and two small ones."""
    folder = tmp_path_factory.mktemp("camera")
    return [
        make_photo(folder / "IMG_0001.jpg", 4000, 3000, 1),
        make_photo(folder / "IMG_0002.jpg", 1600, 1200, 2),
        make_photo(folder / "IMG_0003.jpg", 1200, 1600, 3),
    ]


@pytest.fixture
def shopper(browser: Browser, world: World) -> Iterator[tuple[BrowserContext, Page]]:
    context = phone_context(browser, world.server.url)
    try:
        yield context, context.new_page()
    finally:
        context.close()


# --------------------------------------------------------------------------- steps


def open_visit(page: Page, assignment_id: str) -> str:
    """From the assignment list to the visit screen; returns the draft (evaluation) id."""
    page.goto("/#/assignments")
    wait_for_app(page)
    card = page.locator(f'[data-assignment-id="{assignment_id}"]')
    card.locator("[data-open-assignment]").click()
    page.wait_for_selector('[data-screen="visit"][data-draft-id] #checkin')
    draft_id = page.locator('[data-screen="visit"]').get_attribute("data-draft-id")
    assert draft_id
    return draft_id


def record_visit(page: Page, photos: list[Path]) -> None:
    """Check in, rate every item, photos on two items and one general, notes, check out."""
    read_position(page, "#checkin", "#checkin-fixes")
    assert page.locator("#checkin-geo").get_attribute("data-geo") == "ok"
    items = page.locator("[data-item]").evaluate_all("els => els.map(e => e.dataset.item)")
    assert len(items) >= 10
    for code in items:
        card = page.locator(f'article[data-item="{code}"]')
        if code == NA_ITEM:
            card.locator("[data-na]").check()
            card.locator("[data-na-reason]").fill("现场无此项服务")
        elif code == ALPHA_ITEM:
            card.locator("[data-alpha]").fill("0.75")
            card.locator("[data-alpha]").dispatch_event("change")
        else:
            card.locator('[data-level="4"]').click()
        page.wait_for_function(
            f"document.querySelector('article[data-item=\"{code}\"]').dataset.rated !== 'none'"
        )
    for item, photo in zip(PHOTO_ITEMS, photos, strict=False):
        add_photo(page, f'[data-photo-input="{item}"]', f'[data-photos="{item}"]', photo)
    add_photo(page, "#photo-general", '[data-photos="general"]', photos[-1])
    page.fill("#visit-notes", "项目部接待规范，资料齐全。")
    read_position(page, "#checkout", "#checkout-fixes")


def add_photo(page: Page, input_selector: str, list_selector: str, photo: Path) -> None:
    before = page.locator(f"{list_selector} [data-photo-id]").count()
    page.set_input_files(input_selector, str(photo))
    page.wait_for_function(
        "([sel, n]) => document.querySelectorAll(sel + ' [data-photo-id]').length > n",
        arg=[list_selector, before],
    )


def submit(page: Page) -> None:
    page.click("#submit-visit")
    page.wait_for_selector(
        '#visit-status[data-status="queued"], #visit-status[data-status="synced"]'
    )


def wait_synced(page: Page) -> None:
    """Until the outbox is empty and the last run succeeded (the indicator says so)."""
    page.wait_for_function(
        "(() => { const s = document.getElementById('sync-indicator');"
        " return s.dataset.pending === '0' && s.dataset.state === 'synced'; })()",
        timeout=60_000,
    )


def wait_until(page: Page, condition: Callable[[], bool], what: str) -> None:
    """Wait for a condition of the test's own world while the page keeps running (route handlers
    run inside Playwright's waits)."""
    for _ in range(600):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"timed out waiting for {what}")


def assert_one_evaluation_with_identical_photos(
    world: World, assignment_id: str, draft_id: str, kept: list[StoredPhoto]
) -> None:
    evaluations = world.evaluations_for(assignment_id)
    assert [str(e.id) for e in evaluations] == [draft_id]
    assert str(evaluations[0].status) == "submitted"
    version = world.latest_version(draft_id)
    assert version.ratings[NA_ITEM] == {"na": True, "reason": "现场无此项服务"}
    assert str(version.ratings[ALPHA_ITEM]["alpha"]) == "0.75"
    cited = {link["evidence_id"] for link in version.evidence}
    assert cited == {photo.id for photo in kept}
    records = world.evidence([photo.id for photo in kept])
    assert set(records) == cited
    for photo in kept:
        # What the phone recorded at capture, what it stored, what the server holds: one hash.
        assert photo.recorded_sha256 == photo.sha256
        assert records[photo.id].sha256 == photo.sha256
        assert world.original_bytes(photo.sha256) == photo.data


# --------------------------------------------------------------------------- tests


def test_a_visit_made_offline_arrives_once_with_byte_identical_photos(
    world: World, shopper: tuple[BrowserContext, Page], photos: list[Path]
) -> None:
    context, page = shopper
    assignment_id = world.new_assignment()
    sign_in(page, Role.SHOPPER)
    wait_for_controller(page)
    draft_id = open_visit(page, assignment_id)

    context.set_offline(True)
    record_visit(page, photos)
    submit(page)
    page.wait_for_selector('#sync-indicator[data-state="offline"]')
    indicator = page.locator("#sync-indicator")
    assert int(indicator.get_attribute("data-pending-photos") or 0) == 3
    assert int(indicator.get_attribute("data-pending-records") or 0) >= 1
    kept = stored_photos(page)
    assert len(kept) == 3
    # The 12-megapixel photo was downscaled to 2048 px on its long side before storing.
    assert max(max(jpeg_size(p.data)) for p in kept) == 2048
    assert world.evaluations_for(assignment_id) == []

    page.reload()
    wait_for_app(page)
    page.wait_for_selector(f'[data-screen="visit"][data-draft-id="{draft_id}"]')
    assert page.locator("#visit-status").get_attribute("data-status") == "queued"
    assert page.locator("#sync-indicator").get_attribute("data-pending") != "0"
    assert world.evaluations_for(assignment_id) == []

    context.set_offline(False)
    wait_synced(page)

    assert_one_evaluation_with_identical_photos(world, assignment_id, draft_id, kept)


def test_the_app_comes_back_after_an_offline_reload(
    world: World, shopper: tuple[BrowserContext, Page]
) -> None:
    context, page = shopper
    assignment_id = world.new_assignment()
    sign_in(page, Role.SHOPPER)
    wait_for_controller(page)
    page.wait_for_selector(f'[data-assignment-id="{assignment_id}"]')

    context.set_offline(True)
    page.reload()
    wait_for_app(page)

    assert page.evaluate("navigator.serviceWorker.controller !== null")
    page.wait_for_selector(f'[data-assignment-id="{assignment_id}"]')
    assert page.locator("#assignments-cached").is_visible()
    page.wait_for_selector('#sync-indicator[data-state="offline"]')
    assert page.locator("#connection-status").get_attribute("data-status") == "offline"
    assert page.locator("#nav-settings").is_visible()
    # Still signed in offline: the draft opens from the cached packet.
    draft_id = open_visit(page, assignment_id)
    assert page.locator('article[data-item="1.1"] [data-level="5"]').is_visible()

    # Every change is saved at once: close the app mid-visit, and it is all still there.
    page.locator('article[data-item="1.1"] [data-level="5"]').click()
    page.locator('article[data-item="1.2"] [data-item-note]').fill("前台无人接待 5 分钟")
    page.fill("#visit-notes", "下雨，门口积水")
    page.wait_for_selector('[data-screen="visit"][data-unsaved="0"]')
    page.reload()
    wait_for_app(page)
    page.wait_for_selector(f'[data-screen="visit"][data-draft-id="{draft_id}"]')
    level = page.locator('article[data-item="1.1"] [data-level="5"]')
    assert level.get_attribute("aria-pressed") == "true"
    note = page.locator('article[data-item="1.2"] [data-item-note]')
    assert note.input_value() == "前台无人接待 5 分钟"
    assert page.input_value("#visit-notes") == "下雨，门口积水"


def test_killing_the_server_mid_sync_loses_nothing_and_duplicates_nothing(
    world: World, browser: Browser, photos: list[Path]
) -> None:
    # No service worker: the page's own replay is the one sending, so the routes below see it.
    context = phone_context(browser, world.server.url, service_workers="block")
    page = context.new_page()
    try:
        assignment_id = world.new_assignment()
        sign_in(page, Role.SHOPPER)
        draft_id = open_visit(page, assignment_id)
        context.set_offline(True)
        record_visit(page, photos)
        submit(page)
        kept = stored_photos(page)

        seen: list[str] = []

        def kill_mid_request(route: Route) -> None:
            seen.append(route.request.url)
            if len(seen) == 2:
                # The second upload: the server dies before the body is in.
                world.server.kill()
                route.abort("connectionreset")
            elif route.request.method == "PUT" and "/api/evaluations/" in route.request.url:
                # The create: the server stores it, then dies before the answer gets out.
                route.fetch()
                world.server.kill()
                route.abort("connectionreset")
            else:
                route.continue_()

        context.route("**/api/evidence/*", kill_mid_request)
        context.route("**/api/evaluations/*", kill_mid_request)
        context.set_offline(False)
        page.wait_for_function(
            "document.getElementById('sync-indicator').dataset.state === 'error'"
        )
        assert world.server.process is None
        world.server.start()
        # The rest of the photos go up; the create reaches the server, which dies before answering.
        page.click("#sync-now")
        wait_until(page, lambda: world.server.process is None, "the create to reach the server")
        assert world.evaluations_for(assignment_id) != [], "the server stored the create"
        page.wait_for_function(
            "document.getElementById('sync-indicator').dataset.state === 'error'"
        )
        world.server.start()
        context.unroute("**/api/evidence/*")
        context.unroute("**/api/evaluations/*")
        page.click("#sync-now")
        wait_synced(page)

        assert any("/api/evaluations/" in url for url in seen)
        assert_one_evaluation_with_identical_photos(world, assignment_id, draft_id, kept)
    finally:
        context.close()
        if world.server.process is None:
            world.server.start()


def test_the_same_outbox_replayed_twice_changes_nothing_the_second_time(
    world: World, browser: Browser, photos: list[Path]
) -> None:
    context = phone_context(browser, world.server.url, service_workers="block")
    page = context.new_page()
    try:
        assignment_id = world.new_assignment()
        sign_in(page, Role.SHOPPER)
        draft_id = open_visit(page, assignment_id)
        context.set_offline(True)
        record_visit(page, photos)
        submit(page)
        kept = stored_photos(page)
        counts = snapshot_visit_stores(page)
        assert counts["outbox"] >= 4, counts  # three uploads and the create, at least
        evidence_before = world.evidence_count()

        context.set_offline(False)
        wait_synced(page)
        assert len(world.evaluations_for(assignment_id)) == 1
        assert world.evidence_count() == evidence_before + 3
        first = world.latest_version(draft_id)

        # The phone forgets it was ever answered: the very same outbox goes out again.
        answers: list[tuple[str, str, int]] = []
        page.on(
            "response",
            lambda r: (
                answers.append((r.request.method, r.url, r.status))
                if r.request.method in ("PUT", "PATCH")
                else None
            ),
        )
        restore_visit_stores(page)
        # The app replays its outbox at start-up.
        page.reload()
        wait_until(page, lambda: len(answers) >= counts["outbox"], "the outbox to be replayed")
        wait_synced(page)

        # Every request was one the server had seen: each answered 200, nothing new stored.
        assert len(answers) == counts["outbox"], answers
        assert all(status == 200 for _, _, status in answers), answers
        assert world.evidence_count() == evidence_before + 3
        assert world.latest_version(draft_id).number == first.number
        assert_one_evaluation_with_identical_photos(world, assignment_id, draft_id, kept)
    finally:
        context.close()


def test_a_returned_visit_is_corrected_and_resubmitted(
    world: World, browser: Browser, shopper: tuple[BrowserContext, Page], photos: list[Path]
) -> None:
    _, page = shopper
    assignment_id = world.new_assignment()
    sign_in(page, Role.SHOPPER)
    draft_id = open_visit(page, assignment_id)
    record_visit(page, photos[1:])
    submit(page)
    wait_synced(page)
    assert str(world.evaluation(draft_id).status) == "submitted"

    # The auditor finds it in the review queue and returns it with a comment.
    auditor_context = phone_context(browser, world.server.url)
    auditor = auditor_context.new_page()
    try:
        sign_in(auditor, Role.AUDITOR)
        auditor.goto("/#/review")
        auditor.locator(f'[data-evaluation-id="{draft_id}"] a').click()
        auditor.wait_for_selector(f'[data-screen="review"][data-evaluation-id="{draft_id}"]')
        assert auditor.locator("#review-plot [data-fix]").count() >= 2
        assert auditor.locator("#review-plot [data-photo-point]").count() == 3
        assert auditor.locator("#integrity").get_attribute("data-flags") is not None
        auditor.wait_for_selector("#review-photos [data-loaded='true']")
        comment = "1.1 的照片看不清门店招牌，请补拍并重新评价。"
        auditor.click("#review-return")
        assert auditor.locator("#review-message").get_attribute("class") == "error"
        auditor.fill("#review-comment", comment)
        auditor.click("#review-return")
        auditor.wait_for_selector('#review-message[data-done="return"]')
    finally:
        auditor_context.close()
    assert str(world.evaluation(draft_id).status) == "returned"

    # The shopper's list pulls the return; the visit shows the comment and can be corrected.
    page.goto("/#/assignments")
    page.wait_for_selector(f'[data-assignment-id="{assignment_id}"][data-draft="returned"]')
    page.locator(f'[data-assignment-id="{assignment_id}"] [data-open-assignment]').click()
    page.wait_for_selector('#visit-status[data-status="returned"]')
    assert page.locator("#return-comment-text").inner_text() == comment
    page.locator('article[data-item="1.1"] [data-level="2"]').click()
    add_photo(page, '[data-photo-input="1.1"]', '[data-photos="1.1"]', photos[0])
    page.click("#submit-visit")
    page.wait_for_selector(
        '#visit-status[data-status="queued"], #visit-status[data-status="synced"]'
    )
    wait_synced(page)

    evaluation = world.evaluation(draft_id)
    assert str(evaluation.status) == "submitted"
    assert evaluation.version == 2
    version = world.latest_version(draft_id)
    assert version.ratings["1.1"] == {"level": 2}
    assert len(version.evidence) == 4
    assert world.events(draft_id)[-2:] == [("submitted", "returned"), ("returned", "submitted")]
    assert [str(e.id) for e in world.evaluations_for(assignment_id)] == [draft_id]


def test_an_auditor_records_an_open_inspection_on_their_engagement(
    world: World, browser: Browser, photos: list[Path]
) -> None:
    context = phone_context(browser, world.server.url)
    page = context.new_page()
    try:
        sign_in(page, Role.AUDITOR)
        page.goto("/#/inspect")
        # The demo engagement (the certified demo has another on the same sites), at the site
        # the phone is at.
        with world.session() as session:
            demo = session.scalars(
                sa.select(Engagement.id).where(Engagement.title == DEMO_ENGAGEMENT)
            ).one()
        start = page.locator(
            f"[data-engagement-id='{demo}'] [data-start-inspection]", has_text="南昌"
        )
        start.click()
        page.wait_for_selector('[data-screen="visit"][data-draft-id] #checkin')
        draft_id = page.locator('[data-screen="visit"]').get_attribute("data-draft-id")
        assert draft_id
        record_visit(page, photos[1:])
        submit(page)
        wait_synced(page)
        page.wait_for_selector('#visit-status[data-status="synced"]')

        evaluation = world.evaluation(draft_id)
        assert evaluation.mode == "A"
        assert evaluation.assignment_id is None
        assert str(evaluation.status) == "submitted"
        # The record is listed under the auditor's own inspections.
        page.goto("/#/inspect")
        page.wait_for_selector(f'[data-draft-id="{draft_id}"][data-draft="synced"]')
    finally:
        context.close()


def test_settings_switch_to_english_and_large_text_on_a_phone(
    world: World, shopper: tuple[BrowserContext, Page]
) -> None:
    _, page = shopper
    sign_in(page, Role.SHOPPER)
    page.click("#nav-settings")
    page.wait_for_selector('[data-screen="settings"] #pair-state')
    assert page.locator("#pair-state").get_attribute("data-paired") == "false"
    assert page.locator("#nav-settings").inner_text() == "设置"

    page.click("#settings-lang-en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.locator("#nav-settings").inner_text() == "Settings"
    assert "Sign out" in page.locator("#sign-out").inner_text()
    page.check("#large-text")
    assert page.evaluate("document.documentElement.classList.contains('large-text')")
    # Nothing is wider than the 360 px screen, and the main targets are thumb-sized.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    for selector in ("#sign-out", "#nav-settings", "#lang-en"):
        box = page.locator(selector).bounding_box()
        assert box is not None and box["height"] >= 44, selector

    page.click("#sign-out")
    page.wait_for_selector("#login-form")
    page.reload()
    wait_for_app(page)
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("#login-form").is_visible()


def test_a_phone_paired_by_qr_link_works_without_signing_in(
    world: World, browser: Browser, shopper: tuple[BrowserContext, Page]
) -> None:
    context, page = shopper
    assignment_id = world.new_assignment()
    sign_in(page, Role.SHOPPER)
    csrf = context.request.get("/api/auth/csrf").json()["csrf_token"]
    paired = context.request.post(
        "/api/devices", data={"name": "测试手机"}, headers={"X-CSRF-Token": csrf}
    )
    assert paired.status == 201, paired.text()
    pairing_url = paired.json()["pairing_url"]
    assert "#pair=fcd_" in pairing_url

    phone = phone_context(browser, world.server.url)
    try:
        new_page = phone.new_page()
        new_page.goto(pairing_url)
        wait_for_app(new_page)
        # No sign-in: the device token opens the shopper's visits, and leaves the address bar.
        new_page.wait_for_selector(f'[data-assignment-id="{assignment_id}"]')
        assert "fcd_" not in new_page.url
        new_page.click("#nav-settings")
        new_page.wait_for_selector('#pair-state[data-paired="true"]')
    finally:
        phone.close()


def test_check_in_warns_outside_the_geofence_and_on_poor_accuracy(
    world: World, shopper: tuple[BrowserContext, Page]
) -> None:
    _, page = shopper
    assignment_id = world.new_assignment()
    sign_in(page, Role.SHOPPER)
    open_visit(page, assignment_id)

    # About 1.1 km north of the site (geofence 200 m).
    far = {"latitude": 28.7269, "longitude": 115.96026, "accuracy": 10}
    read_position(page, "#checkin", '#checkin-warning[data-warning="outside"]', at=far)
    assert page.locator("#checkin-geo").get_attribute("data-geo") == "outside"
    assert "200 m" in page.locator("#checkin-warning").inner_text()

    # Back at the site, but with fixes only good to ±120 m: the latest readings decide.
    vague = {"latitude": 28.71695, "longitude": 115.96026, "accuracy": 120}
    read_position(page, "#checkin", '#checkin-warning[data-warning="poor-accuracy"]', at=vague)
    # Every reading is kept and shown with its accuracy.
    accuracies = page.locator("#checkin-fixes li").evaluate_all(
        "els => els.map((e) => Number(e.dataset.accuracy))"
    )
    assert min(accuracies) <= 12 and max(accuracies) >= 120

    # A good reading at the site clears the warning.
    read_position(page, "#checkin", '#checkin-geo[data-geo="ok"]')
    assert page.locator("#checkin-warning").count() == 0
