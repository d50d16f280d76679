"""Who may read an evaluation, and the audit log of reads of personal data (issue 3).

Shoppers see only their own evaluations; auditors and team leaders those of the engagements they
are on; reviewers those of engagements they are *not* on (CQC rule §6.1, §6.2); client users the
accepted results of their own client's engagements, without evaluator, device, times or GPS. The
engagement-level rule is the engagements feature's table (``backend.engagements.access``:
``Need.EVALUATIONS``, ``Need.RESULTS``). A read of an evaluation's GPS fixes or evaluator
identity by anyone but its evaluator is logged with a reason.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from backend.audit.services import record
from backend.auth.access import Actor
from backend.engagements.access import Need, Standing, allows, refusal, standing
from backend.engagements.models import Engagement
from backend.errors import ConflictOfInterest, Forbidden, NotFound
from backend.evaluations.models import Evaluation
from backend.users.models import Role

# --------------------------------------------------------------------------- access


class Access(enum.Enum):
    """Why the actor may read an evaluation."""

    OWN = "own"  # its evaluator
    TEAM = "team"  # a team leader or auditor on the engagement (QA review)
    INDEPENDENT = "independent"  # a reviewer who was not on the team (CQC rule §6.1, §6.2)


#: What a read by someone other than the evaluator is for, unless the caller says (audit log).
_DEFAULT_PURPOSE = {
    Access.TEAM: "audit team QA review (审查组质量复核)",
    Access.INDEPENDENT: "independent review and decision (复核与认证决定)",
}


def evaluation_access(session: Session, actor: Actor, evaluation: Evaluation) -> Access:
    """Why the actor may see this evaluation in full; 404 when they may not know it exists.

    Its evaluator always; others as ``Need.EVALUATIONS`` of the engagement allows
    (``backend.engagements.access``): the audit team for QA review, independent reviewers. A
    reviewer who was on the team is told why not (CONFLICT_OF_INTEREST, CQC rule §6.1, §6.2);
    anyone else gets 404. Client users never see an evaluation in full (it names its evaluator
    and carries the GPS track): they read results through ``client_results``.
    """
    if actor.role is Role.CLIENT_USER:
        raise Forbidden(details={"role": actor.role.value})
    engagement = session.get(Engagement, evaluation.engagement_id)
    if engagement is None or engagement.organisation_id != actor.user.organisation_id:
        raise NotFound()
    if evaluation.evaluator_id == actor.user.id:
        return Access.OWN
    found = standing(session, actor, engagement)
    if allows(found, Need.EVALUATIONS):
        return Access.TEAM if found in (Standing.LEADER, Standing.TEAM) else Access.INDEPENDENT
    error = refusal(actor, engagement, found, Need.EVALUATIONS)
    raise error if isinstance(error, ConflictOfInterest) else NotFound()


def find_evaluation(session: Session, evaluation_id: uuid.UUID) -> Evaluation:
    evaluation = session.get(Evaluation, evaluation_id)
    if evaluation is None:
        raise NotFound()
    return evaluation


def log_personal_read(
    session: Session,
    actor: Actor,
    evaluation_ids: Sequence[uuid.UUID],
    access: Access,
    *,
    action: str,
    fields: Sequence[str],
    reason: str | None,
    ip: str | None,
) -> None:
    """Audit a read of personal data (evaluator identity, GPS fixes) by someone else."""
    if access is Access.OWN or not evaluation_ids:
        return
    record(
        session,
        actor=actor,
        action=action,
        object_type="evaluation",
        object_id=evaluation_ids[0] if len(evaluation_ids) == 1 else None,
        reason=reason or _DEFAULT_PURPOSE[access],
        details={
            "fields": list(fields),
            "access": access.value,
            "evaluation_ids": [str(i) for i in evaluation_ids],
        },
        ip=ip,
    )


def log_list_read(
    session: Session,
    actor: Actor,
    engagement_id: uuid.UUID,
    access: Access,
    *,
    query: Mapping[str, Any],
    count: int,
    reason: str | None,
    ip: str | None,
) -> None:
    """Audit a page of an engagement's evaluations naming other people's evaluators.

    The entry says who read shopper identities of which engagement, with which query (filters,
    cursor, page size) and how many rows named someone else: the query and a count, not every
    id, so it stays small however large the engagement (issue 13). The rows can be found again
    from the query while the evaluations exist; each single read (``evaluation.read``) still
    names its id.
    """
    log_query_read(
        session,
        actor,
        engagement_id,
        access,
        action="evaluation.list_read",
        fields=("evaluator",),
        query=query,
        count=count,
        reason=reason,
        ip=ip,
    )


def log_query_read(
    session: Session,
    actor: Actor,
    engagement_id: uuid.UUID,
    access: Access,
    *,
    action: str,
    fields: Sequence[str],
    query: Mapping[str, Any],
    count: int,
    reason: str | None,
    ip: str | None,
) -> None:
    """Audit a read of personal data from many of an engagement's evaluations at once.

    As ``log_list_read``: the entry holds the query that chose the evaluations and their count,
    never every id, so it stays small however many there are (issue 13, "Flat costs").
    """
    if access is Access.OWN or count == 0:
        return
    record(
        session,
        actor=actor,
        action=action,
        object_type="engagement",
        object_id=engagement_id,
        reason=reason or _DEFAULT_PURPOSE[access],
        details={
            "fields": list(fields),
            "access": access.value,
            "query": dict(query),
            "count": count,
        },
        ip=ip,
    )
