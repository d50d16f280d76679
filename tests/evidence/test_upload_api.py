"""PUT /api/evidence/<id>: verified, typed by content, idempotent, deduplicated, atomic.

Over 700 lines because it is one endpoint's contract, case by case (each test a rule of
docs/evidence.md); the decoding limits, renditions job and pruning have files of their own.
"""

from __future__ import annotations

import io
import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from backend.audit.models import AuditEntry
from backend.auth.actor import Actor
from backend.errors import ApiError
from backend.evidence import services
from backend.evidence.models import Evidence, EvidenceKind
from backend.evidence.services import Capture, EvidenceLimits
from backend.evidence.storage import LocalStorage
from backend.users.models import Role
from tests.evidence import pictures
from tests.evidence.conftest import FieldUser, put_evidence, stored_files
from tests.evidence.pictures import sha256

MakeFieldUser = Callable[..., FieldUser]


def assert_error(response: TestResponse, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code
    assert body["message"]
    return body


#: What the derive job adds to a record after the upload answered.
_DERIVED = frozenset({"derived", "derived_at", "phash", "links", "metadata"})


def evidence_rows(session: Session) -> list[Evidence]:
    session.expire_all()
    return list(session.scalars(sa.select(Evidence)))


# --- success ----------------------------------------------------------------------------------


def test_upload_stores_the_file_and_answers_201_with_the_record(
    client: FlaskClient, db_session: Session, storage_dir: Path, make_field_user: MakeFieldUser
) -> None:
    shopper = make_field_user(Role.SHOPPER)
    exif = pictures.exif_with(
        taken="2026:11:20 09:30:00", offset="+08:00", gps=((30, 15, 30), "N", (120, 9, 0), "E")
    )
    data = pictures.jpeg(pictures.scene(2400, 1800), exif=exif)
    evidence_id = uuid.uuid4()

    response = put_evidence(
        client,
        shopper,
        data,
        evidence_id=evidence_id,
        X_Captured_At="2026-11-20T09:31:05+08:00",
        X_Capture_Latitude="30.2585",
        X_Capture_Longitude="120.1501",
        X_Capture_Accuracy="12.5",
        X_Original_Filename="%E9%97%A8%E5%BA%97%E5%A4%96%E8%A7%82.png",  # 门店外观.png
        X_Device_Time="2026-11-20T18:00:00.250+08:00",
    )

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"] == f"/api/evidence/{evidence_id}"
    assert body["id"] == str(evidence_id)
    assert body["sha256"] == sha256(data)
    assert body["size_bytes"] == len(data)
    assert body["media_type"] == "image/jpeg"  # by content, whatever the name says
    assert body["kind"] == "photo"
    assert (body["width"], body["height"]) == (2400, 1800)
    assert body["captured_at"] == "2026-11-20T01:31:05+00:00"
    assert body["capture"] == {"latitude": 30.2585, "longitude": 120.1501, "accuracy_m": 12.5}
    assert body["exif"]["taken_at"] == "2026-11-20T01:30:00+00:00"
    assert body["exif"]["latitude"] == pytest.approx(30.2583333)
    assert body["exif"]["summary"]["make"] == "FieldCam"
    assert body["original_filename"] == "门店外观.png"
    assert body["uploaded_by"]["id"] == str(shopper.user.id)
    assert body["device_id"] == str(shopper.device.id)
    # The answer comes once the original is safe; renditions and hash follow as a job (issue
    # 13), which the test app runs at once after the commit (FIELDCERT_JOBS=immediate).
    assert (body["derived"], body["derived_at"], body["phash"]) == ("pending", None, None)
    assert body["links"] == {"original": f"/api/evidence/{evidence_id}/original"}
    derived = client.get(f"/api/evidence/{evidence_id}", headers=shopper.headers).get_json()
    assert derived["derived"] == "ready" and derived["derived_at"] is not None
    assert len(derived["phash"]) == 16
    assert derived["links"] == {
        "original": f"/api/evidence/{evidence_id}/original",
        "display": f"/api/evidence/{evidence_id}/display",
        "thumbnail": f"/api/evidence/{evidence_id}/thumbnail",
    }
    (row,) = evidence_rows(db_session)
    assert row.organisation_id == shopper.user.organisation_id
    assert row.uploaded_by_id == shopper.user.id
    assert row.received_at.tzinfo is UTC
    assert row.device_sent_at == datetime(2026, 11, 20, 10, 0, 0, 250_000, tzinfo=UTC)
    assert abs((datetime.now(UTC) - row.received_at).total_seconds()) < 60
    digest = sha256(data)
    assert (storage_dir / "originals" / digest[:2] / digest[2:4] / digest).read_bytes() == data
    assert len(stored_files(storage_dir)) == 3  # original, display, thumbnail
    audit = db_session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "evidence.uploaded")
    ).one()
    assert audit.object_id == str(evidence_id)
    assert audit.actor_id == shopper.user.id and audit.device_id == shopper.device.id


