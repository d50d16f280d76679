"""What the client portal shows a client user (认证委托人): their own client only.

Applications with the documents received and the ones still asked for; audit plans sent for
confirmation (the issued snapshot only); engagements with their accepted-evaluation count. Never
a shopper's identity, a GPS fix, a visit time or a respondent's contact (DOMAIN.md "Who uses the
product"): nothing here reads assignments, evaluation versions or survey contacts, and the plan
snapshot itself holds none of them (``plans._content``). Scores and accepted results come from
``/api/engagements/<id>/scores`` and ``/results``, which already answer client users.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth.access import Actor
from backend.engagements.models import Engagement
from backend.errors import Forbidden
from backend.evaluations.models import Evaluation, EvaluationStatus
from backend.planning import applications, plans
from backend.planning.models import AuditPlan, DocumentReview, PlanStatus
from backend.users.models import Role


def _client_id(actor: Actor) -> Any:
    if actor.role is not Role.CLIENT_USER:
        raise Forbidden(details={"role": actor.role.value})
    return actor.user.client_id


def my_applications(session: Session, actor: Actor) -> list[applications.ApplicationView]:
    _client_id(actor)
    return applications.list_applications(session, actor)


@dataclass(frozen=True, slots=True)
class PortalEngagement:
    engagement: Engagement
    plan: AuditPlan | None
    accepted_evaluations: int
    latest_review: DocumentReview | None

    @property
    def plan_status(self) -> str | None:
        return (
            None
            if self.plan is None or self.plan.status is PlanStatus.DRAFT
            else (self.plan.status.value)
        )


def _engagements(session: Session, actor: Actor) -> list[Engagement]:
    client_id = _client_id(actor)
    if client_id is None:
        return []
    return list(
        session.scalars(
            sa.select(Engagement)
            .where(
                Engagement.client_id == client_id,
                Engagement.organisation_id == actor.user.organisation_id,
            )
            .order_by(Engagement.starts_on.desc(), Engagement.id)
        )
    )


def my_engagements(session: Session, actor: Actor) -> list[PortalEngagement]:
    """The client's engagements: plan status, document-review requests, accepted results."""
    rows = _engagements(session, actor)
    ids = [e.id for e in rows]
    counts = dict(
        session.execute(
            sa.select(Evaluation.engagement_id, sa.func.count())
            .where(
                Evaluation.engagement_id.in_(ids), Evaluation.status == EvaluationStatus.ACCEPTED
            )
            .group_by(Evaluation.engagement_id)
        ).all()
    )
    found = {
        p.engagement_id: p
        for p in session.scalars(sa.select(AuditPlan).where(AuditPlan.engagement_id.in_(ids)))
    }
    return [
        PortalEngagement(
            engagement=e,
            plan=found.get(e.id),
            accepted_evaluations=int(counts.get(e.id, 0)),
            latest_review=plans.latest_review(session, e.id),
        )
        for e in rows
    ]


@dataclass(frozen=True, slots=True)
class PortalPlan:
    engagement: Engagement
    plan: AuditPlan

    @property
    def content(self) -> dict[str, Any]:
        return self.plan.issued or {}


def my_plans(session: Session, actor: Actor) -> list[PortalPlan]:
    """Plans sent to the client: the issued revision, to confirm or confirmed."""
    out = []
    for e in _engagements(session, actor):
        plan = session.scalars(
            sa.select(AuditPlan).where(AuditPlan.engagement_id == e.id)
        ).one_or_none()
        if plan is not None and plan.status is not PlanStatus.DRAFT:
            out.append(PortalPlan(e, plan))
    return out


def my_plan(session: Session, actor: Actor, engagement_id: Any) -> PortalPlan:
    _client_id(actor)
    engagement = plans.client_engagement(session, actor, engagement_id)
    for found in my_plans(session, actor):
        if found.engagement.id == engagement.id:
            return found
    from backend.errors import NotFound

    raise NotFound(details={"engagement_id": str(engagement_id), "reason": "no plan sent"})
