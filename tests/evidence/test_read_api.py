"""GET /api/evidence/<id>[/original|/display|/thumbnail]: who sees what, byte identity, caching."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.clients.models import Client
from backend.evaluations.models import Evaluation, EvaluationStatus
from backend.evidence import images
from backend.evidence.models import EvaluationEvidence
from backend.users.models import Organisation, Role
from tests.evidence import pictures
from tests.evidence.conftest import FieldUser, put_evidence
from tests.evidence.pictures import sha256
from tests.evidence.test_upload_api import assert_error
from tests.factories import make_client, make_engagement, make_organisation, make_site, make_unit

MakeFieldUser = Callable[..., FieldUser]

_GPS_EXIF = pictures.exif_with(
    taken="2026:11:20 09:30:00", offset="+08:00", gps=((30, 15, 30), "N", (120, 9, 0), "E")
)


@pytest.fixture
def organisation(db_session: Session) -> Organisation:
    return make_organisation(db_session)


@pytest.fixture
def shopper(make_field_user: MakeFieldUser, organisation: Organisation) -> FieldUser:
    return make_field_user(Role.SHOPPER, organisation)


@pytest.fixture
def photo() -> bytes:
    return pictures.jpeg(pictures.scene(2000, 1500), exif=_GPS_EXIF)


@pytest.fixture
def uploaded(
    client: FlaskClient, storage_dir: Path, shopper: FieldUser, photo: bytes
) -> dict[str, Any]:
    response = put_evidence(
        client,
        shopper,
        photo,
        X_Capture_Latitude="30.2585",
        X_Capture_Longitude="120.1501",
        X_Capture_Accuracy="8",
        X_Captured_At="2026-11-20T09:31:00+08:00",
    )
    assert response.status_code == 201
    # The record once its renditions are made (the test app runs that job right after the
    # upload's commit: FIELDCERT_JOBS=immediate).
    again = client.get(f"/api/evidence/{response.get_json()['id']}", headers=shopper.headers)
    record: dict[str, Any] = again.get_json()
    assert record["derived"] == "ready"
    return record


def cite(
    session: Session,
    evidence_id: str,
    *,
    organisation: Organisation,
    evaluator: FieldUser,
    status: EvaluationStatus = EvaluationStatus.ACCEPTED,
    client: Client | None = None,
) -> Client:
    """An evaluation of an engagement of ``client`` citing the evidence; returns the client."""
    client = client or make_client(session, organisation=organisation)
    site = make_site(session, unit=make_unit(session, client=client))
    engagement = make_engagement(session, client=client, sites=[site])
    evaluation = Evaluation(
        id=uuid.uuid4(),
        engagement_id=engagement.id,
        site_id=site.id,
        mode="B",
        evaluator_id=evaluator.user.id,
        status=status,
        version=1,
        create_hash="0" * 64,
    )
    session.add(evaluation)
    session.flush()
    session.add(EvaluationEvidence(evaluation_id=evaluation.id, evidence_id=uuid.UUID(evidence_id)))
    session.commit()
    return client


def client_user_of(
    session: Session, make_field_user: MakeFieldUser, organisation: Organisation, client: Client
) -> FieldUser:
    person = make_field_user(Role.CLIENT_USER, organisation)
    person.user.client_id = client.id
    session.commit()
    return person


@pytest.fixture
def client_user(
    db_session: Session,
    make_field_user: MakeFieldUser,
    organisation: Organisation,
    shopper: FieldUser,
    uploaded: dict[str, Any],
) -> FieldUser:
    """A client user of the client whose accepted evaluation cites the uploaded photo."""
    client = cite(db_session, uploaded["id"], organisation=organisation, evaluator=shopper)
    return client_user_of(db_session, make_field_user, organisation, client)


def _reads(session: Session, evidence_id: str, action: str = "evidence.read") -> list[AuditEntry]:
    session.expire_all()
    return list(
        session.scalars(
            sa.select(AuditEntry).where(
                AuditEntry.action == action, AuditEntry.object_id == evidence_id
            )
        )
    )


# --- metadata ---------------------------------------------------------------------------------


def test_uploader_reads_the_whole_record_without_an_audit_entry(
    client: FlaskClient, db_session: Session, shopper: FieldUser, uploaded: dict[str, Any]
) -> None:
    response = client.get(f"/api/evidence/{uploaded['id']}", headers=shopper.headers)

    assert response.status_code == 200
    assert response.get_json() == uploaded
    assert _reads(db_session, uploaded["id"]) == []  # one's own data


@pytest.mark.parametrize("role", [Role.ADMIN, Role.TEAM_LEADER, Role.AUDITOR, Role.REVIEWER])
def test_staff_of_the_organisation_read_gps_and_identity_and_it_is_audited(
    client: FlaskClient,
    db_session: Session,
    make_field_user: MakeFieldUser,
    organisation: Organisation,
    uploaded: dict[str, Any],
    role: Role,
) -> None:
    staff = make_field_user(role, organisation)

    response = client.get(f"/api/evidence/{uploaded['id']}", headers=staff.headers)

    assert response.status_code == 200
    body = response.get_json()
    assert body["capture"] == {"latitude": 30.2585, "longitude": 120.1501, "accuracy_m": 8.0}
    assert body["uploaded_by"] == uploaded["uploaded_by"]
    assert body["exif"]["latitude"] == pytest.approx(30.2583333)
    (entry,) = _reads(db_session, uploaded["id"])
    assert entry.actor_id == staff.user.id
    assert entry.device_id == staff.device.id
    assert entry.details == {"personal_data": ["uploaded_by", "capture_gps", "exif_gps"]}


def test_client_user_sees_the_pictures_but_no_gps_and_no_uploader(
    client: FlaskClient, client_user: FieldUser, uploaded: dict[str, Any]
) -> None:
    response = client.get(f"/api/evidence/{uploaded['id']}", headers=client_user.headers)

    assert response.status_code == 200
    body = response.get_json()
    for hidden in (
        "capture",
        "exif",
        "uploaded_by",
        "device_id",
        "original_filename",
        "organisation_id",
        "metadata",
    ):
        assert hidden not in body, hidden
    text = response.get_data(as_text=True)
    assert "30.25" not in text and "120.15" not in text  # neither capture nor EXIF GPS
    assert set(body["links"]) == {"display", "thumbnail"}
    assert body["sha256"] == uploaded["sha256"]
    assert body["captured_at"] == uploaded["captured_at"]


def test_client_user_gets_display_and_thumbnail_but_not_the_original(
    client: FlaskClient, client_user: FieldUser, uploaded: dict[str, Any]
) -> None:
    base = f"/api/evidence/{uploaded['id']}"

    display = client.get(f"{base}/display", headers=client_user.headers, buffered=True)
    thumbnail = client.get(f"{base}/thumbnail", headers=client_user.headers, buffered=True)
    original = client.get(f"{base}/original", headers=client_user.headers)

    assert (display.status_code, thumbnail.status_code) == (200, 200)
    # The display image has no EXIF at all, so no GPS reaches the client this way either.
    assert not Image.open(io.BytesIO(display.data)).getexif()
    assert_error(original, 403, "FORBIDDEN")


def test_client_user_of_another_client_does_not_see_it(
    client: FlaskClient,
    db_session: Session,
    make_field_user: MakeFieldUser,
    organisation: Organisation,
    client_user: FieldUser,
    uploaded: dict[str, Any],
) -> None:
    other_client = make_client(db_session, organisation=organisation)
    other = client_user_of(db_session, make_field_user, organisation, other_client)
    unlinked = make_field_user(Role.CLIENT_USER, organisation)  # no client at all
    base = f"/api/evidence/{uploaded['id']}"
    for person in (other, unlinked):
        for path in (base, f"{base}/display", f"{base}/thumbnail"):
            assert_error(client.get(path, headers=person.headers), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    "status",
    [
        EvaluationStatus.DRAFT,
        EvaluationStatus.SUBMITTED,
        EvaluationStatus.RETURNED,
        EvaluationStatus.REJECTED,
        EvaluationStatus.EXCLUDED,
    ],
)
def test_client_user_does_not_see_evidence_of_evaluations_not_accepted(
    client: FlaskClient,
    db_session: Session,
    make_field_user: MakeFieldUser,
    organisation: Organisation,
    shopper: FieldUser,
    uploaded: dict[str, Any],
    status: EvaluationStatus,
) -> None:
    # A visit still in review stays unannounced: its photos are not the client's to see yet.
    own_client = cite(
        db_session, uploaded["id"], organisation=organisation, evaluator=shopper, status=status
    )
    person = client_user_of(db_session, make_field_user, organisation, own_client)
    response = client.get(f"/api/evidence/{uploaded['id']}/display", headers=person.headers)
    assert_error(response, 404, "NOT_FOUND")


def test_another_shopper_cannot_see_my_evidence(
    client: FlaskClient,
    make_field_user: MakeFieldUser,
    organisation: Organisation,
    uploaded: dict[str, Any],
) -> None:
    other = make_field_user(Role.SHOPPER, organisation)
    base = f"/api/evidence/{uploaded['id']}"
    for path in (base, f"{base}/original", f"{base}/display", f"{base}/thumbnail"):
        assert_error(client.get(path, headers=other.headers), 404, "NOT_FOUND")


def test_staff_of_another_organisation_cannot_see_it(
    client: FlaskClient, make_field_user: MakeFieldUser, uploaded: dict[str, Any]
) -> None:
    outsider = make_field_user(Role.ADMIN)  # its own organisation
    base = f"/api/evidence/{uploaded['id']}"
    for path in (base, f"{base}/original", f"{base}/display"):
        assert_error(client.get(path, headers=outsider.headers), 404, "NOT_FOUND")


def test_scheme_managers_may_not_read_evidence(
    client: FlaskClient,
    make_field_user: MakeFieldUser,
    organisation: Organisation,
    uploaded: dict[str, Any],
) -> None:
    manager = make_field_user(Role.SCHEME_MANAGER, organisation)
    response = client.get(f"/api/evidence/{uploaded['id']}", headers=manager.headers)
    assert_error(response, 403, "FORBIDDEN")


def test_unknown_id_is_not_found(client: FlaskClient, shopper: FieldUser) -> None:
    assert_error(
        client.get(f"/api/evidence/{uuid.uuid4()}", headers=shopper.headers), 404, "NOT_FOUND"
    )


def test_reading_requires_sign_in(client: FlaskClient, uploaded: dict[str, Any]) -> None:
    assert_error(client.get(f"/api/evidence/{uploaded['id']}"), 401, "AUTH_REQUIRED")


# --- files ------------------------------------------------------------------------------------


def test_original_download_is_byte_identical_to_the_upload(
    client: FlaskClient, shopper: FieldUser, uploaded: dict[str, Any], photo: bytes
) -> None:
    response = client.get(
        f"/api/evidence/{uploaded['id']}/original", headers=shopper.headers, buffered=True
    )

    assert response.status_code == 200
    assert response.data == photo
    assert sha256(response.data) == uploaded["sha256"]
    assert response.mimetype == "image/jpeg"
    assert response.headers["Content-Length"] == str(len(photo))
    assert response.headers["ETag"] == f'"{uploaded["sha256"]}"'
    assert response.headers["Cache-Control"].startswith("private")
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("rendition", "long_side"),
    [("display", images.DISPLAY_MAX_SIDE), ("thumbnail", images.THUMBNAIL_MAX_SIDE)],
)
def test_renditions_are_upright_jpegs_of_bounded_size(
    client: FlaskClient,
    shopper: FieldUser,
    uploaded: dict[str, Any],
    photo: bytes,
    rendition: str,
    long_side: int,
) -> None:
    response = client.get(
        f"/api/evidence/{uploaded['id']}/{rendition}", headers=shopper.headers, buffered=True
    )

    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert response.headers["ETag"] == f'"{uploaded["sha256"]}.{rendition}"'
    assert response.headers["Cache-Control"].startswith("private")
    image = Image.open(io.BytesIO(response.data))
    assert image.format == "JPEG"
    original = Image.open(io.BytesIO(photo))
    # Bounded by the rendition's size, never enlarged (the 2000 px fixture fits the display).
    assert max(image.size) == min(long_side, max(original.size))
    assert not image.getexif()


def test_if_none_match_with_the_sha256_answers_304(
    client: FlaskClient, shopper: FieldUser, uploaded: dict[str, Any]
) -> None:
    response = client.get(
        f"/api/evidence/{uploaded['id']}/original",
        headers={**shopper.headers, "If-None-Match": f'"{uploaded["sha256"]}"'},
    )
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == f'"{uploaded["sha256"]}"'


def test_staff_download_of_an_original_is_audited(
    client: FlaskClient,
    db_session: Session,
    make_field_user: MakeFieldUser,
    organisation: Organisation,
    uploaded: dict[str, Any],
) -> None:
    reviewer = make_field_user(Role.REVIEWER, organisation)
    response = client.get(
        f"/api/evidence/{uploaded['id']}/original", headers=reviewer.headers, buffered=True
    )
    assert response.status_code == 200
    (entry,) = _reads(db_session, uploaded["id"], "evidence.original_read")
    assert entry.actor_id == reviewer.user.id


def test_document_has_no_display_image(
    client: FlaskClient, storage_dir: Path, shopper: FieldUser
) -> None:
    record = put_evidence(client, shopper, pictures.pdf()).get_json()
    base = f"/api/evidence/{record['id']}"
    original = client.get(f"{base}/original", headers=shopper.headers, buffered=True)
    assert original.status_code == 200 and original.mimetype == "application/pdf"
    body = assert_error(client.get(f"{base}/display", headers=shopper.headers), 404, "NOT_FOUND")
    assert body["details"]["reason"] == "no_rendition"


def test_file_missing_from_storage_is_not_found_not_a_crash(
    client: FlaskClient, storage_dir: Path, shopper: FieldUser, uploaded: dict[str, Any]
) -> None:
    for path in storage_dir.rglob("*.jpg"):
        path.unlink()
    response = client.get(f"/api/evidence/{uploaded['id']}/display", headers=shopper.headers)
    body = assert_error(response, 404, "NOT_FOUND")
    assert body["details"]["reason"] == "missing_from_storage"
