"""Web Push end to end: subscribe, queue, encrypt and send to a local push service, clean up."""

from __future__ import annotations

import base64
import json
import stat
import threading
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa
from blinker import ANY
from flask import Flask
from flask.testing import FlaskClient
from py_vapid import Vapid02  # type: ignore[import-untyped]
from sqlalchemy.orm import Session

from backend import create_app
from backend.audit.models import AuditEntry
from backend.engagements.signals import assignment_created
from backend.evaluations.signals import evaluation_returned, evaluation_submitted
from backend.extensions import db
from backend.jobs.engine import jobs_of
from backend.push import receivers, services
from backend.push.models import PushSubscription
from backend.push.sender import RETRY_DELAYS, Job, Outcome, PushSender, Target
from backend.push.vapid import PRIVATE_KEY_FILE, PUBLIC_KEY_FILE, load_or_create_keys
from backend.users.models import Role, User
from tests.factories import (
    make_client,
    make_engagement,
    make_organisation,
    make_site,
    make_unit,
    make_user,
    sign_in,
)
from tests.push.conftest import BrowserKeys, PushService

TEST_MESSAGE = services.message(
    "test",
    title=("测试通知", "Test notification"),
    body=("通知已开启。", "Notifications are working."),
    url="/",
)


def signed_in(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    sign_in(client, user)
    return client


def subscribe(client: FlaskClient, endpoint: str, keys: BrowserKeys) -> dict[str, Any]:
    response = client.post(
        "/api/push/subscriptions",
        json={"endpoint": endpoint, "expirationTime": None, "keys": keys.as_json()},
    )
    assert response.status_code == 201, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


@pytest.fixture(autouse=True)
def _empty_queue(push_app: Flask) -> None:
    """Each test starts with nothing queued (the module's app and its queue file are shared)."""
    jobs_of(push_app).huey.flush()


def run_jobs(app: Flask) -> int:
    """Run the queued jobs as a worker does (the consumer itself: tests/jobs)."""
    return jobs_of(app).run_pending()


def sender_of(app: Flask) -> PushSender:
    sender: PushSender = app.extensions[services.EXTENSION]
    return sender


def subscription(session: Session, subscription_id: str) -> PushSubscription | None:
    session.expire_all()
    return session.get(PushSubscription, uuid.UUID(subscription_id))


# --------------------------------------------------------------------------- VAPID keys


def test_the_vapid_key_pair_is_made_once_and_the_private_key_is_owner_only(
    tmp_path: Path,
) -> None:
    first = load_or_create_keys(tmp_path)
    second = load_or_create_keys(tmp_path)

    assert first.public_key == second.public_key
    assert stat.S_IMODE((tmp_path / PRIVATE_KEY_FILE).stat().st_mode) == 0o600
    assert (tmp_path / PUBLIC_KEY_FILE).read_text().strip() == first.public_key
    point = base64.urlsafe_b64decode(first.public_key + "=")
    assert len(point) == 65 and point[0] == 4
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        [PUBLIC_KEY_FILE, PRIVATE_KEY_FILE]
    )


def test_the_public_key_endpoint_answers_the_instance_key(push_app: Flask) -> None:
    response = push_app.test_client().get("/api/push/vapid-public-key")

    assert response.status_code == 200
    instance = Path(push_app.config["FIELDCERT_INSTANCE_DIR"])
    assert response.get_json() == {"public_key": load_or_create_keys(instance).public_key}


# --------------------------------------------------------------------------- subscriptions


def test_subscribing_again_with_the_same_endpoint_replaces_the_keys(
    push_app: Flask, push_session: Session, push_service: PushService
) -> None:
    client = signed_in(push_app, make_user(push_session))
    endpoint = push_service.endpoint("replace")
    first = subscribe(client, endpoint, BrowserKeys())
    renewed = BrowserKeys()

    second = subscribe(client, endpoint, renewed)

    assert second["id"] == first["id"]
    stored = subscription(push_session, second["id"])
    assert stored is not None and stored.p256dh == renewed.as_json()["p256dh"]


