"""Mystery-shopper assignments: the team leader plans visits; shoppers see only their own.

The answers name shoppers (personal data): reads by anyone but the shopper are logged.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.changes import apply_changes
from backend.audit.services import record
from backend.auth.access import Actor
from backend.concurrency import check_version
from backend.engagements.access import Need, allows, check, get_engagement_for, standing
from backend.engagements.models import (
    Assignment,
    AssignmentStatus,
    Engagement,
    EngagementSite,
)
from backend.engagements.planning import PLANNING, invalid
from backend.engagements.signals import assignment_created
from backend.engagements.views import AssignmentView, assignment_views
from backend.errors import InvalidTransition, NotFound
from backend.unit_of_work import flush_as_stored, send_at_commit
from backend.users.models import Role, User

logger = logging.getLogger(__name__)


#: Assignment states a team leader may cancel from (a submitted visit is reviewed instead).
_CANCELLABLE = frozenset({AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS})


def create_assignment(
    session: Session,
    actor: Actor,
    engagement_id: uuid.UUID,
    *,
    site_id: uuid.UUID,
    shopper_id: uuid.UUID,
    window_start: datetime,
    window_end: datetime,
    instructions: str = "",
    mode: str = "B",
    ip: str | None = None,
) -> AssignmentView:
    """Assign a mystery-shopper visit (the engagement's team leader only)."""
    engagement = get_engagement_for(session, actor, engagement_id)
    check(session, actor, engagement, Need.ASSIGN)
    if engagement.status not in PLANNING:
        raise InvalidTransition(details={"status": engagement.status.value})
    if window_start >= window_end:
        raise invalid("window_end", "Must be after window_start.")
    if mode not in engagement.modes:
        raise invalid("mode", f"The engagement does not use mode {mode}.", modes=engagement.modes)
    in_engagement = session.scalar(
        sa.select(EngagementSite.id).where(
            EngagementSite.engagement_id == engagement.id, EngagementSite.site_id == site_id
        )
    )
    if in_engagement is None:
        raise invalid("site_id", "Must be one of the engagement's sites.")
    shopper = session.get(User, shopper_id)
    if (
        shopper is None
        or shopper.organisation_id != actor.user.organisation_id
        or shopper.role is not Role.SHOPPER
        or not shopper.is_active
    ):
        raise invalid("shopper_id", "Must be an active mystery shopper of your organisation.")
    assignment = Assignment(
        id=uuid.uuid4(),
        engagement_id=engagement.id,
        site_id=site_id,
        shopper_id=shopper.id,
        mode=mode,
        window_start=window_start,
        window_end=window_end,
        instructions=instructions,
        status=AssignmentStatus.ASSIGNED,
        version=1,
    )
    session.add(assignment)
    record(
        session,
        actor=actor,
        action="assignment.created",
        object_type="assignment",
        object_id=assignment.id,
        details={
            "engagement_id": str(engagement.id),
            "site_id": str(site_id),
            "shopper_id": str(shopper.id),
            "mode": mode,
            "window_start": window_start.isoformat(),
            "window_end": window_end.isoformat(),
        },
        ip=ip,
    )
    flush_as_stored(session)
    send_at_commit(session, assignment_created, assignment)
    return assignment_views(session, [assignment])[0]


def list_engagement_assignments(
    session: Session, actor: Actor, engagement_id: uuid.UUID, *, ip: str | None = None
) -> list[AssignmentView]:
    """All assignments of an engagement, for its team and administrators.

    The answer names the shoppers (personal data), so the read is logged.
    """
    engagement = get_engagement_for(session, actor, engagement_id)
    check(session, actor, engagement, Need.ASSIGNMENTS)
    assignments = session.scalars(
        sa.select(Assignment)
        .where(Assignment.engagement_id == engagement.id)
        .order_by(Assignment.window_start, Assignment.id)
    ).all()
    record(
        session,
        actor=actor,
        action="assignments.read",
        object_type="engagement",
        object_id=engagement.id,
        reason="list of the engagement's assignments (shopper identities)",
        details={"count": len(assignments)},
        ip=ip,
    )
    flush_as_stored(session)
    return assignment_views(session, assignments)


def _assignment_for(session: Session, actor: Actor, assignment_id: uuid.UUID) -> Assignment:
    """An assignment the actor may see: a shopper's own, or any of an engagement they see."""
    assignment = session.get(Assignment, assignment_id)
    not_found = NotFound(details={"assignment_id": str(assignment_id)})
    if assignment is None:
        raise not_found
    if actor.role is Role.SHOPPER:
        if assignment.shopper_id != actor.user.id:
            raise not_found
        return assignment
    try:
        engagement = get_engagement_for(session, actor, assignment.engagement_id)
    except NotFound:
        raise not_found from None
    if not allows(standing(session, actor, engagement), Need.ASSIGNMENTS):
        raise not_found
    return assignment


def get_assignment(
    session: Session, actor: Actor, assignment_id: uuid.UUID, *, ip: str | None = None
) -> AssignmentView:
    """One assignment: the shopper's own, or for the engagement's team (logged: names a shopper)."""
    assignment = _assignment_for(session, actor, assignment_id)
    if actor.user.id != assignment.shopper_id:
        record(
            session,
            actor=actor,
            action="assignment.read",
            object_type="assignment",
            object_id=assignment.id,
            reason="assignment details (shopper identity)",
            ip=ip,
        )
        flush_as_stored(session)
    return assignment_views(session, [assignment])[0]


def update_assignment(
    session: Session,
    actor: Actor,
    assignment_id: uuid.UUID,
    changes: Mapping[str, Any],
    *,
    expected_version: int | None,
    ip: str | None = None,
) -> AssignmentView:
    """Cancel an assignment or change its window or instructions (the team leader, If-Match)."""
    assignment = _assignment_for(session, actor, assignment_id)
    engagement = session.get_one(Engagement, assignment.engagement_id)
    check(session, actor, engagement, Need.ASSIGN)
    check_version(expected_version, assignment.version)
    if assignment.status not in _CANCELLABLE:
        raise InvalidTransition(details={"status": assignment.status.value})
    start = changes.get("window_start", assignment.window_start)
    end = changes.get("window_end", assignment.window_end)
    if start >= end:
        raise invalid("window_end", "Must be after window_start.")
    diff = apply_changes(
        assignment,
        {
            field: changes[field]
            for field in ("window_start", "window_end", "instructions", "status")
            if field in changes
        },
    )
    if diff:
        assignment.version += 1
        cancelled = assignment.status is AssignmentStatus.CANCELLED
        record(
            session,
            actor=actor,
            action="assignment.cancelled" if cancelled else "assignment.updated",
            object_type="assignment",
            object_id=assignment.id,
            details={"changes": diff, "version": assignment.version},
            ip=ip,
        )
        flush_as_stored(session)
    return assignment_views(session, [assignment])[0]
