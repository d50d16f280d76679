"""Two raters (seed 003): the team leader pairs two auditors on one service experience; each
rates on their own phone (a ``pair_rating`` record, sealed until both have submitted); the items
whose levels differ are flagged; the pair reconciles with the discussion and the agreed rating per
item. Only the agreed evaluation counts: one reconciled evaluation is one person (§5.1.2).
Agreement per rater pair, across engagements: ``backend.scoring.agreement``.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit.services import record
from backend.auth.access import Actor
from backend.db import utcnow
from backend.engagements.access import Need, Standing, member_role, require
from backend.engagements.models import Engagement, EngagementSite
from backend.errors import Forbidden, IdempotencyConflict, InvalidTransition, ValidationFailed
from backend.evaluations.content import load_scheme_version
from backend.evaluations.ratings import scoring_ratings, stored_ratings, wire_ratings
from backend.evaluations.writes import check_open
from backend.onsite.models import (
    OnsiteAuditRecord,
    OnsiteAuditVersion,
    RaterPair,
    RecordKind,
    RecordStatus,
)
from backend.onsite.pair_rules import both_submitted
from backend.scoring import InputError, Scheme, parse_input
from backend.scoring.agreement import Agreement, agreement
from backend.scoring.numbers import to_float
from backend.unit_of_work import flush_as_stored
from backend.users.models import User

# --------------------------------------------------------------------------- pairing


def create_pair(
    session: Session, actor: Actor, pair_id: uuid.UUID, payload: Mapping[str, Any]
) -> tuple[dict[str, Any], bool]:
    """The engagement's team leader pairs two of its team on one experience (idempotent PUT)."""
    granted = require(session, actor, payload["engagement_id"], Need.TEAM_WORK)
    if granted.standing is not Standing.LEADER:
        raise Forbidden(details={"reason": "only_the_team_leader_pairs"})
    engagement = granted.engagement
    a, b = payload["rater_ids"]
    existing = session.get(RaterPair, pair_id)
    if existing is not None:
        same = (
            existing.engagement_id == engagement.id
            and existing.site_id == payload["site_id"]
            and existing.mode == payload["mode"]
            and {existing.rater_a_id, existing.rater_b_id} == {a, b}
        )
        if not same:
            raise IdempotencyConflict(id=str(pair_id))
        return pair_view(session, actor, existing), False
    check_open(engagement)
    details: dict[str, list[str]] = {}
    if a == b:
        details["rater_ids"] = ["two different auditors"]
    for rater in (a, b):
        if member_role(session, engagement.id, rater) is None:
            details.setdefault("rater_ids", []).append(f"{rater} is not on the audit team")
    if payload["mode"] not in engagement.modes:
        details["mode"] = [f"mode {payload['mode']} is not used in this engagement"]
    sampled = session.scalar(
        sa.select(EngagementSite.id).where(
            EngagementSite.engagement_id == engagement.id,
            EngagementSite.site_id == payload["site_id"],
        )
    )
    if sampled is None:
        details["site_id"] = ["the site is not sampled in this engagement"]
    if load_scheme_version(session, engagement.scheme_version_id).service is None:
        details["engagement_id"] = ["the scheme has no service items to rate"]
    if details:
        raise ValidationFailed(details=details)
    pair = RaterPair(
        id=pair_id,
        engagement_id=engagement.id,
        site_id=payload["site_id"],
        mode=payload["mode"],
        rater_a_id=a,
        rater_b_id=b,
        note=(payload.get("note") or "").strip(),
        created_by_id=actor.user.id,
    )
    session.add(pair)
    record(
        session,
        actor=actor,
        action="rater_pair.created",
        object_type="rater_pair",
        object_id=pair.id,
        details={"engagement_id": str(engagement.id), "raters": [str(a), str(b)]},
    )
    flush_as_stored(session)
    return pair_view(session, actor, pair), True


# --------------------------------------------------------------------------- reading


def _ratings_of(session: Session, pair: RaterPair) -> dict[uuid.UUID, dict[str, Any]]:
    """Each rater's current ratings (stored form) and record status."""
    rows = session.execute(
        sa.select(OnsiteAuditRecord, OnsiteAuditVersion)
        .join(
            OnsiteAuditVersion,
            sa.and_(
                OnsiteAuditVersion.record_id == OnsiteAuditRecord.id,
                OnsiteAuditVersion.number == OnsiteAuditRecord.version,
            ),
        )
        .where(OnsiteAuditRecord.pair_id == pair.id)
    ).all()
    return {
        onsite.auditor_id: {
            "record_id": onsite.id,
            "status": onsite.status.value,
            "ratings": version.content.get("ratings") or {},
            "item_notes": version.content.get("item_notes") or {},
        }
        for onsite, version in rows
    }


