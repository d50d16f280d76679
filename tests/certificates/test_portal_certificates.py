"""The client portal's certificates (issue 12): a client user sees their own client's, no other."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.certificates.support import issued


def test_the_client_user_sees_their_own_certificates_and_nobody_else_does(
    client: FlaskClient, db_session: Session
) -> None:
    world, body = issued(client, db_session)
    own = client.get("/api/portal/certificates", headers=world.client_user.headers)
    assert own.status_code == 200, own.get_json()
    [shown] = own.get_json()
    assert shown["number"] == body["number"]
    assert shown["fields"] == body["fields"]
    assert shown["status"] == "active"
    assert "/c/" in shown["verification_url"]
    # A user of another client of the same body sees none of them.
    other = client.get("/api/portal/certificates", headers=world.other_client_user.headers)
    assert other.status_code == 200
    assert other.get_json() == []
    # Staff use /api/certificates; the portal list is the client's alone.
    staff = client.get("/api/portal/certificates", headers=world.admin.headers)
    assert staff.status_code == 403
    assert staff.get_json()["code"] == "FORBIDDEN"


def test_the_office_qr_code_is_an_svg_for_staff_readers_only(
    client: FlaskClient, db_session: Session
) -> None:
    world, body = issued(client, db_session)
    answer = client.get(f"/api/certificates/{body['id']}/qr.svg", headers=world.reviewer.headers)
    assert answer.status_code == 200
    assert answer.mimetype == "image/svg+xml"
    assert answer.data.lstrip().startswith(b"<")
    assert b"<path" in answer.data
    # The client's users read theirs in the portal, not the office's QR endpoint.
    refused = client.get(
        f"/api/certificates/{body['id']}/qr.svg", headers=world.client_user.headers
    )
    assert refused.status_code == 403
