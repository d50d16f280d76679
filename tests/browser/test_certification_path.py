"""The whole certification path in the browser (issue 12, CQC rule §5.2.3.1, §6, §9): on the
demo organisation, an audited engagement gets a nonconformity opened by the auditor, answered
with a photo by the client user in the portal and verified by the auditor; a reviewer who was on
the audit team is refused the file (CONFLICT_OF_INTEREST, explained); the demo reviewer (never
on the team) reviews the whole checklist; a second independent reviewer decides, the grade shown
from the scheme's decision rows; the administrator issues the certificate, the client user sees
it in the portal, and the public page /c/<token> opens at 360 px with the fields and the status.
The downloaded PDF passes ``fieldcert certificate verify`` (exit 0). Every step is a click or a
keystroke; the database is read only to check. Screenshots in
``test-artifacts/screenshots/path-*.png``.
"""

from __future__ import annotations

import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from playwright.sync_api import Browser, Page

from backend import create_app, demo_certified
from backend.auth.actor import Actor
from backend.auth.passwords import hash_password
from backend.certificates.cli import certificate_cli
from backend.certificates.models import Certificate
from backend.certificates.public import KEY_PATH
from backend.clients.models import CertificationUnit, Client, Site
from backend.decisions import services as decisions
from backend.decisions.models import Decision, Review
from backend.demo import DEMO_ENGAGEMENT_SCHEME, DEMO_LOGINS
from backend.engagements import services as engagements
from backend.engagements.models import EngagementKind
from backend.evaluations.content import load_scheme_version
from backend.extensions import db
from backend.nonconformities.models import Nonconformity
from backend.schemes.models import SchemeVersion
from backend.users.models import Role, User
from tests.browser.live import (
    PHONE,
    World,
    live_world,
    make_photo,
    save_screenshot,
    server_config,
    sign_in,
    wait_for_app,
)
from tests.browser.office import desk_context, route_ready
from tests.chromium import launch_chromium

pytestmark = pytest.mark.browser

PASSWORD = "path-browser-2026"
TITLE = "江西某污水处理工程有限公司 城镇污水处理厂工程施工服务认证（初次认证，浏览器全流程）"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with live_world(tmp_path_factory.mktemp("path")) as world:
        yield world


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as browser:
        yield browser


@dataclass(frozen=True)
class Setup:
    engagement_id: uuid.UUID
    conflicted: str  # a reviewer now, an auditor on this engagement's team before
    decider: str  # a second reviewer, never on the team


@pytest.fixture(scope="module")
def setup(world: World) -> Setup:
    """The demo client's second audit, run through the real services as the demo does: two open
    inspections accepted by the demo team leader, the on-site management ratings; on its team
    also 郑审查, an auditor promoted to reviewer since (CQC §6.1: still not independent)."""
    app = create_app(server_config(world.database_url, world.storage_dir))
    with app.app_context():
        session = db.session()
        users = {
            login.role: session.scalars(sa.select(User).where(User.email == login.email)).one()
            for login in DEMO_LOGINS
        }
        organisation_id = users[Role.ADMIN].organisation_id
        extra = {}
        for key, role, name in (
            ("conflicted", Role.AUDITOR, "郑审查（后任复核人）"),
            ("decider", Role.REVIEWER, "冯决定（认证决定人）"),
        ):
            extra[key] = User(
                id=uuid.uuid4(),
                organisation_id=organisation_id,
                email=f"path-{key}@demo.fieldcert.cn",
                display_name=name,
                role=role,
                password_hash=hash_password(PASSWORD),
                is_active=True,
            )
            session.add(extra[key])
        session.flush()
        client_id = users[Role.CLIENT_USER].client_id
        client = session.get_one(Client, client_id)
        sites = session.scalars(
            sa.select(Site)
            .join(CertificationUnit, CertificationUnit.id == Site.unit_id)
            .where(CertificationUnit.client_id == client.id)
            .order_by(Site.name)
        ).all()
        scheme_row = session.scalars(
            sa.select(SchemeVersion)
            .where(SchemeVersion.scheme_id == DEMO_ENGAGEMENT_SCHEME)
            .order_by(SchemeVersion.imported_at.desc())
        ).first()
        assert scheme_row is not None
        scheme = load_scheme_version(session, scheme_row.id)
        assert scheme.service is not None and scheme.management is not None
        leader = Actor(users[Role.TEAM_LEADER])
        auditor = Actor(users[Role.AUDITOR])
        ended = datetime.now(UTC).date() - timedelta(days=3)
        engagement = engagements.create_engagement(
            session,
            leader,
            client_id=client.id,
            scheme_version_id=scheme_row.id,
            kind=EngagementKind.INITIAL,
            modes=("A",),
            title=TITLE,
            starts_on=ended - timedelta(days=1),
            ends_on=ended,
            auditor_ids=[users[Role.AUDITOR].id, extra["conflicted"].id],
            site_ids=[site.id for site in sites],
        )
        ratings = {
            code: {"level": 4 if code in {"1.1", "3.2"} else 5} for code in scheme.service.items
        }
        # The demo's inspection helper, with ids of its own (the demo's photos exist already).
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(demo_certified, "_DEMO_NAMESPACE", uuid.uuid4())
            for number, site in enumerate(sites):
                demo_certified._demo_inspection(
                    session, auditor, leader, engagement, site, ratings, ended, number
                )
        decisions.record_on_site(
            session,
            leader,
            engagement.id,
            {"management": dict.fromkeys(scheme.management.clauses, 5)},
        )
        # Promoted since the audit: a reviewer by role, still on the team's record.
        extra["conflicted"].role = Role.REVIEWER
        session.commit()
        out = Setup(engagement.id, extra["conflicted"].email, extra["decider"].email)
        db.session.remove()
        db.engine.dispose()  # no pooled connection left open for the server's writes
    return out


