"""Uploads answer when the original is safe; renditions and hash follow as a job (issue 13).

These tests run on a real queue (a SQLite file, as ``make run`` uses) and run its jobs as the
worker does (``Jobs.run_pending``): the upload's answer comes before any rendition exists, a
job lost between the commit and the queue is queued again by the sweeper, and bytes uploaded
twice are derived once.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from backend.evidence import derive, images
from backend.evidence import services as evidence_services
from backend.evidence.models import Evidence
from backend.evidence.phash_index import band_values
from backend.extensions import db
from backend.jobs.engine import Jobs, jobs_of
from backend.jobs.tasks import PERIODIC
from backend.users.models import Role
from tests.evidence import pictures
from tests.evidence.conftest import FieldUser, put_evidence, stored_files

MakeFieldUser = Callable[..., FieldUser]


@pytest.fixture
def queued_app(make_app: Callable[..., Flask], tmp_path: Path) -> Flask:
    """An app whose jobs wait in a SQLite file until run, as with ``make run``."""
    return make_app(
        FIELDCERT_JOBS="sqlite",
        FIELDCERT_JOBS_FILE=str(tmp_path / "jobs.sqlite3"),
        FIELDCERT_STORAGE_DIR=str(tmp_path / "evidence"),
    )


def jobs(app: Flask) -> Jobs:
    return jobs_of(app)


def record(session: Session, evidence_id: str) -> Evidence:
    session.expire_all()
    row = session.get(Evidence, uuid.UUID(evidence_id))
    assert row is not None
    return row


def test_the_upload_answers_before_the_renditions_exist_and_the_job_makes_them(
    queued_app: Flask, db_session: Session, make_field_user: MakeFieldUser, tmp_path: Path
) -> None:
    client = queued_app.test_client()
    shopper = make_field_user(Role.SHOPPER)
    data = pictures.jpeg(pictures.scene(2400, 1800))

    response = put_evidence(client, shopper, data)

    assert response.status_code == 201
    body = response.get_json()
    assert (body["derived"], body["phash"], body["width"]) == ("pending", None, 2400)
    assert len(stored_files(tmp_path / "evidence")) == 1  # the original only
    assert jobs(queued_app).huey.pending_count() == 1
    # The field app shows its own copy meanwhile; the server says when to ask again.
    display = client.get(f"/api/evidence/{body['id']}/display", headers=shopper.headers)
    assert display.status_code == 404
    assert display.headers["Retry-After"] == "5"
    assert display.get_json()["details"]["reason"] == "rendition_pending"

    assert jobs(queued_app).run_pending() == 1

    row = record(db_session, body["id"])
    assert row.derived_at is not None and row.derive_failure is None
    assert row.phash is not None and len(row.phash) == 16
    assert len(stored_files(tmp_path / "evidence")) == 3
    display = client.get(f"/api/evidence/{body['id']}/display", headers=shopper.headers)
    assert display.status_code == 200 and display.mimetype == "image/jpeg"
    display.close()
    assert (
        client.get(f"/api/evidence/{body['id']}", headers=shopper.headers).get_json()["derived"]
        == "ready"
    )


def test_a_job_lost_between_the_commit_and_the_queue_is_queued_again_by_the_sweeper(
    queued_app: Flask,
    db_session: Session,
    make_field_user: MakeFieldUser,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The web process dies after its commit and before the queue heard of the job (here:
    queueing fails). The record itself says work is owed, and the periodic sweeper acts on it."""

    def killed(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("the web process died before the job reached the queue")

    monkeypatch.setattr(evidence_services, "enqueue", killed)
    client = queued_app.test_client()
    shopper = make_field_user()
    with caplog.at_level(logging.ERROR, logger="backend.unit_of_work"):
        response = put_evidence(client, shopper, pictures.jpeg())
    assert response.status_code == 201  # committed: the phone keeps its answer
    assert "after-commit action" in caplog.text
    assert jobs(queued_app).huey.pending_count() == 0
    evidence_id = response.get_json()["id"]
    assert record(db_session, evidence_id).derived_at is None
    monkeypatch.undo()

    with queued_app.app_context():
        # A fresh upload is not the sweeper's business yet (its job may still be queued) …
        assert derive.sweep_underived(db.session()) == 0
        # … one waiting longer than SWEEP_AFTER is.
        assert derive.sweep_underived(db.session(), older_than=timedelta(0)) == 1
    assert jobs(queued_app).run_pending() == 1
    assert record(db_session, evidence_id).derived_at is not None
    sweeper = {p.name: p for p in PERIODIC}["evidence.sweep_underived"]
    assert sweeper.minute == "*/10"


def test_the_same_bytes_uploaded_twice_are_derived_once(
    queued_app: Flask,
    db_session: Session,
    make_field_user: MakeFieldUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = queued_app.test_client()
    data = pictures.jpeg(pictures.scene(1600, 1200, seed=7))
    first = put_evidence(client, make_field_user(), data).get_json()
    second = put_evidence(client, make_field_user(Role.AUDITOR), data).get_json()
    decodes: list[int] = []
    real = images.process_image

    def counted(*args: Any, **kwargs: Any) -> images.ProcessedImage:
        decodes.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(images, "process_image", counted)

    assert jobs(queued_app).run_pending() == 2

    assert len(decodes) == 1  # the second job found the first one's renditions
    a, b = record(db_session, first["id"]), record(db_session, second["id"])
    assert a.derived_at is not None and b.derived_at is not None
    assert (a.phash, a.display_key) == (b.phash, b.display_key)


def test_image_data_the_job_cannot_decode_is_recorded_and_the_original_kept(
    queued_app: Flask,
    db_session: Session,
    make_field_user: MakeFieldUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Damage deep inside the compressed data shows only in the full decode, which the job
    does: the record says so (``derived: failed``), the original stays evidence."""
    client = queued_app.test_client()
    shopper = make_field_user()
    data = pictures.jpeg(pictures.scene(seed=3))
    uploaded = put_evidence(client, shopper, data).get_json()

    def damaged(*args: Any, **kwargs: Any) -> images.ProcessedImage:
        raise images.CorruptFile("the image data cannot be decoded: broken data stream")

    monkeypatch.setattr(images, "process_image", damaged)
    assert jobs(queued_app).run_pending() == 1

    row = record(db_session, uploaded["id"])
    assert row.derived_at is not None and row.display_key is None
    assert row.derive_failure == "the image data cannot be decoded: broken data stream"
    body = client.get(f"/api/evidence/{uploaded['id']}", headers=shopper.headers).get_json()
    assert body["derived"] == "failed"
    original = client.get(f"/api/evidence/{uploaded['id']}/original", headers=shopper.headers)
    assert original.status_code == 200 and original.data == data
    original.close()
    display = client.get(f"/api/evidence/{uploaded['id']}/display", headers=shopper.headers)
    assert display.status_code == 404
    assert display.get_json()["details"]["reason"] == "no_rendition"
    waiting = db_session.scalar(
        sa.select(sa.func.count()).select_from(Evidence).where(Evidence.derived_at.is_(None))
    )
    assert waiting == 0  # a failure is final: the sweeper leaves it alone


def test_the_job_writes_the_hash_bands_the_reuse_check_looks_up(
    queued_app: Flask, db_session: Session, make_field_user: MakeFieldUser
) -> None:
    """Every record of the bytes gets the bands with the hash (a bulk UPDATE: no validator)."""
    client = queued_app.test_client()
    data = pictures.jpeg(pictures.scene(1600, 1200, seed=11))
    first = put_evidence(client, make_field_user(), data).get_json()
    second = put_evidence(client, make_field_user(), data).get_json()
    assert record(db_session, first["id"]).phash_band_0 is None  # nothing before the job

    assert jobs(queued_app).run_pending() == 2

    for body in (first, second):
        row = record(db_session, body["id"])
        db_session.refresh(row)
        assert row.phash is not None
        bands = (row.phash_band_0, row.phash_band_1, row.phash_band_2, row.phash_band_3)
        assert bands == band_values(row.phash)
