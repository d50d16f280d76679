"""Push endpoints that reach this machine or the internal network are refused (issue 9 B1).

The host is resolved (tests replace only the resolver: ``tests/offline_dns.py``; numeric
spellings are still parsed by the operating system) and every address checked, when subscribing
and again before each send; the sender connects to the checked address and follows no redirect.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.extensions import db
from backend.push.endpoints import EndpointPolicy, EndpointRefused, is_forbidden
from backend.push.models import PushSubscription
from backend.push.sender import Job, Outcome, PushSender, Target
from backend.push.vapid import load_or_create_keys
from backend.unit_of_work import transaction
from tests.factories import make_user, sign_in
from tests.offline_dns import NAMES, OfflineResolver
from tests.push.conftest import BrowserKeys, PushService

# --------------------------------------------------------------------------- addresses


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.255.255.254",
        "0.0.0.0",  # noqa: S104 - an address to refuse, nothing binds to it
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "100.64.0.1",  # shared (carrier-grade NAT)
        "169.254.169.254",  # cloud metadata
        "192.0.0.8",
        "192.0.2.1",
        "198.18.0.1",
        "224.0.0.251",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "::",
        "::1",
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
        "::ffff:10.0.0.1",
        "::127.0.0.1",  # IPv4-compatible (deprecated)
        "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b:1::1",  # local-use NAT64
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:c0a8:101::1",  # 6to4 of 192.168.1.1
        "2001::1",  # Teredo
        "2001:db8::1",
        "fc00::1",
        "fd12:3456::1",
        "fe80::1",
        "fec0::1",
        "ff02::1",
        "100::1",
    ],
)
def test_internal_and_special_addresses_are_forbidden(address: str) -> None:
    assert is_forbidden(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address",
    [
        "142.250.72.10",
        "93.184.215.14",
        "1.1.1.1",
        "2607:f8b0:4005:80c::200a",
        "64:ff9b::8efa:480a",  # NAT64 of a public address: allowed as that address is
        "2002:8efa:480a::1",  # 6to4 of a public address
    ],
)
def test_public_unicast_addresses_are_allowed(address: str) -> None:
    assert not is_forbidden(ipaddress.ip_address(address))


# --------------------------------------------------------------------------- subscribing


def post_subscription(client: FlaskClient, endpoint: str) -> Any:
    return client.post(
        "/api/push/subscriptions", json={"endpoint": endpoint, "keys": BrowserKeys().as_json()}
    )


@pytest.mark.parametrize(
    "endpoint",
    [
        # The spellings of 127.0.0.1 that the finding listed, and more the resolver accepts.
        "https://2130706433:5105/x",
        "https://0x7f000001/x",
        "https://127.1/x",
        "https://0177.0.0.1/x",
        "https://[::ffff:127.0.0.1]/x",
        "https://[::ffff:7f00:1]/x",
        "https://[64:ff9b::7f00:1]/x",
        "https://[2002:7f00:1::]/x",
        "https://0.0.0.0/x",
        "https://100.64.0.1/x",
        "https://[fe80::1]/x",
        "https://[fd00::1]/x",
        # Names: what they resolve to decides, whatever they look like.
        "https://loopback.example.test/x",
        "https://internal.example.test/x",
        "https://metadata.example.test/latest/meta-data/",
        "https://mixed.example.test/x",  # one public and one private address
        "https://LOCALHOST./x",
        "https://nowhere.example.test/x",  # does not resolve
    ],
)
def test_endpoints_that_reach_this_machine_or_the_network_are_refused(
    client: FlaskClient, db_session: Session, endpoint: str
) -> None:
    sign_in(client, make_user(db_session))

    response = post_subscription(client, endpoint)

    assert response.status_code == 422, response.get_json()
    assert response.get_json()["code"] == "VALIDATION_ERROR"
    assert "endpoint" in response.get_json()["details"]
    assert db_session.scalar(sa.select(sa.func.count()).select_from(PushSubscription)) == 0


def test_a_push_service_name_with_public_addresses_is_accepted(
    client: FlaskClient, db_session: Session
) -> None:
    sign_in(client, make_user(db_session))

    response = post_subscription(client, "https://updates.push.services.mozilla.com/wpush/v2/x")

    assert response.status_code == 201, response.get_json()


def test_the_policy_checks_every_address_of_a_name() -> None:
    policy = EndpointPolicy(resolver=OfflineResolver({"two.example.test": ["1.1.1.1", "::1"]}))

    with pytest.raises(EndpointRefused) as refused:
        policy.check("https://two.example.test/x")

    assert refused.value.internal


# --------------------------------------------------------------------------- sending


@pytest.fixture
def resolver() -> OfflineResolver:
    return OfflineResolver(NAMES)


def strict_sender(app: Flask, resolver: OfflineResolver) -> PushSender:
    """A sender as in production (no insecure endpoints) on the push app's database."""
    return PushSender(
        app,
        keys=load_or_create_keys(Path(app.config["FIELDCERT_INSTANCE_DIR"])),
        subject="mailto:ops@example.test",
        policy=EndpointPolicy(allow_internal=False, resolver=resolver),
    )