def sign_in_as(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/#/login")
    wait_for_app(page)
    page.fill("#login-email", email)
    page.fill("#login-password", password)
    page.click("#login-submit")
    page.wait_for_function("document.documentElement.dataset.route !== 'login'")


def demo_email(role: Role) -> str:
    return next(login.email for login in DEMO_LOGINS if login.role is role)


def test_audit_to_certificate_in_the_browser(
    browser: Browser, world: World, setup: Setup, tmp_path: Path
) -> None:
    eid = str(setup.engagement_id)
    session = world.session()
    pages: list[Page] = []

    def desk() -> Page:
        page = desk_context(browser, world.server.url).new_page()
        pages.append(page)
        return page

    try:
        # --- 1. The auditor opens a nonconformity (§5.2.3.1).
        auditor = desk()
        sign_in(auditor, Role.AUDITOR)
        auditor.goto(f"/#/office/ncs/{eid}")
        route_ready(auditor, "ncs-engagement")
        auditor.fill("#nc-open-form [name='clause']", "5.3")
        auditor.fill(
            "#nc-open-form [name='finding']",
            "抽查 3 份施工日志，其中 1 份未记录当日安全技术交底。",
        )
        auditor.click("#nc-open-form [data-action='open-nc']")
        auditor.wait_for_selector(".nc-card[data-stage='open']")
        nc_id = session.scalars(
            sa.select(Nonconformity.id).where(Nonconformity.engagement_id == setup.engagement_id)
        ).one()
        session.rollback()

        # --- 2. The client user answers in the portal with a photo.
        client_page = desk()
        sign_in(client_page, Role.CLIENT_USER)
        client_page.goto(f"/#/office/portal/ncs/{nc_id}")
        route_ready(client_page, "portal-nc")
        client_page.fill("#nc-answer-form [name='cause']", "班组长交接时漏记交底内容。")
        client_page.fill(
            "#nc-answer-form [name='correction']",
            "补记交底记录并对全部班组长培训；日志模板增加“安全技术交底”必填栏。",
        )
        photo = make_photo(tmp_path / "log.jpg", 1200, 900, seed=7, noise=0.1)
        client_page.set_input_files("#nc-files", str(photo))
        client_page.wait_for_selector("#nc-upload-status[data-uploaded='1']")
        client_page.click("#nc-answer-form [data-action='submit-answer']")
        client_page.wait_for_selector("#nc-facts[data-stage='answered']")
        client_page.wait_for_selector("#nc-answer-shown img")

        # --- 3. The auditor verifies in writing and closes it.
        auditor.reload()
        route_ready(auditor, "ncs-engagement")
        form = f"form.nc-verify[data-nc-id='{nc_id}']"
        auditor.wait_for_selector(f".nc-card[data-nc-id='{nc_id}'] .nc-answer img")
        auditor.select_option(f"{form} [name='method']", "written")
        auditor.fill(f"{form} [name='verification']", "核对补记的交底记录、培训签到表和新模板。")
        auditor.click(f"{form} [data-action='accept']")
        auditor.wait_for_selector(f".nc-card[data-nc-id='{nc_id}'][data-stage='closed']")

        # --- 4. A reviewer who was on the team: the server refuses, the screen says why.
        conflicted = desk()
        sign_in_as(conflicted, setup.conflicted)
        conflicted.goto("/#/office/review")
        route_ready(conflicted, "review")
        assert conflicted.locator(f"#review-files tr[data-row-id='{eid}']").count() == 0
        conflicted.goto(f"/#/office/review/{eid}")
        route_ready(conflicted, "review-file")
        refused = conflicted.locator("#file-refused")
        assert refused.get_attribute("data-code") == "CONFLICT_OF_INTEREST"
        assert "审查组" in refused.inner_text() and "§6.1" in refused.inner_text()
        assert conflicted.locator("#review-form").count() == 0
        save_screenshot(conflicted, "path-review-refused-team-member")

        # --- 5. The demo reviewer (never on the team): the queue on the home, the whole file.
        reviewer = desk()
        sign_in(reviewer, Role.REVIEWER)
        reviewer.goto("/#/office")
        reviewer.wait_for_selector(
            f"#home-files-to-review tr[data-row-id='{eid}'][data-step='review']"
        )
        reviewer.click(f"#home-files-to-review tr[data-row-id='{eid}'] [data-action='open-file']")
        route_ready(reviewer, "review-file")
        assert reviewer.get_attribute("#file-completeness", "data-complete") == "true"
        lines = reviewer.locator("#file-checklist tr[data-line]")
        keys = [lines.nth(i).get_attribute("data-line") for i in range(lines.count())]
        assert keys == [
            "scores",
            "management",
            "conformity",
            "timing",
            "nonconformities",
            "integrity",
            "callbacks",
        ]
        nc_line = reviewer.inner_text("#file-checklist tr[data-line='nonconformities']")
        assert "齐全" in nc_line
        outcome = reviewer.get_attribute("#file-scheme-decision", "data-outcome")
        grade = reviewer.get_attribute("#file-scheme-decision", "data-grade")
        assert outcome and outcome != "not_certified" and grade
        assert reviewer.locator("#file-scores tr[data-row-id]").count() >= 3
        save_screenshot(reviewer, "path-review-file")
        # Submitting with a line unconfirmed: the server names it.
        applicable = reviewer.locator("#review-form [data-line]")
        count = applicable.count()
        for i in range(count - 1):
            applicable.nth(i).locator("input[type='checkbox']").check()
        reviewer.click("#review-form [data-action='submit-review']")
        reviewer.wait_for_selector(
            "#review-form [data-form-error][data-code='CHECKLIST_INCOMPLETE']"
        )
        applicable.nth(count - 1).locator("input[type='checkbox']").check()
        reviewer.fill(
            "#review-form [name='comment']",
            "测评记录、现场记录、不符合项整改与得分一致，建议认证。",
        )
        reviewer.click("#review-form [data-action='submit-review']")
        reviewer.wait_for_selector("#review-shown[data-conclusion='recommend']")
        review = session.scalars(
            sa.select(Review).where(Review.engagement_id == setup.engagement_id)
        ).one()
        assert review.conclusion == "recommend"
        # Every applicable line confirmed (the others do not apply to this scheme).
        confirmed = {k for k, line in review.checklist.items() if line["confirmed"]}
        assert confirmed == {applicable.nth(i).get_attribute("data-line") for i in range(count)}
        session.rollback()

        # --- 6. A second independent reviewer decides, the grade from the decision rows.
        decider = desk()
        sign_in_as(decider, setup.decider)
        decider.goto("/#/office/review")
        route_ready(decider, "review")
        decider.click(
            f"#review-files tr[data-row-id='{eid}'][data-step='decide'] [data-action='open-file']"
        )
        route_ready(decider, "review-file")
        assert decider.get_attribute("#decision-grade", "data-grade") == grade
        assert grade in decider.inner_text("#decision-grade")
        decider.fill(
            "#decision-form [name='reasons']", "服务特性与服务管理均满足认证要求，同意认证。"
        )
        save_screenshot(decider, "path-decision-form")
        decider.click("#decision-form [data-action='approve']")
        decider.wait_for_selector("#decision-shown[data-approved='true']")
        assert decider.get_attribute("#decision-shown", "data-grade") == grade
        decision = session.scalars(
            sa.select(Decision).where(Decision.engagement_id == setup.engagement_id)
        ).one()
        assert decision.approved and decision.grade_zh == grade
        session.rollback()

        # --- 7. The administrator issues the certificate from the home.
        admin = desk()
        sign_in(admin, Role.ADMIN)
        admin.goto("/#/office")
        admin.wait_for_selector(f"#home-certificates-to-issue tr[data-row-id='{eid}']")
        admin.click(
            f"#home-certificates-to-issue tr[data-row-id='{eid}'] [data-action='issue-certificate']"
        )
        route_ready(admin, "certificate")
        certificate = session.scalars(
            sa.select(Certificate).where(Certificate.engagement_id == setup.engagement_id)
        ).one()
        number, token = certificate.number, certificate.token
        session.rollback()
        fields = admin.locator("#certificate-fields")
        assert fields.get_attribute("data-status") == "active"
        for key in (
            "number",
            "client",
            "provider",
            "scope",
            "modes",
            "basis",
            "issued_on",
            "valid_until",
            "body",
            "grade",
        ):
            assert admin.inner_text(f"[data-cert-field='{key}']").strip(), key
        assert admin.inner_text("[data-cert-field='number']") == number
        assert admin.inner_text("[data-cert-field='grade']") == grade
        assert admin.locator("#certificate-scores tr[data-row-id]").count() >= 3
        assert f"/c/{token}#FC1." in (admin.get_attribute("#certificate-public-link", "href") or "")
        admin.wait_for_function(
            "document.querySelector('#certificate-qr').complete && "
            "document.querySelector('#certificate-qr').naturalWidth > 0"
        )
        fingerprint = admin.inner_text("#certificate-fingerprint")
        save_screenshot(admin, "path-certificate-page")

        # The PDF as downloaded, checked offline against the published public key.
        with admin.expect_download() as download:
            admin.click("[data-action='download-pdf']")
        pdf = tmp_path / "certificate.pdf"
        download.value.save_as(pdf)
        key = tmp_path / "public-key.pem"
        with urllib.request.urlopen(world.server.url + KEY_PATH) as answer:  # noqa: S310
            key.write_bytes(answer.read())
        result = CliRunner().invoke(certificate_cli, ["verify", str(pdf), "--public-key", str(key)])
        assert result.exit_code == 0, result.output
        assert fingerprint in result.output and number in result.output

        # Suspension at the client's request (§9.4), shown on the page; then reinstated.
        admin.select_option("#certificate-status-form [name='action']", "suspend")
        admin.select_option("#certificate-status-form [name='cause']", "client_request")
        admin.fill("#certificate-status-form [name='reason']", "委托人申请暂停：厂区改造停工。")
        admin.click("#certificate-status-form [data-action='apply-status']")
        admin.wait_for_selector("#certificate-fields[data-status='suspended']")
        admin.select_option("#certificate-status-form [name='action']", "reinstate")
        admin.fill("#certificate-status-form [name='reason']", "复工，经确认满足要求，恢复证书。")
        admin.click("#certificate-status-form [data-action='apply-status']")
        admin.wait_for_selector("#certificate-fields[data-status='active']")

        # The staff list.
        admin.goto("/#/office/certificates")
        route_ready(admin, "certificates")
        row = admin.locator(f"#certificates-table tr[data-number='{number}']")
        assert row.get_attribute("data-status") == "active"
        save_screenshot(admin, "path-certificates-list")

        # --- 8. The client user sees it in the portal.
        client_page.goto("/#/office/portal/certificates")
        route_ready(client_page, "portal-certificates")
        mine = client_page.locator(f"#portal-certificates tr[data-number='{number}']")
        assert mine.get_attribute("data-status") == "active"
        assert grade in mine.inner_text()
        save_screenshot(client_page, "path-portal-certificates")
        # English is there too.
        client_page.click("button[data-locale='en']")
        route_ready(client_page, "portal-certificates")
        mine = client_page.locator(f"#portal-certificates tr[data-number='{number}']")
        assert "Active" in mine.inner_text()
        assert "My certificates" in client_page.inner_text("#office-main h2")

        # --- 9. Anyone's phone: the public page at 360 px, no sign-in.
        phone = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
        pages.append(phone)
        phone.goto(f"{world.server.url}/c/{token}")
        body = phone.inner_text("body")
        assert number in body and grade in body and "有效" in body
        assert phone.locator(".status.s-active").count() == 1
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width
        save_screenshot(phone, "path-public-page-360")
    finally:
        session.close()
        for page in pages:
            page.context.close()