@pytest.mark.parametrize("role", [Role.SHOPPER, Role.AUDITOR, Role.TEAM_LEADER])
def test_field_roles_may_upload(
    client: FlaskClient, storage_dir: Path, make_field_user: MakeFieldUser, role: Role
) -> None:
    assert put_evidence(client, make_field_user(role), pictures.jpeg()).status_code == 201


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SCHEME_MANAGER, Role.REVIEWER, Role.CLIENT_USER])
def test_other_roles_may_not_upload(
    client: FlaskClient,
    db_session: Session,
    storage_dir: Path,
    make_field_user: MakeFieldUser,
    role: Role,
) -> None:
    assert_error(put_evidence(client, make_field_user(role), pictures.jpeg()), 403, "FORBIDDEN")
    assert evidence_rows(db_session) == []
    assert stored_files(storage_dir) == []


def test_upload_without_sign_in_is_refused(client: FlaskClient, storage_dir: Path) -> None:
    data = pictures.jpeg()
    response = client.put(
        f"/api/evidence/{uuid.uuid4()}", data=data, headers={"X-Content-SHA256": sha256(data)}
    )
    assert_error(response, 401, "AUTH_REQUIRED")


@pytest.mark.parametrize(
    ("data", "media_type"),
    [
        (pictures.png(), "image/png"),
        (pictures.webp(), "image/webp"),
        (pictures.heic(), "image/heic"),
    ],
    ids=["png", "webp", "heic"],
)
def test_png_webp_and_heic_are_accepted(
    client: FlaskClient,
    storage_dir: Path,
    make_field_user: MakeFieldUser,
    data: bytes,
    media_type: str,
) -> None:
    response = put_evidence(client, make_field_user(), data)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["media_type"] == media_type
    assert response.get_json()["kind"] == "photo"


def test_pdf_is_accepted_as_a_document_without_renditions(
    client: FlaskClient, storage_dir: Path, make_field_user: MakeFieldUser
) -> None:
    response = put_evidence(client, make_field_user(Role.AUDITOR), pictures.pdf())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["kind"], body["media_type"]) == ("document", "application/pdf")
    assert set(body["links"]) == {"original"}
    assert len(stored_files(storage_dir)) == 1


# --- hostile files ----------------------------------------------------------------------------


def test_jpeg_named_png_is_stored_as_jpeg(
    client: FlaskClient, storage_dir: Path, make_field_user: MakeFieldUser
) -> None:
    response = put_evidence(
        client, make_field_user(), pictures.jpeg(), X_Original_Filename="photo.png"
    )
    assert response.status_code == 201
    assert response.get_json()["media_type"] == "image/jpeg"
    assert response.get_json()["original_filename"] == "photo.png"


def test_png_named_jpg_is_stored_as_png(
    client: FlaskClient, storage_dir: Path, make_field_user: MakeFieldUser
) -> None:
    response = put_evidence(
        client, make_field_user(), pictures.png(), X_Original_Filename="photo.jpg"
    )
    assert response.status_code == 201
    assert response.get_json()["media_type"] == "image/png"


