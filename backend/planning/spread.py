"""Shopper assignments spread over the sampled sites and the engagement's days.

Mystery-shopper visits come before the open audit and stay unannounced (DOMAIN.md "Field
methods"): the team leader asks for N visits per site, and the windows are spread evenly over
the days available, shoppers taken in turn, so that no site is visited twice on one day by the
same shopper and every sampled site gets its share.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth.access import Actor
from backend.engagements import access
from backend.engagements import services as engagements
from backend.engagements.access import Need
from backend.errors import ValidationFailed
from backend.users.models import Role, User

#: Visit windows are planned in China's time zone (DOMAIN.md "Our reading of the dates").
CHINA = ZoneInfo("Asia/Shanghai")


def spread_windows(
    site_ids: Sequence[uuid.UUID],
    shopper_ids: Sequence[uuid.UUID],
    *,
    visits_per_site: int,
    first_day: date,
    last_day: date,
    opens: time,
    closes: time,
) -> list[tuple[uuid.UUID, uuid.UUID, datetime, datetime]]:
    """(site, shopper, window start, window end) for every visit, spread over the days.

    Visit k of site s goes to day ``(k * days) // visits`` offset by the site's index, so the
    visits of one site are evenly apart and sites do not all fall on the same day; shoppers are
    taken in turn over all visits.
    """
    days = (last_day - first_day).days + 1
    if days < 1:
        raise ValueError("last_day before first_day")
    plan = []
    turn = 0
    for index, site_id in enumerate(site_ids):
        for k in range(visits_per_site):
            offset = ((k * days) // visits_per_site + index) % days
            day = first_day + timedelta(days=offset)
            start = datetime.combine(day, opens, tzinfo=CHINA)
            end = datetime.combine(day, closes, tzinfo=CHINA)
            plan.append((site_id, shopper_ids[turn % len(shopper_ids)], start, end))
            turn += 1
    return plan


def spread_assignments(
    session: Session,
    actor: Actor,
    engagement_id: uuid.UUID,
    *,
    shopper_ids: Sequence[uuid.UUID],
    visits_per_site: int,
    first_day: date,
    last_day: date,
    opens: time,
    closes: time,
    site_ids: Sequence[uuid.UUID] | None = None,
    instructions: str = "",
    mode: str = "B",
    ip: str | None = None,
) -> list[engagements.AssignmentView]:
    """Create the visits of ``spread_windows`` (the engagement's team leader only).

    Every visit goes through ``engagements.create_assignment``: the same checks (site of the
    engagement, active shopper, mode used) and the same audit entry and notification.
    """
    # DOMAIN.md: the 审查组长 assigns visits (the access table's ``Need.ASSIGN``).
    engagement = access.require(session, actor, engagement_id, Need.ASSIGN).engagement
    if mode not in engagement.modes:
        raise ValidationFailed(
            details={
                "mode": [f"The engagement does not use mode {mode}."],
                "modes": engagement.modes,
            }
        )
    shoppers = set(
        session.scalars(
            sa.select(User.id).where(
                User.id.in_(shopper_ids),
                User.organisation_id == actor.user.organisation_id,
                User.role == Role.SHOPPER,
                User.is_active.is_(True),
            )
        )
    )
    unknown = [str(s) for s in shopper_ids if s not in shoppers]
    if unknown:
        # Checked for all before the first visit is created: all visits or none.
        raise ValidationFailed(
            details={
                "shopper_ids": ["Must be active mystery shoppers of your organisation."],
                "unknown": unknown,
            }
        )
    sampled = [s.site_id for s in engagement.sites]
    chosen = list(site_ids) if site_ids else sampled
    outside = [str(s) for s in chosen if s not in sampled]
    if outside:
        raise ValidationFailed(
            details={"site_ids": ["Must be sites of the engagement."], "unknown": outside}
        )
    if not chosen:
        raise ValidationFailed(details={"site_ids": ["The engagement has no sites yet."]})
    if last_day < first_day:
        raise ValidationFailed(details={"last_day": ["Must not be before first_day."]})
    if opens >= closes:
        raise ValidationFailed(details={"closes": ["Must be after opens."]})
    windows = spread_windows(
        chosen,
        shopper_ids,
        visits_per_site=visits_per_site,
        first_day=first_day,
        last_day=last_day,
        opens=opens,
        closes=closes,
    )
    return [
        engagements.create_assignment(
            session,
            actor,
            engagement.id,
            site_id=site_id,
            shopper_id=shopper_id,
            window_start=start,
            window_end=end,
            instructions=instructions,
            mode=mode,
            ip=ip,
        )
        for site_id, shopper_id, start, end in windows
    ]
