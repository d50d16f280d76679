"""A local Web Push service, browser-side subscription keys, and an app whose data is committed.

The delivery job writes with its own database session, as in production, so these tests need
data that is really committed: ``push_app`` runs on a database of its own (a fresh SQLite file
or PostgreSQL schema, migrated), not inside the rolled-back transaction of the other tests.
"""

from __future__ import annotations

import base64
import os
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import flask_migrate
import http_ece  # type: ignore[import-untyped]
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask
from sqlalchemy.orm import Session

from backend import create_app
from backend.extensions import db
from tests.auth.client import CsrfClient
from tests.database import app_config, fresh_database


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass
class BrowserKeys:
    """What a browser generates for a push subscription: a P-256 key pair and an auth secret."""

    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))

    def as_json(self) -> dict[str, str]:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {"p256dh": b64url(point), "auth": b64url(self.auth_secret)}

    def decrypt(self, body: bytes) -> bytes:
        """Decrypt an aes128gcm message (RFC 8291) as the browser would."""
        plain: bytes = http_ece.decrypt(
            body, private_key=self.private_key, auth_secret=self.auth_secret, version="aes128gcm"
        )
        return plain


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class PushService:
    """A push service on 127.0.0.1 that records each message and answers ``status``.

    With ``hold`` set, every request waits for ``release`` before answering (a slow service).
    """

    def __init__(self) -> None:
        self.received: queue.Queue[Received] = queue.Queue()
        self.status = 201
        self.hold = False
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.answered = threading.Event()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                service.received.put(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                service.arrived.set()
                if service.hold:
                    service.release.wait(timeout=30)
                self.send_response(service.status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                service.answered.set()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def endpoint(self, name: str) -> str:
        return f"{self.origin}/push/{name}"

    def next_message(self, timeout: float = 10) -> Received:
        return self.received.get(timeout=timeout)

    def close(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def push_service() -> Iterator[PushService]:
    service = PushService()
    yield service
    service.close()


@pytest.fixture(scope="module")
def push_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app on a database of its own that accepts the local push service's http endpoint."""
    folder = tmp_path_factory.mktemp("push-db")
    with fresh_database(folder) as url:
        app = create_app(
            app_config(
                url,
                # Notifications wait in a real queue (a SQLite file, as on a laptop) until the
                # test runs them as a worker would (jobs_of(app).run_pending()).
                FIELDCERT_JOBS="sqlite",
                FIELDCERT_JOBS_FILE=str(folder / "jobs.sqlite3"),
                FIELDCERT_PUSH_ALLOW_INSECURE_ENDPOINTS=True,
                # Each test signs in; the module's tests together exceed the real limit.
                FIELDCERT_LOGIN_RATE_LIMIT="1000 per minute",
            )
        )
        app.test_client_class = CsrfClient
        with app.app_context():
            flask_migrate.upgrade()
        yield app
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def push_session(push_app: Flask) -> Iterator[Session]:
    """A session on the push app's database whose commits are real."""
    with push_app.app_context():
        session = Session(db.engine, expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
