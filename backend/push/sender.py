"""Sending Web Push messages from a background job, so that no request waits for a push service.

``PushSender.queue`` owes the durable job ``push.deliver`` in the caller's transaction (the
jobs' outbox, ``backend/jobs/outbox.py``: committed with the change that notifies, put on the
queue after the commit, relayed again by the workers if the process died in between; the
queue is Huey on SQLite or Redis) and returns at once. A worker
(``fieldcert worker``) runs it: ``deliver`` encrypts and posts each message with pywebpush
(RFC 8291 aes128gcm, VAPID RFC 8292), then records the outcome in the job's unit of work:
``last_success_at`` on success; a 404 or 410 answer means the browser dropped the subscription,
so it is deleted. A push service that fails for now (429, 5xx, no connection) gets the message
again later: a new job for those subscriptions only, after ``RETRY_DELAYS`` (RFC 8030 §7.3:
retry with backoff). Every post goes through ``endpoints.PinnedSession``: the endpoint's host
is resolved and checked again, the connection goes to the checked address, and redirects are
not followed. An endpoint that now resolves to an internal address is deleted too (with an
audit entry).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import flask
import requests
import sqlalchemy as sa
from pywebpush import WebPushException, webpush  # type: ignore[import-untyped]
from sqlalchemy.orm import Session

from backend.audit.services import record
from backend.jobs import outbox
from backend.jobs.engine import jobs_of
from backend.push.endpoints import EndpointPolicy, PinnedSession, RefusedRequest
from backend.push.models import PushSubscription
from backend.push.vapid import VapidKeys
from backend.users.models import User

logger = logging.getLogger(__name__)

#: Push services answer these when a subscription no longer exists (RFC 8030 §7.3, §8.2).
GONE_STATUSES = frozenset({404, 410})
#: Answers that mean "not now": too many requests, the service's own trouble (RFC 8030 §7.3).
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})
#: The job that delivers (registered in ``backend.jobs.tasks``).
DELIVER_JOB: Final = "push.deliver"
#: Seconds before each new attempt at subscriptions whose service failed for now; then given up.
RETRY_DELAYS: Final = (30, 120, 600, 1800)


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
    #: Earlier attempts at these targets (0 for the first).
    attempt: int = 0

    def to_wire(self) -> dict[str, Any]:
        """Plain values for the queue (a worker may run another release than the web)."""
        return {
            "user_id": str(self.user_id),
            "targets": [
                {
                    "subscription_id": str(t.subscription_id),
                    "endpoint": t.endpoint,
                    "p256dh": t.p256dh,
                    "auth": t.auth,
                }
                for t in self.targets
            ],
            "payload": self.payload.decode("utf-8"),
            "attempt": self.attempt,
        }

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> Job:
        return cls(
            user_id=uuid.UUID(wire["user_id"]),
            targets=tuple(
                Target(
                    subscription_id=uuid.UUID(t["subscription_id"]),
                    endpoint=t["endpoint"],
                    p256dh=t["p256dh"],
                    auth=t["auth"],
                )
                for t in wire["targets"]
            ),
            payload=str(wire["payload"]).encode("utf-8"),
            attempt=int(wire.get("attempt", 0)),
        )


@dataclass(frozen=True, slots=True)
class Outcome:
    delivered: Sequence[uuid.UUID]
    gone: Sequence[Target]
    #: Endpoints that resolve to an internal address now (refused before any connection).
    refused: Sequence[Target] = ()
    #: Subscriptions whose push service failed for now (429, 5xx, no connection): tried again.
    transient: Sequence[Target] = ()


class PushSender:
    """The VAPID keys and endpoint policy of an app, and the durable job that delivers."""

    def __init__(
        self,
        app: flask.Flask,
        *,
        keys: VapidKeys,
        subject: str,
        policy: EndpointPolicy,
        timeout: float = 10.0,
        ttl: int = 24 * 3600,
    ) -> None:
        self._app = app
        self._keys = keys
        self._subject = subject
        #: Which endpoints may be posted to: checked on subscribing and before every send.
        self.policy = policy
        self.timeout = timeout
        #: How long the push service keeps a message for a phone that is offline (seconds).
        self.ttl = ttl
        #: Called after each delivery (tests look at outcomes); never raises into the job.
        self.after_job: Callable[[Job, Outcome], None] | None = None

    @property
    def public_key(self) -> str:
        return self._keys.public_key

    def queue(self, session: Session, job: Job) -> bool:
        """Owe the delivery in ``session``'s transaction (the outbox): queued once committed,
        delivered once however often it is relayed; nothing when the change is rolled back."""
        outbox.add(session, DELIVER_JOB, job.to_wire())
        return True

    def enqueue(self, job: Job, *, delay: float | None = None) -> bool:
        """Queue a delivery now, or ``delay`` seconds from now (a retry of subscriptions whose
        service failed for now, from inside a delivery job; in ``immediate`` mode: deliver)."""
        jobs_of(self._app).enqueue(DELIVER_JOB, job.to_wire(), delay=delay)
        return True

    def deliver(self, session: Session, job: Job) -> Outcome:
        """Post the message to each target and record the outcome (the job's unit of work)."""
        outcome = self._deliver(job, PinnedSession(self.policy))
        record_outcome(session, job, outcome)
        if outcome.transient:
            if job.attempt < len(RETRY_DELAYS):
                again = Job(job.user_id, tuple(outcome.transient), job.payload, job.attempt + 1)
                self.enqueue(again, delay=RETRY_DELAYS[job.attempt])
            else:
                logger.warning(
                    "push for user %s given up after %d attempts", job.user_id, job.attempt + 1
                )
        if self.after_job is not None:
            try:
                self.after_job(job, outcome)
            except Exception:
                logger.exception("after_job hook failed")
        return outcome

    def _deliver(self, job: Job, http: requests.Session) -> Outcome:
        delivered: list[uuid.UUID] = []
        gone: list[Target] = []
        refused: list[Target] = []
        transient: list[Target] = []
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
                    if status in TRANSIENT_STATUSES:
                        transient.append(target)
            except RefusedRequest as error:
                logger.warning(
                    "push to subscription %s refused: %s", target.subscription_id, error.refused
                )
                if error.refused.internal:
                    refused.append(target)
            except requests.RequestException as error:
                logger.warning("push to subscription %s failed: %s", target.subscription_id, error)
                transient.append(target)
            else:
                delivered.append(target.subscription_id)
        return Outcome(delivered=delivered, gone=gone, refused=refused, transient=transient)


_GONE_REASON = "the push service answered that the subscription is gone (404/410)"
_REFUSED_REASON = "the endpoint's host now resolves to an internal address (not sent)"


def record_outcome(session: Session, job: Job, outcome: Outcome) -> None:
    """Write what the push services answered: successes, and subscriptions that are gone (the
    caller commits)."""
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
    session.flush()


def deliver_job(session: Session, wire: Mapping[str, Any]) -> None:
    """The job ``push.deliver``: deliver one queued notification with the app's sender."""
    sender: PushSender = flask.current_app.extensions["fieldcert_push"]
    sender.deliver(session, Job.from_wire(wire))
