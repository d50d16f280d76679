"""Stored files no record refers to (an upload whose commit failed) are pruned after a while."""

from __future__ import annotations

import io
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.evidence.cli import prune_orphans_command
from backend.evidence.services import prune_orphans
from backend.evidence.storage import (
    LocalStorage,
    S3Storage,
    Storage,
    display_key,
    original_key,
    thumbnail_key,
)
from backend.users.models import Role
from tests.evidence import pictures
from tests.evidence.conftest import put_evidence
from tests.evidence.pictures import sha256
from tests.evidence.test_read_api import MakeFieldUser
from tests.evidence.test_storage import storage  # noqa: F401 - the local and S3 fixture

DAY = timedelta(days=1)


def plant(directory: Path, key: str, data: bytes, *, age: timedelta) -> Path:
    """A file as an upload that failed to commit left it, ``age`` ago."""
    path = directory / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    then = time.time() - age.total_seconds()
    os.utime(path, (then, then))
    return path


def test_listing_finds_stored_objects_with_their_times(storage: Storage) -> None:  # noqa: F811
    data = pictures.jpeg()
    storage.put(original_key(sha256(data)), io.BytesIO(data))
    storage.put(thumbnail_key(sha256(data)), io.BytesIO(b"thumb"))

    listed = list(storage.list("originals/"))

    assert [info.key for info in listed] == [original_key(sha256(data))]
    assert abs(datetime.now(UTC) - listed[0].modified_at) < timedelta(minutes=5)
    assert list(storage.list("display/")) == []


def test_listing_skips_a_write_in_progress(tmp_path: Path) -> None:
    local = LocalStorage(tmp_path)
    plant(tmp_path, "originals/ab/cd/.tmp-x.part", b"half", age=DAY)
    assert list(local.list("originals/")) == []


def test_old_orphans_are_deleted_and_everything_else_kept(
    client: FlaskClient, db_session: Session, storage_dir: Path, make_field_user: MakeFieldUser
) -> None:
    shopper = make_field_user(Role.SHOPPER)
    photo = pictures.jpeg(pictures.scene(800, 600, seed=1))
    assert put_evidence(client, shopper, photo).status_code == 201
    lost = pictures.jpeg(pictures.scene(800, 600, seed=2))
    old = [
        plant(storage_dir, original_key(sha256(lost)), lost, age=2 * DAY),
        plant(storage_dir, display_key(sha256(lost)), b"display", age=2 * DAY),
    ]
    recent = plant(storage_dir, thumbnail_key(sha256(lost)), b"thumb", age=timedelta(hours=1))
    local = LocalStorage(storage_dir)

    dry = prune_orphans(db_session, local, older_than=DAY, dry_run=True)
    assert sorted(dry.orphans) == sorted(p.relative_to(storage_dir).as_posix() for p in old)
    assert dry.deleted == [] and all(p.exists() for p in old)
    assert dry.examined == 6  # three of the recorded photo, three left over

    report = prune_orphans(db_session, local, older_than=DAY)

    assert sorted(report.deleted) == sorted(dry.orphans)
    assert not any(p.exists() for p in old)
    assert recent.exists()  # within the grace period: perhaps an upload about to commit
    for key in (original_key(sha256(photo)), display_key(sha256(photo))):
        assert local.exists(key)


def test_an_upload_of_bytes_left_over_refreshes_them(
    client: FlaskClient, storage_dir: Path, make_field_user: MakeFieldUser
) -> None:
    shopper = make_field_user(Role.SHOPPER)
    photo = pictures.jpeg(pictures.scene(640, 480, seed=3))
    left = plant(storage_dir, original_key(sha256(photo)), photo, age=3 * DAY)

    assert put_evidence(client, shopper, photo).status_code == 201

    # Written again just before the record's commit: a concurrent prune's grace period covers it.
    assert time.time() - left.stat().st_mtime < 3600
    assert left.read_bytes() == photo


def test_the_command_reports_what_it_deleted(app: Flask, storage_dir: Path) -> None:
    lost = pictures.jpeg()
    path = plant(storage_dir, original_key(sha256(lost)), lost, age=2 * DAY)

    runner = app.test_cli_runner()
    result = runner.invoke(prune_orphans_command, ["--dry-run"])
    assert result.exit_code == 0, result.output
    assert path.exists() and "1 orphaned, 0 deleted" in result.output

    result = runner.invoke(prune_orphans_command, [])
    assert result.exit_code == 0, result.output
    assert f"{original_key(sha256(lost))}: deleted" in result.output
    assert not path.exists()


@pytest.mark.parametrize("prefix", ["", "fieldcert"])
def test_s3_listing_strips_the_prefix(s3_bucket: str, s3_endpoint: str, prefix: str) -> None:
    s3 = S3Storage(s3_bucket, endpoint_url=s3_endpoint, prefix=prefix)
    s3.put("display/aa/bb/x.jpg", io.BytesIO(b"x"))
    assert [info.key for info in s3.list("display/")] == ["display/aa/bb/x.jpg"]
