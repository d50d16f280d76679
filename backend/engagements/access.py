"""Who may do what with an engagement: one table of standing × need, used by every feature.

An actor's *standing* towards an engagement comes from their role and their place on its audit
team (``standing_for``); a *need* is what they want to do with it (see the engagement, plan it,
read its evaluations, results, survey responses, review and decide it). ``ALLOWED`` says, once,
which standings may have which needs; engagements, evaluations, scores and results, surveys and
the field app all ask it (``require``, ``visible``), and so will the certification lifecycle
(nonconformities, review, decision).

The independence rule (CQC rule §6.1, §6.2; DOMAIN.md "Who uses the product"): whoever reviews
or decides an engagement was not on its audit team. A reviewer who was on it (say, an auditor
promoted since) stands ``CONFLICTED``: they are allowed nothing, and where an independent
reviewer would be let in they get 403 ``CONFLICT_OF_INTEREST``. Members are never removed from a
team (``planning.update_engagement``), so the team list is also the record of former members.

Shoppers see only their own assignments, never the engagement or other shoppers; client users
see no assignment at all (shopper identities are confidential), only results and aggregates.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth.access import Actor
from backend.engagements.models import Engagement, EngagementMember, TeamRole
from backend.errors import ApiError, ConflictOfInterest, Forbidden, NotFound
from backend.users.models import Role

#: Who may create engagements.
CREATORS: frozenset[Role] = frozenset({Role.ADMIN, Role.TEAM_LEADER})
#: Roles that may list engagements (each sees a different subset: ``Need.SEE``).
VIEWERS: frozenset[Role] = frozenset({Role.ADMIN, Role.TEAM_LEADER, Role.AUDITOR, Role.REVIEWER})
#: Roles that may be on an audit team.
TEAM_ROLES: frozenset[Role] = frozenset({Role.TEAM_LEADER, Role.AUDITOR})


class Standing(enum.Enum):
    """How an actor stands towards one engagement (``standing_for``)."""

    #: An administrator of the engagement's organisation (认证机构管理员).
    ADMIN = "admin"
    #: On its audit team as its leader (审查组长 of this engagement).
    LEADER = "leader"
    #: On its audit team as an auditor (a team leader by role may be an auditor on a team).
    TEAM = "team"
    #: A team leader or auditor by role who is not on its team.
    OUTSIDER = "outsider"
    #: A reviewer who was never on its team: may review and decide it (CQC §6.1, §6.2).
    INDEPENDENT = "independent"
    #: A reviewer who is or was on its team: may not review or decide it (CQC §6.1, §6.2).
    CONFLICTED = "conflicted"
    #: A user of the engagement's client (认证委托人): results and aggregates only.
    CLIENT = "client"
    #: A user of another client: for them the engagement does not exist.
    OTHER_CLIENT = "other_client"
    #: Anyone else of the organisation (shoppers, scheme managers).
    NONE = "none"


class Need(enum.Enum):
    """What an actor wants to do with an engagement."""

    #: See it: engagement lists, its page, its field packet.
    SEE = "see"
    #: Change its plan (dates, modes, team, sites); plan and run its survey campaigns.
    PLAN = "plan"
    #: Assign mystery-shopper visits (DOMAIN.md: the 审查组长 assigns visits).
    ASSIGN = "assign"
    #: Read its assignments, which name the shoppers.
    ASSIGNMENTS = "assignments"
    #: The audit team's work: record evaluations, enter interviews, decide flagged answers,
    #: call customers back.
    TEAM_WORK = "team_work"
    #: Read its evaluations in full (review queue, integrity flags).
    EVALUATIONS = "evaluations"
    #: Read its scores and accepted results (without evaluator identity or GPS).
    RESULTS = "results"
    #: Read its survey responses.
    RESPONSES = "responses"
    #: Read its survey analysis (aggregates only).
    ANALYSIS = "analysis"
    #: Review it (复核): only someone who was not on the audit team (CQC §6.1).
    REVIEW = "review"
    #: Decide on certification (认证决定): only someone who was not on the team (CQC §6.2).
    DECIDE = "decide"


_S = Standing
#: The rule, once: which standings may have which need. Everything not listed is refused
#: (``refusal`` says with which error).
ALLOWED: Mapping[Need, frozenset[Standing]] = {
    Need.SEE: frozenset({_S.ADMIN, _S.LEADER, _S.TEAM, _S.INDEPENDENT}),
    Need.PLAN: frozenset({_S.ADMIN, _S.LEADER}),
    Need.ASSIGN: frozenset({_S.LEADER}),
    Need.ASSIGNMENTS: frozenset({_S.ADMIN, _S.LEADER, _S.TEAM}),
    Need.TEAM_WORK: frozenset({_S.LEADER, _S.TEAM}),
    Need.EVALUATIONS: frozenset({_S.LEADER, _S.TEAM, _S.INDEPENDENT}),
    # Administrators too (issue 9 C10): scores and results name no evaluator and no GPS.
    Need.RESULTS: frozenset({_S.ADMIN, _S.LEADER, _S.TEAM, _S.INDEPENDENT, _S.CLIENT}),
    Need.RESPONSES: frozenset({_S.ADMIN, _S.LEADER, _S.TEAM, _S.INDEPENDENT}),
    Need.ANALYSIS: frozenset({_S.ADMIN, _S.LEADER, _S.TEAM, _S.INDEPENDENT, _S.CLIENT}),
    Need.REVIEW: frozenset({_S.INDEPENDENT}),
    Need.DECIDE: frozenset({_S.INDEPENDENT}),
}
#: Standings of people on the audit team (now or before): never let in to review or decide.
ON_TEAM: frozenset[Standing] = frozenset({_S.LEADER, _S.TEAM, _S.CONFLICTED})


def allows(standing: Standing, need: Need) -> bool:
    return standing in ALLOWED[need]


def standing_for(role: Role, team_role: TeamRole | None, *, own_client: bool) -> Standing:
    """The standing of a user with ``role``, ``team_role`` on the team (None: not on it).

    ``own_client``: the user belongs to the engagement's client (client users only).
    """
    match role:
        case Role.ADMIN:
            return Standing.ADMIN
        case Role.REVIEWER:
            return Standing.INDEPENDENT if team_role is None else Standing.CONFLICTED
        case Role.TEAM_LEADER | Role.AUDITOR:
            if team_role is None:
                return Standing.OUTSIDER
            return Standing.LEADER if team_role is TeamRole.LEADER else Standing.TEAM
        case Role.CLIENT_USER:
            return Standing.CLIENT if own_client else Standing.OTHER_CLIENT
        case _:
            return Standing.NONE


def refusal(actor: Actor, engagement: Engagement, standing: Standing, need: Need) -> ApiError:
    """The error for a refused cell of ``ALLOWED``: what the actor may learn of why."""
    if standing is Standing.CONFLICTED and allows(Standing.INDEPENDENT, need):
        return ConflictOfInterest(details={"engagement_id": str(engagement.id)})
    if standing is Standing.OTHER_CLIENT and allows(Standing.CLIENT, need):
        return NotFound()
    if standing is Standing.OUTSIDER:
        return Forbidden(details={"reason": "not_on_the_audit_team"})
    if standing is Standing.TEAM and allows(Standing.LEADER, need):
        return Forbidden(details={"reason": "only the engagement's team leader may do this"})
    return Forbidden(details={"role": actor.role.value, "need": need.value})


# --------------------------------------------------------------------------- membership


def member_role(session: Session, engagement_id: uuid.UUID, user_id: uuid.UUID) -> TeamRole | None:
    """The user's role on the engagement's audit team, or None when not on it."""
    return session.scalar(
        sa.select(EngagementMember.team_role).where(
            EngagementMember.engagement_id == engagement_id,
            EngagementMember.user_id == user_id,
        )
    )


def is_member(session: Session, engagement_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    """Whether the user is (or was: members are never removed) on the engagement's audit team."""
    return member_role(session, engagement_id, user_id) is not None


