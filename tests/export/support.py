"""A certified engagement with photos in a real store, ready to export."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.certificates.keys import load_or_create_private_key
from backend.evidence.models import Evidence
from backend.evidence.storage import LocalStorage
from tests.certificates.support import issue
from tests.decisions.support import approve
from tests.evaluations.helpers import (
    World,
    inspection_payload,
    make_evidence,
    make_world,
    patch,
    put,
)

#: Two "photos": bytes that must come back identical (JPEG-like start, every byte value).
PHOTOS = (b"\xff\xd8\xff\xe0" + bytes(range(256)) * 300, b"\xff\xd8\xff\xe1" + b"\x00\xff" * 5000)


@dataclass
class Certified:
    world: World
    certificate: dict[str, object]
    draft: uuid.UUID
    photos: list[Evidence]
    storage: LocalStorage


def signing_key(app: Flask) -> Ed25519PrivateKey:
    return load_or_create_private_key(Path(app.config["FIELDCERT_SIGNING_KEY_FILE"]))


def store(storage: LocalStorage, evidence: Evidence, data: bytes) -> None:
    import io

    storage.put(evidence.original_key, io.BytesIO(data))


def certified(client: FlaskClient, db_session: Session, storage_dir: Path) -> Certified:
    """An auditor's inspection with two photos in the store, edited once (two versions) and
    left as a draft; then the file approved and certified (tests.decisions, tests.certificates)."""
    world = make_world(db_session)
    storage = LocalStorage(storage_dir)
    photos = [make_evidence(db_session, world.auditor, data=data) for data in PHOTOS]
    for evidence, data in zip(photos, PHOTOS, strict=True):
        store(storage, evidence, data)
    draft = uuid.uuid4()
    cited = [{"evidence_id": str(p.id), "item": "1.1"} for p in photos]
    answer = put(client, world.auditor, draft, inspection_payload(world, evidence=cited))
    assert answer.status_code == 201, answer.get_json()
    answer = patch(client, world.auditor, draft, {"notes": "复核后补充说明"}, if_match='"v1"')
    assert answer.status_code == 200, answer.get_json()
    approve(client, world)
    answer = issue(client, world.admin, world)
    assert answer.status_code == 201, answer.get_json()
    certificate = answer.get_json()
    return Certified(world, certificate, draft, photos, storage)
