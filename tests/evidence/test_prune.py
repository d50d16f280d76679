"""Stored files no record refers to (an upload whose commit failed) are pruned after a while."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3  # type: ignore[import-untyped]
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.evidence.cli import prune_orphans_command
from backend.evidence.prune import prune_orphans
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


# --------------------------------------------------------------------------- crash leftovers


def crash_mid_write(root: Path, key: str) -> Path:
    """Kill a process half way through ``LocalStorage.put``; the temporary file it left."""
    # The child writes from a pipe that never ends, so it is inside the copy when killed.
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from backend.evidence.storage import LocalStorage

        class Endless:
            def seek(self, *args): return 0
            def read(self, size=-1): return sys.stdin.buffer.read1(size if size > 0 else 65536)

        LocalStorage(Path({str(root)!r})).put({key!r}, Endless())
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert child.stdin is not None
    child.stdin.write(b"\xff\xd8\xff" + b"x" * 200_000)
    child.stdin.flush()
    folder = root / Path(key).parent
    deadline = time.monotonic() + 20
    while not (folder.is_dir() and any(folder.iterdir())):
        assert time.monotonic() < deadline, "the writer never started its temporary file"
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)  # no except clause, no cleanup: like an OOM kill
    child.wait(10)
    child.stdin.close()
    (left,) = folder.iterdir()
    return left


def test_a_write_killed_half_way_is_pruned_after_the_grace_period(
    app: Flask, db_session: Session, storage_dir: Path
) -> None:
    lost = pictures.jpeg(pictures.scene(320, 240, seed=9))
    left = crash_mid_write(storage_dir, original_key(sha256(lost)))
    assert left.name.startswith(".tmp-") and left.name.endswith(".part")
    local = LocalStorage(storage_dir)

    fresh = prune_orphans(db_session, local, older_than=DAY)
    assert left.exists() and fresh.leftovers == []  # perhaps a write still in progress

    then = time.time() - 2 * DAY.total_seconds()
    os.utime(left, (then, then))
    dry = prune_orphans(db_session, local, older_than=DAY, dry_run=True)
    assert dry.leftovers == [left.relative_to(storage_dir).as_posix()]
    assert dry.leftovers_removed == [] and left.exists()

    runner = app.test_cli_runner()
    result = runner.invoke(prune_orphans_command, [])

    assert result.exit_code == 0, result.output
    assert f"{left.relative_to(storage_dir).as_posix()}: unfinished write, removed" in result.output
    assert "1 unfinished writes, 1 removed" in result.output
    assert not left.exists()


def test_an_unfinished_s3_multipart_upload_is_aborted_after_the_grace_period(
    s3_endpoint: str, s3_bucket: str, db_session: Session
) -> None:
    s3 = S3Storage(s3_bucket, endpoint_url=s3_endpoint, prefix="fieldcert")
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    key = original_key("ab" * 32)
    # What upload_fileobj leaves when its process dies between the parts and the completion.
    started = client.create_multipart_upload(Bucket=s3_bucket, Key=f"fieldcert/{key}")
    client.upload_part(
        Bucket=s3_bucket,
        Key=f"fieldcert/{key}",
        UploadId=started["UploadId"],
        PartNumber=1,
        Body=b"x" * (5 * 1024 * 1024),
    )

    # The bucket's own clock says when it started (moto's is a fixed date in 2010).
    (listed,) = client.list_multipart_uploads(Bucket=s3_bucket)["Uploads"]
    initiated = listed["Initiated"]

    soon = prune_orphans(db_session, s3, older_than=DAY, now=initiated + timedelta(hours=1))
    assert soon.leftovers == []
    later = prune_orphans(db_session, s3, older_than=DAY, now=initiated + 2 * DAY)

    assert later.leftovers == later.leftovers_removed == [key]
    assert client.list_multipart_uploads(Bucket=s3_bucket).get("Uploads", []) == []
