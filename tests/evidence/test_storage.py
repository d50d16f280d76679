"""Evidence storage: local directory and S3 (a real S3 HTTP API on loopback), one interface."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from backend.config import load_settings
from backend.evidence.storage import (
    LocalStorage,
    ObjectNotFound,
    S3Storage,
    Storage,
    StorageSettings,
    check_key,
    display_key,
    original_key,
    thumbnail_key,
)
from tests.evidence import pictures
from tests.evidence.conftest import FieldUser, put_evidence, stored_files
from tests.evidence.pictures import sha256

DIGEST = sha256(b"evidence")


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "local":
        return LocalStorage(tmp_path / "store")
    bucket = request.getfixturevalue("s3_bucket")
    endpoint = request.getfixturevalue("s3_endpoint")
    return S3Storage(bucket, endpoint_url=endpoint, prefix="fieldcert")


def read_all(storage: Storage, key: str) -> bytes:
    stored = storage.open(key)
    try:
        return stored.stream.read()
    finally:
        stored.stream.close()


def test_round_trip(storage: Storage) -> None:
    data = pictures.jpeg()
    key = original_key(sha256(data))
    assert not storage.exists(key)

    storage.put(key, io.BytesIO(data))

    assert storage.exists(key)
    stored = storage.open(key)
    try:
        assert stored.stream.read() == data
        assert stored.size == len(data)
    finally:
        stored.stream.close()


def test_put_reads_the_file_from_its_start(storage: Storage) -> None:
    file = io.BytesIO(b"0123456789")
    file.read()  # left at the end by whoever wrote it
    storage.put("originals/aa/bb/x", file)
    assert read_all(storage, "originals/aa/bb/x") == b"0123456789"


def test_put_replaces_an_object_whole(storage: Storage) -> None:
    storage.put("display/aa/bb/x.jpg", io.BytesIO(b"first version, longer"))
    storage.put("display/aa/bb/x.jpg", io.BytesIO(b"second"))
    assert read_all(storage, "display/aa/bb/x.jpg") == b"second"


def test_delete_removes_and_tolerates_absence(storage: Storage) -> None:
    storage.put("thumbnails/aa/bb/x.jpg", io.BytesIO(b"x"))
    storage.delete("thumbnails/aa/bb/x.jpg")
    storage.delete("thumbnails/aa/bb/x.jpg")
    assert not storage.exists("thumbnails/aa/bb/x.jpg")


def test_open_of_a_missing_object_raises_not_found(storage: Storage) -> None:
    with pytest.raises(ObjectNotFound):
        storage.open("originals/aa/bb/missing")


def test_keys_are_content_addressed_with_fan_out() -> None:
    assert original_key(DIGEST) == f"originals/{DIGEST[:2]}/{DIGEST[2:4]}/{DIGEST}"
    assert display_key(DIGEST).startswith("display/") and display_key(DIGEST).endswith(".jpg")
    assert thumbnail_key(DIGEST).startswith("thumbnails/")
    with pytest.raises(ValueError, match="SHA-256"):
        original_key("../../etc/passwd")


@pytest.mark.parametrize(
    "key", ["../x", "originals/../../x", "/etc/passwd", "Originals/x", "a//b", "", "a/./b/.."]
)
def test_keys_that_could_escape_are_refused(key: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="invalid storage key"):
        check_key(key)
    with pytest.raises(ValueError, match="invalid storage key"):
        LocalStorage(tmp_path).put(key, io.BytesIO(b"x"))


class _Breaks(io.RawIOBase):
    """A source that fails after its first piece (disk error, dropped connection)."""

    def __init__(self) -> None:
        self.calls = 0

    def readable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0

    def readinto(self, buffer: Any) -> int:
        self.calls += 1
        if self.calls > 1:
            raise OSError("read failed half way")
        buffer[:4] = b"half"
        return 4


def test_local_put_that_fails_half_way_leaves_no_file_and_no_temporary(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    storage.put("originals/aa/bb/old", io.BytesIO(b"kept"))

    with pytest.raises(OSError, match="half way"):
        storage.put("originals/aa/bb/new", _Breaks())  # type: ignore[arg-type]
    with pytest.raises(OSError, match="half way"):
        storage.put("originals/aa/bb/old", _Breaks())  # type: ignore[arg-type]

    assert not storage.exists("originals/aa/bb/new")
    assert read_all(storage, "originals/aa/bb/old") == b"kept"  # old object intact
    assert [path.name for path in stored_files(tmp_path)] == ["old"]


def test_local_put_writes_through_a_temporary_file_in_the_same_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    calls: list[tuple[str, str]] = []
    fsynced: list[int] = []
    real_replace, real_fsync = os.replace, os.fsync

    def replace(source: Any, target: Any) -> None:
        calls.append((str(source), str(target)))
        real_replace(source, target)

    def fsync(fd: int) -> None:
        fsynced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "fsync", fsync)
    LocalStorage(tmp_path).put("originals/aa/bb/x", io.BytesIO(b"x"))

    ((source, target),) = calls
    assert Path(source).parent == Path(target).parent == tmp_path / "originals/aa/bb"
    assert Path(source).name.startswith(".tmp-")
    assert len(fsynced) == 2  # the file's data, then the directory entry


def test_settings_choose_s3_when_a_bucket_is_named(tmp_path: Path) -> None:
    local = StorageSettings.from_config({"FIELDCERT_STORAGE_DIR": tmp_path})
    assert isinstance(local.build(), LocalStorage)
    # The environment as backend.config reads it into the Flask config.
    environ = {
        "FIELDCERT_INSTANCE_DIR": str(tmp_path),
        "SECRET_KEY": "k" * 64,
        "FIELDCERT_S3_BUCKET": "evidence",
        "FIELDCERT_S3_ENDPOINT_URL": "http://127.0.0.1:9",
        "FIELDCERT_S3_PREFIX": "/prod/",
    }
    s3 = StorageSettings.from_config(load_settings(environ).flask_config())
    assert (s3.s3_bucket, s3.s3_endpoint_url, s3.s3_prefix) == (
        "evidence",
        "http://127.0.0.1:9",
        "/prod/",
    )
    built = S3Storage("evidence", prefix="/prod/", client=object())  # type: ignore[arg-type]
    assert built.description == "s3://evidence/prod/"


# --- the API on S3 ----------------------------------------------------------------------------


def test_upload_and_download_through_the_api_on_s3(
    make_app: Callable[..., Flask],
    db_session: Any,
    s3_endpoint: str,
    s3_bucket: str,
    make_field_user: Callable[..., FieldUser],
    tmp_path: Path,
) -> None:
    import boto3

    app = make_app(
        FIELDCERT_S3_BUCKET=s3_bucket,
        FIELDCERT_S3_ENDPOINT_URL=s3_endpoint,
        FIELDCERT_STORAGE_DIR=tmp_path / "unused",
    )
    client = app.test_client()
    shopper = make_field_user()
    data = pictures.jpeg(pictures.scene(1800, 1200))

    first = put_evidence(client, shopper, data)
    second = put_evidence(client, shopper, data)  # another id, the same bytes
    assert (first.status_code, second.status_code) == (201, 201), first.get_json()

    original = client.get(
        f"/api/evidence/{first.get_json()['id']}/original", headers=shopper.headers, buffered=True
    )
    assert original.status_code == 200
    assert original.data == data
    display = client.get(
        f"/api/evidence/{second.get_json()['id']}/display", headers=shopper.headers, buffered=True
    )
    assert display.status_code == 200 and display.mimetype == "image/jpeg"

    listed = boto3.client("s3", endpoint_url=s3_endpoint).list_objects_v2(Bucket=s3_bucket)
    keys = sorted(item["Key"] for item in listed["Contents"])
    digest = sha256(data)
    assert keys == sorted(
        [original_key(digest), display_key(digest), thumbnail_key(digest)]
    )  # one copy of each, whatever the number of records
    assert not (tmp_path / "unused").exists() or stored_files(tmp_path / "unused") == []


def test_s3_object_missing_is_not_found(s3_endpoint: str, s3_bucket: str) -> None:
    storage = S3Storage(s3_bucket, endpoint_url=s3_endpoint)
    assert not storage.exists(original_key(DIGEST))
    with pytest.raises(ObjectNotFound):
        storage.open(original_key(DIGEST))


def test_s3_storage_writes_under_its_prefix(s3_endpoint: str, s3_bucket: str) -> None:
    import boto3

    S3Storage(s3_bucket, endpoint_url=s3_endpoint, prefix="tenant-a/").put(
        "originals/aa/bb/x", io.BytesIO(b"x")
    )
    listed = boto3.client("s3", endpoint_url=s3_endpoint).list_objects_v2(Bucket=s3_bucket)
    assert [item["Key"] for item in listed["Contents"]] == ["tenant-a/originals/aa/bb/x"]
