"""Limits and lockout shared by every worker process (issue 9 B4).

Without Redis each gunicorn worker counted failed passwords in its own memory: three workers
checked twelve passwords of one account instead of five. These tests run the real server
(gunicorn, three workers) on the test database and hammer it from threads.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
import redis
import requests
import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend import create_app
from backend.audit.models import AuditEntry
from backend.config import ConfigError
from backend.extensions import db
from tests.database import app_config, fresh_database
from tests.factories import make_user

REPO = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
REDIS_URL = "redis://127.0.0.1:6379/0"
WORKERS = 3


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """gunicorn with ``WORKERS`` sync workers serving the app on a migrated database."""

    def __init__(self, database_url: str, instance: Path, **env: str) -> None:
        self.port = free_port()
        environment = {
            **{key: value for key, value in os.environ.items() if not key.startswith("REDIS")},
            "DATABASE_URL": database_url,
            "SECRET_KEY": secrets.token_hex(32),
            "FIELDCERT_INSTANCE_DIR": str(instance),
            # Each test run signs in from an address of its own (X-Forwarded-For, below): a
            # Redis shared with other runs holds no counter for it.
            "FIELDCERT_TRUSTED_PROXIES": "1",
            **env,
        }
        self.process = subprocess.Popen(
            [
                str(GUNICORN),
                "--workers",
                str(WORKERS),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "backend:create_app()",
            ],
            cwd=REPO,
            env=environment,
        )
        deadline = time.monotonic() + 120
        while True:
            assert self.process.poll() is None, "gunicorn exited"
            try:
                if requests.get(f"{self.url}/api/health", timeout=10).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        self._wait_for_workers()
        self.address = (
            f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"
        )

    def _wait_for_workers(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            if len(children.read_text().split()) >= WORKERS:
                return
            assert time.monotonic() < deadline, "not every worker started"
            time.sleep(0.2)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def login(self, email: str, password: str) -> str:
        """Sign in as a browser would (pre-session CSRF token); the answer's code."""
        with requests.Session() as browser:
            browser.headers["X-Forwarded-For"] = self.address
            token = browser.get(f"{self.url}/api/auth/csrf", timeout=30).json()["csrf_token"]
            answer = browser.post(
                f"{self.url}/api/auth/login",
                json={"email": email, "password": password},
                headers={"X-CSRF-Token": token},
                timeout=60,
            )
            body: dict[str, Any] = answer.json()
            return str(body.get("code", answer.status_code))

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def served_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database of its own (SQLite file or PostgreSQL schema) for the servers."""
    with fresh_database(tmp_path_factory.mktemp("shared-limits")) as url:
        app = create_app(app_config(url))
        with app.app_context():
            flask_migrate.upgrade()
            db.engine.dispose()
        yield url


@pytest.fixture
def committed(served_database: str) -> Iterator[Session]:
    engine = sa.create_engine(served_database)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


def checked_passwords(session: Session, email: str) -> int:
    """How many passwords of ``email`` the servers checked (wrong ones leave these entries)."""
    session.expire_all()
    reason = AuditEntry.details["reason"].as_string()
    count = session.scalar(
        sa.select(sa.func.count(AuditEntry.id)).where(
            AuditEntry.action == "auth.login_failed",
            AuditEntry.details["email"].as_string() == email,
            reason.in_(["credentials", "locked_now"]),
        )
    )
    return int(count or 0)


def test_three_workers_check_only_five_passwords_of_an_account(
    served_database: str, committed: Session, tmp_path: Path
) -> None:
    user = make_user(committed)
    server = Server(served_database, tmp_path / "instance")
    try:
        # 24 at once from one address: within the per-address rate limit of three workers
        # that count it in memory (10 a minute each), so only the lockout can stop them.
        with ThreadPoolExecutor(max_workers=24) as pool:
            codes = sorted(pool.map(lambda _: server.login(user.email, "guess"), range(24)))
    finally:
        server.close()

    assert checked_passwords(committed, user.email) == 5, codes
    assert codes.count("INVALID_CREDENTIALS") == 4, codes  # the fifth answers ACCOUNT_LOCKED
    assert set(codes) <= {"INVALID_CREDENTIALS", "ACCOUNT_LOCKED", "TOO_MANY_REQUESTS"}, codes


def test_with_redis_the_address_limit_holds_across_three_workers(
    served_database: str, tmp_path: Path
) -> None:
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.ConnectionError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis does not answer at {REDIS_URL}: CI runs the Redis tests")
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    server = Server(served_database, tmp_path / "instance", REDIS_URL=REDIS_URL)
    try:
        # Twelve different unknown accounts: only the per-address limit (10 a minute) applies.
        with ThreadPoolExecutor(max_workers=12) as pool:
            codes = list(pool.map(lambda n: server.login(f"no{n}@example.test", "x"), range(12)))
    finally:
        server.close()
        keys = list(connection.scan_iter(f"*{server.address}*"))
        if keys:
            connection.delete(*keys)
        connection.close()

    assert codes.count("INVALID_CREDENTIALS") == 10, codes
    assert codes.count("TOO_MANY_REQUESTS") == 2, codes


@pytest.mark.parametrize(
    ("extra", "starts"),
    [
        ({}, False),
        ({"FIELDCERT_ALLOW_LOCAL_LIMITS": "true"}, True),
        ({"REDIS_URL": REDIS_URL}, True),
    ],
)
def test_production_needs_shared_limit_storage_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, extra: dict[str, str], starts: bool
) -> None:
    monkeypatch.setenv("FIELDCERT_ENV", "production")
    for name, value in extra.items():
        monkeypatch.setenv(name, value)
    config = {"SECRET_KEY": "s" * 64, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"}

    if starts:
        assert create_app(config).config["FIELDCERT_ENV"] == "production"
    else:
        with pytest.raises(ConfigError, match="FIELDCERT_ALLOW_LOCAL_LIMITS"):
            create_app(config)
