"""Web Push: subscriptions per user and device, and notifications owed as durable jobs.

What is pushed (issue 3): a new assignment to its shopper, a returned evaluation to its
evaluator, a submitted evaluation to the engagement's team leader. Notification texts are
generic on purpose: a phone's lock screen shows them to whoever holds it, and a mystery shopper's
visit must stay secret (DOMAIN.md, mystery shopper), so they name no site or client; the app
shows the details after unlocking. Texts come in zh-CN and English; the PWA picks one.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import flask
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from backend.audit.services import record
from backend.auth.actor import Actor
from backend.config import DEFAULT_VAPID_SUBJECT
from backend.engagements.models import Assignment, EngagementMember, TeamRole
from backend.errors import ValidationFailed
from backend.evaluations.models import Evaluation
from backend.push.endpoints import EndpointPolicy, EndpointRefused, system_resolver
from backend.push.models import PushSubscription
from backend.push.sender import Job, PushSender, Target
from backend.push.vapid import load_or_create_keys
from backend.unit_of_work import flush_as_stored

logger = logging.getLogger(__name__)

EXTENSION = "fieldcert_push"

#: Defaults of the settings (Flask config keys).
DEFAULTS: dict[str, Any] = {
    #: Seconds to wait for a push service's answer.
    "FIELDCERT_PUSH_TIMEOUT": 10.0,
    #: Seconds a push service keeps a message for an offline phone.
    "FIELDCERT_PUSH_TTL": 24 * 3600,
    #: Accept http:// and loopback/private endpoints. Real push services are public HTTPS;
    #: anything else would let a user make the server post to internal addresses (SSRF).
    #: Only tests with a local push service turn it on.
    "FIELDCERT_PUSH_ALLOW_INSECURE_ENDPOINTS": False,
    #: How endpoint host names are resolved (``endpoints.Resolver``): the operating system's
    #: resolver. Not an environment setting: tests pass an offline resolver (no DNS in tests).
    "FIELDCERT_PUSH_RESOLVER": system_resolver,
}

#: Web Push payloads must fit one 4096-byte record after encryption (RFC 8291 §4): 86 bytes of
#: header and padding overhead leave 3993 for the content (we keep a margin).
MAX_PAYLOAD_BYTES = 3800


def init_push(app: flask.Flask) -> PushSender:
    """Load (or create) the VAPID keys and set up the app's sender (``backend.push.receivers``
    connects the notifiers to the events)."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    # Push services contact FIELDCERT_VAPID_SUBJECT when a sender misbehaves (RFC 8292 §2.1).
    app.config.setdefault("FIELDCERT_VAPID_SUBJECT", DEFAULT_VAPID_SUBJECT)
    keys = load_or_create_keys(Path(app.config["FIELDCERT_INSTANCE_DIR"]))
    policy = EndpointPolicy(
        allow_internal=bool(app.config["FIELDCERT_PUSH_ALLOW_INSECURE_ENDPOINTS"]),
        resolver=app.config["FIELDCERT_PUSH_RESOLVER"],
    )
    sender = PushSender(
        app,
        keys=keys,
        policy=policy,
        subject=app.config["FIELDCERT_VAPID_SUBJECT"],
        timeout=float(app.config["FIELDCERT_PUSH_TIMEOUT"]),
        ttl=int(app.config["FIELDCERT_PUSH_TTL"]),
    )
    app.extensions[EXTENSION] = sender
    return sender


def current_sender() -> PushSender:
    sender: PushSender = current_app.extensions[EXTENSION]
    return sender


# --------------------------------------------------------------------------- subscriptions


def check_endpoint(endpoint: str, policy: EndpointPolicy) -> str:
    """Refuse endpoints the server must not post to (``backend.push.endpoints``); the host."""
    try:
        return policy.check(endpoint).host
    except EndpointRefused as refused:
        raise ValidationFailed(details={"endpoint": [refused.reason]}) from None


def subscribe(
    session: Session,
    actor: Actor,
    *,
    endpoint: str,
    p256dh: str,
    auth: str,
    policy: EndpointPolicy,
    ip: str | None = None,
) -> PushSubscription:
    """Save the browser's subscription for the actor (and their device), by endpoint.

    The same endpoint again replaces the keys (the browser renewed them) and, when another
    user signed in on that browser, the owner: notifications follow whoever uses it now.
    """
    # Resolved and checked now, and again before every send (the DNS answer may change).
    host = check_endpoint(endpoint, policy)
    device_id = actor.device.id if actor.device is not None else None
    subscription = session.scalars(
        sa.select(PushSubscription).where(PushSubscription.endpoint == endpoint)
    ).one_or_none()
    previous_user = subscription.user_id if subscription is not None else None
    if subscription is None:
        subscription = PushSubscription(id=uuid.uuid4(), endpoint=endpoint)
        session.add(subscription)
    if subscription.user_id != actor.user.id:
        subscription.last_success_at = None
    subscription.user_id = actor.user.id
    subscription.device_id = device_id
    subscription.p256dh = p256dh
    subscription.auth = auth
    session.flush()
    record(
        session,
        actor=actor,
        action="push.subscribed",
        object_type="push_subscription",
        object_id=subscription.id,
        # The endpoint is a capability URL (whoever knows it can push): only its host is logged.
        details={
            "host": host,
            "replaced": previous_user is not None,
            "from_other_user": previous_user is not None and previous_user != actor.user.id,
        },
        ip=ip,
    )
    flush_as_stored(session)
    return subscription


