"""The rules of one rater's ratings in a two-rater pair (seed 003), checked on every write.

The record's content: ``{"pair_id": "<uuid>", "ratings": {"1.1": {"level": 4}, …},
"item_notes": {"1.1": "…"}, "notes": "…"}``; ratings as the scoring core reads them (§5.1.1),
checked against the pinned scheme with the pair's mode. A rater has one ratings record per pair.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.errors import Forbidden, InvalidTransition, ValidationFailed
from backend.evaluations.ratings import scoring_ratings, stored_ratings
from backend.onsite.models import OnsiteAuditRecord, RaterPair, RecordKind
from backend.planning.models import AuditPlan
from backend.planning.plans import items_by_mode
from backend.scoring import InputError, Scheme, parse_input

NOTE_MAX = 4000


def normalise_pair_rating(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The content's shape (the scheme check needs the pair: ``check_pair_rating``)."""
    details: dict[str, list[str]] = {}
    for key in raw:
        if key not in ("pair_id", "ratings", "item_notes", "notes"):
            details[f"content.{key}"] = ["unknown field (expected pair_id, ratings, item_notes)"]
    try:
        pair_id = str(uuid.UUID(str(raw.get("pair_id"))))
    except ValueError:
        details["content.pair_id"] = ["the rater pair's id is required"]
        pair_id = ""
    ratings = raw.get("ratings") or {}
    notes = raw.get("item_notes") or {}
    if not isinstance(ratings, Mapping) or not all(
        isinstance(r, Mapping) for r in ratings.values()
    ):
        details["content.ratings"] = ["must be an object of item code to rating"]
        ratings = {}
    if not isinstance(notes, Mapping) or not all(isinstance(n, str) for n in notes.values()):
        details["content.item_notes"] = ["must be an object of item code to text"]
        notes = {}
    text = raw.get("notes") or ""
    if not isinstance(text, str) or len(text) > NOTE_MAX:
        details["content.notes"] = [f"must be a text of at most {NOTE_MAX} characters"]
        text = ""
    if details:
        raise ValidationFailed(details=details)
    return {
        "pair_id": pair_id,
        "ratings": stored_ratings(ratings),
        "item_notes": {k: v.strip() for k, v in notes.items() if v.strip()},
        "notes": text.strip(),
    }


def check_pair_rating(
    session: Session,
    actor_id: uuid.UUID,
    engagement_id: uuid.UUID,
    record_id: uuid.UUID,
    content: Mapping[str, Any],
    scheme: Scheme,
) -> RaterPair:
    """The pair exists in the engagement, the actor is one of its raters, not reconciled yet,
    no other ratings record of theirs for it, and the ratings fit the scheme."""
    pair = session.get(RaterPair, uuid.UUID(content["pair_id"]))
    if pair is None or pair.engagement_id != engagement_id:
        raise ValidationFailed(details={"content.pair_id": ["unknown rater pair"]})
    if actor_id not in (pair.rater_a_id, pair.rater_b_id):
        raise Forbidden(details={"reason": "not_a_rater_of_this_pair"})
    if pair.reconciled_at is not None:
        raise InvalidTransition(details={"pair": "reconciled"})
    other = session.scalar(
        sa.select(OnsiteAuditRecord.id).where(
            OnsiteAuditRecord.pair_id == pair.id,
            OnsiteAuditRecord.auditor_id == actor_id,
            OnsiteAuditRecord.id != record_id,
        )
    )
    if other is not None:
        raise InvalidTransition(details={"pair": "already_rated", "record_id": str(other)})
    if scheme.service is None:
        raise ValidationFailed(details={"kind": [f"scheme {scheme.id} has no service items"]})
    # The audit plan names the items of the pair's mode (seed 003: which items are experienced
    # unannounced, which inspected openly): a rating outside them is not this experience's.
    wanted = items_by_mode(
        session.scalars(
            sa.select(AuditPlan).where(AuditPlan.engagement_id == engagement_id)
        ).one_or_none()
    ).get(pair.mode)
    if wanted is not None:
        outside = sorted(c for c in content["ratings"] if c not in wanted)
        if outside:
            raise ValidationFailed(
                details={
                    f"content.ratings.{c}": [f"not an item of mode {pair.mode} in the audit plan"]
                    for c in outside
                }
            )
    try:
        parse_input(
            {
                "evaluations": [
                    {
                        "id": "pair",
                        "mode": pair.mode,
                        "ratings": scoring_ratings(content["ratings"]),
                    }
                ]
            },
            scheme,
        )
    except InputError as exc:
        path = exc.path.removeprefix("evaluations[0].")
        raise ValidationFailed(details={f"content.{path}": [exc.message]}) from exc
    return pair


def sealed(session: Session, onsite: OnsiteAuditRecord, reader_id: uuid.UUID) -> bool:
    """Whether a rater's ratings are hidden from ``reader_id``: until both raters of the pair have
    submitted, nobody but their author sees them (seed 003: they rate independently)."""
    if onsite.kind is not RecordKind.PAIR_RATING or onsite.auditor_id == reader_id:
        return False
    return not both_submitted(session, onsite.pair_id)


def both_submitted(session: Session, pair_id: uuid.UUID | None) -> bool:
    from backend.onsite.models import RecordStatus

    if pair_id is None:
        return False
    done = session.scalar(
        sa.select(sa.func.count(sa.distinct(OnsiteAuditRecord.auditor_id))).where(
            OnsiteAuditRecord.pair_id == pair_id,
            OnsiteAuditRecord.status.in_([RecordStatus.SUBMITTED, RecordStatus.ACCEPTED]),
        )
    )
    return (done or 0) >= 2
