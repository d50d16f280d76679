"""GET /api/health."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from backend.version import VERSION


def test_health_reports_ok_with_a_working_database(client: FlaskClient) -> None:
    response = client.get("/api/health")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "version": VERSION}
    assert response.headers["Cache-Control"] == "no-store"


def test_health_answers_503_database_unavailable_when_the_database_is_broken(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    # A SQLite file inside a folder that does not exist: every connection attempt fails.
    broken = make_app(database_url=f"sqlite:///{tmp_path / 'missing' / 'db.sqlite3'}")

    response = broken.test_client().get("/api/health")

    assert response.status_code == 503
    body = response.get_json()
    assert body["code"] == "DATABASE_UNAVAILABLE"
    assert body["details"] == {}
    assert "sqlite" not in body["message"].lower()
