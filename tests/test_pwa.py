"""Serving the built PWA next to the API (backend.pwa)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

INDEX = '<!doctype html><title>fieldcert</title><link rel="manifest" href="/manifest.webmanifest">'


def fetch(client: FlaskClient, path: str, method: str = "GET", **kwargs: object) -> TestResponse:
    """Request ``path`` and read the body, closing the file the response streams from."""
    response = client.open(path, method=method, **kwargs)
    response.get_data()
    response.close()
    return response


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    """A stand-in for pwa/dist with the files a build produces."""
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "icons").mkdir()
    (dist / "index.html").write_text(INDEX, encoding="utf-8")
    (dist / "sw.js").write_text("self.addEventListener('fetch', () => {});")
    (dist / "manifest.webmanifest").write_text(json.dumps({"name": "fieldcert"}))
    (dist / "assets" / "index-3f2a9c1b.js").write_text("console.log('app');")
    (dist / "icons" / "icon-192.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "secret.txt").write_text("outside dist")
    return dist


@pytest.fixture
def pwa_client(make_app: Callable[..., Flask], dist: Path) -> FlaskClient:
    return make_app(PWA_DIST=dist).test_client()


def test_root_serves_index_html_revalidated(pwa_client: FlaskClient) -> None:
    response = fetch(pwa_client, "/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.get_data(as_text=True) == INDEX
    assert response.headers["Cache-Control"] == "no-cache"


def test_service_worker_is_never_cached_and_may_control_the_origin(
    pwa_client: FlaskClient,
) -> None:
    response = fetch(pwa_client, "/sw.js")
    assert response.status_code == 200
    assert response.mimetype in {"text/javascript", "application/javascript"}
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/"


def test_manifest_has_the_web_manifest_content_type(pwa_client: FlaskClient) -> None:
    response = fetch(pwa_client, "/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    assert response.get_json(force=True) == {"name": "fieldcert"}


def test_hashed_assets_are_cached_for_a_year_as_immutable(pwa_client: FlaskClient) -> None:
    response = fetch(pwa_client, "/assets/index-3f2a9c1b.js")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_other_files_are_served_and_revalidated(pwa_client: FlaskClient) -> None:
    response = fetch(pwa_client, "/icons/icon-192.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize(
    "path",
    ["/missing.js", "/assets/", "/../secret.txt", "/%2e%2e/secret.txt", "/assets/../../secret.txt"],
)
def test_unknown_or_escaping_paths_answer_json_not_found(
    pwa_client: FlaskClient, path: str
) -> None:
    response = fetch(pwa_client, path)
    assert response.status_code == 404
    assert response.get_json()["code"] == "NOT_FOUND"
    assert "outside dist" not in response.get_data(as_text=True)


def test_unknown_api_paths_are_not_looked_up_as_files(
    make_app: Callable[..., Flask], dist: Path
) -> None:
    (dist / "api").mkdir()
    (dist / "api" / "leak.json").write_text("{}")
    client = make_app(PWA_DIST=dist).test_client()
    response = fetch(client, "/api/leak.json")
    assert response.status_code == 404
    assert response.get_json()["code"] == "NOT_FOUND"


def test_files_accept_only_get_and_head(pwa_client: FlaskClient) -> None:
    response = fetch(pwa_client, "/sw.js", "POST")
    assert response.status_code == 405
    assert response.get_json()["code"] == "METHOD_NOT_ALLOWED"
    assert fetch(pwa_client, "/sw.js", "HEAD").status_code == 200


def test_root_answers_pwa_not_built_when_dist_is_missing(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    client = make_app(PWA_DIST=tmp_path / "not-built").test_client()

    response = fetch(client, "/")

    assert response.status_code == 503
    body = response.get_json()
    assert body["code"] == "PWA_NOT_BUILT"
    assert "make pwa" in body["message"]
    english = fetch(client, "/", headers={"Accept-Language": "en"}).get_json()
    assert "make pwa" in english["message"]