@pytest.mark.parametrize(
    "data",
    [
        b"This is not a photo, whatever its name says.\n" * 20,
        pictures.encode(pictures.scene(), "GIF"),
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"MZ\x90\x00" + b"\x00" * 200,  # a Windows executable
    ],
    ids=["text", "gif", "svg", "exe"],
)
def test_non_image_content_named_jpg_is_unsupported(
    client: FlaskClient,
    db_session: Session,
    storage_dir: Path,
    make_field_user: MakeFieldUser,
    data: bytes,
) -> None:
    response = put_evidence(client, make_field_user(), data, X_Original_Filename="photo.jpg")
    body = assert_error(response, 415, "UNSUPPORTED_FILE_TYPE")
    assert "image/jpeg" in body["details"]["accepted"]
    assert evidence_rows(db_session) == []
    assert stored_files(storage_dir) == []


def test_truncated_jpeg_is_an_invalid_image(
    client: FlaskClient, db_session: Session, storage_dir: Path, make_field_user: MakeFieldUser
) -> None:
    data = pictures.jpeg(pictures.scene(1600, 1200))
    body = assert_error(
        put_evidence(client, make_field_user(), data[: len(data) * 2 // 3]), 422, "INVALID_IMAGE"
    )
    assert body["details"]["media_type"] == "image/jpeg"
    assert evidence_rows(db_session) == []
    assert stored_files(storage_dir) == []


def test_truncated_pdf_is_refused(
    client: FlaskClient, db_session: Session, storage_dir: Path, make_field_user: MakeFieldUser
) -> None:
    response = put_evidence(client, make_field_user(), pictures.pdf(complete=False))
    assert_error(response, 422, "INVALID_IMAGE")
    assert evidence_rows(db_session) == []


def test_png_declaring_a_huge_size_is_refused_as_too_large(
    client: FlaskClient, db_session: Session, storage_dir: Path, make_field_user: MakeFieldUser
) -> None:
    data = pictures.png_declaring(100_000, 100_000)
    assert len(data) < 2000
    assert_error(put_evidence(client, make_field_user(), data), 422, "IMAGE_TOO_LARGE")
    assert evidence_rows(db_session) == []
    assert stored_files(storage_dir) == []


def test_configured_pixel_limit_refuses_a_low_entropy_giant(
    client: FlaskClient,
    app: Flask,
    db_session: Session,
    storage_dir: Path,
    make_field_user: MakeFieldUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "FIELDCERT_MAX_IMAGE_PIXELS", 1_000_000)
    body = assert_error(
        put_evidence(client, make_field_user(), pictures.low_entropy_png(2000, 1000)),
        422,
        "IMAGE_TOO_LARGE",
    )
    assert body["details"]["max_pixels"] == 1_000_000
    assert (body["details"]["width"], body["details"]["height"]) == (2000, 1000)
    assert evidence_rows(db_session) == []


def test_zero_byte_body_is_refused(
    client: FlaskClient, db_session: Session, storage_dir: Path, make_field_user: MakeFieldUser
) -> None:
    body = assert_error(put_evidence(client, make_field_user(), b""), 422, "VALIDATION_ERROR")
    assert "body" in body["details"]
    assert evidence_rows(db_session) == []


def test_wrong_sha256_is_a_hash_mismatch_and_nothing_is_kept(
    client: FlaskClient, db_session: Session, storage_dir: Path, make_field_user: MakeFieldUser
) -> None:
    data = pictures.jpeg()
    body = assert_error(
        put_evidence(client, make_field_user(), data, digest=sha256(b"other bytes")),
        422,
        "EVIDENCE_HASH_MISMATCH",
    )
    assert body["details"]["received_sha256"] == sha256(data)
    assert evidence_rows(db_session) == []
    assert stored_files(storage_dir) == []


@pytest.mark.parametrize(
    ("headers", "field"),
    [
        ({"X-Content-SHA256": "abc"}, "X-Content-SHA256"),
        ({"X-Content-SHA256": None}, "X-Content-SHA256"),
        ({"X-Captured-At": "2026-11-20T09:30:00"}, "X-Captured-At"),  # no offset
        ({"X-Captured-At": "yesterday"}, "X-Captured-At"),
        ({"X-Captured-At": "0001-01-01T00:00:00+01:00"}, "X-Captured-At"),  # before year 1
        ({"X-Captured-At": "9999-12-31T23:00:00-05:00"}, "X-Captured-At"),  # after 9999
        ({"X-Capture-Latitude": "91", "X-Capture-Longitude": "120"}, "X-Capture-Latitude"),
        ({"X-Capture-Latitude": "nan", "X-Capture-Longitude": "120"}, "X-Capture-Latitude"),
        ({"X-Capture-Latitude": "30"}, "X-Capture-Longitude"),
        ({"X-Capture-Accuracy": "10"}, "X-Capture-Accuracy"),
        ({"X-Original-Filename": "%E9%97"}, "X-Original-Filename"),  # cut-off UTF-8
    ],
)
def test_bad_headers_are_validation_errors(
    client: FlaskClient,
    db_session: Session,
    storage_dir: Path,
    make_field_user: MakeFieldUser,
    headers: dict[str, str | None],
    field: str,
) -> None:
    shopper = make_field_user()
    data = pictures.jpeg()
    sent = {**shopper.headers, "X-Content-SHA256": sha256(data), **headers}
    response = client.put(
        f"/api/evidence/{uuid.uuid4()}",
        data=data,
        headers={name: value for name, value in sent.items() if value is not None},
    )
    body = assert_error(response, 422, "VALIDATION_ERROR")
    assert field in body["details"], body["details"]
    assert evidence_rows(db_session) == []


def test_a_wildly_wrong_device_clock_is_kept_not_refused(
    client: FlaskClient, storage_dir: Path, make_field_user: MakeFieldUser
) -> None:
    # A phone whose clock reset to the epoch: the skew is for the reviewer to see.
    response = put_evidence(
        client, make_field_user(), pictures.jpeg(), X_Captured_At="1970-01-01T00:00:05Z"
    )
    assert response.status_code == 201
    assert response.get_json()["captured_at"] == "1970-01-01T00:00:05+00:00"


def test_uppercase_sha256_is_accepted(
    client: FlaskClient, storage_dir: Path, make_field_user: MakeFieldUser
) -> None:
    data = pictures.jpeg()
    response = put_evidence(client, make_field_user(), data, digest=sha256(data).upper())
    assert response.status_code == 201
    assert response.get_json()["sha256"] == sha256(data)


def test_filename_is_kept_as_a_base_name_only(
    client: FlaskClient, storage_dir: Path, make_field_user: MakeFieldUser
) -> None:
    response = put_evidence(
        client, make_field_user(), pictures.jpeg(), X_Original_Filename="..%2F..%2Fetc%2Fpasswd"
    )
    assert response.status_code == 201
    assert response.get_json()["original_filename"] == "passwd"


# --- size limit -------------------------------------------------------------------------------


def test_content_length_over_the_limit_is_413_before_reading(
    client: FlaskClient,
    app: Flask,
    db_session: Session,
    storage_dir: Path,
    make_field_user: MakeFieldUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "FIELDCERT_MAX_EVIDENCE_BYTES", 10_000)
    data = pictures.jpeg(pictures.scene(1200, 900))
    assert len(data) > 10_000
    body = assert_error(put_evidence(client, make_field_user(), data), 413, "PAYLOAD_TOO_LARGE")
    assert body["details"] == {"max_bytes": 10_000}
    assert evidence_rows(db_session) == []
    assert stored_files(storage_dir) == []


class _Unread(io.BytesIO):
    """A body that records whether anyone read it."""

    touched = False

    def read(self, size: int | None = -1) -> bytes:
        type(self).touched = True
        return super().read(size)


def test_over_limit_body_is_not_read_at_all(
    db_session: Session, tmp_path: Path, make_field_user: MakeFieldUser
) -> None:
    shopper = make_field_user()
    body = _Unread(b"x" * 100)
    with pytest.raises(ApiError) as caught:
        services.upload(
            db_session,
            Actor(shopper.user, shopper.device),
            evidence_id=uuid.uuid4(),
            sha256=sha256(b"x" * 100),
            body=body,
            content_length=100,
            capture=Capture(),
            storage=LocalStorage(tmp_path),
            limits=EvidenceLimits(max_bytes=99),
        )
    assert caught.value.code == "PAYLOAD_TOO_LARGE"
    assert not _Unread.touched


def test_chunked_body_without_length_stops_at_the_limit(
    client: FlaskClient,
    app: Flask,
    db_session: Session,
    storage_dir: Path,
    make_field_user: MakeFieldUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "FIELDCERT_MAX_EVIDENCE_BYTES", 10_000)
    shopper = make_field_user()
    data = pictures.jpeg(pictures.scene(1200, 900))
    # No Content-Length: a chunked request, whose end the server (e.g. gunicorn) marks.
    response = client.put(
        f"/api/evidence/{uuid.uuid4()}",
        input_stream=io.BytesIO(data),
        headers={**shopper.headers, "X-Content-SHA256": sha256(data)},
        environ_overrides={"wsgi.input_terminated": True},
    )
    body = assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert body["details"] == {"max_bytes": 10_000}
    assert evidence_rows(db_session) == []
    assert stored_files(storage_dir) == []


def test_service_stops_reading_a_stream_past_the_limit(
    db_session: Session, tmp_path: Path, make_field_user: MakeFieldUser
) -> None:
    shopper = make_field_user()
    endless = _Endless()
    with pytest.raises(ApiError) as caught:
        services.upload(
            db_session,
            Actor(shopper.user, shopper.device),
            evidence_id=uuid.uuid4(),
            sha256="0" * 64,
            body=endless,
            content_length=None,
            capture=Capture(),
            storage=LocalStorage(tmp_path),
            limits=EvidenceLimits(max_bytes=1_000_000),
        )
    assert caught.value.code == "PAYLOAD_TOO_LARGE"
    assert endless.served <= 1_000_000 + 256 * 1024  # at most one chunk past the limit


class _Endless(io.RawIOBase):
    """A body that never ends (a client streaming forever)."""

    def __init__(self) -> None:
        self.served = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        size = 65536 if size is None or size < 0 else size
        self.served += size
        return b"\xff" * size


# --- idempotency and deduplication ------------------------------------------------------------


def test_replay_with_the_same_bytes_answers_200_with_the_same_record(
    client: FlaskClient, db_session: Session, storage_dir: Path, make_field_user: MakeFieldUser
) -> None:
    shopper = make_field_user()
    data = pictures.jpeg()
    evidence_id = uuid.uuid4()
    first = put_evidence(client, shopper, data, evidence_id=evidence_id)
    files_after_first = stored_files(storage_dir)

    replay = put_evidence(client, shopper, data, evidence_id=evidence_id)

    assert (first.status_code, replay.status_code) == (201, 200)
    # The record as it is now (its renditions were made after the first answer).
    now = client.get(f"/api/evidence/{evidence_id}", headers=shopper.headers).get_json()
    assert replay.get_json() == now
    assert {k: v for k, v in now.items() if k not in _DERIVED} == {
        k: v for k, v in first.get_json().items() if k not in _DERIVED
    }
    assert len(evidence_rows(db_session)) == 1
    assert stored_files(storage_dir) == files_after_first
    uploads = db_session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "evidence.uploaded")
    ).all()
    assert len(uploads) == 1


