"""The public verification page /c/<token>: what it shows, its size, nothing loaded, scans."""

from __future__ import annotations

import gzip
import re
import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.certificates.models import Certificate
from tests.certificates.support import issued
from tests.chromium import launch_chromium
from tests.evaluations.helpers import World

BUDGET = 30 * 1024


@pytest.fixture
def certificate(client: FlaskClient, db_session: Session) -> tuple[World, dict[str, Any]]:
    return issued(client, db_session)


def _page(client: FlaskClient, token: str) -> tuple[int, str, dict[str, str], int]:
    answer = client.get(f"/c/{token}", headers={"Accept-Encoding": "gzip"})
    assert answer.headers.get("Content-Encoding") == "gzip"
    html = gzip.decompress(answer.data).decode("utf-8")
    return answer.status_code, html, dict(answer.headers), len(answer.data)


def test_the_page_shows_the_fields_grade_status_scores_and_fingerprint(
    client: FlaskClient, certificate: tuple[World, dict[str, Any]]
) -> None:
    _, body = certificate
    fields = body["fields"]
    status, html, _, _ = _page(client, fields["token"])
    assert status == 200
    for shown in (
        fields["number"],
        fields["client"],
        fields["provider"],
        fields["scope"],
        fields["basis"],
        fields["body"],
        "、".join(fields["modes"]),
        "一级",
        "证书状态：有效",
        body["fingerprint"],
        "功能性",  # the radar chart and the table of characteristic scores
        "100.00",
    ):
        assert shown in html, shown
    assert "<svg" in html
    # Dates as Chinese readers write them.
    issued_on = body["issued_on"].split("-")
    assert f"{int(issued_on[0])}年{int(issued_on[1])}月{int(issued_on[2])}日" in html


def test_the_page_is_small_and_loads_nothing(
    client: FlaskClient, certificate: tuple[World, dict[str, Any]]
) -> None:
    _, body = certificate
    _, html, headers, size = _page(client, body["fields"]["token"])
    assert size <= BUDGET, f"{size} bytes gzip"
    assert "<script" not in html.lower()
    assert "serviceWorker" not in html
    # No external resource: no src/href at all, no CSS url() or @import.
    assert re.search(r"\s(src|href)\s*=", html, re.IGNORECASE) is None
    assert "url(" not in html and "@import" not in html
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert headers["Cache-Control"] == "no-store"


def test_scans_are_counted_and_unknown_tokens_answer_404(
    client: FlaskClient, db_session: Session, certificate: tuple[World, dict[str, Any]]
) -> None:
    world, body = certificate
    for _ in range(3):
        assert client.get(f"/c/{body['fields']['token']}").status_code == 200
    db_session.expire_all()
    assert db_session.get_one(Certificate, uuid.UUID(body["id"])).scans == 3
    read = client.get(f"/api/certificates/{body['id']}", headers=world.admin.headers)
    assert read.get_json()["scans"] == 3
    missing = client.get("/c/no-such-token")
    assert missing.status_code == 404
    assert "未找到该证书" in missing.get_data(as_text=True)
    # The number is not an address: the token is random.
    assert client.get(f"/c/{body['number']}").status_code == 404


def test_the_status_follows_suspension_and_withdrawal(
    client: FlaskClient, certificate: tuple[World, dict[str, Any]]
) -> None:
    world, body = certificate
    url = f"/api/certificates/{body['id']}/status"
    client.post(url, json={"action": "suspend", "reason": "暂停"}, headers=world.admin.headers)
    assert "证书状态：暂停" in _page(client, body["fields"]["token"])[1]
    client.post(url, json={"action": "withdraw", "reason": "撤销"}, headers=world.admin.headers)
    assert "证书状态：撤销" in _page(client, body["fields"]["token"])[1]


def test_a_phone_shows_the_page_without_any_request_beyond_it(
    client: FlaskClient, certificate: tuple[World, dict[str, Any]], tmp_path: Any
) -> None:
    _, body = certificate
    _, html, _, _ = _page(client, body["fields"]["token"])
    requests: list[str] = []
    with launch_chromium() as browser:
        page = browser.new_page(viewport={"width": 360, "height": 780}, device_scale_factor=2)
        page.on("request", lambda request: requests.append(request.url))
        page.set_content(html, wait_until="load")
        # Nothing wider than the phone: no sideways scrolling.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert page.locator("text=证书状态：有效").is_visible()
        page.screenshot(path=str(tmp_path / "certificate-360.png"), full_page=True)
        page.close()
    assert [url for url in requests if not url.startswith(("about:", "data:"))] == []
    print(f"screenshot: {tmp_path / 'certificate-360.png'}")