def test_a_browser_taken_over_by_another_user_notifies_the_new_user(
    push_app: Flask, push_session: Session, push_service: PushService
) -> None:
    endpoint = push_service.endpoint("shared-browser")
    before = subscribe(signed_in(push_app, make_user(push_session)), endpoint, BrowserKeys())
    newcomer = make_user(push_session)

    after = subscribe(signed_in(push_app, newcomer), endpoint, BrowserKeys())

    stored = subscription(push_session, after["id"])
    assert after["id"] == before["id"]
    assert stored is not None and stored.user_id == newcomer.id


def test_unsubscribing_removes_only_my_subscription(
    push_app: Flask, push_session: Session, push_service: PushService
) -> None:
    mine, theirs = push_service.endpoint("mine"), push_service.endpoint("theirs")
    me = signed_in(push_app, make_user(push_session))
    subscribe(me, mine, BrowserKeys())
    other = subscribe(signed_in(push_app, make_user(push_session)), theirs, BrowserKeys())

    assert me.delete("/api/push/subscriptions", json={"endpoint": theirs}).status_code == 204
    assert me.delete("/api/push/subscriptions", json={"endpoint": mine}).status_code == 204

    endpoints = push_session.scalars(
        sa.select(PushSubscription.endpoint).where(PushSubscription.endpoint.in_([mine, theirs]))
    ).all()
    assert endpoints == [theirs]
    assert subscription(push_session, other["id"]) is not None


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://push.example.test/x",
        "https://127.0.0.1/x",
        "https://localhost/x",
        "https://10.1.2.3/x",
        "https://169.254.169.254/latest",
        "https://[::1]/x",
        "https://user:secret@push.example.test/x",
        "ftp://push.example.test/x",
    ],
)
def test_endpoints_must_be_public_https_urls(
    client: FlaskClient, db_session: Session, endpoint: str
) -> None:
    # The server posts to whatever endpoint is stored: internal addresses would be SSRF.
    sign_in(client, make_user(db_session))
    response = client.post(
        "/api/push/subscriptions", json={"endpoint": endpoint, "keys": BrowserKeys().as_json()}
    )
    assert response.status_code == 422
    assert "endpoint" in response.get_json()["details"]
    assert db_session.scalar(sa.select(sa.func.count()).select_from(PushSubscription)) == 0


def test_a_public_https_endpoint_is_accepted_and_audited_without_the_url(
    client: FlaskClient, db_session: Session
) -> None:
    user = make_user(db_session)
    sign_in(client, user)
    endpoint = "https://fcm.googleapis.com/fcm/send/secret-capability-id"

    response = client.post(
        "/api/push/subscriptions", json={"endpoint": endpoint, "keys": BrowserKeys().as_json()}
    )

    assert response.status_code == 201
    assert response.get_json()["device_id"] is None
    entry = db_session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "push.subscribed")
    ).one()
    assert entry.actor_id == user.id
    assert entry.details["host"] == "fcm.googleapis.com"
    assert "secret-capability-id" not in json.dumps(entry.details)


@pytest.mark.parametrize(
    "keys",
    [
        {"p256dh": "BA" + "A" * 85, "auth": "A" * 22},  # 65 bytes, not a point on the curve
        {"p256dh": BrowserKeys().as_json()["p256dh"][:-4], "auth": "A" * 22},  # too short
        {"p256dh": BrowserKeys().as_json()["p256dh"], "auth": "A" * 20},  # 15 bytes
        {"p256dh": BrowserKeys().as_json()["p256dh"]},
    ],
)
def test_subscription_keys_are_checked(
    client: FlaskClient, db_session: Session, keys: dict[str, str]
) -> None:
    sign_in(client, make_user(db_session))
    response = client.post(
        "/api/push/subscriptions",
        json={"endpoint": "https://push.example.test/x", "keys": keys},
    )
    assert response.status_code == 422
    assert "keys" in response.get_json()["details"]


# --------------------------------------------------------------------------- delivery


