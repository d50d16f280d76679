"""The browser tests' world: a migrated database with the demo data, the real app in a
restartable server process serving the built PWA, Debian's Chromium, and checks on the server's
records read straight from the database and the evidence store.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import BrowserContext, Page
from sqlalchemy.orm import Session

from backend import create_app
from backend.clients.models import Site
from backend.config import REPO_ROOT
from backend.demo import DEMO_ENGAGEMENT, DEMO_LOGINS, load_demo_data
from backend.engagements.models import Assignment, AssignmentStatus, Engagement, EngagementSite
from backend.evaluations.models import Evaluation, EvaluationEvent, EvaluationVersion
from backend.evidence.models import Evidence
from backend.extensions import db
from backend.unit_of_work import transaction
from backend.users.models import Role, User
from tests.database import app_config, fresh_database

PWA_DIST = REPO_ROOT / "pwa" / "dist"
#: Screenshots of key screens the browser tests keep for people to open (gitignored; README).
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
#: A phone held at the first demo site (Nanchang, WGS-84), 200 m geofence.
AT_SITE = {"latitude": 28.716950, "longitude": 115.960260, "accuracy": 12}
#: The 360 px phone the UI is made for.
PHONE = {"width": 360, "height": 740}


def login_of(role: Role) -> tuple[str, str]:
    entry = next(login for login in DEMO_LOGINS if login.role is role)
    return entry.email, entry.password


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_config(database_url: str, storage_dir: Path) -> dict[str, Any]:
    return app_config(
        database_url,
        PWA_DIST=str(PWA_DIST),
        FIELDCERT_STORAGE_DIR=str(storage_dir),
        # Each test signs in a few times from 127.0.0.1; the limits are tested elsewhere.
        FIELDCERT_LOGIN_RATE_LIMIT="1000 per minute",
    )


def prepare_database(database_url: str, storage_dir: Path) -> None:
    """Migrate with the real migrations and load the demo organisation, team and assignment."""
    app = create_app(server_config(database_url, storage_dir))
    with app.app_context():
        flask_migrate.upgrade()
        # One transaction, committed, as `fieldcert demo load` does: all of the demo is there.
        with transaction(db.session()) as session:
            load_demo_data(session)
        db.session.remove()
        db.engine.dispose()


class LiveServer:
    """The app in a child process on a fixed port: start, kill (SIGKILL) and start again."""

    def __init__(self, config: dict[str, Any], port: int, log: Path) -> None:
        self.config = config
        #: The server's request log and tracebacks (appended across restarts).
        self.log = log
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        config = {
            key: str(value) if isinstance(value, Path) else value
            for key, value in self.config.items()
        }
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.browser.serve", json.dumps(config), str(self.port)],
                cwd=REPO_ROOT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)  # polling a port that is coming up, not waiting on the app
        raise RuntimeError("the server did not start listening within 30 s")

    def kill(self) -> None:
        """Kill without warning: requests in flight die with it."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None