def test_replay_from_another_device_of_the_same_user_is_a_replay(
    client: FlaskClient, db_session: Session, storage_dir: Path, make_field_user: MakeFieldUser
) -> None:
    from tests.evidence.conftest import pair_device

    shopper = make_field_user()
    other_phone = pair_device(db_session, shopper.user)
    data, evidence_id = pictures.jpeg(), uuid.uuid4()
    assert put_evidence(client, shopper, data, evidence_id=evidence_id).status_code == 201
    assert put_evidence(client, other_phone, data, evidence_id=evidence_id).status_code == 200


def test_same_id_with_other_bytes_is_an_idempotency_conflict(
    client: FlaskClient, db_session: Session, storage_dir: Path, make_field_user: MakeFieldUser
) -> None:
    shopper = make_field_user()
    evidence_id = uuid.uuid4()
    first = pictures.jpeg(pictures.scene(seed=1))
    assert put_evidence(client, shopper, first, evidence_id=evidence_id).status_code == 201
    files = stored_files(storage_dir)

    body = assert_error(
        put_evidence(
            client, shopper, pictures.jpeg(pictures.scene(seed=2)), evidence_id=evidence_id
        ),
        409,
        "IDEMPOTENCY_CONFLICT",
    )

    assert body["details"]["stored_sha256"] == sha256(first)
    (row,) = evidence_rows(db_session)
    assert row.sha256 == sha256(first)
    assert stored_files(storage_dir) == files


