"""Nonconformities in the browser (issue 12, CQC rule §5.2.3.1): opened by the auditor on the
office screen, answered with a photo by the client user in the portal, verified on site by the
auditor and re-judged 基本符合. Every step is a click or a keystroke; the database is read only to
check. Screenshots in ``test-artifacts/screenshots/nc-*.png``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page

from backend.auth.passwords import hash_password
from backend.engagements.models import EngagementKind
from backend.evidence.models import Evidence
from backend.nonconformities.models import Nonconformity, NonconformityEvidence
from backend.users.models import Organisation, Role, User
from tests.browser.live import World, live_world, make_photo, save_screenshot, wait_for_app
from tests.browser.office import desk_context, route_ready
from tests.chromium import launch_chromium
from tests.factories import make_client, make_engagement, make_scheme_version, make_site, make_unit

pytestmark = pytest.mark.browser

PASSWORD = "nc-browser-2026"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with live_world(tmp_path_factory.mktemp("ncs")) as world:
        yield world


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as browser:
        yield browser


@dataclass(frozen=True)
class Setup:
    auditor: str
    leader: str
    client_user: str
    engagement_id: uuid.UUID


@pytest.fixture(scope="module")
def setup(world: World) -> Setup:
    """A body, its fire-IoT client audited under CQC83-831102-2025 (initial), the team's auditor
    and the client's user."""
    session = world.session()
    organisation = Organisation(id=uuid.uuid4(), name="赣江服务认证中心（不符合项）")
    session.add(organisation)
    people = {}
    for key, role, name in (
        ("leader", Role.TEAM_LEADER, "周组长"),
        ("auditor", Role.AUDITOR, "吴审查"),
        ("client_user", Role.CLIENT_USER, "褚联系人"),
    ):
        user = User(
            id=uuid.uuid4(),
            organisation_id=organisation.id,
            email=f"nc-{key.replace('_', '-')}@ganjiang.test",
            display_name=name,
            role=role,
            password_hash=hash_password(PASSWORD),
            is_active=True,
        )
        session.add(user)
        people[key] = user
    session.flush()
    client = make_client(session, organisation=organisation, name="江西赣江消防物联网科技有限公司")
    site = make_site(session, unit=make_unit(session, client=client))
    engagement = make_engagement(
        session,
        client=client,
        leader=people["leader"],
        auditors=[people["auditor"]],
        sites=[site],
        scheme_version=make_scheme_version(session, name="cqc83-831102-2025.yaml"),
        modes=("A", "E", "G"),
    )
    engagement.kind = EngagementKind.INITIAL
    engagement.title = "消防设施物联网平台服务 初次认证"
    people["client_user"].client_id = client.id
    session.commit()
    out = Setup(
        people["auditor"].email, people["leader"].email, people["client_user"].email, engagement.id
    )
    session.close()
    return out


def sign_in_as(page: Page, email: str) -> None:
    page.goto("/#/login")
    wait_for_app(page)
    page.fill("#login-email", email)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_function("document.documentElement.dataset.route !== 'login'")


