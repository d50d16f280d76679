"""The engagement's report PDF and certification file as background jobs (issue 13).

``POST /api/engagements/<id>/files`` ``{"kind": "report.pdf" | "export.zip"}`` checks access now
and answers 202 with the job's address (``backend/jobs/files.py``): the worker makes the file as
the user who asked (the same access checks again, the same audit entries), stores it, and the
office downloads it when done. The synchronous ``GET …/report.pdf`` and ``GET …/export.zip``
stay for small engagements and scripts.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import IO, Final

from flask import current_app
from sqlalchemy.orm import Session

from backend.auth.actor import Actor
from backend.certificates.signing import body_signing_key
from backend.engagements.access import Need, require
from backend.evidence.routes import storage_for
from backend.export import services
from backend.jobs import files
from backend.reports import engagement as reports
from backend.users.models import User

REPORT_KIND: Final = "engagement_report.pdf"
EXPORT_KIND: Final = "engagement_export.zip"


def request_engagement_file(
    session: Session, actor: Actor, engagement_id: uuid.UUID, kind: str, *, public_url: str
) -> files.FileJob:
    """Queue the report (``report.pdf``) or the certification file (``export.zip``)."""
    if kind == "export.zip":
        services.authorise(session, actor, engagement_id)
        return files.request_file(
            session,
            actor,
            kind=EXPORT_KIND,
            subject_id=engagement_id,
            filename=f"engagement-{engagement_id}.zip",
            media_type="application/zip",
            rows_total=None,
            options={"public_url": public_url},
        )
    # The report's readers (reports.engagement_report checks the same again in the job).
    require(session, actor, engagement_id, Need.EVALUATIONS)
    return files.request_file(
        session,
        actor,
        kind=REPORT_KIND,
        subject_id=engagement_id,
        filename=f"engagement-report-{str(engagement_id)[:8]}.pdf",
        media_type="application/pdf",
        rows_total=1,
    )


def _asker(session: Session, job: files.FileJob) -> Actor:
    return Actor(session.get_one(User, job.requested_by_id))


@files.producer(REPORT_KIND, "pdf")
def _report_pdf(
    session: Session, job: files.FileJob, out: IO[bytes], progress: Callable[[int], None]
) -> int:
    report = reports.engagement_report(session, _asker(session, job), job.subject_id)
    out.write(reports.render_engagement_report(report))
    progress(1)
    return 1


@files.producer(EXPORT_KIND, "zip")
def _export_zip(
    session: Session, job: files.FileJob, out: IO[bytes], progress: Callable[[int], None]
) -> int:
    summary = services.export_engagement(
        session,
        _asker(session, job),
        job.subject_id,
        storage_for(current_app._get_current_object()),  # type: ignore[attr-defined]
        body_signing_key(),
        out,
        public_url=job.options.get("public_url"),
    )
    progress(summary.files)
    return int(summary.files)