def test_someone_elses_id_is_a_conflict_that_reveals_nothing(
    client: FlaskClient, db_session: Session, storage_dir: Path, make_field_user: MakeFieldUser
) -> None:
    data, evidence_id = pictures.jpeg(), uuid.uuid4()
    assert put_evidence(client, make_field_user(), data, evidence_id=evidence_id).status_code == 201

    body = assert_error(
        put_evidence(client, make_field_user(), data, evidence_id=evidence_id),
        409,
        "IDEMPOTENCY_CONFLICT",
    )
    assert body["details"] == {"id": str(evidence_id)}


def test_two_ids_with_identical_bytes_make_two_records_and_one_stored_file(
    client: FlaskClient, db_session: Session, storage_dir: Path, make_field_user: MakeFieldUser
) -> None:
    data = pictures.jpeg(exif=pictures.exif_with(gps=((30, 15, 30), "N", (120, 9, 0), "E")))
    first_user, second_user = make_field_user(Role.SHOPPER), make_field_user(Role.AUDITOR)
    first = put_evidence(client, first_user, data)
    second = put_evidence(client, second_user, data)

    assert (first.status_code, second.status_code) == (201, 201)
    rows = evidence_rows(db_session)
    assert len(rows) == 2
    assert rows[0].original_key == rows[1].original_key
    assert len(stored_files(storage_dir)) == 3  # one original, one display, one thumbnail
    # The second record has the same content facts, copied rather than recomputed.
    a, b = (
        client.get(f"/api/evidence/{r.get_json()['id']}", headers=u.headers).get_json()
        for r, u in ((first, first_user), (second, second_user))
    )
    assert a["phash"] is not None
    for name in ("sha256", "media_type", "width", "height", "phash", "exif"):
        assert a[name] == b[name], name
    assert a["uploaded_by"] != b["uploaded_by"]


