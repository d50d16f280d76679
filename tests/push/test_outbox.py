"""The jobs' outbox carries push notifications (backend/jobs/outbox.py): a notification is owed
by the commit of its change, and a process that dies between that commit and the queue loses
nothing: the relay queues it later, and it is delivered exactly once however often it is queued.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from backend.jobs import outbox
from backend.jobs.engine import jobs_of
from backend.jobs.models import OutboxJob
from backend.jobs.tasks import RELAY_OUTBOX_JOB
from backend.push import services
from backend.push.models import PushSubscription
from backend.unit_of_work import transaction
from backend.users.models import User
from tests.factories import make_user
from tests.push.conftest import BrowserKeys, PushService

MESSAGE = services.message(
    "test", title=("测试通知", "Test notification"), body=("内容", "Body"), url="/"
)


@pytest.fixture(autouse=True)
def _empty_queue(push_app: Flask) -> Iterator[None]:
    jobs_of(push_app).huey.flush()
    yield
    jobs_of(push_app).huey.flush()


def subscribed_user(session: Session, service: PushService, keys: BrowserKeys) -> User:
    user = make_user(session)
    session.add(
        PushSubscription(user_id=user.id, endpoint=service.endpoint(str(user.id)), **keys.as_json())
    )
    session.commit()
    return user


def notify_in_a_change(app: Flask, session: Session, user: User) -> None:
    """A change that notifies ``user``, committed by the unit of work."""
    with app.app_context(), transaction(session):
        assert services.notify_user(session, user.id, MESSAGE) == 1


@dataclass(frozen=True)
class Row:
    job: str
    relayed_at: datetime | None
    done_at: datetime | None


def rows_of(session: Session, user: User) -> list[Row]:
    """The user's outbox rows, read in a transaction that ends at once (SQLite's write lock is
    taken at BEGIN: an open one would keep the worker waiting)."""
    with transaction(session):
        return [
            Row(row.job, row.relayed_at, row.done_at)
            for row in session.execute(sa.select(OutboxJob).order_by(OutboxJob.created_at))
            .scalars()
            .all()
            if row.args[0]["user_id"] == str(user.id)
        ]


def relay(app: Flask, session: Session, **options: object) -> int:
    with app.app_context(), transaction(session):
        return outbox.relay_waiting(session, jobs_of(app), **options)  # type: ignore[arg-type]


def delivered(service: PushService, keys: BrowserKeys) -> list[dict[str, object]]:
    found = []
    while not service.received.empty():
        found.append(json.loads(keys.decrypt(service.received.get().body)))
    return found


def test_the_commit_owes_the_notification_and_queues_it_at_once(
    push_app: Flask, push_session: Session, push_service: PushService
) -> None:
    keys = BrowserKeys()
    user = subscribed_user(push_session, push_service, keys)

    notify_in_a_change(push_app, push_session, user)

    (row,) = rows_of(push_session, user)
    assert row.job == "push.deliver" and row.relayed_at is not None and row.done_at is None
    assert jobs_of(push_app).huey.pending_count() == 1
    assert jobs_of(push_app).run_pending() == 1
    assert delivered(push_service, keys) == [MESSAGE]
    (row,) = rows_of(push_session, user)
    assert row.done_at is not None


def test_a_rolled_back_change_owes_nothing(
    push_app: Flask, push_session: Session, push_service: PushService
) -> None:
    user = subscribed_user(push_session, push_service, BrowserKeys())

    with pytest.raises(RuntimeError), push_app.app_context(), transaction(push_session):
        services.notify_user(push_session, user.id, MESSAGE)
        raise RuntimeError("the change failed")

    assert rows_of(push_session, user) == []
    assert jobs_of(push_app).huey.pending_count() == 0


def notified_then_died(
    push_app: Flask, push_session: Session, push_service: PushService, mp: pytest.MonkeyPatch
) -> tuple[BrowserKeys, User]:
    """A user told something in a change whose process died right after its commit: nothing that
    follows the commit ran, so the job is owed in the outbox and the queue never heard of it."""
    keys = BrowserKeys()
    user = subscribed_user(push_session, push_service, keys)
    with mp.context() as died:
        died.setattr(outbox, "relay_committed", lambda *args, **kwargs: 0)
        notify_in_a_change(push_app, push_session, user)
    return keys, user


def test_a_process_killed_between_commit_and_queue_loses_nothing_and_sends_once(
    push_app: Flask,
    push_session: Session,
    push_service: PushService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keys, user = notified_then_died(push_app, push_session, push_service, monkeypatch)

    assert jobs_of(push_app).huey.pending_count() == 0  # the queue never heard of it
    (row,) = rows_of(push_session, user)
    assert row.relayed_at is None
    # The relay leaves fresh rows to their own process's fast path ...
    assert relay(push_app, push_session) == 0
    # ... and queues the ones left waiting (here: at once, rather than after RELAY_AFTER).
    assert relay(push_app, push_session, older_than=outbox.RELAY_AFTER * 0) == 1
    assert jobs_of(push_app).run_pending() == 1

    assert delivered(push_service, keys) == [MESSAGE]
    (row,) = rows_of(push_session, user)
    assert row.relayed_at is not None and row.done_at is not None
    assert relay(push_app, push_session, older_than=outbox.RELAY_AFTER * 0) == 0
    assert jobs_of(push_app).run_pending() == 0
    assert delivered(push_service, keys) == []


def test_a_job_relayed_twice_is_delivered_once(
    push_app: Flask,
    push_session: Session,
    push_service: PushService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keys, _ = notified_then_died(push_app, push_session, push_service, monkeypatch)
    now = outbox.RELAY_AFTER * 0

    # A relay killed after it queued the job and before its commit marked the row relayed ...
    with pytest.raises(RuntimeError), push_app.app_context(), transaction(push_session):
        assert outbox.relay_waiting(push_session, jobs_of(push_app), older_than=now) == 1
        raise RuntimeError("killed before the commit")
    # ... so the next relay queues it again: two copies with one id.
    assert relay(push_app, push_session, older_than=now) == 1
    assert jobs_of(push_app).huey.pending_count() == 2

    assert jobs_of(push_app).run_pending() == 2
    assert delivered(push_service, keys) == [MESSAGE]


def test_the_workers_relay_every_minute(push_app: Flask) -> None:
    periodic = jobs_of(push_app).periodic[RELAY_OUTBOX_JOB]
    assert (periodic.minute, periodic.hour) == ("*", "*")
    assert outbox.RELAY_AFTER.total_seconds() == 30
