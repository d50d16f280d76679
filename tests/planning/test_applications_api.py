"""Applications (CQC rule §4.2), their review (§4.3) and the engagement planned from them."""

from __future__ import annotations

import uuid

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.engagements.models import Engagement, TeamRole
from backend.engagements.services import member_role
from backend.planning.models import Application
from tests.engagements.support import audit_entries, count
from tests.factories import make_client, make_site, make_unit, sign_in
from tests.planning.conftest import (
    PDF,
    REQUIRED,
    Office,
    new_application,
    upload,
    with_documents,
)


def test_a_team_leader_records_an_application_with_its_documents(
    client: FlaskClient, db_session: Session, office: Office
) -> None:
    sign_in(client, office.leader)
    application = new_application(client, office)
    assert application["status"] == "submitted"
    assert [u["id"] for u in application["units"]] == [str(office.unit.id)]
    # §4.2: the form, the registration proof (first application) and the declaration.
    assert application["missing_documents"] == list(REQUIRED)

    evidence_id = upload(client)
    response = client.post(
        f"/api/applications/{application['id']}/documents",
        json={"evidence_id": evidence_id, "doc_type": "application_form", "title": "申请书"},
    )

    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    (document,) = answer["documents"]
    assert document["evidence_id"] == evidence_id
    assert document["media_type"] == "application/pdf"
    assert document["sha256"] == __import__("hashlib").sha256(PDF).hexdigest()
    assert answer["missing_documents"] == ["registration_proof", "authenticity_declaration"]
    (entry,) = audit_entries(db_session, "application.document_added", application["id"])
    assert entry.details["sha256"] == document["sha256"]


def test_a_surveillance_application_needs_no_registration_proof(
    client: FlaskClient, office: Office
) -> None:
    sign_in(client, office.leader)
    application = new_application(client, office, kind="surveillance")
    assert application["missing_documents"] == ["application_form", "authenticity_declaration"]


def test_an_image_is_a_document_too_but_not_twice(client: FlaskClient, office: Office) -> None:
    from tests.evidence.pictures import jpeg

    sign_in(client, office.leader)
    application = new_application(client, office)
    evidence_id = upload(client, jpeg())
    first = client.post(
        f"/api/applications/{application['id']}/documents",
        json={"evidence_id": evidence_id, "doc_type": "registration_proof"},
    )
    again = client.post(
        f"/api/applications/{application['id']}/documents",
        json={"evidence_id": evidence_id, "doc_type": "other"},
    )
    assert first.status_code == 201
    assert first.get_json()["documents"][0]["media_type"] == "image/jpeg"
    assert again.status_code == 409 and again.get_json()["code"] == "CONFLICT"


def test_a_document_must_be_an_uploaded_file_of_the_organisation(
    client: FlaskClient, office: Office
) -> None:
    sign_in(client, office.leader)
    application = new_application(client, office)
    response = client.post(
        f"/api/applications/{application['id']}/documents",
        json={"evidence_id": str(uuid.uuid4()), "doc_type": "other"},
    )
    assert response.status_code == 422
    assert "evidence_id" in response.get_json()["details"]


def test_an_application_is_not_accepted_without_the_required_documents(
    client: FlaskClient, office: Office
) -> None:
    sign_in(client, office.leader)
    application = new_application(client, office)
    with_documents(client, application["id"], "application_form")

    response = client.post(f"/api/applications/{application['id']}/review", json={"accepted": True})

    assert response.status_code == 409
    assert response.get_json()["details"]["missing_documents"] == [
        "registration_proof",
        "authenticity_declaration",
    ]


def test_accepting_an_application_with_its_documents(
    client: FlaskClient, db_session: Session, office: Office
) -> None:
    sign_in(client, office.leader)
    application = new_application(client, office)
    with_documents(client, application["id"], *REQUIRED)

    response = client.post(f"/api/applications/{application['id']}/review", json={"accepted": True})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "accepted"
    assert response.get_json()["refusal_reasons"] == []
    assert audit_entries(db_session, "application.accepted", application["id"])
    again = client.post(f"/api/applications/{application['id']}/review", json={"accepted": True})
    assert again.status_code == 409 and again.get_json()["code"] == "INVALID_TRANSITION"
    late = client.post(
        f"/api/applications/{application['id']}/documents",
        json={"evidence_id": upload(client, PDF + b"\n"), "doc_type": "other"},
    )
    assert late.status_code == 409


