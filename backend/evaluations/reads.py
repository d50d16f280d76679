"""Reads of evaluations: one evaluation, its versions, an engagement's queue, client results.

Reads of personal data (evaluator identity, GPS fixes) by anyone but the evaluator are logged
(access.py); client users read accepted results only, without evaluator, device, times or GPS.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVarTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth.access import Actor
from backend.engagements.access import Need, Standing, require
from backend.errors import ValidationFailed
from backend.evaluations.access import (
    Access,
    evaluation_access,
    find_evaluation,
    log_list_read,
    log_personal_read,
)
from backend.evaluations.actions import (
    review_actions,
)
from backend.evaluations.models import (
    Evaluation,
    EvaluationStatus,
    EvaluationVersion,
)
from backend.evaluations.views import (
    EvaluationSummary,
    EvaluationView,
    Person,
    build_view,
    with_review,
)
from backend.paging import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Page,
    decode_cursor,
    encode_cursor,
    scope_of,
)
from backend.unit_of_work import flush_as_stored
from backend.users.models import User

# --------------------------------------------------------------------------- reads


def get_evaluation(
    session: Session,
    actor: Actor,
    evaluation_id: uuid.UUID,
    *,
    reason: str | None = None,
    ip: str | None = None,
) -> EvaluationView:
    """One evaluation with its current content and history (GPS and evaluator: logged read)."""
    evaluation = find_evaluation(session, evaluation_id)
    access = evaluation_access(session, actor, evaluation)
    if access is not Access.OWN:
        log_personal_read(
            session,
            actor,
            [evaluation.id],
            access,
            action="evaluation.read",
            fields=("evaluator", "gps_fixes", "evidence"),
            reason=reason,
            ip=ip,
        )
        flush_as_stored(session)
    return with_review(build_view(session, evaluation), actor, access)


def list_versions(
    session: Session,
    actor: Actor,
    evaluation_id: uuid.UUID,
    *,
    reason: str | None = None,
    ip: str | None = None,
) -> list[EvaluationVersion]:
    """Every version of an evaluation, oldest first (GPS of each: logged read)."""
    evaluation = find_evaluation(session, evaluation_id)
    access = evaluation_access(session, actor, evaluation)
    if access is not Access.OWN:
        log_personal_read(
            session,
            actor,
            [evaluation.id],
            access,
            action="evaluation.versions_read",
            fields=("gps_fixes", "created_by"),
            reason=reason,
            ip=ip,
        )
        flush_as_stored(session)
    return list(
        session.scalars(
            sa.select(EvaluationVersion)
            .where(EvaluationVersion.evaluation_id == evaluation.id)
            .order_by(EvaluationVersion.number)
        )
    )


def list_engagement_evaluations(
    session: Session,
    actor: Actor,
    engagement_id: uuid.UUID,
    *,
    statuses: Sequence[EvaluationStatus] | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
    reason: str | None = None,
    ip: str | None = None,
) -> Page[EvaluationSummary]:
    """The review queue: one page of an engagement's evaluations, optionally by status.

    Oldest submission first, then drafts (never submitted) by creation; ties by id. Pages are cut
    by that key (backend/paging.py), so a page costs the same at any depth.
    """
    granted = require(session, actor, engagement_id, Need.EVALUATIONS)
    engagement = granted.engagement
    on_team = granted.standing in (Standing.LEADER, Standing.TEAM)
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    wanted = sorted({s.value for s in statuses or ()})
    scope = scope_of("evaluations", engagement.id, *wanted)
    query = (
        sa.select(Evaluation, User)
        .join(User, User.id == Evaluation.evaluator_id)
        .where(Evaluation.engagement_id == engagement.id)
    )
    if wanted:
        query = query.where(Evaluation.status.in_([EvaluationStatus(v) for v in wanted]))
    key = decode_cursor(cursor, scope, 3) if cursor is not None else None
    rows = _queue_rows(session, query, key, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    summaries = [
        EvaluationSummary(
            id=ev.id,
            site_id=ev.site_id,
            assignment_id=ev.assignment_id,
            mode=ev.mode,
            status=ev.status,
            version=ev.version,
            evaluator=Person(user.id, user.display_name),
            created_at=ev.created_at,
            updated_at=ev.updated_at,
            submitted_at=ev.submitted_at,
            review=review_actions(
                actor.role,
                own=ev.evaluator_id == actor.user.id,
                on_team=on_team,
                status=ev.status,
            ),
        )
        for ev, user in rows
    ]
    next_cursor = None
    if more:
        next_cursor = encode_cursor(scope, _key_of(rows[-1][0]))
    others = sum(1 for s in summaries if s.evaluator.id != actor.user.id)
    if others:
        log_list_read(
            session,
            actor,
            engagement.id,
            Access.TEAM if on_team else Access.INDEPENDENT,
            query={"status": wanted, "cursor": cursor, "limit": limit},
            count=others,
            reason=reason,
            ip=ip,
        )
        flush_as_stored(session)
    return Page(summaries, next_cursor)


Ts = TypeVarTuple("Ts")


def _queue_rows(
    session: Session,
    query: sa.Select[*Ts],
    key: list[str | None] | None,
    wanted: int,
) -> list[sa.Row[*Ts]]:
    """Up to ``wanted`` rows of ``query`` after ``key``: submitted ones first, then drafts.

    Each section is read in the order of the index ``ix_evaluations_engagement_queue``
    (``ix_evaluations_engagement_order`` without a status), with the cursor as a row-value
    comparison the index can seek to, so a page reads its own rows only, at any depth (issue 13,
    "Flat costs"). Two sections because NULLs (never submitted) compare with nothing.
    """
    submitted_key, created, last_id = _parse(key) if key is not None else (None, None, None)
    by_key = (Evaluation.submitted_at, Evaluation.created_at, Evaluation.id)
    rows: list[sa.Row[*Ts]] = []
    if key is None or submitted_key is not None:
        section = query.where(Evaluation.submitted_at.is_not(None))
        if submitted_key is not None:
            section = section.where(_after(by_key, (submitted_key, created, last_id)))
        rows = list(session.execute(section.order_by(*by_key).limit(wanted)).all())
    if len(rows) < wanted:
        drafts = query.where(Evaluation.submitted_at.is_(None))
        if key is not None and submitted_key is None:
            drafts = drafts.where(_after(by_key[1:], (created, last_id)))
        rows += session.execute(drafts.order_by(*by_key).limit(wanted - len(rows))).all()
    return rows


def _after(columns: Sequence[Any], values: Sequence[object]) -> sa.ColumnElement[bool]:
    """``(a, b, …) > (x, y, …)``, each value typed as its column (UTC times on SQLite too)."""
    return sa.tuple_(*columns) > sa.tuple_(
        *(sa.literal(value, column.type) for column, value in zip(columns, values, strict=True))
    )


def _key_of(evaluation: Evaluation) -> list[str | None]:
    """The cursor's key of a row: (submitted_at or null, created_at, id)."""
    submitted = evaluation.submitted_at
    return [
        submitted.isoformat() if submitted else None,
        evaluation.created_at.isoformat(),
        str(evaluation.id),
    ]


