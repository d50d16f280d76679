"""Sending Web Push messages from a background thread, so that no request waits for a push service.

``PushSender.enqueue`` puts a job on a bounded queue and returns at once; a full queue drops the
job with a warning (a notification is a convenience: the app shows the same state when opened).
One worker thread per process, started on the first job (and again in a forked child: gunicorn
forks after the app is built, and threads do not survive a fork). The worker encrypts and posts
each message with pywebpush (RFC 8291 aes128gcm, VAPID RFC 8292), then records the outcome in the
database with its own session: ``last_success_at`` on success; a 404 or 410 answer means the
browser dropped the subscription, so it is deleted. Every post goes through
``endpoints.PinnedSession``: the endpoint's host is resolved and checked again, the connection
goes to the checked address, and redirects are not followed. An endpoint that now resolves to
an internal address is deleted too (with an audit entry).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import flask
import requests
import sqlalchemy as sa
from pywebpush import WebPushException, webpush  # type: ignore[import-untyped]
from sqlalchemy.orm import Session

from backend.audit.services import record
from backend.extensions import db
from backend.push.endpoints import EndpointPolicy, PinnedSession, RefusedRequest
from backend.push.models import PushSubscription
from backend.push.vapid import VapidKeys
from backend.users.models import User

logger = logging.getLogger(__name__)

#: Push services answer these when a subscription no longer exists (RFC 8030 §7.3, §8.2).
GONE_STATUSES = frozenset({404, 410})


@dataclass(frozen=True, slots=True)
class Target:
    """One subscription to deliver to, as read when the job was queued."""

    subscription_id: uuid.UUID
    endpoint: str
    p256dh: str
    auth: str


@dataclass(frozen=True, slots=True)
class Job:
    user_id: uuid.UUID
    targets: Sequence[Target]
    payload: bytes


@dataclass(frozen=True, slots=True)
class Outcome:
    delivered: Sequence[uuid.UUID]
    gone: Sequence[Target]
    #: Endpoints that resolve to an internal address now (refused before any connection).
    refused: Sequence[Target] = ()


class PushSender:
    """A bounded queue and one lazily started worker thread per process."""

    def __init__(
        self,
        app: flask.Flask,
        *,
        keys: VapidKeys,
        subject: str,
        policy: EndpointPolicy,
        queue_size: int = 1000,
        timeout: float = 10.0,
        ttl: int = 24 * 3600,
    ) -> None:
        self._app = app
        self._keys = keys
        self._subject = subject
        #: Which endpoints may be posted to: checked on subscribing and before every send.
        self.policy = policy
        self._queue_size = queue_size
        self.timeout = timeout
        #: How long the push service keeps a message for a phone that is offline (seconds).
        self.ttl = ttl
        self._lock = threading.Lock()
        self._queue: queue.Queue[Job] | None = None
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        #: Called in the worker after each job (tests wait on it); never raises into the worker.
        self.after_job: Callable[[Job, Outcome], None] | None = None

    @property
    def public_key(self) -> str:
        return self._keys.public_key

    def enqueue(self, job: Job) -> bool:
        """Queue a job without waiting; False (and a warning) when the queue is full."""
        jobs = self._ensure_worker()
        try:
            jobs.put_nowait(job)
        except queue.Full:
            logger.warning(
                "push queue full (%d jobs): dropped a notification for user %s",
                self._queue_size,
                job.user_id,
            )
            return False
        return True

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every queued job is done; False if ``timeout`` seconds passed first."""
        jobs = self._queue
        if jobs is None:
            return True
        deadline = time.monotonic() + timeout
        with jobs.all_tasks_done:
            while jobs.unfinished_tasks:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                jobs.all_tasks_done.wait(remaining)
        return True

    def _ensure_worker(self) -> queue.Queue[Job]:
        with self._lock:
            jobs = self._queue
            if jobs is None or self._pid != os.getpid():
                # First use in this process (or a forked child): the parent's queue and
                # thread do not exist here.
                jobs = self._queue = queue.Queue(maxsize=self._queue_size)
                self._thread = None
                self._pid = os.getpid()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, args=(jobs,), name="fieldcert-push", daemon=True
                )
                self._thread.start()
            return jobs

    def _run(self, jobs: queue.Queue[Job]) -> None:
        http = PinnedSession(self.policy)
        while True:
            job = jobs.get()
            try:
                outcome = self._deliver(job, http)
                self._record(job, outcome)
                if self.after_job is not None:
                    self.after_job(job, outcome)
            except Exception:
                logger.exception("push job for user %s failed", job.user_id)
            finally:
                jobs.task_done()

    def _deliver(self, job: Job, http: requests.Session) -> Outcome:
        delivered: list[uuid.UUID] = []
        gone: list[Target] = []
        refused: list[Target] = []
        signer = self._keys.signer()
        for target in job.targets:
            try:
                webpush(
                    {
                        "endpoint": target.endpoint,
                        "keys": {"p256dh": target.p256dh, "auth": target.auth},
                    },
                    data=job.payload,
                    vapid_private_key=signer,
                    # A new dict each time: pywebpush writes the audience (the endpoint's
                    # origin) and expiry into it.
                    vapid_claims={"sub": self._subject},
                    ttl=self.ttl,
                    timeout=self.timeout,
                    requests_session=http,
                )
            except WebPushException as error:
                status = getattr(error.response, "status_code", None)
                if status in GONE_STATUSES:
                    gone.append(target)
                else:
                    logger.warning(
                        "push to subscription %s failed: %s", target.subscription_id, status
                    )
            except RefusedRequest as error:
                logger.warning(
                    "push to subscription %s refused: %s", target.subscription_id, error.refused
                )
                if error.refused.internal:
                    refused.append(target)
            except requests.RequestException as error:
                logger.warning("push to subscription %s failed: %s", target.subscription_id, error)
            else:
                delivered.append(target.subscription_id)
        return Outcome(delivered=delivered, gone=gone, refused=refused)

    def _record(self, job: Job, outcome: Outcome) -> None:
        if not outcome.delivered and not outcome.gone and not outcome.refused:
            return
        with self._app.app_context(), Session(db.engine) as session:
            record_outcome(session, job, outcome)