def test_not_accepting_names_the_grounds_of_section_4_3(
    client: FlaskClient, db_session: Session, office: Office
) -> None:
    sign_in(client, office.leader)
    application = new_application(client, office)
    url = f"/api/applications/{application['id']}/review"

    no_reason = client.post(url, json={"accepted": False})
    other_without_note = client.post(url, json={"accepted": False, "reasons": ["other"]})
    unknown = client.post(url, json={"accepted": False, "reasons": ["too_expensive"]})
    refused = client.post(
        url,
        json={
            "accepted": False,
            "reasons": ["scope_not_covered", "serious_dishonesty"],
            "note": "营业执照经营范围未包含消防设施物联网服务",
        },
    )

    assert no_reason.status_code == 422 and "reasons" in no_reason.get_json()["details"]
    assert other_without_note.status_code == 422
    assert "note" in other_without_note.get_json()["details"]
    assert unknown.status_code == 422
    assert refused.status_code == 200, refused.get_json()
    assert refused.get_json()["status"] == "not_accepted"
    assert refused.get_json()["refusal_reasons"] == ["scope_not_covered", "serious_dishonesty"]
    (entry,) = audit_entries(db_session, "application.not_accepted", application["id"])
    assert entry.details["reasons"] == ["scope_not_covered", "serious_dishonesty"]
    planned = client.post(
        f"/api/applications/{application['id']}/engagement",
        json={
            "title": "x",
            "modes": ["A"],
            "starts_on": "2026-12-01",
            "ends_on": "2026-12-02",
            "site_ids": [str(office.site.id)],
        },
    )
    assert planned.status_code == 409


def test_accepting_with_grounds_is_refused(client: FlaskClient, office: Office) -> None:
    sign_in(client, office.leader)
    application = new_application(client, office)
    with_documents(client, application["id"], *REQUIRED)
    response = client.post(
        f"/api/applications/{application['id']}/review",
        json={"accepted": True, "reasons": ["serious_penalty"]},
    )
    assert response.status_code == 422


def test_units_must_be_the_clients_own(
    client: FlaskClient, db_session: Session, office: Office
) -> None:
    stranger = make_unit(
        db_session, client=make_client(db_session, organisation=office.organisation)
    )
    sign_in(client, office.leader)
    response = client.post(
        "/api/applications",
        json={
            "client_id": str(office.client.id),
            "scheme_version_id": str(office.cqc.id),
            "kind": "initial",
            "unit_ids": [str(stranger.id)],
            "received_on": "2026-11-20",
        },
    )
    assert response.status_code == 422
    assert response.get_json()["details"]["unknown"] == [str(stranger.id)]
    assert count(db_session, Application) == 0


def test_the_engagement_of_an_accepted_application(
    client: FlaskClient, db_session: Session, office: Office
) -> None:
    sign_in(client, office.leader)
    application = new_application(client, office)
    with_documents(client, application["id"], *REQUIRED)
    client.post(f"/api/applications/{application['id']}/review", json={"accepted": True})
    other_unit_site = make_site(db_session, unit=make_unit(db_session, client=office.client))
    body = {
        "title": "2026 年初次认证",
        "modes": ["A", "E", "G"],
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-10",
        "site_ids": [str(office.site.id)],
        "auditor_ids": [str(office.auditor.id)],
    }
    url = f"/api/applications/{application['id']}/engagement"

    outside = client.post(url, json={**body, "site_ids": [str(other_unit_site.id)]})
    planned = client.post(url, json=body)
    twice = client.post(url, json=body)

    assert outside.status_code == 422  # §4.1: only the units applied for
    assert planned.status_code == 201, planned.get_json()
    engagement_id = uuid.UUID(planned.get_json()["engagement_id"])
    engagement = db_session.get_one(Engagement, engagement_id)
    assert engagement.scheme_version_id == office.cqc.id
    assert engagement.kind.value == "initial"
    assert member_role(db_session, engagement_id, office.leader.id) is TeamRole.LEADER
    assert member_role(db_session, engagement_id, office.auditor.id) is TeamRole.AUDITOR
    assert twice.status_code == 409


def test_client_users_see_only_their_own_applications(client: FlaskClient, office: Office) -> None:
    sign_in(client, office.leader)
    application = new_application(client, office)

    sign_in(client, office.client_user)
    mine = client.get("/api/portal/applications")
    sign_in(client, office.other_client_user)
    theirs = client.get("/api/portal/applications")

    assert [a["id"] for a in mine.get_json()] == [application["id"]]
    assert mine.get_json()[0]["missing_documents"] == list(REQUIRED)
    assert theirs.get_json() == []