def test_a_notification_arrives_encrypted_for_the_browser_with_a_valid_vapid_signature(
    push_app: Flask, push_session: Session, push_service: PushService
) -> None:
    user = make_user(push_session)
    client = signed_in(push_app, user)
    keys = BrowserKeys()
    subscribed = subscribe(client, push_service.endpoint("delivered"), keys)

    response = client.post("/api/push/test")

    assert response.status_code == 202
    assert response.get_json() == {"queued": 1}
    assert push_service.received.empty()  # queued, not sent by the request
    assert run_jobs(push_app) == 1
    message = push_service.next_message()
    assert message.path == "/push/delivered"
    assert json.loads(keys.decrypt(message.body)) == TEST_MESSAGE
    assert message.headers["content-encoding"] == "aes128gcm"
    assert message.headers["ttl"] == str(24 * 3600)
    authorization = message.headers["authorization"]
    assert Vapid02.verify(authorization)
    assert authorization.endswith("k=" + sender_of(push_app).public_key)
    claims = json.loads(base64.urlsafe_b64decode(authorization.split("t=")[1].split(".")[1] + "=="))
    assert claims["aud"] == push_service.origin
    assert claims["sub"] == push_app.config["FIELDCERT_VAPID_SUBJECT"]
    stored = subscription(push_session, subscribed["id"])
    assert stored is not None and stored.last_success_at is not None


@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_the_push_service_calls_gone_is_removed(
    push_app: Flask, push_session: Session, push_service: PushService, status: int
) -> None:
    user = make_user(push_session)
    client = signed_in(push_app, user)
    subscribed = subscribe(client, push_service.endpoint(f"gone-{status}"), BrowserKeys())
    push_service.status = status

    assert client.post("/api/push/test").get_json() == {"queued": 1}

    assert run_jobs(push_app) == 1
    push_service.next_message()
    assert subscription(push_session, subscribed["id"]) is None
    entry = push_session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.action == "push.subscription_expired",
            AuditEntry.object_id == subscribed["id"],
        )
    ).one()
    assert entry.organisation_id == user.organisation_id


def test_other_push_service_errors_keep_the_subscription(
    push_app: Flask, push_session: Session, push_service: PushService
) -> None:
    client = signed_in(push_app, make_user(push_session))
    subscribed = subscribe(client, push_service.endpoint("flaky"), BrowserKeys())
    push_service.status = 503

    client.post("/api/push/test")

    assert run_jobs(push_app) == 1
    push_service.next_message()
    stored = subscription(push_session, subscribed["id"])
    assert stored is not None and stored.last_success_at is None
    # Tried again later (RFC 8030 §7.3): a job for that subscription waits RETRY_DELAYS[0] s.
    huey = jobs_of(push_app).huey
    assert (huey.pending_count(), huey.scheduled_count()) == (0, 1)
    (retry,) = huey.scheduled()
    (wire,) = retry.args
    assert wire["attempt"] == 1
    assert [t["subscription_id"] for t in wire["targets"]] == [subscribed["id"]]
    assert retry.eta is not None
    wait = (retry.eta - datetime.now(UTC).replace(tzinfo=None)).total_seconds()
    assert RETRY_DELAYS[0] - 5 < wait <= RETRY_DELAYS[0]


def test_a_slow_push_service_does_not_hold_up_the_request(
    push_app: Flask, push_session: Session, push_service: PushService
) -> None:
    client = signed_in(push_app, make_user(push_session))
    subscribed = subscribe(client, push_service.endpoint("slow"), BrowserKeys())
    push_service.hold = True

    response = client.post("/api/push/test")

    # The request has its answer before the push service was even contacted; the worker
    # (here a thread running the queue) waits for the slow service instead.
    assert response.status_code == 202
    assert not push_service.arrived.is_set()
    worker = threading.Thread(target=run_jobs, args=(push_app,))
    worker.start()
    assert push_service.arrived.wait(10), "the push was never sent"
    assert not push_service.answered.is_set()
    push_service.release.set()
    worker.join(20)
    assert push_service.answered.is_set()
    stored = subscription(push_session, subscribed["id"])
    assert stored is not None and stored.last_success_at is not None


