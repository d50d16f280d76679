"""``/api/push``: the VAPID public key, subscribing and unsubscribing, a test notification."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView

from backend.api import Blueprint
from backend.auth.access import EVERY_ROLE, allow, require_actor
from backend.errors import ErrorSchema
from backend.extensions import db
from backend.push import services
from backend.push.models import PushSubscription
from backend.push.schemas import (
    QueuedSchema,
    SubscribeSchema,
    SubscriptionSchema,
    UnsubscribeSchema,
    VapidPublicKeySchema,
)

blp = Blueprint(
    "push",
    __name__,
    url_prefix="/api/push",
    description="Web Push notifications (VAPID): new assignments, returned and submitted "
    "evaluations.",
)

_401 = "AUTH_REQUIRED: not signed in."
_403 = "CSRF_FAILED: X-CSRF-Token missing or wrong."


@blp.route("/vapid-public-key")
class VapidPublicKey(MethodView):
    @allow(public=True)
    @blp.response(200, VapidPublicKeySchema)
    def get(self) -> dict[str, str]:
        """The server's VAPID public key

        Pass it as applicationServerKey to PushManager.subscribe().
        """
        return {"public_key": services.current_sender().public_key}


@blp.route("/subscriptions")
class Subscriptions(MethodView):
    @allow(*EVERY_ROLE)
    @blp.doc(security=[{"session": []}])
    @blp.arguments(SubscribeSchema)
    @blp.response(201, SubscriptionSchema)
    @blp.alt_response(401, schema=ErrorSchema, description=_401)
    @blp.alt_response(403, schema=ErrorSchema, description=_403)
    @blp.alt_response(
        422,
        schema=ErrorSchema,
        description="VALIDATION_ERROR: not an https endpoint whose host resolves only to public "
        "addresses, or keys that are not a P-256 public key and a 16-byte auth secret.",
    )
    def post(self, data: dict[str, Any]) -> PushSubscription:
        """Subscribe this browser to notifications

        The body is PushSubscription.toJSON(). Saved for me and, with a device token, for that
        device; the same endpoint again replaces the earlier subscription.
        """
        return services.subscribe(
            db.session(),
            require_actor(),
            endpoint=data["endpoint"],
            p256dh=data["keys"]["p256dh"],
            auth=data["keys"]["auth"],
            policy=services.current_sender().policy,
            ip=request.remote_addr,
        )

    @allow(*EVERY_ROLE)
    @blp.doc(security=[{"session": []}])
    @blp.arguments(UnsubscribeSchema)
    @blp.response(204)
    @blp.alt_response(401, schema=ErrorSchema, description=_401)
    @blp.alt_response(403, schema=ErrorSchema, description=_403)
    def delete(self, data: dict[str, Any]) -> None:
        """Unsubscribe this browser

        By endpoint; succeeds also when I have no subscription with it.
        """
        services.unsubscribe(
            db.session(), require_actor(), endpoint=data["endpoint"], ip=request.remote_addr
        )


@blp.route("/test")
class TestNotification(MethodView):
    @allow(*EVERY_ROLE)
    @blp.doc(security=[{"session": []}])
    @blp.response(202, QueuedSchema)
    @blp.alt_response(401, schema=ErrorSchema, description=_401)
    @blp.alt_response(403, schema=ErrorSchema, description=_403)
    def post(self) -> dict[str, int]:
        """Send me a test notification

        Queued for every subscription of mine; the answer does not wait for the push services.
        """
        actor = require_actor()
        queued = services.notify_user(
            db.session(),
            actor.user.id,
            services.message(
                "test",
                title=("测试通知", "Test notification"),
                body=("通知已开启。", "Notifications are working."),
                url="/",
            ),
        )
        return {"queued": queued}