def _parse(key: list[str | None]) -> tuple[datetime | None, datetime, uuid.UUID]:
    """The cursor's (submitted_at or null, created_at, id), or VALIDATION_ERROR."""
    try:
        submitted = _aware(key[0]) if key[0] is not None else None
        return submitted, _aware(key[1]), uuid.UUID(key[2] or "")
    except ValueError:
        raise ValidationFailed(details={"cursor": ["not a cursor of this list"]}) from None


def _aware(text: str | None) -> datetime:
    value = datetime.fromisoformat(text or "")
    if value.tzinfo is None:
        raise ValueError("naive")
    return value


@dataclass(frozen=True)
class ClientResult:
    """An accepted evaluation as the evaluated organisation sees it (``ClientEvaluationSchema``).

    No evaluator, device, GPS fixes or visit times: DOMAIN.md, the client "never sees shopper
    identities", and a visit's exact time and site are enough for staff to recognise a shopper
    on their own CCTV.
    """

    id: uuid.UUID
    engagement_id: uuid.UUID
    site_id: uuid.UUID
    mode: str
    status: EvaluationStatus
    version: int
    content: EvaluationVersion


def client_results(
    session: Session,
    actor: Actor,
    engagement_id: uuid.UUID,
    *,
    cursor: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
) -> Page[ClientResult]:
    """One page of an engagement's accepted evaluations, for its client's users and for staff.

    In the review queue's order (submission, creation, id) and cut the same way, so a page reads
    its own rows through ``ix_evaluations_engagement_queue`` however many there are (issue 13).
    """
    engagement = require(session, actor, engagement_id, Need.RESULTS).engagement
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    scope = scope_of("results", engagement.id)
    query = (
        sa.select(Evaluation, EvaluationVersion)
        .join(
            EvaluationVersion,
            sa.and_(
                EvaluationVersion.evaluation_id == Evaluation.id,
                EvaluationVersion.number == Evaluation.version,
            ),
        )
        .where(
            Evaluation.engagement_id == engagement.id,
            Evaluation.status == EvaluationStatus.ACCEPTED,
        )
    )
    key = decode_cursor(cursor, scope, 3) if cursor is not None else None
    rows = _queue_rows(session, query, key, limit + 1)
    results = [
        ClientResult(ev.id, ev.engagement_id, ev.site_id, ev.mode, ev.status, ev.version, version)
        for ev, version in rows[:limit]
    ]
    next_cursor = None
    if len(rows) > limit:
        next_cursor = encode_cursor(scope, _key_of(rows[limit - 1][0]))
    return Page(results, next_cursor)