def unsubscribe(session: Session, actor: Actor, *, endpoint: str, ip: str | None = None) -> None:
    """Remove my subscription with this endpoint; nothing happens when there is none."""
    subscription = session.scalars(
        sa.select(PushSubscription).where(
            PushSubscription.endpoint == endpoint, PushSubscription.user_id == actor.user.id
        )
    ).one_or_none()
    if subscription is None:
        return
    session.delete(subscription)
    record(
        session,
        actor=actor,
        action="push.unsubscribed",
        object_type="push_subscription",
        object_id=subscription.id,
        details={"host": urlsplit(endpoint).hostname},
        ip=ip,
    )
    flush_as_stored(session)


# --------------------------------------------------------------------------- notifications


def notify_user(
    session: Session,
    user_id: uuid.UUID,
    payload: Mapping[str, Any],
    *,
    sender: PushSender | None = None,
) -> int:
    """Queue ``payload`` (JSON) for every subscription of the user; the number queued.

    Never waits for a push service: the job ``push.deliver`` does (``fieldcert worker``). Call
    it in the transaction of the change the notification announces (the receivers in
    backend.push.receivers run at its commit): the job is owed by that same commit (the jobs'
    outbox) and nothing is sent when the change is rolled back.
    """
    return notify_users(session, PushSubscription.user_id == user_id, payload, sender=sender)


def notify_users(
    session: Session,
    who: sa.ColumnElement[bool],
    payload: Mapping[str, Any],
    *,
    sender: PushSender | None = None,
) -> int:
    """Queue ``payload`` for every subscription matching ``who`` (one query), one job per user."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if len(body) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"push payload of {len(body)} bytes exceeds {MAX_PAYLOAD_BYTES}")
    rows = session.execute(
        sa.select(
            PushSubscription.user_id,
            PushSubscription.id,
            PushSubscription.endpoint,
            PushSubscription.p256dh,
            PushSubscription.auth,
        )
        .where(who)
        .order_by(PushSubscription.user_id, PushSubscription.id)
    ).all()
    by_user: dict[uuid.UUID, list[Target]] = {}
    for row in rows:
        by_user.setdefault(row.user_id, []).append(
            Target(subscription_id=row.id, endpoint=row.endpoint, p256dh=row.p256dh, auth=row.auth)
        )
    if not by_user:
        return 0
    queue = sender or current_sender()
    queued = 0
    for user_id, targets in by_user.items():
        if queue.queue(session, Job(user_id=user_id, targets=tuple(targets), payload=body)):
            queued += len(targets)
    return queued


def message(
    kind: str,
    *,
    title: tuple[str, str],
    body: tuple[str, str],
    url: str,
    data: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """A notification payload: texts as (zh-CN, English), the app URL to open, ids."""
    return {
        "type": kind,
        "title": {"zh-CN": title[0], "en": title[1]},
        "body": {"zh-CN": body[0], "en": body[1]},
        "url": url,
        "data": dict(data or {}),
    }


def notify_assignment_created(session: Session, assignment: Assignment) -> None:
    """Tell the shopper about a new visit (no site or client named: see the module docstring)."""
    notify_user(
        session,
        assignment.shopper_id,
        message(
            "assignment.created",
            title=("新的暗访任务", "New visit assignment"),
            body=("打开应用查看任务详情。", "Open the app to see the details."),
            url=f"/#assignments/{assignment.id}",
            data={"assignment_id": str(assignment.id)},
        ),
    )


def notify_evaluation_returned(session: Session, evaluation: Evaluation) -> None:
    """Tell the evaluator that their evaluation came back for correction."""
    notify_user(
        session,
        evaluation.evaluator_id,
        message(
            "evaluation.returned",
            title=("评价被退回", "Evaluation returned"),
            body=("请查看审核意见，修改后重新提交。", "Read the comments, correct and resubmit."),
            url=f"/#evaluations/{evaluation.id}",
            data={"evaluation_id": str(evaluation.id)},
        ),
    )


def notify_evaluation_submitted(session: Session, evaluation: Evaluation) -> None:
    """Tell the engagement's team leader(s) that an evaluation waits for review."""
    leaders = sa.select(EngagementMember.user_id).where(
        EngagementMember.engagement_id == evaluation.engagement_id,
        EngagementMember.team_role == TeamRole.LEADER,
        # A leader who submitted their own evaluation knows it.
        EngagementMember.user_id != evaluation.evaluator_id,
    )
    notify_users(
        session,
        PushSubscription.user_id.in_(leaders),
        message(
            "evaluation.submitted",
            title=("有评价等待审核", "Evaluation waiting for review"),
            body=("打开应用进行审核。", "Open the app to review it."),
            url=f"/#evaluations/{evaluation.id}",
            data={
                "evaluation_id": str(evaluation.id),
                "engagement_id": str(evaluation.engagement_id),
            },
        ),
    )
