"""Engagements under the CQC rule (seed 002) with nonconformities, as the tests need them."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from backend.auth.actor import Actor
from backend.engagements.models import Engagement, EngagementKind
from backend.nonconformities import services
from backend.nonconformities.models import Nonconformity
from tests.evaluations.helpers import Person, World, make_evidence, make_world
from tests.evidence import pictures
from tests.factories import make_scheme_version

CQC = "cqc83-831102-2025.yaml"


@pytest.fixture
def storage_dir(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "evidence"
    monkeypatch.setitem(app.config, "FIELDCERT_STORAGE_DIR", directory)
    return directory


def cqc_world(db_session: Session, kind: EngagementKind = EngagementKind.INITIAL) -> World:
    """The usual world, its engagement audited under CQC83-831102-2025 as ``kind``."""
    world = make_world(db_session)
    engagement = db_session.get_one(Engagement, world.engagement.id)
    engagement.scheme_version_id = make_scheme_version(db_session, name=CQC).id
    engagement.kind = kind
    db_session.commit()
    return world


def opened(
    db_session: Session,
    world: World,
    on: date,
    *,
    clause: str = "4.3.1",
    who: Person | None = None,
) -> Nonconformity:
    """A nonconformity opened on ``on`` by the team's auditor, with a photo of the finding."""
    author = who or world.auditor
    photo = make_evidence(db_session, author)
    nc = services.open_nonconformity(
        db_session,
        Actor(author.user),
        world.engagement.id,
        clause=clause,
        finding="火灾报警信息未在 3s 内向联网单位发送告警信息。",
        evidence_ids=[photo.id],
        today=on,
    )
    db_session.commit()
    return nc


def open_api(client: FlaskClient, who: Person, world: World, **body: Any) -> TestResponse:
    payload = {"clause": "4.3.1", "finding": "附表1第2行时差 5s，超过 3s。", **body}
    return client.post(
        f"/api/engagements/{world.engagement.id}/nonconformities", json=payload, headers=who.headers
    )


def upload(client: FlaskClient, who: Person, nc_id: uuid.UUID | str) -> TestResponse:
    """A rectification photo through the nonconformity's evidence upload."""
    data = pictures.jpeg(pictures.scene(640, 480))
    return client.put(
        f"/api/nonconformities/{nc_id}/evidence/{uuid.uuid4()}",
        data=data,
        headers={
            **who.headers,
            "X-Content-SHA256": hashlib.sha256(data).hexdigest(),
            "Content-Type": "application/octet-stream",
        },
    )


def answer(client: FlaskClient, who: Person, nc_id: uuid.UUID | str, **body: Any) -> TestResponse:
    return client.post(f"/api/nonconformities/{nc_id}/answer", json=body, headers=who.headers)


def verify(client: FlaskClient, who: Person, nc_id: uuid.UUID | str, **body: Any) -> TestResponse:
    return client.post(f"/api/nonconformities/{nc_id}/verify", json=body, headers=who.headers)


def answered(
    client: FlaskClient, db_session: Session, world: World, nc_id: uuid.UUID
) -> dict[str, Any]:
    photo = make_evidence(db_session, world.client_user)
    reply = answer(
        client,
        world.client_user,
        nc_id,
        cause="平台转发规则配置错误。",
        correction="已修正转发规则并复测 10 次，均在 3s 内。",
        evidence_ids=[str(photo.id)],
    )
    assert reply.status_code == 200, reply.get_json()
    body: dict[str, Any] = reply.get_json()
    return body
