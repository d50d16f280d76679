"""Schemes at the desk (issue 10): a scheme manager imports a scheme file (a refused one lists
its problems by path), compares versions side by side, chooses the current one; the CQC scheme's
missing chapter-5 clause is added as data this way and scored with. Engagements keep their
version.

Real server on the demo data (which imports the three scheme files), Debian's Chromium, both
databases. Screenshots: ``test-artifacts/screenshots/office-schemes-*.png``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page

from backend.engagements.models import Engagement
from backend.schemes.models import SchemeVersion
from backend.schemes.services import load_scheme_version
from backend.scoring import parse_input, result_json, score
from backend.users.models import Role
from tests.browser.live import World, live_world, save_screenshot
from tests.browser.office import TABLET, desk_context, desk_page, office_ready, open_desk
from tests.chromium import launch_chromium
from tests.factories import SCHEMES_DIR

pytestmark = pytest.mark.browser

CQC = (SCHEMES_DIR / "cqc83-831102-2025.yaml").read_text(encoding="utf-8")
CHAPTER_5 = """    - code: "5"
      title: {zh: "CQC/SC 11002 第5章", en: "CQC/SC 11002 chapter 5"}
      clauses:
        - code: "5.1.1"
          title: {zh: "服务人员资格", en: "Service staff qualification"}
timing:"""
CQC_13 = CQC.replace('version: "1.2"', 'version: "1.3"', 1).replace("timing:", CHAPTER_5, 1)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with live_world(tmp_path_factory.mktemp("office-schemes")) as world:
        yield world


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as browser:
        yield browser


@pytest.fixture
def manager(browser: Browser, world: World) -> Iterator[Page]:
    with desk_page(browser, world.server.url, Role.SCHEME_MANAGER) as page:
        yield page


def test_a_refused_scheme_file_lists_its_problems_by_path(manager: Page) -> None:
    manager.click("#office-nav [data-office-nav='scheme-import']")
    office_ready(manager, "scheme-import")
    manager.fill("#scheme-text", CQC_13.replace("pass_mark: 3", "pass_mark: lots"))
    manager.click("#scheme-submit")
    manager.wait_for_selector("#scheme-result [data-result='invalid'][data-code='SCHEME_INVALID']")
    row = manager.locator("#scheme-problems tr[data-path='conformity.pass_mark']")
    assert "lots" in row.inner_text()
    assert manager.locator("#scheme-problems tbody tr").count() >= 1
    save_screenshot(manager, "office-schemes-import-refused-1280")


def test_chapter_5_is_added_as_a_new_version_compared_made_current_and_scored_with(
    manager: Page, world: World, tmp_path: Path
) -> None:
    with world.session() as session:
        planned = session.scalars(sa.select(Engagement)).first()
        assert planned is not None
        pinned = planned.scheme_version_id
    manager.goto("/#/office/schemes/import")
    office_ready(manager, "scheme-import")
    path = tmp_path / "cqc83-831102-2025-v1.3.yaml"
    path.write_text(CQC_13, encoding="utf-8")
    manager.set_input_files("#scheme-file", str(path))
    manager.wait_for_function("document.querySelector('#scheme-text').value.includes('5.1.1')")
    manager.click("#scheme-submit")
    result = manager.locator("#scheme-result [data-result='created']")
    result.wait_for()
    new_id = result.get_attribute("data-version-id")
    assert new_id is not None

    manager.click("#scheme-compare")
    office_ready(manager, "scheme-diff")
    assert manager.get_attribute("#diff-new", "data-version-id") == new_id
    added = manager.locator("[data-section='conformity'] tr[data-path='conformity.chapters[5]']")
    assert added.get_attribute("data-change") == "added"
    assert "第5章" in added.inner_text()
    assert manager.locator("[data-section='about'] tr[data-path='version']").count() == 1
    assert manager.get_attribute("#diff-count", "data-count") == "2"
    save_screenshot(manager, "office-schemes-diff-1280")

    manager.goto("/#/office/schemes")
    office_ready(manager, "schemes")
    manager.click(f"[data-make-current='{new_id}']")
    manager.wait_for_selector(f"tr[data-row-id='{new_id}'][data-current='true']")
    save_screenshot(manager, "office-schemes-list-1280")

    # Scored with the version imported through the screen: chapter 5 counts.
    with world.session() as session:
        scheme = load_scheme_version(session, uuid.UUID(new_id))
        judgements = {"4.3.1": "full", "4.3.2": "full", "4.4.2": "full", "5.1.1": "basic"}
        result_data = result_json(score(scheme, parse_input({"conformity": judgements}, scheme)))
        assert result_data["conformity"]["exact"]["chapters"] == {"4": "4", "5": "3"}
        assert result_data["decision"]["outcome"] == "certified"
        # The planned engagement keeps the version it was planned with.
        engagement = session.get(Engagement, planned.id)
        assert engagement is not None and engagement.scheme_version_id == pinned
        stored = session.get(SchemeVersion, uuid.UUID(new_id))
        assert stored is not None and stored.version == "1.3"


def test_a_team_leader_reads_schemes_but_may_not_import_or_choose(
    browser: Browser, world: World
) -> None:
    context = desk_context(browser, world.server.url, TABLET)
    try:
        page = context.new_page()
        open_desk(page, Role.TEAM_LEADER)
        page.goto("/#/office/schemes")
        office_ready(page, "schemes")
        assert page.locator("[data-make-current]").count() == 0
        assert page.locator("#schemes-import").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
        save_screenshot(page, "office-schemes-list-768")
        page.goto("/#/office/schemes/import")
        page.wait_for_selector("#office-not-found")
    finally:
        context.close()
