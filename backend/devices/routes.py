"""``/api/devices``: pair field devices (token shown once, with its QR code), list, revoke.

Why the QR code comes only in the pairing answer: it encodes the token, and the server keeps
only the token's hash, so it can never draw it again; and an endpoint drawing a QR code from a
token in the URL (``?token=``) would write the token into access logs, proxies and browser
history. The answer itself is ``Cache-Control: no-store`` like every API answer.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from flask import request
from flask.views import MethodView

from backend.api import Blueprint
from backend.auth.access import EVERY_ROLE, allow, require_actor
from backend.devices import services
from backend.devices.schemas import DevicePairSchema, DeviceSchema, PairedDeviceSchema
from backend.errors import ErrorSchema
from backend.extensions import db

blp = Blueprint(
    "devices",
    __name__,
    url_prefix="/api/devices",
    description="Field devices paired with a revocable token.",
)

_401 = "AUTH_REQUIRED: not signed in. DEVICE_REVOKED: this device token was revoked."


@blp.route("")
class Devices(MethodView):
    @allow(*EVERY_ROLE)
    @blp.doc(security=[{"session": []}])
    @blp.response(200, DeviceSchema(many=True))
    @blp.alt_response(401, schema=ErrorSchema, description=_401)
    def get(self) -> Sequence[services.DeviceView]:
        """List my devices

        Administrators see every device of the organisation. Tokens are never shown again.
        """
        return services.list_devices(db.session(), require_actor())

    @allow(*EVERY_ROLE)
    @blp.doc(security=[{"session": []}])
    @blp.arguments(DevicePairSchema)
    @blp.response(201, PairedDeviceSchema)
    @blp.alt_response(401, schema=ErrorSchema, description=_401)
    @blp.alt_response(
        403,
        schema=ErrorSchema,
        description="FORBIDDEN: pairing from a device token (sign in with the password). "
        "CSRF_FAILED: X-CSRF-Token missing or wrong.",
    )
    def post(self, data: dict[str, Any]) -> services.PairedDevice:
        """Pair a device

        Answers the device token once, with a pairing URL (token in the #fragment) and its QR
        code as SVG and PNG data URIs: scan it with the phone to pair it.
        """
        return services.pair_device(
            db.session(),
            require_actor(),
            name=data["name"],
            base_url=request.host_url,
            ip=request.remote_addr,
        )


@blp.route("/<uuid:device_id>")
class DeviceById(MethodView):
    @allow(*EVERY_ROLE)
    @blp.doc(security=[{"session": []}])
    @blp.response(204)
    @blp.alt_response(401, schema=ErrorSchema, description=_401)
    @blp.alt_response(403, schema=ErrorSchema, description="CSRF_FAILED: X-CSRF-Token missing.")
    @blp.alt_response(404, schema=ErrorSchema, description="NOT_FOUND: no such device of mine.")
    def delete(self, device_id: uuid.UUID) -> None:
        """Revoke a device

        My own devices; administrators any of the organisation's. The token stops working at
        once (401 DEVICE_REVOKED) and the device's push subscriptions are removed.
        """
        services.revoke_device(db.session(), require_actor(), device_id, ip=request.remote_addr)