def _own_client(actor: Actor, engagement: Engagement) -> bool:
    return actor.user.client_id is not None and actor.user.client_id == engagement.client_id


def standing_of(actor: Actor, engagement: Engagement, team_role: TeamRole | None) -> Standing:
    """The actor's standing towards the engagement, given their place on its team."""
    return standing_for(actor.role, team_role, own_client=_own_client(actor, engagement))


def standing(session: Session, actor: Actor, engagement: Engagement) -> Standing:
    """The actor's standing towards the engagement (one look-up of their place on its team)."""
    return standing_of(actor, engagement, member_role(session, engagement.id, actor.user.id))


@dataclass(frozen=True, slots=True)
class Granted:
    """An engagement the actor may have a need of, and the standing that lets them."""

    engagement: Engagement
    standing: Standing


def check(session: Session, actor: Actor, engagement: Engagement, need: Need) -> Standing:
    """The actor's standing if it allows ``need``; the cell's error (``refusal``) otherwise."""
    found = standing(session, actor, engagement)
    if not allows(found, need):
        raise refusal(actor, engagement, found, need)
    return found


def require(session: Session, actor: Actor, engagement_id: uuid.UUID, need: Need) -> Granted:
    """The engagement, if the actor may ``need`` it; 404 for another organisation's or none."""
    engagement = session.get(Engagement, engagement_id)
    if engagement is None or engagement.organisation_id != actor.user.organisation_id:
        raise NotFound()
    return Granted(engagement, check(session, actor, engagement, need))


def visible(actor: Actor, need: Need = Need.SEE) -> sa.Select[Engagement]:
    """The engagements of the actor's organisation that the actor may ``need``, as a query.

    The same table as ``require``, as SQL: each (place on the team, own client) the actor could
    have whose standing allows the need becomes one condition.
    """
    query = sa.select(Engagement).where(Engagement.organisation_id == actor.user.organisation_id)
    team_role = (
        sa.select(EngagementMember.team_role)
        .where(
            EngagementMember.engagement_id == Engagement.id,
            EngagementMember.user_id == actor.user.id,
        )
        .scalar_subquery()
    )
    own_client: sa.ColumnElement[bool] = (
        Engagement.client_id == actor.user.client_id
        if actor.user.client_id is not None
        else sa.false()
    )
    conditions: list[sa.ColumnElement[bool]] = []
    for place in (None, TeamRole.LEADER, TeamRole.AUDITOR):
        on_team = team_role.is_(None) if place is None else team_role == place
        for own in (True, False):
            if allows(standing_for(actor.role, place, own_client=own), need):
                conditions.append(sa.and_(on_team, own_client if own else ~own_client))
    return query.where(sa.or_(*conditions) if conditions else sa.false())


def get_engagement_for(session: Session, actor: Actor, engagement_id: uuid.UUID) -> Engagement:
    """The engagement if the actor may see it; 404 otherwise (also for other organisations)."""
    engagement = session.scalars(visible(actor).where(Engagement.id == engagement_id)).one_or_none()
    if engagement is None:
        raise NotFound(details={"engagement_id": str(engagement_id)})
    return engagement


def check_role(actor: Actor, roles: frozenset[Role]) -> None:
    """403 unless the actor has one of ``roles`` (what an endpoint is for at all)."""
    if actor.role not in roles:
        raise Forbidden(
            details={"role": actor.role.value, "allowed": sorted(r.value for r in roles)}
        )
