"""Evidence test setup: a storage directory per test, device-token actors, a loopback S3 server."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from backend.devices.models import Device
from backend.devices.tokens import DEVICE_TOKEN_PREFIX, hash_device_token
from backend.users.models import Organisation, Role, User
from tests.evidence.pictures import sha256
from tests.factories import make_user

#: Settings the evidence code reads from the environment: none may leak in from a shell.
_EVIDENCE_ENV_VARS = (
    "FIELDCERT_S3_BUCKET",
    "FIELDCERT_S3_ENDPOINT_URL",
    "FIELDCERT_S3_PREFIX",
    "FIELDCERT_MAX_EVIDENCE_BYTES",
    "FIELDCERT_MAX_IMAGE_PIXELS",
)


@pytest.fixture(autouse=True)
def _no_evidence_settings_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _EVIDENCE_ENV_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def storage_dir(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh local storage directory for this test (the app's storage follows the config)."""
    directory = tmp_path / "evidence"
    monkeypatch.setitem(app.config, "FIELDCERT_STORAGE_DIR", directory)
    return directory


def stored_files(directory: Path) -> list[Path]:
    """Every file under the storage directory, temporary ones included."""
    return sorted(path for path in directory.rglob("*") if path.is_file())


@dataclass
class FieldUser:
    """A user with a paired device: requests carry its bearer token."""

    user: User
    device: Device
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def pair_device(session: Session, user: User) -> FieldUser:
    token = DEVICE_TOKEN_PREFIX + secrets.token_urlsafe(24)
    device = Device(
        id=uuid.uuid4(), user_id=user.id, name="测试手机", token_hash=hash_device_token(token)
    )
    session.add(device)
    session.commit()
    return FieldUser(user=user, device=device, token=token)


@pytest.fixture
def make_field_user(db_session: Session) -> Any:
    def factory(role: Role = Role.SHOPPER, organisation: Organisation | None = None) -> FieldUser:
        return pair_device(db_session, make_user(db_session, role=role, organisation=organisation))

    return factory


def put_evidence(
    client: FlaskClient,
    who: FieldUser,
    data: bytes,
    *,
    evidence_id: uuid.UUID | None = None,
    digest: str | None = None,
    **headers: str,
) -> TestResponse:
    """PUT /api/evidence/<id> the way the PWA's outbox does."""
    all_headers = {
        **who.headers,
        "X-Content-SHA256": digest or sha256(data),
        "Content-Type": "application/octet-stream",
        **{name.replace("_", "-"): value for name, value in headers.items()},
    }
    return client.put(
        f"/api/evidence/{evidence_id or uuid.uuid4()}", data=data, headers=all_headers
    )


# --- a real S3 API on loopback ----------------------------------------------------------------


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on 127.0.0.1 (a real HTTP API: boto3 talks to it as to any S3)."""
    from moto.server import ThreadedMotoServer

    with pytest.MonkeyPatch.context() as mp:
        # Credentials and region for boto3's standard chain; nothing read from ~/.aws, and no
        # instance-metadata look-up (which would leave the machine).
        mp.setenv("AWS_ACCESS_KEY_ID", "fieldcert-test")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "fieldcert-test-secret")
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        mp.setenv("AWS_CONFIG_FILE", "/nonexistent/fieldcert-aws-config")
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/fieldcert-aws-credentials")
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
            mp.delenv(name, raising=False)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        try:
            yield f"http://{host}:{port}"
        finally:
            server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint: str) -> str:
    """A new, empty bucket on the loopback server."""
    import boto3

    name = f"fieldcert-test-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket=name)
    return name
