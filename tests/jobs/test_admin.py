"""``GET /api/admin/jobs``: queue depth and failed jobs, for administrators only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.jobs import outbox
from backend.jobs.engine import MAX_FAILURES, JobSpec, jobs_of
from backend.jobs.models import OutboxJob
from backend.unit_of_work import transaction
from backend.users.models import Role
from tests.factories import make_user, sign_in


def broken(session: Session, what: str) -> None:
    raise LookupError(f"record {what} of some organisation is missing")


@pytest.fixture
def queued_app(make_app: Callable[..., Flask], tmp_path: Path) -> Flask:
    app = make_app(FIELDCERT_JOBS="sqlite", FIELDCERT_JOBS_FILE=str(tmp_path / "jobs.sqlite3"))
    jobs_of(app).register(
        JobSpec(name="test.broken", function=broken, summary="always fails", retries=1)
    )
    return app


def admin_client(app: Flask, session: Session, role: Role = Role.ADMIN) -> FlaskClient:
    client = app.test_client()
    sign_in(client, make_user(session, role=role))
    return client


def test_an_admin_sees_queue_depth_failed_jobs_and_the_periodic_jobs(
    queued_app: Flask, db_session: Session
) -> None:
    jobs = jobs_of(queued_app)
    jobs.enqueue("test.broken", "a")
    jobs.enqueue("evidence.derive", "00000000-0000-0000-0000-000000000000")  # nothing to do
    client = admin_client(queued_app, db_session)

    before = client.get("/api/admin/jobs").get_json()
    assert (before["mode"], before["pending"], before["failed"]) == ("sqlite", 2, [])

    jobs.run_pending()  # test.broken fails once and is scheduled for its retry
    middle = client.get("/api/admin/jobs").get_json()
    assert (middle["pending"], middle["scheduled"], middle["failed"]) == (0, 1, [])
    # Its retry, due now, fails for good.
    (retry,) = jobs.huey.scheduled()
    jobs.huey.storage.flush_schedule()
    retry.eta = None
    jobs.huey.execute(retry)

    after = client.get("/api/admin/jobs").get_json()
    assert after["scheduled"] == 0 and after["running"] == 0
    (failure,) = after["failed"]
    assert failure["name"] == "test.broken"
    # The exception's type only: its text names records (the worker's log has it).
    assert failure["error"] == "LookupError"
    assert "organisation" not in str(after)
    assert {"push.deliver", "evidence.derive"} <= set(after["jobs"])
    assert {p["name"] for p in after["periodic"]} >= {
        "evidence.prune_orphans",
        "surveys.purge_contacts",
        "evidence.sweep_underived",
    }
    assert after["evidence_waiting"] == 0


def test_only_the_newest_failures_are_kept(queued_app: Flask) -> None:
    jobs = jobs_of(queued_app)
    spec = JobSpec(name="test.broken_now", function=broken, summary="fails", retries=0)
    jobs.register(spec)
    for n in range(MAX_FAILURES + 3):
        jobs.enqueue("test.broken_now", str(n))
    jobs.run_pending()
    assert len(jobs.status()["failed"]) == MAX_FAILURES


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.TEAM_LEADER, Role.SCHEME_MANAGER])
def test_other_roles_may_not_see_the_queue(
    queued_app: Flask, db_session: Session, role: Role
) -> None:
    response = admin_client(queued_app, db_session, role).get("/api/admin/jobs")
    assert response.status_code == 403
    assert response.get_json()["code"] == "FORBIDDEN"


def test_the_admins_see_the_jobs_the_outbox_still_owes(
    queued_app: Flask, db_session: Session
) -> None:
    client = admin_client(queued_app, db_session)
    assert client.get("/api/admin/jobs").get_json()["outbox_waiting"] == 0

    db_session.add(OutboxJob(job="push.deliver", args=[{}]))
    db_session.commit()

    assert client.get("/api/admin/jobs").get_json()["outbox_waiting"] == 1


def test_a_job_from_the_outbox_that_fails_is_claimed_again_by_its_retry(
    queued_app: Flask, db_session: Session
) -> None:
    """The claim (``done_at``) is part of the job's transaction: a failure rolls it back."""
    attempts: list[str] = []

    def flaky(session: Session, what: str) -> None:
        attempts.append(what)
        if len(attempts) == 1:
            raise LookupError("not this time")

    jobs = jobs_of(queued_app)
    jobs.register(JobSpec(name="test.flaky", function=flaky, summary="fails once", retries=1))
    with queued_app.app_context(), transaction(db_session):
        row_id = outbox.add(db_session, "test.flaky", "x")
    assert jobs.huey.pending_count() == 1  # queued right after the commit

    while jobs.run_pending():
        for retry in jobs.huey.scheduled():  # the retry, due now
            jobs.huey.storage.flush_schedule()
            retry.eta = None
            jobs.huey.enqueue(retry)

    assert attempts == ["x", "x"]
    db_session.expire_all()
    row = db_session.get(OutboxJob, row_id)
    assert row is not None and row.relayed_at is not None and row.done_at is not None
    # Queued once more (a relay that repeats itself): the row is done, nothing runs.
    jobs.enqueue_from_outbox("test.flaky", ["x"], row_id)
    assert jobs.run_pending() == 1
    assert attempts == ["x", "x"]
