"""Export tests: a storage directory of their own, and a certified engagement in it."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.export.support import Certified, certified


@pytest.fixture
def storage_dir(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "evidence"
    monkeypatch.setitem(app.config, "FIELDCERT_STORAGE_DIR", directory)
    monkeypatch.delenv("FIELDCERT_S3_BUCKET", raising=False)
    return directory


@pytest.fixture
def done(client: FlaskClient, db_session: Session, storage_dir: Path) -> Certified:
    return certified(client, db_session, storage_dir)