def test_a_queued_notification_survives_a_restart_of_the_web_process(
    push_app: Flask, push_session: Session, push_service: PushService
) -> None:
    """The queue is durable (a file here, Redis on servers): a new process delivers it. The
    thread queue this replaced lost every waiting notification with its process."""
    client = signed_in(push_app, make_user(push_session))
    keys = BrowserKeys()
    subscribe(client, push_service.endpoint("restart"), keys)
    assert client.post("/api/push/test").get_json() == {"queued": 1}

    # Another app on the same database and queue file: the web process after a restart, or
    # the worker.
    restarted = create_app({k: push_app.config[k] for k in _SAME_INSTALLATION} | {"TESTING": True})
    try:
        assert jobs_of(restarted).run_pending() == 1
    finally:
        with restarted.app_context():
            db.engine.dispose()

    message = push_service.next_message()
    assert json.loads(keys.decrypt(message.body)) == TEST_MESSAGE


#: Settings two processes of one installation share.
_SAME_INSTALLATION = (
    "SQLALCHEMY_DATABASE_URI",
    "SECRET_KEY",
    "FIELDCERT_INSTANCE_DIR",
    "FIELDCERT_JOBS",
    "FIELDCERT_JOBS_FILE",
    "FIELDCERT_PUSH_ALLOW_INSECURE_ENDPOINTS",
)


def test_without_subscriptions_nothing_is_queued(client: FlaskClient, db_session: Session) -> None:
    sign_in(client, make_user(db_session))
    response = client.post("/api/push/test")
    assert response.status_code == 202
    assert response.get_json() == {"queued": 0}


# --------------------------------------------------------------------------- notifiers


