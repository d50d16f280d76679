"""The shopper's packet: their assignments with all a phone needs to make the visits offline."""

from __future__ import annotations

import uuid
from decimal import Decimal
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth.access import Actor
from backend.clients.models import Datum, Site
from backend.engagements.access import check_role
from backend.engagements.models import (
    Assignment,
    Engagement,
)
from backend.schemes.models import SchemeVersion
from backend.schemes.services import parsed_scheme
from backend.scoring import Scheme
from backend.scoring.scheme import Text
from backend.users.models import Role

# --------------------------------------------------------------------------- the shopper's packet


def my_assignments(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """The shopper's own assignments with all a phone needs to make the visits offline.

    Site (name, address, WGS-84 location, geofence), window, instructions, status, and the items
    to rate from the engagement's pinned scheme (codes, points, titles, Likert band labels).
    """
    check_role(actor, frozenset({Role.SHOPPER}))
    rows = session.execute(
        sa.select(Assignment, Site, Engagement, SchemeVersion)
        .join(Site, Site.id == Assignment.site_id)
        .join(Engagement, Engagement.id == Assignment.engagement_id)
        .join(SchemeVersion, SchemeVersion.id == Engagement.scheme_version_id)
        .where(Assignment.shopper_id == actor.user.id)
        .order_by(Assignment.window_start, Assignment.id)
    )
    packets = []
    schemes: dict[uuid.UUID, dict[str, Any]] = {}
    for assignment, site, engagement, scheme_version in rows:
        if scheme_version.id not in schemes:
            schemes[scheme_version.id] = scheme_packet(
                scheme_version, parsed_scheme(scheme_version)
            )
        packets.append(
            {
                "id": assignment.id,
                "version": assignment.version,
                "engagement": {"id": engagement.id, "title": engagement.title},
                "mode": assignment.mode,
                "status": assignment.status,
                "window_start": assignment.window_start,
                "window_end": assignment.window_end,
                "instructions": assignment.instructions,
                "site": site_packet(site),
                "scheme": schemes[scheme_version.id],
            }
        )
    return packets


def site_packet(site: Site) -> dict[str, Any]:
    """A site as a phone needs it offline: name, address, WGS-84 position and geofence.

    Stored positions are WGS-84 (``backend.clients`` converts GCJ-02 and BD-09 input on the
    way in, ``backend.geo``), as the phone's GPS reports them: the geofence compares like with like.
    """
    return {
        "id": site.id,
        "name": site.name,
        "address": site.address,
        "location": {"latitude": site.latitude, "longitude": site.longitude, "datum": Datum.WGS84},
        "geofence_radius_m": site.geofence_radius_m,
    }


def _text(text: Text | None) -> dict[str, str] | None:
    return None if text is None else {"zh": text.zh, "en": text.en}


def _decimal(value: Fraction) -> str:
    """An exact decimal string of a scheme number (scheme files write decimals)."""
    if value.denominator == 1:
        return str(value.numerator)
    return format((Decimal(value.numerator) / Decimal(value.denominator)).normalize(), "f")


def scheme_packet(row: SchemeVersion, scheme: Scheme) -> dict[str, Any]:
    """The items to rate of a scheme, with their scales' labels (empty without a service model)."""
    items: list[dict[str, Any]] = []
    scales: dict[str, dict[str, Any]] = {}
    service = scheme.service
    if service is not None:
        titles = {c.code: c.title for c in service.characteristics}
        for item in service.items.values():
            scale = item.scale
            if scale.code not in scales:
                scales[scale.code] = {
                    "code": scale.code,
                    "kind": scale.kind,
                    "title": _text(scale.title),
                    "bands": [{"level": b.level, "label": _text(b.label)} for b in scale.bands],
                    "maximum": None if scale.maximum is None else _decimal(scale.maximum),
                }
            characteristic_title = (
                service.bonus_title if item.bonus else titles.get(item.characteristic)
            )
            items.append(
                {
                    "code": item.code,
                    "points": _decimal(item.points),
                    "characteristic": {
                        "code": item.characteristic,
                        "title": _text(characteristic_title),
                    },
                    "title": _text(item.title),
                    "text": _text(item.text),
                    "dimension": item.dimension,
                    "scale": scale.code,
                    "bonus": item.bonus,
                }
            )
    return {
        "id": row.id,
        "scheme_id": row.scheme_id,
        "version": row.version,
        "content_hash": row.content_hash,
        "title": {"zh": row.title_zh, "en": row.title_en},
        "scales": list(scales.values()),
        "items": items,
    }
