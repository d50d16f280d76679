"""Read and change the certification body's settings (administrators change them).

The name lives on ``organisations``; the rest in ``organisation_settings``, made on first save
(until then the defaults apply). The report logo is a bounded upload: a PNG or JPEG of at most
``MAX_LOGO_BYTES`` that Pillow decodes, of sane dimensions, stored with its SHA-256.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from http import HTTPStatus
from typing import Any

import sqlalchemy as sa
from PIL import Image, UnidentifiedImageError
from sqlalchemy.orm import Session

from backend.audit.services import record
from backend.auth.access import Actor
from backend.db import utcnow
from backend.errors import (
    ApiError,
    Conflict,
    ErrorCode,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    ValidationFailed,
)
from backend.organisations import numbering
from backend.organisations.models import OrganisationSettings
from backend.unit_of_work import flush_as_stored
from backend.users.models import Organisation, Role

#: A logo for a report header: a few hundred KB is plenty; more is a photo by mistake.
MAX_LOGO_BYTES = 512 * 1024
#: Larger than any header needs; the limit also keeps a decompression bomb out.
MAX_LOGO_SIDE = 4000
LOGO_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}


@dataclass(frozen=True, slots=True)
class SettingsView:
    organisation: Organisation
    settings: OrganisationSettings | None

    @property
    def address(self) -> str:
        return self.settings.address if self.settings else ""

    @property
    def certificate_number_format(self) -> str:
        return (
            self.settings.certificate_number_format if self.settings else numbering.DEFAULT_FORMAT
        )


def _check_admin(actor: Actor) -> None:
    if actor.role is not Role.ADMIN:
        raise Forbidden()


def _settings(session: Session, organisation_id: Any) -> OrganisationSettings | None:
    return session.get(OrganisationSettings, organisation_id)


def get_settings(session: Session, actor: Actor) -> SettingsView:
    organisation = actor.user.organisation
    return SettingsView(organisation, _settings(session, organisation.id))


def _ensure(session: Session, organisation: Organisation) -> OrganisationSettings:
    row = _settings(session, organisation.id)
    if row is None:
        row = OrganisationSettings(
            organisation_id=organisation.id,
            address="",
            certificate_number_format=numbering.DEFAULT_FORMAT,
        )
        session.add(row)
    return row


def update_settings(
    session: Session, actor: Actor, changes: Mapping[str, Any], *, ip: str | None = None
) -> SettingsView:
    """Change the name, address or certificate-number format (only the fields sent)."""
    _check_admin(actor)
    organisation = actor.user.organisation
    if "certificate_number_format" in changes:
        try:
            numbering.parse_format(changes["certificate_number_format"])
        except numbering.FormatError as error:
            raise ValidationFailed(details={"certificate_number_format": error.messages}) from None
    diff: dict[str, dict[str, Any]] = {}
    if "name" in changes and changes["name"] != organisation.name:
        taken = session.scalar(
            sa.select(Organisation.id).where(
                Organisation.name == changes["name"], Organisation.id != organisation.id
            )
        )
        if taken is not None:
            raise Conflict(details={"name": ["该名称已被使用 / this name is taken"]})
        diff["name"] = {"from": organisation.name, "to": changes["name"]}
        organisation.name = changes["name"]
    row = _ensure(session, organisation)
    for field in ("address", "certificate_number_format"):
        if field in changes and getattr(row, field) != changes[field]:
            diff[field] = {"from": getattr(row, field), "to": changes[field]}
            setattr(row, field, changes[field])
    if diff:
        row.updated_at = utcnow()
        record(
            session,
            actor=actor,
            action="organisation.updated",
            object_type="organisation",
            object_id=organisation.id,
            details={"changes": diff},
            ip=ip,
        )
        try:
            flush_as_stored(session)
        except sa.exc.IntegrityError:
            # Another organisation took the name between our check and our write.
            session.rollback()
            raise Conflict(details={"name": ["该名称已被使用 / this name is taken"]}) from None
    return SettingsView(organisation, row)


def preview_format(template: str, on: date) -> list[str]:
    try:
        return numbering.preview(template, on)
    except numbering.FormatError as error:
        raise ValidationFailed(details={"format": error.messages}) from None


def check_logo(data: bytes) -> tuple[str, int, int]:
    """The media type and size of an acceptable logo, or a 4xx saying what is wrong."""
    if len(data) > MAX_LOGO_BYTES:
        raise PayloadTooLarge(details={"max_bytes": MAX_LOGO_BYTES})
    if not data:
        raise ValidationFailed(details={"logo": ["文件为空 / the file is empty"]})
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind, width, height = image.format, image.width, image.height
            if kind not in LOGO_TYPES:
                raise ApiError(
                    code=ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                    status=HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                    details={"accepted": sorted(LOGO_TYPES.values()), "found": kind},
                )
            if width > MAX_LOGO_SIDE or height > MAX_LOGO_SIDE:
                raise ValidationFailed(
                    details={
                        "logo": [
                            f"图片边长不能超过 {MAX_LOGO_SIDE} 像素"
                            f" / at most {MAX_LOGO_SIDE} px a side"
                        ]
                    }
                )
            # Decode every pixel: a truncated or corrupt file fails here, not in a report.
            image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        raise ValidationFailed(
            details={"logo": ["无法识别的图片（请上传 PNG 或 JPEG）/ not a readable PNG or JPEG"]}
        ) from None
    return LOGO_TYPES[kind], width, height


def set_logo(session: Session, actor: Actor, data: bytes, *, ip: str | None = None) -> SettingsView:
    _check_admin(actor)
    media_type, width, height = check_logo(data)
    organisation = actor.user.organisation
    row = _ensure(session, organisation)
    row.logo = data
    row.logo_media_type = media_type
    row.logo_sha256 = hashlib.sha256(data).hexdigest()
    row.logo_width, row.logo_height = width, height
    row.updated_at = utcnow()
    record(
        session,
        actor=actor,
        action="organisation.logo_set",
        object_type="organisation",
        object_id=organisation.id,
        details={"sha256": row.logo_sha256, "bytes": len(data), "media_type": media_type},
        ip=ip,
    )
    flush_as_stored(session)
    return SettingsView(organisation, row)


def remove_logo(session: Session, actor: Actor, *, ip: str | None = None) -> None:
    _check_admin(actor)
    organisation = actor.user.organisation
    row = _settings(session, organisation.id)
    if row is None or row.logo is None:
        return
    row.logo = row.logo_media_type = row.logo_sha256 = None
    row.logo_width = row.logo_height = None
    row.updated_at = utcnow()
    record(
        session,
        actor=actor,
        action="organisation.logo_removed",
        object_type="organisation",
        object_id=organisation.id,
        ip=ip,
    )
    flush_as_stored(session)


def get_logo(session: Session, actor: Actor) -> OrganisationSettings:
    """The settings row holding the logo; 404 when there is none."""
    row = _settings(session, actor.user.organisation_id)
    if row is None or row.logo is None:
        raise NotFound()
    return row
