"""What the on-site browser tests share (test_onsite, test_onsite_evidence, test_onsite_returned,
test_onsite_field, test_two_raters): their module's world and browser, a signed-in phone, going
offline, a record started offline, rated, queued, synced after an offline reload, and the
server's copy of it read back from the database.

A test module takes the fixtures by naming them: ``world = onsite.world_fixture()`` (with any
extra preparation, e.g. a second auditor) and ``browser = onsite.browser_fixture``.

The demo is committed whole by ``live.prepare_database`` (its on-site records and its CQC
engagement included): these tests need nothing more loaded.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, BrowserContext, Page

from backend.audit.models import AuditEntry
from backend.demo import DEMO_ENGAGEMENT
from backend.onsite.models import OnsiteAuditRecord, OnsiteAuditVersion
from backend.users.models import Role
from tests.browser.live import (
    World,
    live_world,
    login_of,
    phone_context,
    sign_in_as,
    wait_for_app,
    wait_for_controller,
)
from tests.chromium import launch_chromium


def world_fixture(*prepare: Callable[[World], None]) -> Any:
    """A module's ``world`` fixture: the live world, then each of ``prepare`` on it."""

    @pytest.fixture(scope="module")
    def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
        with live_world(tmp_path_factory.mktemp("onsite")) as world:
            for step in prepare:
                step(world)
            yield world

    return world


@pytest.fixture(scope="module")
def browser_fixture() -> Iterator[Browser]:
    """A module's ``browser`` fixture: Debian's Chromium."""
    with launch_chromium() as browser:
        yield browser


@contextmanager
def phone(
    browser: Browser, world: World, who: Role | tuple[str, str] = Role.AUDITOR
) -> Iterator[tuple[BrowserContext, Page]]:
    """A 360 px phone signed in as the demo user of a role (or an email and password), its
    service worker in control (a reload then works offline); closed afterwards."""
    context = phone_context(browser, world.server.url)
    try:
        page = context.new_page()
        sign_in_as(page, *(login_of(who) if isinstance(who, Role) else who))
        wait_for_controller(page)
        yield context, page
    finally:
        context.close()


def open_onsite(page: Page, rest: str = "") -> None:
    """Go to the on-site screens (``#/onsite`` and ``rest`` after it)."""
    page.goto(page.url.split("#")[0] + "#/onsite" + rest)


def go_offline(page: Page, context: BrowserContext) -> None:
    context.set_offline(True)
    page.wait_for_selector('#connection-status[data-status="offline"]')


#: The outbox is empty, as the sync indicator says once it has counted it. Until its first
#: render the indicator holds index.html's placeholder (data-state "idle", data-pending "0"):
#: right after a reload, pending "0" alone does not yet mean the queued record was sent.
OUTBOX_EMPTY = """() => {
  const s = document.getElementById('sync-indicator');
  return s.dataset.state !== 'idle' && s.dataset.pending === '0';
}"""


def wait_synced(page: Page, timeout: float = 60_000) -> None:
    """Until the outbox has nothing left to send."""
    page.wait_for_function(OUTBOX_EMPTY, timeout=timeout)


def start_offline(page: Page, context: BrowserContext, title: str, kind: str) -> str:
    """Online once (the forms are cached), then offline: a new record; returns its id."""
    page.click("#nav-onsite")
    card = page.locator("#onsite-engagements li", has_text=title)
    card.locator(f'[data-start="{kind}"]').wait_for()
    go_offline(page, context)
    card.locator(f'[data-start="{kind}"]').click()
    page.wait_for_selector("#onsite-submit")
    return str(page.evaluate("location.hash.split('/').pop()"))


def rate_every_clause(page: Page, level: int) -> list[str]:
    """Every clause of the management audit on screen at ``level``; the clauses' codes."""
    clauses: list[str] = page.locator("[data-clause-card]").evaluate_all(
        "els => els.map(e => e.dataset.clauseCard)"
    )
    for code in clauses:
        page.locator(f'[data-clause="{code}"][data-level="{level}"]').check()
    return clauses


def submit_queued(page: Page) -> None:
    """Submit the record on screen; it waits in the outbox."""
    page.click("#onsite-submit")
    page.wait_for_selector('#onsite-state[data-state="queued"]')


def reload_offline_and_sync(page: Page, context: BrowserContext, record_id: str) -> None:
    """Reload with no network (the record still queued), then online: sent, exactly once."""
    page.reload()
    wait_for_app(page)
    open_onsite(page)
    page.wait_for_selector(f'[data-onsite-id="{record_id}"][data-state="queued"]')
    context.set_offline(False)
    wait_synced(page)
    page.reload()
    wait_for_app(page)
    page.wait_for_selector(f'[data-onsite-id="{record_id}"][data-state="sent"]', timeout=30_000)


def sent_management_audit(page: Page, context: BrowserContext, level: int = 3) -> str:
    """A management audit of the demo engagement, every clause at ``level``, done offline and
    synced (version 1 on the server); its id."""
    record_id = start_offline(page, context, DEMO_ENGAGEMENT, "management")
    rate_every_clause(page, level)
    submit_queued(page)
    reload_offline_and_sync(page, context, record_id)
    return record_id


def stored(
    world: World, record_id: str
) -> tuple[OnsiteAuditRecord | None, list[dict[str, Any]], int]:
    """The server's record, its versions' contents and how many creates the audit log has."""
    with world.session() as session:
        rid = uuid.UUID(record_id)
        record = session.get(OnsiteAuditRecord, rid)
        if record is not None:
            session.expunge(record)
        versions = [
            v.content
            for v in session.scalars(
                sa.select(OnsiteAuditVersion).where(OnsiteAuditVersion.record_id == rid)
            )
        ]
        creates = session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "onsite.created", AuditEntry.object_id == record_id)
        )
        return record, versions, int(creates or 0)
