"""An organisation with a client (one unit, two sites) and people, but no engagement yet."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.clients.models import CertificationUnit, Client, Site
from backend.schemes.models import SchemeVersion
from backend.users.models import Organisation, Role, User
from tests.factories import (
    make_client,
    make_organisation,
    make_scheme_version,
    make_site,
    make_unit,
    make_user,
    sign_in,
)

PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


@dataclass
class Office:
    organisation: Organisation
    client: Client
    unit: CertificationUnit
    site: Site
    other_site: Site
    cqc: SchemeVersion
    tengbiao: SchemeVersion
    admin: User
    leader: User
    other_leader: User
    auditor: User
    reviewer: User
    shopper: User
    other_shopper: User
    client_user: User
    other_client_user: User


@pytest.fixture
def office(db_session: Session) -> Office:
    organisation = make_organisation(db_session)
    client = make_client(db_session, organisation=organisation, name="江西某物联网科技有限公司")
    unit = make_unit(db_session, client=client)
    other_client = make_client(db_session, organisation=organisation, name="另一家公司")

    def user(role: Role, name: str) -> User:
        return make_user(db_session, role=role, organisation=organisation, display_name=name)

    client_user = user(Role.CLIENT_USER, "孙委托")
    client_user.client_id = client.id
    other_client_user = user(Role.CLIENT_USER, "钱委托")
    other_client_user.client_id = other_client.id
    db_session.commit()
    return Office(
        organisation=organisation,
        client=client,
        unit=unit,
        site=make_site(db_session, unit=unit, name="一号场所"),
        other_site=make_site(db_session, unit=unit, name="二号场所"),
        cqc=make_scheme_version(db_session, name="cqc83-831102-2025.yaml"),
        tengbiao=make_scheme_version(db_session),
        admin=user(Role.ADMIN, "王管理"),
        leader=user(Role.TEAM_LEADER, "张组长"),
        other_leader=user(Role.TEAM_LEADER, "李组长"),
        auditor=user(Role.AUDITOR, "刘审查"),
        reviewer=user(Role.REVIEWER, "陈复核"),
        shopper=user(Role.SHOPPER, "周暗访"),
        other_shopper=user(Role.SHOPPER, "吴暗访"),
        client_user=client_user,
        other_client_user=other_client_user,
    )


def upload(client: FlaskClient, data: bytes = PDF) -> str:
    """Upload a file through the evidence pipeline as the signed-in user; its id."""
    evidence_id = str(uuid.uuid4())
    response = client.put(
        f"/api/evidence/{evidence_id}",
        data=data,
        headers={
            "X-Content-SHA256": hashlib.sha256(data).hexdigest(),
            "Content-Type": "application/octet-stream",
        },
    )
    assert response.status_code == 201, response.get_json()
    return evidence_id


def new_application(
    client: FlaskClient, office: Office, *, scheme: SchemeVersion | None = None, **extra: Any
) -> dict[str, Any]:
    response = client.post(
        "/api/applications",
        json={
            "client_id": str(office.client.id),
            "scheme_version_id": str((scheme or office.cqc).id),
            "kind": "initial",
            "unit_ids": [str(office.unit.id)],
            "received_on": "2026-11-20",
            **extra,
        },
    )
    assert response.status_code == 201, response.get_json()
    answer: dict[str, Any] = response.get_json()
    return answer


def with_documents(client: FlaskClient, application_id: str, *types: str) -> dict[str, Any]:
    answer: dict[str, Any] = {}
    for doc_type in types:
        response = client.post(
            f"/api/applications/{application_id}/documents",
            json={
                "evidence_id": upload(
                    client, PDF.replace(b"trailer", b"% " + doc_type.encode() + b"\ntrailer")
                ),
                "doc_type": doc_type,
            },
        )
        assert response.status_code == 201, response.get_json()
        answer = response.get_json()
    return answer


REQUIRED = ("application_form", "registration_proof", "authenticity_declaration")


def accepted_engagement(
    client: FlaskClient, office: Office, *, scheme: SchemeVersion | None = None
) -> str:
    """Signed in as the leader: an accepted application and its engagement; the engagement id."""
    sign_in(client, office.leader)
    application = new_application(client, office, scheme=scheme)
    with_documents(client, application["id"], *REQUIRED)
    assert (
        client.post(
            f"/api/applications/{application['id']}/review", json={"accepted": True}
        ).status_code
        == 200
    )
    response = client.post(
        f"/api/applications/{application['id']}/engagement",
        json={
            "title": "2026 年初次认证",
            "modes": ["A", "B", "E", "G"],
            "starts_on": "2026-12-01",
            "ends_on": "2026-12-10",
            "site_ids": [str(office.site.id), str(office.other_site.id)],
            "auditor_ids": [str(office.auditor.id)],
        },
    )
    assert response.status_code == 201, response.get_json()
    engagement_id: str = response.get_json()["engagement_id"]
    return engagement_id