def _levels(scheme: Scheme, mode: str, stored: Mapping[str, Any]) -> dict[str, int | None]:
    """Item → the Likert level of a rating (an exact α classified by its band, §5.1.1)."""
    parsed = parse_input(
        {"evaluations": [{"id": "x", "mode": mode, "ratings": scoring_ratings(stored)}]}, scheme
    ).evaluations[0]
    out: dict[str, int | None] = {r.code: r.level for r in parsed.ratings}
    out.update(dict.fromkeys(parsed.not_applicable))
    return out


def differing_items(
    scheme: Scheme, mode: str, a: Mapping[str, Any], b: Mapping[str, Any]
) -> list[str]:
    """Items the two raters rated differently: another level, or rated by one and N/A or
    unrated by the other. In the scheme's item order."""
    la, lb = _levels(scheme, mode, a), _levels(scheme, mode, b)
    items = scheme.service.items if scheme.service is not None else {}
    return [
        code
        for code in items
        if (code in la or code in lb) and (code not in la or code not in lb or la[code] != lb[code])
    ]


def _agreement_json(result: Agreement) -> dict[str, Any]:
    return {
        "items": result.items,
        "exact": to_float(result.exact),
        "kappa": to_float(result.kappa),
        "mean_abs_difference": to_float(result.mean_abs_difference),
    }


def _level_pairs(
    scheme: Scheme, mode: str, a: Mapping[str, Any], b: Mapping[str, Any]
) -> list[tuple[int, int]]:
    la, lb = _levels(scheme, mode, a), _levels(scheme, mode, b)
    return [
        (la[c], lb[c])  # type: ignore[misc]
        for c in la
        if c in lb and la[c] is not None and lb[c] is not None
    ]


def pair_view(session: Session, actor: Actor, pair: RaterPair) -> dict[str, Any]:
    engagement = session.get_one(Engagement, pair.engagement_id)
    scheme = load_scheme_version(session, engagement.scheme_version_id)
    found = _ratings_of(session, pair)
    complete = both_submitted(session, pair.id)
    raters = [pair.rater_a_id, pair.rater_b_id]
    names = {
        uid: name
        for uid, name in session.execute(
            sa.select(User.id, User.display_name).where(User.id.in_(raters))
        ).all()
    }
    out: dict[str, Any] = {
        "id": pair.id,
        "engagement_id": pair.engagement_id,
        "site_id": pair.site_id,
        "mode": pair.mode,
        "note": pair.note,
        "raters": [
            {
                "user_id": r,
                "name": names.get(r, ""),
                "record_id": found[r]["record_id"] if r in found else None,
                "status": found[r]["status"] if r in found else "not_started",
            }
            for r in raters
        ],
        "status": "reconciled"
        if pair.reconciled_at is not None
        else ("both_submitted" if complete else "rating"),
        "ratings": None,
        "differing": [],
        "agreement": None,
        "reconciliation": pair.reconciliation,
        "reconciliation_notes": pair.reconciliation_notes,
        "reconciled_by_id": pair.reconciled_by_id,
        "reconciled_at": pair.reconciled_at,
    }
    if complete:
        # Seed 003: neither rater sees the other's ratings until both have submitted.
        a, b = found[pair.rater_a_id]["ratings"], found[pair.rater_b_id]["ratings"]
        out["ratings"] = {
            str(r): {"ratings": wire_ratings(found[r]["ratings"]), "notes": found[r]["item_notes"]}
            for r in raters
        }
        out["differing"] = differing_items(scheme, pair.mode, a, b)
        out["agreement"] = _agreement_json(agreement(_level_pairs(scheme, pair.mode, a, b)))
    if pair.reconciliation is not None:
        out["reconciliation"] = {
            code: {"rating": wire_ratings({code: e["rating"]})[code], "discussion": e["discussion"]}
            for code, e in pair.reconciliation.items()
        }
    return out


def find_pair(session: Session, actor: Actor, pair_id: uuid.UUID) -> RaterPair:
    from backend.errors import NotFound

    pair = session.get(RaterPair, pair_id)
    if pair is None:
        raise NotFound()
    require(session, actor, pair.engagement_id, Need.TEAM_WORK)
    return pair


def get_pair(session: Session, actor: Actor, pair_id: uuid.UUID) -> dict[str, Any]:
    return pair_view(session, actor, find_pair(session, actor, pair_id))


def list_pairs(session: Session, actor: Actor, engagement_id: uuid.UUID) -> list[dict[str, Any]]:
    require(session, actor, engagement_id, Need.TEAM_WORK)
    pairs = session.scalars(
        sa.select(RaterPair)
        .where(RaterPair.engagement_id == engagement_id)
        .order_by(RaterPair.created_at, RaterPair.id)
    )
    return [pair_view(session, actor, p) for p in pairs]


# --------------------------------------------------------------------------- reconciliation


