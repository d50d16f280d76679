"""Push subscriptions as the browser gives them (``PushSubscription.toJSON()``)."""

from __future__ import annotations

import base64
import binascii

import marshmallow as ma
from cryptography.hazmat.primitives.asymmetric import ec

from backend.api import Schema


def _b64url_decode(value: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise ma.ValidationError("not URL-safe base64") from None


def _check_p256dh(value: str) -> None:
    """The browser's P-256 public key: an uncompressed point (65 bytes) on the curve."""
    raw = _b64url_decode(value)
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        raise ma.ValidationError("not a P-256 public key (uncompressed point)") from None
    if len(raw) != 65:
        raise ma.ValidationError("not a P-256 public key (uncompressed point)")


def _check_auth(value: str) -> None:
    if len(_b64url_decode(value)) != 16:
        raise ma.ValidationError("the auth secret is 16 bytes")


class SubscriptionKeysSchema(Schema):
    p256dh = ma.fields.String(
        required=True, validate=[ma.validate.Length(min=80, max=200), _check_p256dh]
    )
    auth = ma.fields.String(
        required=True, validate=[ma.validate.Length(min=16, max=100), _check_auth]
    )


class SubscribeSchema(Schema):
    endpoint = ma.fields.Url(
        required=True,
        schemes={"https", "http"},
        require_tld=False,
        validate=ma.validate.Length(max=1000),
        metadata={"description": "The push service URL (https; see FIELDCERT_PUSH_*)."},
    )
    #: Sent by PushSubscription.toJSON(); the server does not need it.
    expirationTime = ma.fields.Raw(load_default=None, allow_none=True, load_only=True)
    keys = ma.fields.Nested(SubscriptionKeysSchema, required=True)


class UnsubscribeSchema(Schema):
    endpoint = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=1000))


class SubscriptionSchema(Schema):
    id = ma.fields.UUID(dump_only=True)
    endpoint = ma.fields.String(dump_only=True)
    device_id = ma.fields.UUID(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)
    last_success_at = ma.fields.DateTime(dump_only=True, allow_none=True)


class VapidPublicKeySchema(Schema):
    public_key = ma.fields.String(
        dump_only=True,
        metadata={"description": "applicationServerKey for PushManager.subscribe (base64url)."},
    )


class QueuedSchema(Schema):
    queued = ma.fields.Integer(
        dump_only=True, metadata={"description": "Subscriptions the test message was queued for."}
    )
