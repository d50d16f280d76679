"""Pairing field devices with a revocable token, listing and revoking them.

The token (``fcd_`` + 32 random bytes, URL-safe base64) is shown once, in the answer to the
pairing request, as text, as a pairing URL and as a QR code of that URL; the database keeps only
its SHA-256 (``hash_device_token``), so a database leak gives no working token, and no later
request can show the QR code again (pair again instead).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.services import record
from backend.auth.actor import Actor
from backend.devices import qr
from backend.devices.models import Device
from backend.devices.tokens import DEVICE_TOKEN_PREFIX, hash_device_token
from backend.errors import Forbidden, NotFound
from backend.push.models import PushSubscription
from backend.unit_of_work import flush_as_stored
from backend.users.models import Role, User

#: The pairing URL is the PWA's start page with the token in the URL *fragment*
#: (``/#pair=fcd_…``), which browsers never send to a server, so the token is in no access log,
#: proxy log or Referer header; the PWA stores it and removes it from the address bar.
PAIRING_FRAGMENT = "pair="


@dataclass(frozen=True, slots=True)
class DeviceView:
    device: Device
    owner: User


@dataclass(frozen=True, slots=True)
class PairedDevice:
    """The answer to a pairing: the only time the token exists outside the device."""

    device: Device
    owner: User
    token: str
    pairing_url: str
    qr_svg: str
    qr_png: str


def new_device_token() -> str:
    return DEVICE_TOKEN_PREFIX + secrets.token_urlsafe(32)


def pairing_url(base_url: str, token: str) -> str:
    """``https://host/#pair=fcd_…``: opened by scanning the QR code with the phone."""
    return f"{base_url.rstrip('/')}/#{PAIRING_FRAGMENT}{token}"


def pair_device(
    session: Session, actor: Actor, *, name: str, base_url: str, ip: str | None = None
) -> PairedDevice:
    """Pair a new device to the actor's account and return its token once.

    Only a person signed in with their password (session cookie) may pair: a device token
    cannot mint further tokens, so revoking a lost phone's device really ends its access.
    """
    if actor.device is not None:
        raise Forbidden(details={"reason": "pair devices from a signed-in session, not a device"})
    token = new_device_token()
    device = Device(
        id=uuid.uuid4(), user_id=actor.user.id, name=name, token_hash=hash_device_token(token)
    )
    session.add(device)
    session.flush()
    record(
        session,
        actor=actor,
        action="device.paired",
        object_type="device",
        object_id=device.id,
        details={"name": name},
        ip=ip,
    )
    flush_as_stored(session)
    url = pairing_url(base_url, token)
    return PairedDevice(
        device=device,
        owner=actor.user,
        token=token,
        pairing_url=url,
        qr_svg=qr.svg_data_uri(url),
        qr_png=qr.png_data_uri(url),
    )


def list_devices(session: Session, actor: Actor) -> Sequence[DeviceView]:
    """My devices; administrators see every device of the organisation. Newest first."""
    query = sa.select(Device, User).join(User, User.id == Device.user_id)
    if actor.role is Role.ADMIN:
        query = query.where(User.organisation_id == actor.user.organisation_id)
    else:
        query = query.where(Device.user_id == actor.user.id)
    rows = session.execute(query.order_by(Device.created_at.desc(), Device.id)).all()
    return [DeviceView(device=device, owner=owner) for device, owner in rows]


def revoke_device(
    session: Session, actor: Actor, device_id: uuid.UUID, *, ip: str | None = None
) -> None:
    """Revoke a device (mine, or any of the organisation's for administrators).

    Its token then answers ``DEVICE_REVOKED`` (401); its push subscriptions are removed (a lost
    phone must not keep receiving notifications). Revoking twice changes nothing.
    """
    row = session.execute(
        sa.select(Device, User).join(User, User.id == Device.user_id).where(Device.id == device_id)
    ).one_or_none()
    if row is None:
        raise NotFound()
    device, owner = row
    mine = device.user_id == actor.user.id
    admin_here = actor.role is Role.ADMIN and owner.organisation_id == actor.user.organisation_id
    if not (mine or admin_here):
        # Someone else's device: not found, as if it did not exist (ids are not ours to confirm).
        raise NotFound()
    if device.revoked_at is not None:
        return
    device.revoked_at = datetime.now(UTC)
    # A revoked phone must not keep receiving notifications (it may be lost).
    subscriptions = session.scalars(
        sa.select(PushSubscription).where(PushSubscription.device_id == device.id)
    ).all()
    for subscription in subscriptions:
        session.delete(subscription)
    removed = len(subscriptions)
    record(
        session,
        actor=actor,
        action="device.revoked",
        object_type="device",
        object_id=device.id,
        details={
            "name": device.name,
            "owner_id": str(owner.id),
            "push_subscriptions_removed": removed,
        },
        organisation_id=owner.organisation_id,
        ip=ip,
    )
    flush_as_stored(session)


def revoke_all_devices(
    session: Session, user_id: uuid.UUID, *, keep: uuid.UUID | None = None
) -> list[uuid.UUID]:
    """Revoke every device of the user except ``keep`` (a password change, a deactivation);
    their push subscriptions are removed. The ids revoked; the caller audits and commits.

    A paired phone then answers ``DEVICE_REVOKED``: the app keeps its outbox and asks to pair
    again (pwa/src/shared/outcome.ts), so nothing recorded on it is lost.
    """
    query = sa.select(Device).where(Device.user_id == user_id, Device.revoked_at.is_(None))
    if keep is not None:
        query = query.where(Device.id != keep)
    devices = session.scalars(query).all()
    if not devices:
        return []
    now = datetime.now(UTC)
    ids = [device.id for device in devices]
    for device in devices:
        device.revoked_at = now
    session.execute(sa.delete(PushSubscription).where(PushSubscription.device_id.in_(ids)))
    return ids