class RecordingSender:
    """Stands in for the sender: keeps the jobs instead of sending them."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []

    def queue(self, session: Session, job: Job) -> bool:
        self.jobs.append(job)
        return True

    def payloads_for(self, user_id: uuid.UUID) -> list[dict[str, Any]]:
        return [json.loads(job.payload) for job in self.jobs if job.user_id == user_id]


@pytest.fixture
def recording(app: Flask, monkeypatch: pytest.MonkeyPatch) -> RecordingSender:
    sender = RecordingSender()
    monkeypatch.setitem(app.extensions, services.EXTENSION, sender)
    return sender


def add_subscription(db_session: Session, user: User) -> None:
    db_session.add(
        PushSubscription(
            user_id=user.id,
            endpoint=f"https://push.example.test/{uuid.uuid4()}",
            **BrowserKeys().as_json(),
        )
    )
    db_session.commit()


def test_the_notifiers_are_attached_to_the_hooks_once(make_app: Callable[..., Flask]) -> None:
    make_app()
    make_app()  # a second app in the process connects nothing twice

    for signal, notifier in (
        (assignment_created, receivers.assignment_created_to_shopper),
        (evaluation_submitted, receivers.evaluation_submitted_to_leaders),
        (evaluation_returned, receivers.evaluation_returned_to_evaluator),
    ):
        hooks: Sequence[object] = list(signal.receivers_for(ANY))
        assert list(hooks).count(notifier) == 1


def test_a_new_assignment_notifies_its_shopper_without_naming_the_site(
    app: Flask, client: FlaskClient, db_session: Session, recording: RecordingSender
) -> None:
    organisation = make_organisation(db_session)
    client_row = make_client(db_session, organisation=organisation)
    site = make_site(db_session, unit=make_unit(db_session, client=client_row), name="秘密暗访门店")
    leader = make_user(db_session, role=Role.TEAM_LEADER, organisation=organisation)
    shopper = make_user(db_session, role=Role.SHOPPER, organisation=organisation)
    engagement = make_engagement(db_session, client=client_row, leader=leader, sites=[site])
    add_subscription(db_session, shopper)
    sign_in(client, leader)

    response = client.post(
        f"/api/engagements/{engagement.id}/assignments",
        json={
            "site_id": str(site.id),
            "shopper_id": str(shopper.id),
            "window_start": "2026-12-02T09:00:00+08:00",
            "window_end": "2026-12-03T18:00:00+08:00",
        },
    )

    assert response.status_code == 201, response.get_json()
    (payload,) = recording.payloads_for(shopper.id)
    assert payload["type"] == "assignment.created"
    assert payload["data"] == {"assignment_id": response.get_json()["id"]}
    assert "秘密暗访门店" not in json.dumps(payload, ensure_ascii=False)


def test_a_returned_evaluation_notifies_its_evaluator(
    app: Flask, db_session: Session, recording: RecordingSender
) -> None:
    evaluator = make_user(db_session, role=Role.SHOPPER)
    add_subscription(db_session, evaluator)
    evaluation = SimpleNamespace(
        id=uuid.uuid4(), evaluator_id=evaluator.id, engagement_id=uuid.uuid4()
    )

    with app.app_context():
        services.notify_evaluation_returned(db_session, evaluation)  # type: ignore[arg-type]

    (payload,) = recording.payloads_for(evaluator.id)
    assert payload["type"] == "evaluation.returned"
    assert payload["data"] == {"evaluation_id": str(evaluation.id)}
    assert payload["title"]["zh-CN"] and payload["title"]["en"]


def test_a_submitted_evaluation_notifies_the_team_leader_only(
    app: Flask, db_session: Session, recording: RecordingSender
) -> None:
    leader = make_user(db_session, role=Role.TEAM_LEADER)
    auditor = make_user(db_session, role=Role.AUDITOR, organisation=leader.organisation)
    engagement = make_engagement(db_session, leader=leader, auditors=[auditor])
    for user in (leader, auditor):
        add_subscription(db_session, user)
    evaluation = SimpleNamespace(
        id=uuid.uuid4(), evaluator_id=auditor.id, engagement_id=engagement.id
    )

    with app.app_context():
        services.notify_evaluation_submitted(db_session, evaluation)  # type: ignore[arg-type]

    assert [p["type"] for p in recording.payloads_for(leader.id)] == ["evaluation.submitted"]
    assert recording.payloads_for(auditor.id) == []


def test_a_payload_too_large_for_web_push_is_refused(
    app: Flask, db_session: Session, recording: RecordingSender
) -> None:
    user = make_user(db_session)
    add_subscription(db_session, user)
    with app.app_context(), pytest.raises(ValueError, match="exceeds"):
        services.notify_user(db_session, user.id, {"body": "字" * 2000})
    assert recording.jobs == []


def test_outcomes_are_recorded_only_for_the_row_that_was_sent_to(
    push_app: Flask, push_session: Session
) -> None:
    from backend.push.sender import record_outcome

    user = make_user(push_session)
    keys = BrowserKeys().as_json()
    row = PushSubscription(
        user_id=user.id, endpoint=f"https://push.example.test/{uuid.uuid4()}", **keys
    )
    push_session.add(row)
    push_session.commit()
    stale = Target(row.id, row.endpoint, "an older key", keys["auth"])

    record_outcome(push_session, Job(user.id, (stale,), b"{}"), Outcome((), (stale,)))

    # The browser renewed its keys after the send: the renewed subscription stays.
    assert subscription(push_session, str(row.id)) is not None


def test_a_subscription_made_with_a_device_token_belongs_to_that_device(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    user = make_user(db_session, role=Role.SHOPPER)
    sign_in(client, user)
    paired = client.post("/api/devices", json={"name": "暗访手机"}).get_json()
    device = FlaskClient(app, app.response_class, use_cookies=False)

    response = device.post(
        "/api/push/subscriptions",
        json={"endpoint": "https://push.example.test/phone", "keys": BrowserKeys().as_json()},
        headers={"Authorization": f"Bearer {paired['token']}"},
    )

    assert response.status_code == 201
    assert response.get_json()["device_id"] == paired["id"]
    stored = db_session.scalars(sa.select(PushSubscription)).one()
    assert stored.user_id == user.id and str(stored.device_id) == paired["id"]
