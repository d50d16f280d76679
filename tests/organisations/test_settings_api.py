"""/api/organisation: the certification body's settings, its logo and the number preview."""

from __future__ import annotations

import io

import pytest
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.organisations.services import MAX_LOGO_BYTES
from backend.users.models import Role
from tests.factories import make_organisation, make_user, sign_in


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (120, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 64, 175)).save(buffer, format=kind)
    return buffer.getvalue()


@pytest.fixture
def admin_client(client: FlaskClient, db_session: Session) -> FlaskClient:
    organisation = make_organisation(db_session, name="江西某认证中心")
    sign_in(client, make_user(db_session, role=Role.ADMIN, organisation=organisation))
    return client


def test_the_defaults_before_anything_is_saved(admin_client: FlaskClient) -> None:
    body = admin_client.get("/api/organisation").get_json()
    assert body["name"] == "江西某认证中心"
    assert body["address"] == ""
    assert body["certificate_number_format"] == "FC-{year}-{seq:5}"
    assert body["certificate_number_examples"][0].endswith("-00001")
    assert set(body["placeholders"]) == {"year", "yy", "month", "scheme", "seq"}
    assert body["logo"] is None


def test_an_admin_changes_name_address_and_format_and_the_log_says_so(
    admin_client: FlaskClient, db_session: Session
) -> None:
    response = admin_client.patch(
        "/api/organisation",
        json={
            "name": " 江西服务认证中心 ",
            "address": "江西省南昌市红谷滩区丰和中大道 1 号",
            "certificate_number_format": "JXFW{yy}-{seq:4}",
        },
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["name"] == "江西服务认证中心"
    assert body["certificate_number_examples"][1].endswith("-0012")
    assert admin_client.get("/api/organisation").get_json()["address"].startswith("江西省")
    entry = db_session.query(AuditEntry).filter_by(action="organisation.updated").one()
    assert set(entry.details["changes"]) == {"name", "address", "certificate_number_format"}


def test_a_wrong_format_is_refused_under_its_field_and_nothing_changes(
    admin_client: FlaskClient,
) -> None:
    response = admin_client.patch(
        "/api/organisation", json={"address": "新地址", "certificate_number_format": "FC-{year}"}
    )
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "VALIDATION_ERROR"
    assert "{seq}" in " ".join(body["details"]["certificate_number_format"])
    assert admin_client.get("/api/organisation").get_json()["address"] == ""


def test_another_organisations_name_is_a_conflict(
    admin_client: FlaskClient, db_session: Session
) -> None:
    make_organisation(db_session, name="别的机构")
    response = admin_client.patch("/api/organisation", json={"name": "别的机构"})
    assert response.status_code == 409
    assert "name" in response.get_json()["details"]


def test_an_empty_change_is_refused(admin_client: FlaskClient) -> None:
    response = admin_client.patch("/api/organisation", json={})
    assert response.status_code == 422


def test_the_preview_shows_examples_or_every_problem(admin_client: FlaskClient) -> None:
    ok = admin_client.post(
        "/api/organisation/certificate-number-preview", json={"format": "{scheme}{year}{seq:3}"}
    )
    assert ok.status_code == 200
    assert ok.get_json()["examples"][2].endswith("345")
    bad = admin_client.post(
        "/api/organisation/certificate-number-preview", json={"format": "{seq}{seq}"}
    )
    assert bad.status_code == 422
    assert bad.get_json()["details"]["format"]


@pytest.mark.parametrize("kind", ["PNG", "JPEG"])
def test_a_logo_is_uploaded_served_and_removed(admin_client: FlaskClient, kind: str) -> None:
    data = image_bytes(kind)
    response = admin_client.put(
        "/api/organisation/logo", data=data, content_type="application/octet-stream"
    )
    assert response.status_code == 200, response.get_json()
    logo = response.get_json()["logo"]
    assert logo["media_type"] == f"image/{kind.lower()}"
    assert (logo["width"], logo["height"]) == (120, 40)
    served = admin_client.get(logo["url"])
    assert served.status_code == 200
    assert served.data == data
    assert served.headers["Content-Type"] == logo["media_type"]
    assert admin_client.delete("/api/organisation/logo").status_code == 204
    assert admin_client.get("/api/organisation/logo").status_code == 404
    assert admin_client.get("/api/organisation").get_json()["logo"] is None


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"", 422, "VALIDATION_ERROR"),
        (b"not an image at all", 422, "VALIDATION_ERROR"),
        (image_bytes("PNG")[:60], 422, "VALIDATION_ERROR"),
        (image_bytes("GIF"), 415, "UNSUPPORTED_MEDIA_TYPE"),
        (image_bytes("PNG", (4001, 10)), 422, "VALIDATION_ERROR"),
        (b"\x89PNG" + b"\0" * MAX_LOGO_BYTES, 413, "PAYLOAD_TOO_LARGE"),
    ],
    ids=["empty", "text", "truncated", "gif", "too-wide", "too-large"],
)
def test_a_bad_logo_is_refused_and_none_is_stored(
    admin_client: FlaskClient, data: bytes, status: int, code: str
) -> None:
    response = admin_client.put(
        "/api/organisation/logo", data=data, content_type="application/octet-stream"
    )
    assert response.status_code == status, response.get_json()
    assert response.get_json()["code"] == code
    assert admin_client.get("/api/organisation").get_json()["logo"] is None


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_others_read_the_settings_but_may_not_change_them(
    client: FlaskClient, db_session: Session, role: Role
) -> None:
    sign_in(client, make_user(db_session, role=role))
    assert client.get("/api/organisation").status_code == 200
    response = client.patch("/api/organisation", json={"address": "x"})
    assert response.status_code == 403
    assert response.get_json()["code"] == "FORBIDDEN"
    put = client.put("/api/organisation/logo", data=image_bytes(), content_type="image/png")
    assert put.status_code == 403
