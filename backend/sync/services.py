"""Reconcile after a failure: the ids and hashes the server holds for the acting user.

A phone that lost track of what arrived (app killed mid-sync, storage cleared, a second phone)
asks for its own records and compares: an evaluation whose id is missing is created again (the
replay is idempotent), one whose content hash differs from the phone's current version needs an
edit, evidence missing here is uploaded. See docs/sync.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth.actor import Actor
from backend.db import utcnow
from backend.engagements.models import Assignment
from backend.evaluations.models import Evaluation, EvaluationVersion
from backend.evidence.models import Evidence


def mine(
    session: Session,
    actor: Actor,
    *,
    since: datetime | None = None,
    this_device_only: bool = False,
) -> dict[str, Any]:
    """The actor's evaluations (version, content hash), assignments (version), evidence (sha256).

    ``since`` keeps evaluations changed and evidence received at or after it. Assignments have no
    change timestamp (their version is bumped in place), so they are always listed in full; a
    shopper has few. ``server_time`` is the value to pass as ``since`` next time.
    ``this_device_only`` keeps the records made on the requesting device.
    """
    now = utcnow()
    user_id = actor.user.id
    device_id = actor.device.id if actor.device is not None else None

    evaluations = (
        sa.select(
            Evaluation.id,
            Evaluation.version,
            Evaluation.status,
            Evaluation.device_id,
            Evaluation.updated_at,
            EvaluationVersion.content_hash,
        )
        .join(
            EvaluationVersion,
            sa.and_(
                EvaluationVersion.evaluation_id == Evaluation.id,
                EvaluationVersion.number == Evaluation.version,
            ),
        )
        .where(Evaluation.evaluator_id == user_id)
        .order_by(Evaluation.created_at, Evaluation.id)
    )
    evidence = (
        sa.select(Evidence.id, Evidence.sha256, Evidence.device_id, Evidence.received_at)
        .where(Evidence.uploaded_by_id == user_id)
        .order_by(Evidence.received_at, Evidence.id)
    )
    if since is not None:
        evaluations = evaluations.where(Evaluation.updated_at >= since)
        evidence = evidence.where(Evidence.received_at >= since)
    if this_device_only:
        evaluations = evaluations.where(Evaluation.device_id == device_id)
        evidence = evidence.where(Evidence.device_id == device_id)
    assignments = (
        sa.select(Assignment.id, Assignment.version, Assignment.status)
        .where(Assignment.shopper_id == user_id)
        .order_by(Assignment.window_start, Assignment.id)
    )
    return {
        "server_time": now,
        "since": since,
        "user_id": user_id,
        "device_id": device_id,
        "evaluations": [row._asdict() for row in session.execute(evaluations)],
        "assignments": [row._asdict() for row in session.execute(assignments)],
        "evidence": [row._asdict() for row in session.execute(evidence)],
    }