def test_bytes_whose_stored_file_was_lost_are_stored_again(
    client: FlaskClient, storage_dir: Path, make_field_user: MakeFieldUser
) -> None:
    shopper = make_field_user()
    data = pictures.jpeg()
    assert put_evidence(client, shopper, data).status_code == 201
    for path in stored_files(storage_dir):
        path.unlink()

    assert put_evidence(client, shopper, data).status_code == 201

    digest = sha256(data)
    assert (storage_dir / "originals" / digest[:2] / digest[2:4] / digest).read_bytes() == data
    assert len(stored_files(storage_dir)) == 3


# --- cut-off requests -------------------------------------------------------------------------


class _CutOff(io.RawIOBase):
    """A body whose connection drops after ``after`` bytes."""

    def __init__(self, data: bytes, after: int) -> None:
        self.data, self.after, self.position = data, after, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if self.position >= self.after:
            raise ConnectionResetError("the phone lost its connection")
        size = len(self.data) if size is None or size < 0 else size
        end = min(self.position + size, self.after)
        chunk, self.position = self.data[self.position : end], end
        return chunk


def _tmp_entries() -> set[str]:
    """Named spool files in the temporary directory (the spool is anonymous: there are none)."""
    return {path.name for path in Path(tempfile.gettempdir()).glob("fieldcert-evidence-*")}