@dataclass
class World:
    """The database and evidence store the server writes, and how to read them back."""

    database_url: str
    storage_dir: Path
    server: LiveServer

    def session(self) -> Session:
        return Session(sa.create_engine(self.database_url, poolclass=sa.NullPool))

    def evaluations_for(self, assignment_id: str) -> list[Evaluation]:
        with self.session() as session:
            return list(
                session.scalars(
                    sa.select(Evaluation).where(
                        Evaluation.assignment_id == uuid.UUID(assignment_id)
                    )
                )
            )

    def evaluation(self, evaluation_id: str) -> Evaluation:
        with self.session() as session:
            evaluation = session.get_one(Evaluation, uuid.UUID(evaluation_id))
            session.expunge(evaluation)
            return evaluation

    def latest_version(self, evaluation_id: str) -> EvaluationVersion:
        with self.session() as session:
            version = session.scalars(
                sa.select(EvaluationVersion)
                .where(EvaluationVersion.evaluation_id == uuid.UUID(evaluation_id))
                .order_by(EvaluationVersion.number.desc())
                .limit(1)
            ).one()
            session.expunge(version)
            return version

    def events(self, evaluation_id: str) -> list[tuple[str | None, str]]:
        with self.session() as session:
            return [
                (None if e.from_status is None else str(e.from_status), str(e.to_status))
                for e in session.scalars(
                    sa.select(EvaluationEvent)
                    .where(EvaluationEvent.evaluation_id == uuid.UUID(evaluation_id))
                    .order_by(EvaluationEvent.id)
                )
            ]

    def evidence(self, ids: list[str]) -> dict[str, Evidence]:
        with self.session() as session:
            rows = session.scalars(
                sa.select(Evidence).where(Evidence.id.in_([uuid.UUID(i) for i in ids]))
            ).all()
            for row in rows:
                session.expunge(row)
            return {str(row.id): row for row in rows}

    def evidence_count(self) -> int:
        with self.session() as session:
            return int(session.scalar(sa.select(sa.func.count()).select_from(Evidence)) or 0)

    def original_bytes(self, sha256: str) -> bytes:
        path = self.storage_dir / "originals" / sha256[0:2] / sha256[2:4] / sha256
        return path.read_bytes()

    def new_assignment(self) -> str:
        """A fresh visit for the demo shopper at the first demo site (one evaluation each)."""
        with self.session() as session:
            # The demo engagement by its title: other demo data adds engagements of its own.
            engagement = session.scalars(
                sa.select(Engagement).where(Engagement.title == DEMO_ENGAGEMENT)
            ).one()
            site = session.scalars(
                sa.select(Site)
                .join(EngagementSite, EngagementSite.site_id == Site.id)
                .where(EngagementSite.engagement_id == engagement.id)
                .order_by(Site.latitude)
            ).first()
            shopper = session.scalars(
                sa.select(User).where(User.email == login_of(Role.SHOPPER)[0])
            ).one()
            assert site is not None
            now = datetime.now(UTC)
            assignment = Assignment(
                engagement_id=engagement.id,
                site_id=site.id,
                shopper_id=shopper.id,
                mode="B",
                window_start=now - timedelta(hours=1),
                window_end=now + timedelta(days=3),
                instructions="",
                status=AssignmentStatus.ASSIGNED,
            )
            session.add(assignment)
            session.commit()
            return str(assignment.id)


def make_photo(path: Path, width: int, height: int, seed: int, noise: float = 0.5) -> Path:
    """A JPEG with gradients and sensor-like noise (``noise`` 0..1: its share of the picture;
    0.5 is a hard, grainy worst case, about 0.1 compresses like an ordinary phone photo)."""
    image = Image.effect_noise((width, height), 60 + seed).convert("RGB")
    overlay = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    image = Image.blend(overlay, image, noise)
    image.save(path, format="JPEG", quality=90)
    return path


def phone_context(browser: Any, base_url: str, **extra: Any) -> BrowserContext:
    options: dict[str, Any] = {
        "base_url": base_url,
        "viewport": PHONE,
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
        "locale": "zh-CN",
        "service_workers": "allow",
        "geolocation": AT_SITE,
        "permissions": ["geolocation"],
        # The app's CSP forbids eval(), which Playwright's wait_for_function uses for its
        # predicate; tests/browser/test_csp.py checks the policy itself, without this.
        "bypass_csp": True,
    }
    context = browser.new_context(**{**options, **extra})
    context.set_default_timeout(20_000)
    return context


def save_screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Keep a picture of the screen as a test artefact (``test-artifacts/screenshots/<name>.png``).

    Named by screen, so each run replaces the last; the PostgreSQL pass replaces the SQLite one's.
    Waits for the page's fonts first, so the Chinese text is drawn (needs fonts-noto-cjk).
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("document.fonts.ready.then(() => true)")
    if full_page:
        # From the top, so the sticky status bar is drawn where a person sees it.
        page.evaluate("window.scrollTo(0, 0)")
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page, animations="disabled")
    return path


def wait_for_app(page: Page) -> None:
    page.wait_for_function("document.documentElement.dataset.app === 'ready'")


def wait_for_controller(page: Page) -> None:
    """Until the service worker controls the page (then a reload works offline)."""
    page.wait_for_function("document.documentElement.dataset.sw === 'active'")
    if not page.evaluate("navigator.serviceWorker.controller !== null"):
        page.reload()
        wait_for_app(page)
    page.wait_for_function("navigator.serviceWorker.controller !== null")


def sign_in(page: Page, role: Role) -> None:
    """Sign in as the demo user of ``role``."""
    sign_in_as(page, *login_of(role))


