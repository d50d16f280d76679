"""Editing an evaluation: the evaluator's corrections (new versions) and submission, If-Match.

An edit names the version it was based on (If-Match); a stale one is 412, except the replay of
the very edit that produced the current version, which answers the current state (docs/sync.md).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.audit.services import record
from backend.auth.access import Actor
from backend.concurrency import check_version
from backend.engagements.models import (
    Engagement,
)
from backend.errors import (
    Forbidden,
    InvalidTransition,
    PreconditionFailed,
)
from backend.evaluations.access import Access, evaluation_access, find_evaluation
from backend.evaluations.content import (
    apply_payload,
    content_of,
    load_scheme_version,
    validate_content,
)
from backend.evaluations.models import (
    Evaluation,
    EvaluationEvent,
    EvaluationStatus,
)
from backend.evaluations.signals import evaluation_submitted
from backend.evaluations.views import EvaluationView, build_view, current_version, find_version
from backend.evaluations.writes import (
    add_version,
    atomic,
    check_open,
    link_evidence,
    submit_for_review,
)
from backend.unit_of_work import flush_as_stored, send_at_commit

# --------------------------------------------------------------------------- edit

#: The evaluator may correct these; submitted and reviewed evaluations are frozen.
EDITABLE = frozenset({EvaluationStatus.DRAFT, EvaluationStatus.RETURNED})


def edit_evaluation(
    session: Session,
    actor: Actor,
    evaluation_id: uuid.UUID,
    patch: Mapping[str, Any],
    expected_version: int | None,
    *,
    device_time: datetime | None = None,
    ip: str | None = None,
) -> EvaluationView:
    """Correct a draft or returned evaluation (new version), and/or submit it.

    ``expected_version`` comes from If-Match: 428 without it, 412 when stale, except when this
    is the replay of the edit that produced the current version (docs/sync.md): then the current
    state is the answer, as it was for the first attempt.
    """
    try:
        with atomic(session):
            evaluation, submitted = _edit(
                session, actor, evaluation_id, patch, expected_version, device_time, ip
            )
    except IntegrityError:
        # A concurrent edit took the same version number: this one is now stale (or a replay).
        evaluation = find_evaluation(session, evaluation_id)
        if not _is_replayed_edit(session, actor, evaluation, patch, expected_version):
            raise PreconditionFailed(details={"current_version": evaluation.version}) from None
        submitted = False
    if submitted:
        send_at_commit(session, evaluation_submitted, evaluation)
    return build_view(session, evaluation)


def _edit(
    session: Session,
    actor: Actor,
    evaluation_id: uuid.UUID,
    patch: Mapping[str, Any],
    expected_version: int | None,
    device_time: datetime | None,
    ip: str | None,
) -> tuple[Evaluation, bool]:
    evaluation = find_evaluation(session, evaluation_id)
    access = evaluation_access(session, actor, evaluation)
    if access is not Access.OWN:
        raise Forbidden(details={"reason": "only_the_evaluator_edits"})
    if expected_version is not None and _is_replayed_edit(
        session, actor, evaluation, patch, expected_version
    ):
        return evaluation, False
    check_version(expected_version, evaluation.version)
    if evaluation.status not in EDITABLE:
        raise InvalidTransition(details={"status": evaluation.status.value})
    engagement = session.get_one(Engagement, evaluation.engagement_id)
    check_open(engagement)
    scheme = load_scheme_version(session, engagement.scheme_version_id)
    validate_content(patch, scheme, evaluation.mode, evaluation.id)

    current = current_version(session, evaluation)
    content = apply_payload(patch, content_of(current))
    if content.hash != current.content_hash:
        number = evaluation.version + 1
        add_version(session, actor, evaluation, number, content, device_time)
        evaluation.version = number
        record(
            session,
            actor=actor,
            action="evaluation.edited",
            object_type="evaluation",
            object_id=evaluation.id,
            details={"version": number, "content_hash": content.hash},
            ip=ip,
        )
        if "evidence" in patch:
            session.add_all(link_evidence(session, actor, evaluation.id, content.evidence))
    submitted = bool(patch.get("submit"))
    if submitted:
        submit_for_review(session, actor, evaluation, ip)
    flush_as_stored(session)
    return evaluation, submitted


def _submitted_by(session: Session, actor: Actor, evaluation_id: uuid.UUID, version: int) -> bool:
    """Whether the actor submitted the evaluation at this version (the event of their edit)."""
    return (
        session.scalar(
            sa.select(EvaluationEvent.id).where(
                EvaluationEvent.evaluation_id == evaluation_id,
                EvaluationEvent.version == version,
                EvaluationEvent.to_status == EvaluationStatus.SUBMITTED,
                EvaluationEvent.actor_id == actor.user.id,
            )
        )
        is not None
    )


def _is_replayed_edit(
    session: Session,
    actor: Actor,
    evaluation: Evaluation,
    patch: Mapping[str, Any],
    expected_version: int | None,
) -> bool:
    """Whether this edit already happened: its If-Match and content produced the current state.

    Two cases (docs/sync.md): the edit changed the content, so version ``expected + 1`` is the
    current one, written by this actor with exactly the content the edit yields from version
    ``expected``, and submitted by it exactly when the edit asks to submit; or the edit only
    submitted (no content change), so the version is unchanged and this actor's submission at
    it is on record.
    """
    if expected_version is None or evaluation.evaluator_id != actor.user.id:
        return False
    submit = bool(patch.get("submit"))
    if expected_version == evaluation.version - 1:
        base = find_version(session, evaluation.id, expected_version)
        current = current_version(session, evaluation)
        if base is None or current.created_by_id != actor.user.id:
            return False
        if apply_payload(patch, content_of(base)).hash != current.content_hash:
            return False
        return submit == _submitted_by(session, actor, evaluation.id, evaluation.version)
    if expected_version == evaluation.version and submit:
        if evaluation.status in EDITABLE:
            return False  # not submitted yet (or returned since): a real submission
        current = current_version(session, evaluation)
        if apply_payload(patch, content_of(current)).hash != current.content_hash:
            return False
        return _submitted_by(session, actor, evaluation.id, evaluation.version)
    return False
