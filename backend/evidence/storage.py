"""Where evidence bytes live: a local directory or S3-compatible storage, behind one interface.

Keys are content-addressed (``originals/ab/cd/<sha256>``), so identical bytes are stored once
whoever uploads them, and an object never changes once written. Writes are atomic: a reader sees
the whole object or none (local: temporary file in the same directory, fsync, ``os.replace``;
S3: a PUT or a completed multipart upload is atomic by the protocol).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, BinaryIO, Final, Protocol

#: Keys: lowercase path segments of letters, digits, dot, dash and underscore; never ``..``.
_KEY = re.compile(r"^[a-z0-9][a-z0-9._-]*(?:/[a-z0-9][a-z0-9._-]*)*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
#: The temporary file of a local write in progress (``tempfile.mkstemp`` in ``LocalStorage.put``).
_TEMPORARY_PREFIX: Final = ".tmp-"
_TEMPORARY_SUFFIX: Final = ".part"
_TEMPORARY = re.compile(r"^\.tmp-[A-Za-z0-9_]+\.part$")
#: Copy buffer: large enough to keep system calls few, small enough to stay off the heap's mind.
_CHUNK: Final = 1024 * 1024


def original_key(sha256: str) -> str:
    """The key of an original file: two levels of fan-out keep directories small."""
    return f"originals/{_fan_out(sha256)}"


def display_key(sha256: str) -> str:
    return f"display/{_fan_out(sha256)}.jpg"


def thumbnail_key(sha256: str) -> str:
    return f"thumbnails/{_fan_out(sha256)}.jpg"


def _fan_out(sha256: str) -> str:
    if not _SHA256.match(sha256):
        raise ValueError(f"not a lowercase hex SHA-256: {sha256!r}")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def check_key(key: str) -> str:
    if not _KEY.match(key) or ".." in key.split("/"):
        raise ValueError(f"invalid storage key: {key!r}")
    return key


class ObjectNotFound(KeyError):
    """No object has this key."""


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """A stored object as a listing shows it."""

    key: str
    modified_at: datetime


@dataclass(frozen=True, slots=True)
class Leftover:
    """Part of a write that never finished (the process died half way), with its start time.

    Local storage: a ``.tmp-*.part`` file next to where the object was going (``name`` is its
    path under the root). S3: a multipart upload never completed nor aborted, whose parts the
    bucket keeps (and bills) until someone aborts it (``name`` is the key, ``upload_id`` its id).
    """

    name: str
    started_at: datetime
    upload_id: str | None = None


@dataclass(frozen=True, slots=True)
class StoredObject:
    """An open stored object: read ``stream`` (and close it) to get the bytes."""

    stream: BinaryIO
    size: int


class Storage(Protocol):
    """What the evidence services need from a store of immutable, content-addressed objects."""

    #: Shown in logs and the health of the app: ``local:/path`` or ``s3://bucket/prefix``.
    description: str

    def put(self, key: str, file: IO[bytes]) -> None:
        """Store ``file`` (read from its start) under ``key`` atomically, replacing any object."""

    def open(self, key: str) -> StoredObject:
        """The object's bytes; raises ``ObjectNotFound``."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the object; no error when there is none."""

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        """Every object whose key starts with ``prefix`` (a folder such as ``originals/``)."""

    def leftovers(self) -> Iterator[Leftover]:
        """Writes that were started and never finished (see ``Leftover``)."""

    def remove_leftover(self, leftover: Leftover) -> None:
        """Remove what an unfinished write left; no error when it is gone already."""


class LocalStorage:
    """Objects as files under one directory (``FIELDCERT_STORAGE_DIR``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.description = f"local:{root}"

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, file: IO[bytes]) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Same directory as the target, so os.replace is a rename within one file system, which
        # POSIX makes atomic: readers see the old object or the new one, never a part.
        fd, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=_TEMPORARY_PREFIX, suffix=_TEMPORARY_SUFFIX
        )
        try:
            with os.fdopen(fd, "wb") as out:
                file.seek(0)
                shutil.copyfileobj(file, out, _CHUNK)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        _fsync_directory(path.parent)

    def open(self, key: str) -> StoredObject:
        try:
            stream = self._path(key).open("rb")
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        return StoredObject(stream=stream, size=os.fstat(stream.fileno()).st_size)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(key).unlink()

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        folder = self.root / check_key(prefix.rstrip("/"))
        if not folder.is_dir():
            return
        for directory, _, names in os.walk(folder):
            for name in names:
                path = Path(directory) / name
                key = path.relative_to(self.root).as_posix()
                if not _KEY.match(key):
                    continue  # a temporary file of a write in progress (".tmp-…")
                with contextlib.suppress(FileNotFoundError):
                    modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
                    yield ObjectInfo(key, modified)

    def leftovers(self) -> Iterator[Leftover]:
        # A process killed between mkstemp and os.replace (OOM, power cut, SIGKILL) leaves its
        # temporary file; the ``except`` in ``put`` never ran. Its time is the last write.
        for directory, _, names in os.walk(self.root):
            for name in names:
                if not _TEMPORARY.match(name):
                    continue
                path = Path(directory) / name
                with contextlib.suppress(FileNotFoundError):
                    modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
                    yield Leftover(path.relative_to(self.root).as_posix(), modified)

    def remove_leftover(self, leftover: Leftover) -> None:
        path = self.root / leftover.name
        # Only ever a temporary file inside the root, whatever the name says.
        if not _TEMPORARY.match(path.name) or ".." in Path(leftover.name).parts:
            raise ValueError(f"not a leftover temporary file: {leftover.name!r}")
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable: without it a power cut can forget the new name."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _S3Client(Protocol):
    """The part of boto3's S3 client used here (boto3 ships no type information)."""

    def upload_fileobj(self, Fileobj: IO[bytes], Bucket: str, Key: str) -> None: ...

    def get_object(self, *, Bucket: str, Key: str) -> dict[str, Any]: ...

    def head_object(self, *, Bucket: str, Key: str) -> dict[str, Any]: ...

    def delete_object(self, *, Bucket: str, Key: str) -> dict[str, Any]: ...

    def get_paginator(self, operation_name: str) -> Any: ...

    def abort_multipart_upload(self, *, Bucket: str, Key: str, UploadId: str) -> Any: ...


