"""Clients, units and sites at the desk (issue 10): a team leader adds a unit and a site whose
position comes from a pasted Amap link (GCJ-02), sees it in every datum with the offset, types
BD-09 numbers instead, sets the geofence; refused input is shown beside its field; a client user
reads their own client.

Real server on the demo data, Debian's Chromium, both databases. Screenshots:
``test-artifacts/screenshots/office-directory-*.png``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page

from backend import geo
from backend.clients.models import Client, Site
from backend.users.models import Role
from tests.browser.live import World, live_world, save_screenshot
from tests.browser.office import TABLET, desk_context, desk_page, office_ready, open_desk
from tests.chromium import launch_chromium

pytestmark = pytest.mark.browser

#: A point near the first demo site, as Amap's share link gives it (longitude first, GCJ-02).
AMAP_LINK = (
    "https://uri.amap.com/marker?position=115.966070,28.713700&name=%E6%B1%A1%E6%B0%B4%E5%8E%82"
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with live_world(tmp_path_factory.mktemp("office-directory")) as world:
        yield world


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as browser:
        yield browser


@pytest.fixture
def leader(browser: Browser, world: World) -> Iterator[Page]:
    with desk_page(browser, world.server.url, Role.TEAM_LEADER) as page:
        yield page


def demo_client_id(world: World) -> str:
    with world.session() as session:
        client = session.scalars(sa.select(Client)).first()
        assert client is not None
        return str(client.id)


def test_a_site_from_an_amap_link_is_stored_in_wgs84_with_its_offset_shown(
    leader: Page, world: World
) -> None:
    leader.click("#office-nav [data-office-nav='clients']")
    office_ready(leader, "clients")
    client_id = demo_client_id(world)
    leader.click(f"#clients-table tr[data-row-id='{client_id}'] a")
    office_ready(leader, "client")

    # A new unit, then a site in it.
    leader.fill("#unit-add [data-field='name'] input", "二期工程")
    leader.click("#unit-add button[type=submit]")
    unit = leader.locator("[data-unit-id]", has_text="二期工程")
    unit.wait_for()
    unit.locator("[data-add-site]").click()
    office_ready(leader, "site-new")

    # Saving with nothing filled in names the fields.
    leader.click("#site-save")
    leader.wait_for_selector("[data-field='name'][data-invalid] [data-field-error]")
    assert leader.get_attribute("#site-form [data-form-error]", "data-code") == "VALIDATION_ERROR"

    # A short link cannot be read: the screen says what to do instead.
    leader.fill("#location-paste", "https://surl.amap.com/1abcD")
    leader.click("#location-read")
    error = leader.locator("#location-error")
    error.wait_for()
    assert "短链接" in error.inner_text()

    leader.fill("#f-name", "二期泵站")
    leader.fill("#f-address", "江西省南昌市新建区长堎工业园 8 号")
    leader.fill("#location-paste", AMAP_LINK)
    leader.click("#location-read")
    leader.wait_for_selector("#location-preview[data-source='amap'][data-datum='gcj02']")
    assert leader.is_checked("[data-datum='gcj02']")
    assert leader.input_value("#location-latitude") == "28.7137"
    offset = float(leader.get_attribute("#location-offset", "data-offset-m") or 0)
    assert 400 < offset < 800
    wgs = geo.gcj02_to_wgs84(28.7137, 115.96607)
    assert leader.inner_text("[data-point='wgs84']") == f"{wgs.latitude:.6f}, {wgs.longitude:.6f}"
    leader.fill("#f-geofence_radius_m", "200")
    save_screenshot(leader, "office-directory-site-new-1280")
    leader.click("#site-save")
    office_ready(leader, "site")
    site_id = leader.evaluate("location.hash.split('/').pop()")

    with world.session() as session:
        site = session.get(Site, uuid.UUID(site_id))
        assert site is not None
        assert (site.latitude, site.longitude) == pytest.approx(wgs, abs=1e-7)
        assert site.entered_datum == "gcj02" and site.geofence_radius_m == 200

    # The same place typed in Baidu's numbers: the preview follows the datum chosen.
    bd = geo.wgs84_to_bd09(*wgs)
    leader.check("[data-datum='bd09']")
    leader.fill("#location-latitude", f"{bd.latitude:.6f}")
    leader.fill("#location-longitude", f"{bd.longitude:.6f}")
    leader.wait_for_selector("#location-preview[data-source='typed'][data-datum='bd09']")
    assert leader.inner_text("[data-point='wgs84']") == f"{wgs.latitude:.6f}, {wgs.longitude:.6f}"
    leader.click("#site-save")
    leader.wait_for_selector("#site-saved [data-saved]")
    with world.session() as session:
        site = session.get(Site, uuid.UUID(site_id))
        assert site is not None and site.entered_datum == "bd09"
        assert (site.latitude, site.longitude) == pytest.approx(wgs, abs=1e-6)


def test_an_out_of_range_geofence_is_refused_beside_its_field(leader: Page, world: World) -> None:
    with world.session() as session:
        site = session.scalars(sa.select(Site)).first()
        assert site is not None
        site_id = site.id
    leader.goto(f"/#/office/sites/{site_id}")
    office_ready(leader, "site")
    leader.wait_for_selector("#location-preview[data-source='typed']")
    leader.fill("#f-geofence_radius_m", "9000")
    leader.click("#site-save")
    message = leader.locator("[data-field='geofence_radius_m'] [data-field-error]")
    message.wait_for()
    assert "5000" in message.inner_text()
    save_screenshot(leader, "office-directory-site-error-1280")


def test_a_client_user_reads_their_client_and_sites(browser: Browser, world: World) -> None:
    context = desk_context(browser, world.server.url, TABLET)
    try:
        page = context.new_page()
        open_desk(page, Role.CLIENT_USER)
        page.click("#home-client [data-link]")
        office_ready(page, "client")
        assert page.locator("#client-form, #unit-add, [data-add-site]").count() == 0
        assert page.locator("[data-unit-id] table tbody tr").count() >= 1
        assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
        save_screenshot(page, "office-directory-client-768")
        page.locator("[data-unit-id] table tbody tr a").first.click()
        office_ready(page, "site")
        assert page.locator("#site-form").count() == 0
        assert page.locator("[data-point='wgs84']").is_visible()
    finally:
        context.close()
