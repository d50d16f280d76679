"""Administration at the desk (issue 10): users (add, change, reset a password, deactivate,
their devices and revoking one), the organisation's settings (name, address, certificate-number
format with its preview, report logo) and the audit log with filters and paging.

Real server on the demo data, Debian's Chromium, both databases (``TEST_DATABASE_URL``).
Screenshots: ``test-artifacts/screenshots/office-admin-*.png``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page

from backend.users.models import Role
from tests.browser.live import World, live_world, login_of, save_screenshot
from tests.browser.office import TABLET, desk_context, desk_page, office_ready, open_desk
from tests.chromium import launch_chromium

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with live_world(tmp_path_factory.mktemp("office-admin")) as world:
        yield world


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as browser:
        yield browser


@pytest.fixture
def admin(browser: Browser, world: World) -> Iterator[Page]:
    with desk_page(browser, world.server.url, Role.ADMIN) as page:
        page.on("dialog", lambda dialog: dialog.accept())
        yield page


def test_an_admin_adds_a_user_and_a_refused_field_is_shown_beside_it(admin: Page) -> None:
    admin.click("#office-nav [data-office-nav='users']")
    office_ready(admin, "users")
    assert admin.locator("#users-table tbody tr").count() == 7
    admin.click("#users-add")
    office_ready(admin, "user-new")
    admin.fill("#f-email", "new.auditor@demo.fieldcert.cn")
    admin.fill("#f-display_name", "赵新审查")
    admin.select_option("#f-role", "auditor")
    admin.fill("#f-password", "short")
    admin.click("#user-create")

    error = admin.locator("[data-field='password'] [data-field-error]")
    error.wait_for()
    assert "10" in error.inner_text()
    assert admin.get_attribute("#user-form [data-form-error]", "data-code") == "VALIDATION_ERROR"
    save_screenshot(admin, "office-admin-user-new-error-1280")

    admin.click("#user-generate")
    assert len(admin.input_value("#f-password")) == 17
    admin.click("#user-create")
    office_ready(admin, "user")
    assert admin.inner_text("#user-email") == "new.auditor@demo.fieldcert.cn"


def test_an_admin_resets_a_password_deactivates_and_revokes_a_device(
    admin: Page, world: World, browser: Browser
) -> None:
    # The shopper pairs a phone (by the API, as the settings screen would).
    email, password = login_of(Role.SHOPPER)
    phone = browser.new_context(base_url=world.server.url)
    try:
        request = phone.request
        csrf = request.get("/api/auth/csrf").json()["csrf_token"]
        login = request.post(
            "/api/auth/login",
            data={"email": email, "password": password},
            headers={"X-CSRF-Token": csrf},
        )
        token = login.json()["csrf_token"]
        paired = request.post(
            "/api/devices", data={"name": "周的手机"}, headers={"X-CSRF-Token": token}
        )
        assert paired.status == 201
        device_id = paired.json()["id"]
        users = admin.context.request.get("/api/users").json()
        shopper_id = next(u["id"] for u in users if u["email"] == email)

        admin.goto(f"/#/office/users/{shopper_id}")
        office_ready(admin, "user")
        row = admin.locator(f"#devices-table tr[data-row-id='{device_id}']")
        assert row.get_attribute("data-revoked") == "false"
        admin.click(f"[data-revoke-device='{device_id}']")
        admin.wait_for_selector(
            f"#devices-table tr[data-row-id='{device_id}'][data-revoked='true']"
        )

        admin.click("#user-reset")
        temporary = admin.locator("#temporary-password")
        temporary.wait_for()
        new_password = temporary.inner_text()
        assert len(new_password) == 17
        save_screenshot(admin, "office-admin-user-1280")
        # The phone's session ended; the temporary password signs in.
        assert request.get("/api/auth/me").status == 401
        again = phone.request.post(
            "/api/auth/login",
            data={"email": email, "password": new_password},
            headers={"X-CSRF-Token": phone.request.get("/api/auth/csrf").json()["csrf_token"]},
        )
        assert again.status == 200

        admin.click("#user-deactivate")
        admin.wait_for_selector("#user-status [data-status='inactive']")
        assert admin.locator("#user-activate").is_visible()
        admin.click("#user-activate")
        admin.wait_for_selector("#user-status [data-status='active']")
    finally:
        phone.close()


def logo_file(tmp_path: Path) -> Path:
    path = tmp_path / "徽标.png"
    buffer = io.BytesIO()
    Image.new("RGB", (240, 80), (30, 64, 175)).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def test_an_admin_edits_the_organisation_with_a_previewed_number_format_and_a_logo(
    admin: Page, tmp_path: Path
) -> None:
    admin.click("#office-nav [data-office-nav='organisation']")
    office_ready(admin, "organisation")
    # The default format until an administrator sets one.
    assert admin.locator("#number-examples [data-example]").first.inner_text().endswith("-00001")
    admin.fill("#f-certificate_number_format", "JXFW-{year}")
    error = admin.locator("[data-field='certificate_number_format'] [data-field-error]")
    error.wait_for()
    assert "{seq}" in error.inner_text()
    admin.fill("#f-certificate_number_format", "JXFW{yy}-{seq:4}")
    admin.wait_for_function(
        "document.querySelector('#number-examples [data-example]')?.textContent.endsWith('-0001')"
    )
    admin.fill("#f-address", "江西省南昌市红谷滩区丰和中大道 1 号")
    admin.click("#organisation-save")
    admin.wait_for_selector("#organisation-saved [data-saved]")

    admin.set_input_files("#logo-file", str(logo_file(tmp_path)))
    admin.wait_for_selector("#logo-image")
    admin.wait_for_function("document.querySelector('#logo-image').naturalWidth === 240")
    save_screenshot(admin, "office-admin-organisation-1280")
    settings = admin.context.request.get("/api/organisation").json()
    assert settings["address"].startswith("江西省南昌市")
    assert settings["certificate_number_format"] == "JXFW{yy}-{seq:4}"
    assert settings["logo"]["width"] == 240

    # A file that is not an image is refused, and the old logo stays.
    text = tmp_path / "notes.png"
    text.write_text("not an image", encoding="utf-8")
    admin.set_input_files("#logo-file", str(text))
    admin.wait_for_selector("#organisation-logo [data-form-error][data-code='VALIDATION_ERROR']")
    assert admin.locator("#logo-image").is_visible()


def test_the_audit_log_filters_and_pages(admin: Page) -> None:
    admin.click("#office-nav [data-office-nav='audit']")
    office_ready(admin, "audit")
    admin.wait_for_selector("[data-paged='audit-table'][data-state='ready']")
    first_page = admin.locator("#audit-table tbody tr").count()
    assert first_page == 25  # the demo data and the sign-ins make more than one page
    first_ids = admin.locator("#audit-table tbody tr").first.get_attribute("data-row-id")
    admin.click("[data-pager='audit-table'] [data-page-next]")
    admin.wait_for_selector("[data-paged='audit-table'][data-page='2'][data-state='ready']")
    assert admin.locator("#audit-table tbody tr").first.get_attribute("data-row-id") != first_ids
    admin.click("[data-pager='audit-table'] [data-page-prev]")
    admin.wait_for_selector("[data-paged='audit-table'][data-page='1'][data-state='ready']")

    admin.select_option("#audit-action", "auth.login")
    admin.click("#audit-apply")
    admin.wait_for_selector("[data-paged='audit-table'][data-state='ready']")
    actions = admin.locator("#audit-table tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.action)"
    )
    assert actions and set(actions) == {"auth.login"}
    assert "登录" in admin.inner_text("#audit-table tbody tr:first-child [data-col='action']")
    save_screenshot(admin, "office-admin-audit-1280")


def test_the_admin_screens_are_usable_at_768_px(browser: Browser, world: World) -> None:
    context = desk_context(browser, world.server.url, TABLET)
    try:
        page = context.new_page()
        open_desk(page, Role.ADMIN)
        for route in ("users", "organisation", "audit"):
            page.goto(f"/#/office/{route}")
            office_ready(page, route)
            assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
        save_screenshot(page, "office-admin-audit-768")
    finally:
        context.close()