def run_one(sender: PushSender, job: Job) -> Outcome:
    """Run the delivery job's body with this sender, in its own unit of work as a worker does
    (the queue itself is tested in tests/push/test_push.py and tests/jobs)."""
    with sender._app.app_context(), transaction(db.session()) as session:
        return sender.deliver(session, job)


def stored_subscription(session: Session, endpoint: str, user_id: uuid.UUID) -> Target:
    keys = BrowserKeys().as_json()
    row = PushSubscription(user_id=user_id, endpoint=endpoint, **keys)
    session.add(row)
    session.commit()
    return Target(row.id, endpoint, keys["p256dh"], keys["auth"])


def test_a_name_that_resolves_inside_at_send_time_is_not_contacted_and_is_removed(
    push_app: Flask,
    push_session: Session,
    push_service: PushService,
    resolver: OfflineResolver,
) -> None:
    # Subscribed while the name was public; now its DNS answer is this machine (rebinding).
    user = make_user(push_session)
    port = push_service.origin.rsplit(":", 1)[1]
    target = stored_subscription(push_session, f"https://rebound.example.test:{port}/x", user.id)
    resolver.names["rebound.example.test"] = ["127.0.0.1"]

    outcome = run_one(strict_sender(push_app, resolver), Job(user.id, (target,), b"{}"))

    assert outcome.refused == [target] and outcome.delivered == []
    assert push_service.received.empty(), "the sender connected to an internal address"
    assert "rebound.example.test" in resolver.lookups  # looked up again at send time
    push_session.expire_all()
    assert push_session.get(PushSubscription, target.subscription_id) is None
    entry = push_session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.action == "push.subscription_refused",
            AuditEntry.object_id == str(target.subscription_id),
        )
    ).one()
    assert entry.organisation_id == user.organisation_id


def test_an_endpoint_stored_before_the_check_existed_is_refused_at_send_time(
    push_app: Flask,
    push_session: Session,
    push_service: PushService,
    resolver: OfflineResolver,
) -> None:
    user = make_user(push_session)
    port = push_service.origin.rsplit(":", 1)[1]
    target = stored_subscription(push_session, f"https://2130706433:{port}/x", user.id)

    outcome = run_one(strict_sender(push_app, resolver), Job(user.id, (target,), b"{}"))

    assert outcome.refused == [target]
    assert push_service.received.empty()


def test_the_sender_connects_to_the_checked_address_with_the_name_in_the_host_header(
    push_app: Flask, push_session: Session, push_service: PushService
) -> None:
    # The name exists only in the policy's resolver: a second lookup by the HTTP library
    # (the system's resolver) would fail, so a delivery proves the checked address was used.
    port = push_service.origin.rsplit(":", 1)[1]
    resolver = OfflineResolver({"pinned.push.test": ["127.0.0.1"]})
    sender = PushSender(
        push_app,
        keys=load_or_create_keys(Path(push_app.config["FIELDCERT_INSTANCE_DIR"])),
        subject="mailto:ops@example.test",
        policy=EndpointPolicy(allow_internal=True, resolver=resolver),
    )
    user = make_user(push_session)
    target = stored_subscription(push_session, f"http://pinned.push.test:{port}/push/a", user.id)

    outcome = run_one(sender, Job(user.id, (target,), b'{"type": "test"}'))

    assert outcome.delivered == [target.subscription_id]
    message = push_service.next_message()
    assert message.path == "/push/a"
    assert message.headers["host"] == f"pinned.push.test:{port}"


class Redirecting:
    """A push service that answers every POST with a redirect to ``location``."""

    def __init__(self, location: str) -> None:
        target = location

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                self.send_response(307)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def origin(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def redirecting(push_service: PushService) -> Iterator[Redirecting]:
    # It sends pushes on to the local push service: a followed redirect would arrive there.
    service = Redirecting(push_service.endpoint("redirected"))
    yield service
    service.close()


def test_redirects_are_not_followed(
    push_app: Flask,
    push_session: Session,
    push_service: PushService,
    redirecting: Redirecting,
    caplog: pytest.LogCaptureFixture,
) -> None:
    user = make_user(push_session)
    sender = PushSender(
        push_app,
        keys=load_or_create_keys(Path(push_app.config["FIELDCERT_INSTANCE_DIR"])),
        subject="mailto:ops@example.test",
        policy=EndpointPolicy(allow_internal=True, resolver=OfflineResolver({})),
    )
    target = stored_subscription(push_session, f"{redirecting.origin}/push/r", user.id)

    with caplog.at_level(logging.WARNING, logger="backend.push.sender"):
        outcome = run_one(sender, Job(user.id, (target,), b"{}"))

    assert outcome.delivered == [] and outcome.gone == []
    assert push_service.received.empty(), "the redirect was followed"
    assert "307" in caplog.text
    push_session.expire_all()
    assert push_session.get(PushSubscription, target.subscription_id) is not None
