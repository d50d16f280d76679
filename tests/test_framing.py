"""Every answer forbids framing; the app shell has a Content-Security-Policy (issue 9 B10).

The browser side (no violation while the app runs, another site cannot frame it) is
tests/browser/test_csp.py; these check the headers on every kind of answer without a browser.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.test_pwa import dist, fetch  # noqa: F401 - the stand-in pwa/dist fixture


@pytest.fixture
def pwa_client(make_app: Callable[..., Flask], dist: Path) -> FlaskClient:  # noqa: F811
    return make_app(PWA_DIST=dist).test_client()


@pytest.mark.parametrize(
    "path", ["/", "/sw.js", "/manifest.webmanifest", "/assets/index-3f2a9c1b.js"]
)
def test_the_app_shell_has_a_strict_policy_and_cannot_be_framed(
    pwa_client: FlaskClient, path: str
) -> None:
    response = fetch(pwa_client, path)

    assert response.status_code == 200
    header = response.headers["Content-Security-Policy"]
    policy = {
        name: value for name, _, value in (part.partition(" ") for part in header.split("; "))
    }
    assert policy["frame-ancestors"] == "'none'"
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", ["/api/health", "/api/nowhere", "/api/openapi.json"])
def test_api_answers_cannot_be_framed_either(client: FlaskClient, path: str) -> None:
    response = client.get(path)

    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
