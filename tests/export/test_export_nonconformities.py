"""The certification file's nonconformity and surveillance parts, with the evidence they cite."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from datetime import date, timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy.orm import Session

from backend.engagements.models import Engagement
from backend.export.services import write_certification_file
from backend.nonconformities.models import Nonconformity, NonconformityEvidence
from tests.evaluations.helpers import make_evidence
from tests.export.support import Certified, signing_key, store

ANSWER_PHOTO = b"\xff\xd8\xff\xe0" + b"rectified" * 500


def test_nonconformities_and_their_evidence_are_in_the_file(
    app: Flask, db_session: Session, done: Certified, tmp_path: Path
) -> None:
    world = done.world
    opened = date(2026, 3, 10)
    nc = Nonconformity(
        id=uuid.uuid4(),
        organisation_id=world.organisation.id,
        engagement_id=world.engagement.id,
        number=1,
        source="auditor",
        source_ref=None,
        clause="4.2",
        finding="投诉处理记录不完整",
        stage="open",
        audit_kind="initial",
        opened_on=opened,
        typical_due=opened + timedelta(days=20),
        latest_due=opened + timedelta(days=60),
        on_miss="audit_failed",
        rule_section="§5.2.3.1",
        opened_by_id=world.auditor.user.id,
    )
    db_session.add(nc)
    photo = make_evidence(db_session, world.auditor, data=ANSWER_PHOTO)
    store(done.storage, photo, ANSWER_PHOTO)
    db_session.add(
        NonconformityEvidence(
            id=uuid.uuid4(), nonconformity_id=nc.id, evidence_id=photo.id, part="finding"
        )
    )
    db_session.commit()
    target = io.BytesIO()
    write_certification_file(
        db_session,
        db_session.get_one(Engagement, world.engagement.id),
        done.storage,
        signing_key(app),
        target,
        exported_by="test",
    )
    with zipfile.ZipFile(target) as archive:
        files = {i.filename.split("/", 1)[1]: archive.read(i) for i in archive.infolist()}
    records = json.loads(files["data/records/nonconformities.json"])
    assert [(r["number"], r["clause"], r["finding"]) for r in records] == [
        (1, "4.2", "投诉处理记录不完整")
    ]
    assert [e["evidence_id"] for e in records[0]["evidence"]] == [str(photo.id)]
    assert files[f"data/evidence/{photo.id}.jpg"] == ANSWER_PHOTO


def test_the_certificates_extra_surveillance_is_in_the_file(
    app: Flask, db_session: Session, done: Certified
) -> None:
    from backend.certificates.models import Certificate
    from backend.surveillance.models import ExtraSurveillance

    certificate = db_session.get_one(Certificate, uuid.UUID(str(done.certificate["id"])))
    db_session.add(
        ExtraSurveillance(
            id=uuid.uuid4(),
            certificate_id=certificate.id,
            cause="complaint",
            reason="顾客投诉施工噪声",
            decided_on=certificate.issued_on,
            due_by=certificate.issued_on + timedelta(days=30),
            created_by_id=done.world.admin.user.id,
        )
    )
    db_session.commit()
    target = io.BytesIO()
    write_certification_file(
        db_session,
        db_session.get_one(Engagement, done.world.engagement.id),
        done.storage,
        signing_key(app),
        target,
        exported_by="test",
    )
    with zipfile.ZipFile(target) as archive:
        name = next(n for n in archive.namelist() if n.endswith("data/records/surveillance.json"))
        document = json.loads(archive.read(name))
    assert [(x["cause"], x["reason"]) for x in document["extra_surveillances"]] == [
        ("complaint", "顾客投诉施工噪声")
    ]