def sign_in_as(page: Page, email: str, password: str) -> None:
    page.goto("/#/login")
    wait_for_app(page)
    page.fill("#login-email", email)
    page.fill("#login-password", password)
    page.click("#login-submit")
    page.wait_for_function("document.documentElement.dataset.route !== 'login'")


#: Every photo the page holds in IndexedDB: id, its recorded SHA-256 and the stored bytes.
READ_STORED_PHOTOS = """
async () => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open('fieldcert');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const records = await new Promise((resolve, reject) => {
    const request = db.transaction('photos').objectStore('photos').getAll();
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  db.close();
  const out = [];
  for (const record of records) {
    const bytes = new Uint8Array(await record.blob.arrayBuffer());
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) {
      binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    }
    const meta = record.meta;
    const data = btoa(binary);
    out.push({ id: record.id, sha256: meta.sha256, originalSize: meta.originalSize, data });
  }
  return out;
}
"""


@dataclass
class StoredPhoto:
    id: str
    recorded_sha256: str
    original_size: int
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def stored_photos(page: Page) -> list[StoredPhoto]:
    return [
        StoredPhoto(p["id"], p["sha256"], p["originalSize"], base64.b64decode(p["data"]))
        for p in page.evaluate(READ_STORED_PHOTOS)
    ]


def jpeg_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def read_position(page: Page, button: str, done: str, at: dict[str, float] | None = None) -> None:
    """Tap a check-in/out button and feed the phone a few slightly different GPS readings
    around ``at`` (a real receiver's fixes wander) until the screen shows ``done``."""
    context = page.context
    where = at or AT_SITE
    # The phone is already there when the button is tapped.
    context.set_geolocation(
        {
            "latitude": where["latitude"],
            "longitude": where["longitude"],
            "accuracy": where["accuracy"],
        }
    )
    page.click(button)
    for step in range(200):
        if page.locator(done).count() > 0:
            return
        jitter = (step % 5) * 0.000004
        context.set_geolocation(
            {
                "latitude": where["latitude"] + jitter,
                "longitude": where["longitude"] - jitter,
                "accuracy": where["accuracy"] + step % 3,
            }
        )
        page.wait_for_timeout(100)  # one GPS update interval between readings
    raise AssertionError(f"{done} did not appear after tapping {button}")


#: Keep a copy of the phone's visit stores (drafts, photos with their blobs, the outbox) in the
#: page, and later put that copy back: the same outbox, ready to be replayed a second time.
SNAPSHOT_STORES = """
async (mode) => {
  const stores = ['drafts', 'photos', 'outbox'];
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open('fieldcert');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const done = (tx) => new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
  if (mode === 'save') {
    const tx = db.transaction(stores);
    const saved = {};
    for (const name of stores) {
      const request = tx.objectStore(name).getAll();
      request.onsuccess = () => { saved[name] = request.result; };
    }
    await done(tx);
    window.__fieldcertSnapshot = saved;
    db.close();
    return Object.fromEntries(stores.map((name) => [name, saved[name].length]));
  }
  const saved = window.__fieldcertSnapshot;
  const tx = db.transaction(stores, 'readwrite');
  for (const name of stores) {
    const store = tx.objectStore(name);
    store.clear();
    for (const record of saved[name]) store.put(record);
  }
  await done(tx);
  db.close();
  return Object.fromEntries(stores.map((name) => [name, saved[name].length]));
}
"""


def snapshot_visit_stores(page: Page) -> dict[str, int]:
    return dict(page.evaluate(SNAPSHOT_STORES, "save"))


def restore_visit_stores(page: Page) -> dict[str, int]:
    return dict(page.evaluate(SNAPSHOT_STORES, "restore"))


@contextmanager
def live_world(tmp: Path) -> Iterator[World]:
    """A fresh database with the demo data and the real server on it, for a module's tests."""
    if not (PWA_DIST / "index.html").is_file():
        pytest.fail(f"{PWA_DIST} is not built: run `make pwa` first")
    with fresh_database(tmp) as database_url:
        storage = tmp / "evidence"
        prepare_database(database_url, storage)
        server = LiveServer(server_config(database_url, storage), free_port(), tmp / "server.log")
        server.start()
        try:
            yield World(database_url, storage, server)
        finally:
            server.stop()
