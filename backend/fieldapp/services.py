"""The field packet of an engagement: what an auditor's phone needs to record offline.

Issue 4: auditors use the same capture flow as shoppers for open inspection (mode A) on the
engagements whose team they are on, and review their engagements' evaluations against the site
and its geofence. ``GET /api/me/assignments`` gives shoppers this per assignment; auditors have
no assignments, so they read it per engagement here.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth.access import Actor
from backend.clients.models import Site
from backend.engagements.access import get_engagement_for
from backend.engagements.models import EngagementSite
from backend.engagements.packet import scheme_packet, site_packet
from backend.errors import Forbidden, NotFound
from backend.planning.models import AuditPlan
from backend.planning.plans import items_by_mode
from backend.schemes.models import SchemeVersion
from backend.schemes.services import parsed_scheme
from backend.scoring.numbers import decimal_text, json_number
from backend.scoring.scheme import Text
from backend.users.models import Role

#: Team members capture and review; reviewers see the engagements they were not on (CQC §6.1),
#: for which the site and scheme are needed to judge an evaluation.
READERS: frozenset[Role] = frozenset({Role.AUDITOR, Role.TEAM_LEADER, Role.REVIEWER})


def engagement_packet(session: Session, actor: Actor, engagement_id: uuid.UUID) -> dict[str, Any]:
    """The engagement's modes, sites (WGS-84 position, geofence) and scheme items to rate.

    Visibility is the engagements feature's rule (404 for an engagement the actor may not see),
    so a team member gets only their own teams' engagements.
    """
    if actor.role not in READERS:
        raise Forbidden()
    engagement = get_engagement_for(session, actor, engagement_id)
    scheme_version = session.get_one(SchemeVersion, engagement.scheme_version_id)
    sites = session.scalars(
        sa.select(Site)
        .join(EngagementSite, EngagementSite.site_id == Site.id)
        .where(EngagementSite.engagement_id == engagement.id)
        .order_by(Site.name, Site.id)
    ).all()
    return {
        "id": engagement.id,
        "title": engagement.title,
        "status": engagement.status,
        "modes": list(engagement.modes),
        "items_by_mode": items_by_mode(
            session.scalars(
                sa.select(AuditPlan).where(AuditPlan.engagement_id == engagement.id)
            ).one_or_none()
        ),
        "sites": [site_packet(site) for site in sites],
        "scheme": scheme_packet(scheme_version, parsed_scheme(scheme_version)),
    }


#: Everyone who rates items in the field reads the scales (shoppers included: the level
#: buttons show each level's α band, §5.1.1 2)).
SCALE_READERS: frozenset[Role] = READERS | {Role.SHOPPER}


def _text(text: Text) -> dict[str, str]:
    return {"zh": text.zh, "en": text.en}


def scheme_scales(
    session: Session, actor: Actor, scheme_version_id: uuid.UUID
) -> list[dict[str, Any]]:
    """The scales of a scheme version's service model with each Likert level's α band.

    The shopper packet gives level labels only; the rating screen also shows the interval each
    level stands for and the α a bare level counts as (the scheme's ``level_alpha``), so that an
    exact α typed by the rater can be checked against the level on the phone.
    """
    if actor.role not in SCALE_READERS:
        raise Forbidden()
    row = session.get(SchemeVersion, scheme_version_id)
    if row is None:
        raise NotFound(details={"scheme_version_id": str(scheme_version_id)})
    service = parsed_scheme(row).service
    if service is None:
        return []
    scales: dict[str, dict[str, Any]] = {}
    for item in service.items.values():
        scale = item.scale
        if scale.code in scales:
            continue
        scales[scale.code] = {
            "code": scale.code,
            "kind": scale.kind,
            "title": _text(scale.title),
            "bands": [
                {
                    "level": band.level,
                    "label": _text(band.label),
                    "min": json_number(band.low),
                    "min_inclusive": band.low_inclusive,
                    "max": json_number(band.high),
                    "max_inclusive": band.high_inclusive,
                    "level_alpha": json_number(band.level_alpha),
                }
                for band in scale.bands
            ],
            "maximum": None if scale.maximum is None else decimal_text(scale.maximum),
        }
    return list(scales.values())