_GONE_REASON = "the push service answered that the subscription is gone (404/410)"
_REFUSED_REASON = "the endpoint's host now resolves to an internal address (not sent)"


def record_outcome(session: Session, job: Job, outcome: Outcome) -> None:
    """Write what the push services answered: successes, and subscriptions that are gone."""
    if outcome.delivered:
        session.execute(
            sa.update(PushSubscription)
            .where(PushSubscription.id.in_(outcome.delivered))
            .values(last_success_at=datetime.now(UTC))
        )
    organisation_id: uuid.UUID | None = None
    if outcome.gone or outcome.refused:
        organisation_id = session.scalar(
            sa.select(User.organisation_id).where(User.id == job.user_id)
        )
    removals = [(target, "push.subscription_expired", _GONE_REASON) for target in outcome.gone] + [
        (target, "push.subscription_refused", _REFUSED_REASON) for target in outcome.refused
    ]
    for target, action, reason in removals:
        # Only the row that was sent to: the browser may have subscribed again meanwhile.
        removed = session.scalars(
            sa.delete(PushSubscription)
            .where(
                PushSubscription.id == target.subscription_id,
                PushSubscription.endpoint == target.endpoint,
                PushSubscription.p256dh == target.p256dh,
            )
            .returning(PushSubscription.id)
        ).all()
        if removed:
            record(
                session,
                actor=None,
                action=action,
                object_type="push_subscription",
                object_id=target.subscription_id,
                reason=reason,
                details={"user_id": str(job.user_id)},
                organisation_id=organisation_id,
            )
    session.commit()
