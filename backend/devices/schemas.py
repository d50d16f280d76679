"""Devices as the API shows them; the pairing answer with the one-time token and QR code."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from backend.api import Schema


class DevicePairSchema(Schema):
    name = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=200),
        metadata={"description": "A name to recognise the device by, e.g. 「张三的手机」."},
    )


class DeviceSchema(Schema):
    id = ma.fields.UUID(dump_only=True)
    name = ma.fields.String(dump_only=True)
    user_id = ma.fields.UUID(dump_only=True)
    owner_display_name = ma.fields.String(dump_only=True)
    owner_email = ma.fields.String(dump_only=True)
    created_at = ma.fields.DateTime(dump_only=True)
    last_seen_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    revoked_at = ma.fields.DateTime(dump_only=True, allow_none=True)

    @ma.pre_dump
    def flatten(self, view: Any, **kwargs: Any) -> dict[str, Any]:
        """From a DeviceView or PairedDevice: the device's columns and its owner's name."""
        device, owner = view.device, view.owner
        return {
            "id": device.id,
            "name": device.name,
            "user_id": device.user_id,
            "owner_display_name": owner.display_name,
            "owner_email": owner.email,
            "created_at": device.created_at,
            "last_seen_at": device.last_seen_at,
            "revoked_at": device.revoked_at,
            **{
                key: getattr(view, key)
                for key in ("token", "pairing_url", "qr_svg", "qr_png")
                if hasattr(view, key)
            },
        }


class PairedDeviceSchema(DeviceSchema):
    token = ma.fields.String(
        dump_only=True,
        metadata={
            "description": "The device token (fcd_…), shown this once: send it as "
            "`Authorization: Bearer <token>`. Only its SHA-256 is stored."
        },
    )
    pairing_url = ma.fields.String(
        dump_only=True,
        metadata={"description": "The PWA's pairing URL; the token is in the #fragment."},
    )
    qr_svg = ma.fields.String(
        dump_only=True, metadata={"description": "QR code of pairing_url: data:image/svg+xml URI."}
    )
    qr_png = ma.fields.String(
        dump_only=True, metadata={"description": "QR code of pairing_url: data:image/png URI."}
    )