def reconcile(
    session: Session, actor: Actor, pair_id: uuid.UUID, payload: Mapping[str, Any]
) -> dict[str, Any]:
    """Record the agreed rating and the discussion per item (either rater or the team leader).

    Every item either rater rated needs its agreed rating; every differing item needs its
    discussion. The same reconciliation sent again answers the stored one; another one, once
    reconciled, is INVALID_TRANSITION.
    """
    pair = find_pair(session, actor, pair_id)
    engagement = session.get_one(Engagement, pair.engagement_id)
    granted = require(session, actor, engagement.id, Need.TEAM_WORK)
    if actor.user.id not in (pair.rater_a_id, pair.rater_b_id) and granted.standing is not (
        Standing.LEADER
    ):
        raise Forbidden(details={"reason": "only_the_raters_or_the_team_leader_reconcile"})
    if not both_submitted(session, pair.id):
        raise InvalidTransition(details={"pair": "rating", "action": "reconcile"})
    scheme = load_scheme_version(session, engagement.scheme_version_id)
    items = payload["items"]
    agreed = stored_ratings({code: e.get("rating") or {} for code, e in items.items()})
    entries = {
        code: {"rating": agreed[code], "discussion": (e.get("discussion") or "").strip()}
        for code, e in items.items()
    }
    notes = (payload.get("notes") or "").strip()
    if pair.reconciled_at is not None:
        if pair.reconciliation == entries and pair.reconciliation_notes == notes:
            return pair_view(session, actor, pair)
        raise InvalidTransition(details={"pair": "reconciled"})
    check_open(engagement)
    found = _ratings_of(session, pair)
    a, b = found[pair.rater_a_id]["ratings"], found[pair.rater_b_id]["ratings"]
    details: dict[str, list[str]] = {}
    for code in sorted(set(a) | set(b)):
        if code not in entries:
            details[f"items.{code}"] = ["the agreed rating of every rated item is required"]
    for code in differing_items(scheme, pair.mode, a, b):
        if code in entries and not entries[code]["discussion"]:
            details[f"items.{code}.discussion"] = ["the raters differed: record the discussion"]
    try:
        parse_input(
            {
                "evaluations": [
                    {"id": "agreed", "mode": pair.mode, "ratings": scoring_ratings(agreed)}
                ]
            },
            scheme,
        )
    except InputError as exc:
        details[exc.path.replace("evaluations[0].ratings", "items")] = [exc.message]
    if details:
        raise ValidationFailed(details=details)
    pair.reconciliation = entries
    pair.reconciliation_notes = notes
    pair.reconciled_by_id = actor.user.id
    pair.reconciled_at = utcnow()
    record(
        session,
        actor=actor,
        action="rater_pair.reconciled",
        object_type="rater_pair",
        object_id=pair.id,
        details={"items": len(entries), "differing": differing_items(scheme, pair.mode, a, b)},
    )
    flush_as_stored(session)
    return pair_view(session, actor, pair)


def reconciled_ratings(session: Session, engagement_id: uuid.UUID) -> list[RaterPair]:
    """The engagement's reconciled pairs: each is one person's evaluation (§5.1.2)."""
    return list(
        session.scalars(
            sa.select(RaterPair)
            .where(RaterPair.engagement_id == engagement_id, RaterPair.reconciled_at.is_not(None))
            .order_by(RaterPair.reconciled_at, RaterPair.id)
        )
    )


# --------------------------------------------------------------------------- agreement


def agreement_by_pair(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Agreement per rater pair across the organisation's engagements, over every item both
    raters rated with a level in pairs where both submitted."""
    pairs = session.execute(
        sa.select(RaterPair, Engagement.scheme_version_id)
        .join(Engagement, Engagement.id == RaterPair.engagement_id)
        .where(Engagement.organisation_id == actor.user.organisation_id)
    ).all()
    gathered: dict[tuple[uuid.UUID, uuid.UUID], list[tuple[int, int]]] = defaultdict(list)
    engagements: dict[tuple[uuid.UUID, uuid.UUID], set[uuid.UUID]] = defaultdict(set)
    for pair, scheme_version_id in pairs:
        if not both_submitted(session, pair.id):
            continue
        scheme = load_scheme_version(session, scheme_version_id)
        found = _ratings_of(session, pair)
        first, second = sorted([pair.rater_a_id, pair.rater_b_id], key=str)
        levels = _level_pairs(scheme, pair.mode, found[first]["ratings"], found[second]["ratings"])
        gathered[(first, second)].extend(levels)
        engagements[(first, second)].add(pair.engagement_id)
    users = {u for key in gathered for u in key}
    names = {
        uid: name
        for uid, name in session.execute(
            sa.select(User.id, User.display_name).where(User.id.in_(users))
        ).all()
    }
    return [
        {
            "raters": [
                {"user_id": a, "name": names.get(a, "")},
                {"user_id": b, "name": names.get(b, "")},
            ],
            "engagements": len(engagements[(a, b)]),
            **_agreement_json(agreement(levels)),
        }
        for (a, b), levels in sorted(gathered.items(), key=lambda kv: [str(u) for u in kv[0]])
    ]


__all__ = [
    "RecordKind",
    "RecordStatus",
    "agreement_by_pair",
    "create_pair",
    "get_pair",
    "list_pairs",
    "reconcile",
    "reconciled_ratings",
]