def test_upload_cut_off_half_way_leaves_no_record_and_no_file(
    db_session: Session, tmp_path: Path, make_field_user: MakeFieldUser
) -> None:
    shopper = make_field_user()
    data = pictures.jpeg(pictures.scene(2000, 1500))
    storage_root = tmp_path / "store"
    before = _tmp_entries()

    with pytest.raises(ConnectionResetError):
        services.upload(
            db_session,
            Actor(shopper.user, shopper.device),
            evidence_id=uuid.uuid4(),
            sha256=sha256(data),
            body=_CutOff(data, after=len(data) // 2),
            content_length=len(data),
            capture=Capture(),
            storage=LocalStorage(storage_root),
            limits=EvidenceLimits(),
        )

    db_session.rollback()
    assert evidence_rows(db_session) == []
    assert not storage_root.exists() or stored_files(storage_root) == []
    assert _tmp_entries() == before


def test_http_request_cut_off_half_way_leaves_no_record_and_no_file(
    client: FlaskClient, db_session: Session, storage_dir: Path, make_field_user: MakeFieldUser
) -> None:
    shopper = make_field_user()
    data = pictures.jpeg(pictures.scene(2000, 1500))
    # Content-Length announces the whole file; the connection ends half way (Werkzeug sees EOF
    # before the announced length and raises ClientDisconnected).
    response = client.put(
        f"/api/evidence/{uuid.uuid4()}",
        input_stream=io.BytesIO(data[: len(data) // 2]),
        headers={**shopper.headers, "X-Content-SHA256": sha256(data)},
        environ_overrides={"CONTENT_LENGTH": str(len(data))},
    )
    assert_error(response, 400, "BAD_REQUEST")
    assert evidence_rows(db_session) == []
    assert stored_files(storage_dir) == []


def test_short_body_on_a_terminating_server_is_an_incomplete_upload(
    client: FlaskClient, db_session: Session, storage_dir: Path, make_field_user: MakeFieldUser
) -> None:
    # Servers that terminate the input stream (gunicorn) hand over a short body as a normal
    # end of input: the announced Content-Length is what tells it was cut off.
    shopper = make_field_user()
    data = pictures.jpeg(pictures.scene(2000, 1500))
    response = client.put(
        f"/api/evidence/{uuid.uuid4()}",
        input_stream=io.BytesIO(data[: len(data) // 2]),
        headers={**shopper.headers, "X-Content-SHA256": sha256(data)},
        environ_overrides={"CONTENT_LENGTH": str(len(data)), "wsgi.input_terminated": True},
    )
    # Its own code (issue 9): the phone retries it, same id, without reading details.
    body = assert_error(response, 400, "INCOMPLETE_BODY")
    assert body["details"] == {
        "reason": "incomplete_body",
        "content_length": len(data),
        "received_bytes": len(data) // 2,
    }
    assert evidence_rows(db_session) == []
    assert stored_files(storage_dir) == []


class _FailingStorage(LocalStorage):
    """Local storage whose disk fills up while writing the original."""

    def put(self, key: str, file: Any) -> None:
        if key.startswith("originals/"):

            class _Half(io.RawIOBase):
                def __init__(self, inner: Any) -> None:
                    self.inner, self.read_once = inner, False

                def seek(self, *args: Any) -> int:
                    return int(self.inner.seek(*args))

                def readable(self) -> bool:
                    return True

                def readinto(self, buffer: Any) -> int:
                    if self.read_once:
                        raise OSError(28, "No space left on device")
                    self.read_once = True
                    chunk = self.inner.read(min(len(buffer), 1000))
                    buffer[: len(chunk)] = chunk
                    return len(chunk)

            super().put(key, _Half(file))  # type: ignore[arg-type]
        else:
            super().put(key, file)


def test_storage_failure_half_way_leaves_no_record_and_no_partial_original(
    db_session: Session, tmp_path: Path, make_field_user: MakeFieldUser
) -> None:
    shopper = make_field_user()
    data = pictures.jpeg(pictures.scene(2000, 1500))
    root = tmp_path / "store"

    with pytest.raises(OSError, match="No space"):
        services.upload(
            db_session,
            Actor(shopper.user, shopper.device),
            evidence_id=uuid.uuid4(),
            sha256=sha256(data),
            body=io.BytesIO(data),
            content_length=len(data),
            capture=Capture(),
            storage=_FailingStorage(root),
            limits=EvidenceLimits(),
        )

    db_session.rollback()
    assert evidence_rows(db_session) == []
    leftovers = [path.relative_to(root).parts[0] for path in stored_files(root)]
    assert "originals" not in leftovers  # neither the original nor its temporary file
    assert not any(path.name.startswith(".tmp-") for path in stored_files(root))


def test_retry_after_a_cut_off_upload_succeeds(
    client: FlaskClient, db_session: Session, storage_dir: Path, make_field_user: MakeFieldUser
) -> None:
    shopper = make_field_user()
    data, evidence_id = pictures.jpeg(), uuid.uuid4()
    cut_off = client.put(
        f"/api/evidence/{evidence_id}",
        input_stream=io.BytesIO(data[:100]),
        headers={**shopper.headers, "X-Content-SHA256": sha256(data)},
        environ_overrides={"CONTENT_LENGTH": str(len(data))},
    )
    assert cut_off.status_code == 400
    assert put_evidence(client, shopper, data, evidence_id=evidence_id).status_code == 201


# --- the service ------------------------------------------------------------------------------


def test_list_owned_gives_my_ids_and_hashes_only(
    client: FlaskClient, db_session: Session, storage_dir: Path, make_field_user: MakeFieldUser
) -> None:
    from tests.evidence.conftest import pair_device

    me, someone = make_field_user(), make_field_user()
    my_other_phone = pair_device(db_session, me.user)
    mine = [pictures.jpeg(pictures.scene(seed=seed)) for seed in (1, 2)]
    ids = [uuid.uuid4(), uuid.uuid4()]
    put_evidence(client, me, mine[0], evidence_id=ids[0])
    put_evidence(client, my_other_phone, mine[1], evidence_id=ids[1])
    put_evidence(client, someone, pictures.jpeg(pictures.scene(seed=3)))

    owned = services.list_owned(db_session, Actor(me.user, me.device))
    this_phone = services.list_owned(db_session, Actor(me.user, me.device), device_only=True)

    assert sorted(owned) == sorted(zip(ids, map(sha256, mine), strict=True))
    assert this_phone == [(ids[0], sha256(mine[0]))]


def test_stored_record_kind_and_keys(
    client: FlaskClient, db_session: Session, storage_dir: Path, make_field_user: MakeFieldUser
) -> None:
    data = pictures.png(Image.new("RGB", (10, 10), "green"))
    put_evidence(client, make_field_user(), data)
    (row,) = evidence_rows(db_session)
    digest = sha256(data)
    assert row.kind is EvidenceKind.PHOTO
    assert row.original_key == f"originals/{digest[:2]}/{digest[2:4]}/{digest}"
    assert row.display_key == f"display/{digest[:2]}/{digest[2:4]}/{digest}.jpg"
    assert row.thumbnail_key == f"thumbnails/{digest[:2]}/{digest[2:4]}/{digest}.jpg"


def test_a_malformed_device_time_is_refused_before_anything_is_stored(
    client: FlaskClient, db_session: Session, storage_dir: Path, make_field_user: MakeFieldUser
) -> None:
    shopper = make_field_user(Role.SHOPPER)
    response = put_evidence(client, shopper, pictures.jpeg(), X_Device_Time="2026-11-20 18:00")
    assert response.status_code == 422
    assert "X-Device-Time" in response.get_json()["details"]
    assert evidence_rows(db_session) == []
    assert stored_files(storage_dir) == []
