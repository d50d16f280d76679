"""QA review of an evaluation by the audit team: accept, return, reject, exclude (actions.py)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth.access import Actor
from backend.concurrency import check_version
from backend.errors import (
    Forbidden,
    InvalidTransition,
)
from backend.evaluations.access import Access, evaluation_access, find_evaluation
from backend.evaluations.actions import (
    ACTION_TARGET,
    TRANSITIONS,
    allowed_in,
    refusal,
)
from backend.evaluations.models import (
    Evaluation,
    EvaluationEvent,
    EvaluationStatus,
)
from backend.evaluations.signals import evaluation_returned
from backend.evaluations.views import EvaluationView, build_view, with_review
from backend.evaluations.writes import atomic, change_status
from backend.unit_of_work import flush_as_stored, send_at_commit

# --------------------------------------------------------------------------- review


def review_evaluation(
    session: Session,
    actor: Actor,
    evaluation_id: uuid.UUID,
    *,
    action: str,
    comment: str | None,
    expected_version: int | None,
    ip: str | None = None,
) -> EvaluationView:
    """QA review by a team leader or auditor of the engagement: accept, return, reject, exclude.

    Nobody reviews their own evaluation. If-Match names the version reviewed: a decision about
    content the reviewer has not seen is 412. The same review replayed answers the current state.
    """
    with atomic(session):
        evaluation = find_evaluation(session, evaluation_id)
        access = evaluation_access(session, actor, evaluation)
        # The same rule the views use to tell the app which actions to offer (actions.py).
        refused = refusal(actor.role, own=access is Access.OWN, on_team=access is Access.TEAM)
        if refused is not None:
            raise Forbidden(details={"reason": refused})
        comment = comment.strip() if comment is not None and comment.strip() else None
        target = ACTION_TARGET[action]
        if expected_version == evaluation.version and _is_replayed_review(
            session, actor, evaluation, target, comment
        ):
            return with_review(build_view(session, evaluation), actor, access)
        check_version(expected_version, evaluation.version)
        new_status = TRANSITIONS.get((evaluation.status, action))
        if new_status is None:
            allowed = sorted(allowed_in(evaluation.status))
            raise InvalidTransition(
                details={"status": evaluation.status.value, "action": action, "allowed": allowed}
            )
        change_status(
            session,
            actor,
            evaluation,
            new_status,
            comment=comment,
            action=f"evaluation.{new_status.value}",
            ip=ip,
        )
        flush_as_stored(session)
    if new_status is EvaluationStatus.RETURNED:
        send_at_commit(session, evaluation_returned, evaluation)
    return with_review(build_view(session, evaluation), actor, access)


def _is_replayed_review(
    session: Session,
    actor: Actor,
    evaluation: Evaluation,
    target: EvaluationStatus,
    comment: str | None,
) -> bool:
    if evaluation.status is not target:
        return False
    last = session.scalars(
        sa.select(EvaluationEvent)
        .where(EvaluationEvent.evaluation_id == evaluation.id)
        .order_by(EvaluationEvent.id.desc())
        .limit(1)
    ).one_or_none()
    return (
        last is not None
        and last.actor_id == actor.user.id
        and last.to_status is target
        and last.version == evaluation.version
        and last.comment == comment
    )