class S3Storage:
    """Objects in an S3-compatible bucket (AWS S3, MinIO, Aliyun OSS, Tencent COS, ...).

    Credentials come from boto3's standard chain (``AWS_ACCESS_KEY_ID`` /
    ``AWS_SECRET_ACCESS_KEY`` / ``AWS_DEFAULT_REGION``, profile files, instance roles).
    """

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        prefix: str = "",
        client: _S3Client | None = None,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.description = f"s3://{bucket}/{self.prefix}"
        if client is None:
            import boto3  # type: ignore[import-untyped]  # only when S3 is configured

            client = boto3.client("s3", endpoint_url=endpoint_url or None)
        self._client: _S3Client = client

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put(self, key: str, file: IO[bytes]) -> None:
        file.seek(0)
        # upload_fileobj switches to multipart above 8 MB; either way the object appears whole
        # or not at all, so no temporary name is needed on S3.
        self._client.upload_fileobj(file, self.bucket, self._key(key))

    def open(self, key: str) -> StoredObject:
        try:
            answer = self._client.get_object(Bucket=self.bucket, Key=self._key(key))
        except Exception as error:
            if _is_not_found(error):
                raise ObjectNotFound(key) from None
            raise
        return StoredObject(stream=answer["Body"], size=int(answer["ContentLength"]))

    def exists(self, key: str) -> bool:
        try:
            self._client.head_object(Bucket=self.bucket, Key=self._key(key))
        except Exception as error:
            if _is_not_found(error):
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + check_key(prefix.rstrip("/")) + "/"
        )
        for page in pages:
            for item in page.get("Contents", ()):
                yield ObjectInfo(item["Key"].removeprefix(self.prefix), item["LastModified"])

    def leftovers(self) -> Iterator[Leftover]:
        # upload_fileobj uses a multipart upload above 8 MB: a process that dies before
        # completing it leaves the parts stored, invisible to list_objects_v2.
        pages = self._client.get_paginator("list_multipart_uploads").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        for page in pages:
            for upload in page.get("Uploads", ()):
                yield Leftover(
                    upload["Key"].removeprefix(self.prefix), upload["Initiated"], upload["UploadId"]
                )

    def remove_leftover(self, leftover: Leftover) -> None:
        if leftover.upload_id is None:
            raise ValueError(f"not an unfinished multipart upload: {leftover.name!r}")
        try:
            self._client.abort_multipart_upload(
                Bucket=self.bucket, Key=self._key(leftover.name), UploadId=leftover.upload_id
            )
        except Exception as error:
            if not _is_not_found(error):
                raise


def _is_not_found(error: Exception) -> bool:
    """botocore's ClientError for a missing key (404 / NoSuchKey), without importing botocore."""
    response = getattr(error, "response", None)
    if not isinstance(response, Mapping):
        return False
    code = str(response.get("Error", {}).get("Code", ""))
    return code in {"404", "NoSuchKey", "NotFound", "NoSuchUpload"}


@dataclass(frozen=True, slots=True)
class StorageSettings:
    """Which storage to use: S3 when a bucket is named, else the local directory."""

    local_dir: Path
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_prefix: str = ""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> StorageSettings:
        """From the Flask config keys (``backend.config`` reads them from the environment)."""

        def setting(name: str) -> str | None:
            value = config.get(name)
            return str(value).strip() or None if value is not None else None

        return cls(
            local_dir=Path(config["FIELDCERT_STORAGE_DIR"]),
            s3_bucket=setting("FIELDCERT_S3_BUCKET"),
            s3_endpoint_url=setting("FIELDCERT_S3_ENDPOINT_URL"),
            s3_prefix=setting("FIELDCERT_S3_PREFIX") or "",
        )

    def build(self) -> Storage:
        if self.s3_bucket:
            return S3Storage(
                self.s3_bucket, endpoint_url=self.s3_endpoint_url, prefix=self.s3_prefix
            )
        return LocalStorage(self.local_dir)
