"""Every background job and every periodic job, in one place (docs/deploy.md lists them too).

A job here is a function ``(session, *args)`` of the feature it belongs to; the engine runs it
in its own app context and unit of work and retries it with backoff (``engine.JobSpec``).
Features owe their jobs in the transaction of the change (``outbox.add``: relayed to the queue
after the commit, and by ``jobs.relay_outbox`` if that was lost), or queue them by name
(``engine.enqueue``) after the commit when the record itself says the work is owed
(``evidence.derive``: ``derived_at IS NULL``, swept again by ``evidence.sweep_underived``).

To add a periodic job, append a ``PeriodicSpec`` to
``PERIODIC`` with its schedule in UTC: every worker started without ``--no-periodic`` runs the
schedule, and a lock in the queue's storage keeps two workers from running one job at once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

import flask
from flask import current_app
from sqlalchemy.orm import Session

from backend.evidence import derive
from backend.evidence.prune import prune_orphans
from backend.evidence.routes import storage_for
from backend.evidence.services import DERIVE_JOB
from backend.export import jobs as _engagement_files  # noqa: F401 - registers producers
from backend.jobs import engine, outbox
from backend.jobs.engine import Jobs, JobSpec, PeriodicSpec
from backend.jobs.files import FILE_JOB, make_file, purge_expired
from backend.nonconformities.overdue import send_reminders
from backend.push.sender import DELIVER_JOB, deliver_job
from backend.surveys import exports as _survey_exports  # noqa: F401 - registers producers
from backend.surveys.review import purge_expired_contacts


def prune_evidence_orphans(session: Session) -> None:
    """``fieldcert evidence prune-orphans`` with its default grace period (24 hours)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    prune_orphans(session, storage_for(app), older_than=timedelta(hours=24))


def purge_survey_contacts(session: Session) -> None:
    """``fieldcert surveys purge-contacts`` (PIPL §19: numbers past their keeping period)."""
    purge_expired_contacts(session)


def remind_nonconformities(session: Session) -> None:
    """``fieldcert nonconformities remind``: reminders before rectification deadlines
    (§5.2.3.1, §7.4), each sent once; the day is China's."""
    send_reminders(session)


def sweep_underived_evidence(session: Session) -> None:
    derive.sweep_underived(session)


def relay_outbox(session: Session) -> None:
    """Queue the jobs committed changes still owe (their process died before queueing them)."""
    outbox.relay_waiting(session, engine.jobs_of(current_app._get_current_object()))  # type: ignore[attr-defined]


#: The periodic relay of the jobs' outbox (``backend.jobs.outbox``).
RELAY_OUTBOX_JOB: Final = "jobs.relay_outbox"


def purge_made_files(session: Session) -> None:
    """Delete exports made by jobs after their keeping period (``files.KEEP_DAYS``)."""
    purge_expired(session)


#: The jobs features queue. Retries: 10 s, then doubled (20, 40, 80, 160 s).
JOBS: Final = (
    JobSpec(
        name=DELIVER_JOB,
        function=deliver_job,
        summary="Web Push: one notification to one user's subscriptions",
        # Each post is sent once per job; services that fail for now get a new job of their
        # own (push.sender.RETRY_DELAYS), so a retry of the whole job would repeat messages.
        retries=0,
    ),
    JobSpec(
        name=DERIVE_JOB,
        function=derive.derive,
        summary="Evidence: display image, thumbnail and perceptual hash of an upload",
    ),
    JobSpec(
        name=FILE_JOB,
        function=make_file,
        summary="Files: a large export (survey answers as XLSX or CSV) written to storage",
        retries=3,
    ),
)

#: The periodic jobs, UTC. Daily ones at night in China (UTC+8): 03:15 and 03:45 local.
PERIODIC: Final = (
    PeriodicSpec(
        name="evidence.prune_orphans",
        function=prune_evidence_orphans,
        summary="Delete stored files no evidence record refers to (older than 24 h)",
        minute="15",
        hour="19",
    ),
    PeriodicSpec(
        name="surveys.purge_contacts",
        function=purge_survey_contacts,
        summary="Delete respondents' phone numbers past their keeping period (PIPL §19)",
        minute="45",
        hour="19",
    ),
    PeriodicSpec(
        name="nonconformities.remind",
        function=remind_nonconformities,
        summary="Remind clients and teams of rectification deadlines (3 and 7 days before)",
        # 08:30 in China (UTC+8), when people start work.
        minute="30",
        hour="0",
    ),
    PeriodicSpec(
        name="evidence.sweep_underived",
        function=sweep_underived_evidence,
        summary="Queue again the derive job of uploads still waiting after 10 minutes",
        minute="*/10",
        hour="*",
        lock_seconds=600,
    ),
    PeriodicSpec(
        name=RELAY_OUTBOX_JOB,
        function=relay_outbox,
        summary="Queue the jobs (push) owed by changes committed over 30 s ago and never queued",
        minute="*",
        hour="*",
        lock_seconds=300,
    ),
    PeriodicSpec(
        name="files.purge_expired",
        function=purge_made_files,
        summary="Delete exports made by jobs after 7 days (they hold respondents' comments)",
        minute="5",
        hour="20",
    ),
)


def init_jobs(app: flask.Flask) -> Jobs:
    """The app's queue with every job and periodic job registered (``backend/app.py``)."""
    jobs = engine.init_jobs(app)
    for spec in JOBS:
        jobs.register(spec)
    for periodic in PERIODIC:
        jobs.register_periodic(periodic)
    return jobs
