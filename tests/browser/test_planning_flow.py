"""Planning in the browser (issue 10, CQC rule §4, §5.1): an empty organisation taken through
the screens by its team leader, the plan confirmed by the client user in the portal.

A new organisation with one person per role and nothing else (no client, no site); the team
leader registers the client with two sites, records the application with its three documents
(PDFs through the evidence pipeline), accepts it, plans the engagement with an auditor chosen
from the directory, records the document review, writes and sends the audit plan; the client
user sees it on their home, reads it and confirms it; the team leader adds a second auditor,
sends the changed plan again, the client confirms again; then the mystery-shopper visits spread
over the two sites and a survey campaign with its posters. No API call from the test: every
step is a click or a keystroke. Screenshots in ``test-artifacts/screenshots/planning-*.png``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page

from backend.auth.passwords import hash_password
from backend.clients.models import Site
from backend.engagements.models import Assignment, Engagement
from backend.planning.models import Application, AuditPlan
from backend.surveys.models import SurveyCampaign
from backend.users.models import Organisation, Role, User
from tests.browser.live import World, live_world, save_screenshot, wait_for_app
from tests.browser.office import desk_context, route_ready
from tests.chromium import launch_chromium

pytestmark = pytest.mark.browser

PASSWORD = "planning-browser-2026"
PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with live_world(tmp_path_factory.mktemp("planning")) as world:
        yield world


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as browser:
        yield browser


@dataclass(frozen=True)
class Person:
    id: uuid.UUID
    email: str
    organisation_id: uuid.UUID


@pytest.fixture(scope="module")
def people(world: World) -> dict[str, Person]:
    """An empty organisation: one person per role it needs, nothing else."""
    session = world.session()
    organisation = Organisation(id=uuid.uuid4(), name="赣江服务认证中心（测试）")
    session.add(organisation)
    wanted = {
        "leader": (Role.TEAM_LEADER, "周组长"),
        "auditor": (Role.AUDITOR, "吴审查"),
        "second_auditor": (Role.AUDITOR, "郑审查"),
        "shopper": (Role.SHOPPER, "冯暗访"),
        "other_shopper": (Role.SHOPPER, "陈暗访"),
        "client_user": (Role.CLIENT_USER, "褚联系人"),
    }
    out = {}
    for key, (role, name) in wanted.items():
        user = User(
            id=uuid.uuid4(),
            organisation_id=organisation.id,
            email=f"{key.replace('_', '-')}@ganjiang.test",
            display_name=name,
            role=role,
            password_hash=hash_password(PASSWORD),
            is_active=True,
        )
        session.add(user)
        out[key] = Person(user.id, user.email, organisation.id)
    session.commit()
    session.close()
    return out


def sign_in_as(page: Page, user: Person) -> None:
    page.goto("/#/login")
    wait_for_app(page)
    page.fill("#login-email", user.email)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#office-main[data-state='ready']")


def pdf_file(tmp: Path, name: str) -> Path:
    path = tmp / name
    path.write_bytes(PDF.replace(b"trailer", f"% {name}\ntrailer".encode()))
    return path


def test_an_empty_organisation_is_planned_and_the_client_confirms(
    browser: Browser, world: World, people: dict[str, Person], tmp_path: Path
) -> None:
    context = desk_context(browser, world.server.url)
    page = context.new_page()
    try:
        # --- The team leader registers the client with its unit and two sites.
        sign_in_as(page, people["leader"])
        page.click("#office-nav [data-office-nav='applications']")
        route_ready(page, "applications")
        assert page.locator("[data-empty='applications']").is_visible()
        page.click("[data-action='new-client']")
        route_ready(page, "new-client")
        form = "#client-form"
        page.fill(f"{form} [name='name']", "江西赣江消防物联网科技有限公司")
        page.fill(f"{form} [name='unit.name']", "消防设施物联网平台服务")
        page.fill(f"{form} [name='unit.scope']", "城市消防远程监控平台的联网监测服务")
        # Each site's position pasted as copied from Amap (GCJ-02): the server reads it and
        # the latitude, longitude and datum fields take what it read.
        for i, (name, pasted) in enumerate(
            [("南昌监控中心", "28.682, 115.858"), ("九江运维站", "29.705,116.002")]
        ):
            page.fill(f"{form} [name='sites.{i}.name']", name)
            page.fill(f"{form} [name='sites.{i}.address']", f"江西省{name[:2]}市某路 {i + 1} 号")
            assert page.input_value(f"{form} [name='sites.{i}.location.datum']") == "gcj02"
            page.fill(f"{form} [name='sites.{i}.paste']", pasted)
            page.press(f"{form} [name='sites.{i}.paste']", "Enter")
            page.wait_for_selector(f"[data-paste-result='{i + 1}'][data-datum='gcj02']")
            lat, lng = (part.strip() for part in pasted.split(","))
            assert page.input_value(f"{form} [name='sites.{i}.location.latitude']") == lat
            assert page.input_value(f"{form} [name='sites.{i}.location.longitude']") == lng
            # GCJ-02 differs from WGS-84 by a few hundred metres in Jiangxi: the offset is said.
            offset = page.get_attribute(f"[data-paste-result='{i + 1}']", "data-offset-m")
            assert 100 < int(offset or 0) < 1000
        save_screenshot(page, "planning-new-client")
        page.click(f"{form} button[type=submit]")

        # --- The application (§4.2): Tengbiao CTS TBSC034 (its items make the customer survey),
        # initial certification.
        route_ready(page, "new-application-for-client")
        form = "#application-form"
        page.select_option(f"{form} [name='scheme_version_id']", label=_scheme_label(page, form))
        page.click(f"{form} button[type=submit]")
        route_ready(page, "application")
        assert page.get_attribute("#application-facts", "data-status") == "submitted"
        for doc_type in ("application_form", "registration_proof", "authenticity_declaration"):
            page.select_option("#document-form [name='doc_type']", doc_type)
            page.set_input_files(
                "#document-form input[type=file]", str(pdf_file(tmp_path, f"{doc_type}.pdf"))
            )
            page.click("#document-form button[type=submit]")
            page.wait_for_selector(f"#documents-table tr[data-row-id] >> nth={_count(doc_type)}")
            route_ready(page, "application")
        assert page.get_attribute("[data-missing]", "data-missing") == ""
        save_screenshot(page, "planning-application-documents")

        # --- Accepted (§4.3), then the engagement with an auditor from the directory.
        page.select_option("#review-form [name='accepted']", "accept")
        page.click("#review-form button[type=submit]")
        page.wait_for_selector("#application-review[data-status='accepted']")
        page.check(f"#engagement-form input[name=auditor_ids][value='{people['auditor'].id}']")
        page.check("#engagement-form input[name=modes][value='G']")
        save_screenshot(page, "planning-application-accepted")
        page.click("#engagement-form button[type=submit]")
        route_ready(page, "engagement-planning")

        # --- Document review (§5.1.4) and the audit plan (§4.4.4).
        page.select_option("#document-review-form [name='outcome']", "fit")
        page.click("#document-review-form button[type=submit]")
        page.wait_for_selector("#engagement-document-review[data-outcome='fit']")
        form = "#plan-form"
        page.fill(f"{form} [name='purpose']", "初次认证审查，评价平台服务是否符合认证依据。")
        page.fill(f"{form} [name='basis']", "CTS TBSC034-2026 服务认证技术规范；认证合同")
        page.fill(f"{form} [name='scope']", "消防设施物联网平台服务")
        page.fill(
            f"{form} [name='process']",
            "首次会议；服务能力确认（G）；公开检验（A）；顾客调查（E）；末次会议",
        )
        page.fill(f"{form} [name='departments']", "监控中心、运维部")
        for code in ("1.1", "2.1", "3.1"):
            page.check(f"{form} input[name='sampling.service_items'][value='{code}']")
        for target in page.locator(f"{form} [data-field='sampling.survey_targets'] input").all():
            target.fill("30")
        # The Tengbiao documents give no person-days: the team leader sets them.
        page.fill(f"{form} [name='manual_person_days']", "4")
        # Seed 003: which items each mode rates. The modes that rate service items (A, B of the
        # engagement's A, B, E, G), each listing TBSC034's 19 items under its 7 characteristics.
        modes = page.locator(f"{form} [data-items-mode]").evaluate_all(
            "els => els.map(e => e.dataset.itemsMode)"
        )
        assert modes == ["A", "B"]
        groups = page.locator(f"{form} [data-items-mode='A'] [data-characteristic]")
        assert groups.count() == 7
        assert groups.first.inner_text().startswith("1 功能性")
        every = page.locator(f"{form} [data-items-mode='A'] input").evaluate_all(
            "els => els.map(e => e.value)"
        )
        assert len(every) == 19 and every[:3] == ["1.1", "1.2", "1.3"]
        # A: all but 1.1 (全选, then one off); B: ticked, then 全不选: empty, so every item.
        page.click(f"{form} [data-select-all='A']")
        page.uncheck(f"{form} [name='items_by_mode.A'][value='1.1']")
        assert (
            page.get_attribute(f"{form} [data-items-mode='A'] [data-chosen]", "data-chosen") == "18"
        )
        for code in ("1.1", "2.1"):
            page.check(f"{form} [name='items_by_mode.B'][value='{code}']")
        page.click(f"{form} [data-select-none='B']")
        assert page.locator(f"{form} [name='items_by_mode.B']:checked").count() == 0
        assert "全部项目" in page.inner_text(f"{form} [data-items-mode='B'] [data-chosen]")
        # The sticky status bar is 40 px high: scroll so that the fieldset's legend shows.
        page.evaluate(
            "window.scrollTo(0, document.getElementById('plan-items-by-mode')"
            ".getBoundingClientRect().top + window.scrollY - 56)"
        )
        save_screenshot(page, "planning-items-by-mode-editing", full_page=False)
        page.click(f"{form} button[type=submit]")
        page.wait_for_selector("#plan-form [data-person-days='4']")
        # Saved through the plan API: the plan row has A's 18 items and no B (every item).
        session = world.session()
        planned_id, saved = session.execute(
            sa.select(AuditPlan.engagement_id, AuditPlan.sampling)
            .join(Engagement, Engagement.id == AuditPlan.engagement_id)
            .where(Engagement.organisation_id == people["leader"].organisation_id)
        ).one()
        session.close()
        assert saved["items_by_mode"] == {"A": every[1:]}
        # Shown on the plan: A's list, B unlimited; the editor ticks what was saved.
        summary = page.locator("#plan-items-by-mode-summary")
        assert summary.locator("[data-summary-mode='A']").get_attribute("data-items") == " ".join(
            every[1:]
        )
        assert "（18 项）" in summary.locator("[data-summary-mode='A']").inner_text()
        assert "全部项目（未限定）" in summary.locator("[data-summary-mode='B']").inner_text()
        assert not page.is_checked(f"{form} [name='items_by_mode.A'][value='1.1']")
        assert page.is_checked(f"{form} [name='items_by_mode.A'][value='7.1']")
        answer = page.request.get(f"/api/engagements/{planned_id}/plan")
        assert answer.json()["current"]["sampling"]["items_by_mode"] == {"A": every[1:]}
        page.evaluate(
            "window.scrollTo(0, document.getElementById('engagement-plan')"
            ".getBoundingClientRect().top + window.scrollY - 56)"
        )
        save_screenshot(page, "planning-items-by-mode-saved", full_page=False)
        page.click("[data-action='issue-plan']")
        page.wait_for_selector("[data-plan-status='issued'][data-revision='1']")
        save_screenshot(page, "planning-engagement-plan-issued")

        # --- The client user: the plan on the home, read and confirmed.
        session = world.session()
        engagement = session.scalars(
            sa.select(Engagement).where(
                Engagement.organisation_id == people["leader"].organisation_id
            )
        ).one()
        engagement_id, client_id = engagement.id, engagement.client_id
        # An administrator links the client user to the client (the users screen); here directly.
        session.execute(
            sa.update(User).where(User.id == people["client_user"].id).values(client_id=client_id)
        )
        session.commit()
        client_page = desk_context(browser, world.server.url).new_page()
        sign_in_as(client_page, people["client_user"])
        client_page.wait_for_selector("#home-plans-to-confirm[data-count='1']")
        save_screenshot(client_page, "planning-client-home")
        client_page.click("#home-plans-to-confirm [data-action='open-plan']")
        route_ready(client_page, "portal-plan")
        assert "周组长" in client_page.inner_text("#portal-plan-team")
        # The client reads which items mode A rates, as on the plan PDF.
        assert client_page.get_attribute(
            "#portal-plan-items-by-mode [data-summary-mode='A']", "data-items"
        ) == " ".join(every[1:])
        save_screenshot(client_page, "planning-client-plan")
        client_page.click("[data-action='confirm-plan']")
        client_page.wait_for_selector("#portal-confirmed")
        assert session.scalars(
            sa.select(AuditPlan.confirmed_revision).where(AuditPlan.engagement_id == engagement_id)
        ).all() == [1]
        # End the read: on SQLite an open transaction would hold the write lock the server needs.
        session.rollback()

        # --- A change after confirmation (§4.4.4 c)): the team grows, the plan goes again.
        page.select_option("#team-form [name='auditor_ids']", str(people["second_auditor"].id))
        page.click("#team-form button[type=submit]")
        page.wait_for_selector(f"#team-list [data-user-id='{people['second_auditor'].id}']")
        page.wait_for_selector("[data-changed]")
        page.click("[data-action='issue-plan']")
        page.wait_for_selector("[data-plan-status='issued'][data-revision='2']")
        client_page.goto("/#/office")
        client_page.wait_for_selector("#home-plans-to-confirm [data-status='changed']")
        client_page.click("#home-plans-to-confirm [data-action='open-plan']")
        route_ready(client_page, "portal-plan")
        assert "郑审查" in client_page.inner_text("#portal-plan-team")
        client_page.click("[data-action='confirm-plan']")
        client_page.wait_for_selector("#portal-confirmed")
        assert session.scalars(
            sa.select(AuditPlan.confirmed_revision).where(AuditPlan.engagement_id == engagement_id)
        ).all() == [2]
        session.rollback()
        portal_text = client_page.inner_text("body")
        assert "冯暗访" not in portal_text and "陈暗访" not in portal_text

        # --- Mystery-shopper visits over both sites, the survey and its posters.
        page.check(f"#spread-form input[name=shopper_ids][value='{people['shopper'].id}']")
        page.check(f"#spread-form input[name=shopper_ids][value='{people['other_shopper'].id}']")
        page.fill("#spread-form [name='visits_per_site']", "2")
        page.click("#spread-form button[type=submit]")
        page.wait_for_selector("#visits-table tr[data-row-id] >> nth=3")
        page.click("#survey-form button[type=submit]")
        page.wait_for_selector("[data-campaign-id] [data-poster]")
        route_ready(page, "engagement-planning")
        save_screenshot(page, "planning-engagement-complete")
        poster = page.locator("[data-poster]").first.get_attribute("href")
        assert poster is not None
        answer = page.request.get(poster)
        assert answer.status == 200 and answer.body().startswith(b"%PDF-")

        visits = session.scalars(
            sa.select(Assignment).where(Assignment.engagement_id == engagement_id)
        ).all()
        assert len(visits) == 4
        assert len({v.site_id for v in visits}) == 2
        assert len({v.shopper_id for v in visits}) == 2
        assert (
            session.scalars(sa.select(SurveyCampaign.engagement_id)).all().count(engagement_id) == 1
        )
        application = session.scalars(
            sa.select(Application).where(Application.engagement_id == engagement_id)
        ).one()
        assert len(application.documents) == 3
        # The pasted GCJ-02 positions: kept as entered, stored converted to WGS-84.
        sites = session.scalars(
            sa.select(Site).where(Site.id.in_([v.site_id for v in visits])).order_by(Site.name)
        ).all()
        assert [(s.entered_datum.value, s.entered_latitude) for s in sites] == [
            ("gcj02", 29.705),
            ("gcj02", 28.682),
        ]
        assert all(abs(s.latitude - s.entered_latitude) > 1e-4 for s in sites)
        client_page.context.close()
        session.close()
    except Exception:
        save_screenshot(page, "planning-failure")
        raise
    finally:
        context.close()


def _scheme_label(page: Page, form: str) -> str:
    """The option of the Tengbiao CTS TBSC034 scheme (its label is the scheme's title)."""
    labels = page.locator(f"{form} [name='scheme_version_id'] option").all_inner_texts()
    return next(label for label in labels if "cts-tbsc034" in label)


def _count(doc_type: str) -> int:
    return ("application_form", "registration_proof", "authenticity_declaration").index(doc_type)