def test_opened_answered_with_a_photo_and_verified(
    browser: Browser, world: World, setup: Setup, tmp_path: Path
) -> None:
    auditor = desk_context(browser, world.server.url).new_page()
    client_page = desk_context(browser, world.server.url).new_page()
    session = world.session()
    try:
        # --- The auditor opens a nonconformity against clause 4.3.1 (§5.2.3.1 应开具不符合项).
        sign_in_as(auditor, setup.auditor)
        auditor.goto("/#/office/ncs")
        route_ready(auditor, "ncs")
        auditor.click(
            f"#nc-engagements tr[data-row-id='{setup.engagement_id}'] [data-action='open-ncs']"
        )
        route_ready(auditor, "ncs-engagement")
        auditor.fill("#nc-open-form [name='clause']", "4.3.1")
        auditor.fill(
            "#nc-open-form [name='finding']",
            "附表1第2行：平台接收火警后 5s 才向联网单位发送告警信息，超过 3s 的要求。",
        )
        auditor.click("#nc-open-form [data-action='open-nc']")
        auditor.wait_for_selector(".nc-card[data-stage='open']")
        nc = session.scalars(
            sa.select(Nonconformity).where(Nonconformity.engagement_id == setup.engagement_id)
        ).one()
        nc_id, latest_due = nc.id, nc.latest_due.isoformat()
        # §5.2.3.1 after an initial audit: typically 20 days, at most 60, from the day opened.
        assert nc.typical_due - nc.opened_on == timedelta(days=20)
        assert nc.latest_due - nc.opened_on == timedelta(days=60)
        # End the read: on SQLite an open transaction would hold off the server's writes.
        session.rollback()
        card = auditor.inner_text(f".nc-card[data-nc-id='{nc_id}']")
        assert latest_due in card and "待整改" in card
        save_screenshot(auditor, "nc-opened-by-auditor")

        # --- The client user: on the home, then the answer with a photo (整改证据).
        sign_in_as(client_page, setup.client_user)
        client_page.goto("/#/office")
        client_page.wait_for_selector("#home-ncs-to-answer[data-count='1']")
        client_page.click("#home-ncs-to-answer [data-action='open-nc']")
        route_ready(client_page, "portal-nc")
        facts = client_page.inner_text("#nc-facts")
        assert "超过 3s" in facts and latest_due in facts
        assert "吴审查" not in client_page.inner_text("body")  # never who found it
        client_page.fill("#nc-answer-form [name='cause']", "平台告警转发队列配置的重试间隔过长。")
        client_page.fill(
            "#nc-answer-form [name='correction']",
            "已将转发重试间隔改为 0.5s，并对 20 个联网单位各复测 3 次，时差均 ≤ 2s。",
        )
        photo = make_photo(tmp_path / "rectified.jpg", 1200, 900, seed=3, noise=0.1)
        client_page.set_input_files("#nc-files", str(photo))
        client_page.wait_for_function(
            "document.querySelector('#nc-upload-status').textContent !== '正在上传…'"
        )
        status = client_page.inner_text("#nc-upload-status")
        assert client_page.get_attribute("#nc-upload-status", "data-uploaded") == "1", status
        save_screenshot(client_page, "nc-client-answer-form")
        client_page.click("#nc-answer-form [data-action='submit-answer']")
        client_page.wait_for_selector("#nc-facts[data-stage='answered']")
        client_page.wait_for_selector("#nc-answer-shown img")
        save_screenshot(client_page, "nc-client-answered")
        links = session.scalars(
            sa.select(NonconformityEvidence).where(NonconformityEvidence.nonconformity_id == nc_id)
        ).all()
        assert [link.part for link in links] == ["answer"]
        stored = session.get_one(Evidence, links[0].evidence_id)
        assert stored.sha256 and stored.media_type == "image/jpeg"
        session.rollback()

        # --- The team leader's home lists it as waiting for verification.
        leader = desk_context(browser, world.server.url).new_page()
        sign_in_as(leader, setup.leader)
        leader.goto("/#/office")
        leader.wait_for_selector("#home-team-ncs[data-to-verify='1']")
        save_screenshot(leader, "nc-leader-home")
        leader.context.close()
        auditor.reload()

        # --- The auditor verifies on site and re-judges the clause 基本符合 (at most, §5.2.3.1).
        route_ready(auditor, "ncs-engagement")
        form = f"form.nc-verify[data-nc-id='{nc_id}']"
        auditor.wait_for_selector(f".nc-card[data-nc-id='{nc_id}'] .nc-answer img")
        options = auditor.locator(f"{form} [name='rejudged'] option").all_inner_texts()
        assert options == ["部分符合", "基本符合"]  # never 完全符合 after rectification
        auditor.select_option(f"{form} [name='method']", "on_site")
        auditor.fill(
            f"{form} [name='verification']", "现场抽取 5 个联网单位模拟火警，转发时差 1–2s。"
        )
        auditor.select_option(f"{form} [name='rejudged']", "basic")
        save_screenshot(auditor, "nc-auditor-verify")
        auditor.click(f"{form} [data-action='accept']")
        auditor.wait_for_selector(f".nc-card[data-nc-id='{nc_id}'][data-stage='closed']")
        save_screenshot(auditor, "nc-auditor-closed")
        closed = session.get_one(Nonconformity, nc_id)
        assert (closed.stage, closed.rejudged, closed.verification_method) == (
            "closed",
            "basic",
            "on_site",
        )
        session.rollback()

        # --- The client sees it closed, re-judged 基本符合.
        client_page.reload()
        route_ready(client_page, "portal-nc")
        client_page.wait_for_selector("#nc-verification")
        assert "基本符合" in client_page.inner_text("#nc-verification")
        save_screenshot(client_page, "nc-client-closed")
        # English is there too.
        client_page.click("button[data-locale='en']")
        route_ready(client_page, "portal-nc")
        client_page.wait_for_selector("#nc-verification")
        assert "Basic conformity" in client_page.inner_text("#nc-verification")
        assert "On-site verification" in client_page.inner_text("#nc-verification")
        save_screenshot(client_page, "nc-client-closed-en")
    finally:
        session.close()
        auditor.context.close()
        client_page.context.close()
