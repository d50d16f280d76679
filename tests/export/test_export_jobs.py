"""The report PDF and the certification file as background jobs (issue 13): 202, poll, download."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from tests.export.support import PHOTOS, Certified


def _ask(client: FlaskClient, done: Certified, who: Any, kind: str) -> Any:
    return client.post(
        f"/api/engagements/{done.world.engagement.id}/files",
        json={"kind": kind},
        headers=who.headers,
    )


def test_the_leader_asks_for_both_files_polls_and_downloads_them(
    client: FlaskClient, db_session: Session, done: Certified
) -> None:
    leader = done.world.leader
    asked_zip = _ask(client, done, leader, "export.zip")
    asked_pdf = _ask(client, done, leader, "report.pdf")
    zip_job = client.get(asked_zip.headers["Location"], headers=leader.headers).get_json()
    pdf_job = client.get(asked_pdf.headers["Location"], headers=leader.headers).get_json()
    zip_file = client.get(zip_job["download"], headers=leader.headers)
    pdf_file = client.get(pdf_job["download"], headers=leader.headers)

    assert (asked_zip.status_code, asked_pdf.status_code) == (202, 202)
    # Tests run jobs at once (FIELDCERT_JOBS=immediate): done by the first poll.
    assert (zip_job["state"], pdf_job["state"]) == ("done", "done")
    assert zip_file.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(zip_file.get_data())) as archive:
        names = {info.filename.split("/", 1)[1]: archive.read(info) for info in archive.infolist()}
    assert names[f"data/evidence/{done.photos[0].id}.jpg"] == PHOTOS[0]
    assert pdf_file.get_data().startswith(b"%PDF")
    # The worker made the file as the leader: the export is audited in their name.
    entry = db_session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "engagement.exported")
    ).one()
    assert entry.actor_id == leader.user.id


def test_the_same_checks_as_the_direct_downloads_before_anything_is_queued(
    client: FlaskClient, done: Certified
) -> None:
    auditor_zip = _ask(client, done, done.world.auditor, "export.zip")
    client_pdf = _ask(client, done, done.world.client_user, "report.pdf")
    unknown = _ask(client, done, done.world.leader, "everything.tar")

    assert (auditor_zip.status_code, auditor_zip.get_json()["code"]) == (403, "FORBIDDEN")
    assert client_pdf.status_code == 403
    assert unknown.status_code == 422
