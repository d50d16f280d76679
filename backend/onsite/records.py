"""On-site records, offline-safe like visits (docs/sync.md): create under the phone's id, If-Match
edits, every version kept, the audit log, review by the engagement's team leader.

A create is identified by its id and the SHA-256 of its engagement, kind and content: the same
create again answers the stored record and writes nothing; the same id with other content is
``IDEMPOTENCY_CONFLICT``. An edit names the version it was based on (If-Match): a stale one is
412, except the replay of the very edit that produced the current version.
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
from backend.db import utcnow
from backend.engagements.access import Need, Standing, require
from backend.engagements.models import Engagement
from backend.errors import (
    Forbidden,
    IdempotencyConflict,
    InvalidTransition,
    NotFound,
    PreconditionFailed,
    ValidationFailed,
)
from backend.evaluations.content import load_scheme_version
from backend.evaluations.writes import atomic, check_open
from backend.onsite.content import (
    check_evidence,
    cited_evidence,
    content_hash,
    create_hash,
    normalise,
)
from backend.onsite.models import (
    OnsiteAuditEvent,
    OnsiteAuditRecord,
    OnsiteAuditVersion,
    RecordKind,
    RecordStatus,
)
from backend.onsite.nonconformity import open_nonconformities
from backend.onsite.pair_rules import check_pair_rating, sealed
from backend.onsite.views import build_view
from backend.unit_of_work import flush_as_stored

EDITABLE = frozenset({RecordStatus.DRAFT, RecordStatus.RETURNED})
#: The team leader's review (like visits' QA): submitted → accepted | returned.
TRANSITIONS: Mapping[tuple[RecordStatus, str], RecordStatus] = {
    (RecordStatus.SUBMITTED, "accept"): RecordStatus.ACCEPTED,
    (RecordStatus.SUBMITTED, "return"): RecordStatus.RETURNED,
}


def find_record(session: Session, actor: Actor, record_id: uuid.UUID) -> OnsiteAuditRecord:
    found = session.get(OnsiteAuditRecord, record_id)
    if found is None:
        raise NotFound()
    engagement = session.get(Engagement, found.engagement_id)
    if engagement is None or engagement.organisation_id != actor.user.organisation_id:
        raise NotFound()
    return found


def _version(session: Session, record_id: uuid.UUID, number: int) -> OnsiteAuditVersion | None:
    return session.scalars(
        sa.select(OnsiteAuditVersion).where(
            OnsiteAuditVersion.record_id == record_id, OnsiteAuditVersion.number == number
        )
    ).one_or_none()


def _current(session: Session, onsite: OnsiteAuditRecord) -> OnsiteAuditVersion:
    return session.scalars(
        sa.select(OnsiteAuditVersion).where(
            OnsiteAuditVersion.record_id == onsite.id,
            OnsiteAuditVersion.number == onsite.version,
        )
    ).one()


def _add_version(
    session: Session,
    actor: Actor,
    onsite: OnsiteAuditRecord,
    number: int,
    content: dict[str, Any],
    device_time: datetime | None,
) -> OnsiteAuditVersion:
    version = OnsiteAuditVersion(
        record_id=onsite.id,
        number=number,
        content=content,
        content_hash=content_hash(content),
        created_by_id=actor.user.id,
        device_id=actor.device.id if actor.device is not None else None,
        device_sent_at=device_time,
    )
    session.add(version)
    return version


def _change_status(
    session: Session,
    actor: Actor,
    onsite: OnsiteAuditRecord,
    to: RecordStatus,
    comment: str | None,
    ip: str | None,
) -> None:
    from_status = onsite.status if onsite.status is not None else None
    onsite.status = to
    onsite.status_reason = comment
    if to is RecordStatus.ACCEPTED:
        onsite.accepted_at = utcnow()
    session.add(
        OnsiteAuditEvent(
            record_id=onsite.id,
            actor_id=actor.user.id,
            from_status=from_status,
            to_status=to,
            version=onsite.version,
            comment=comment,
        )
    )
    record(
        session,
        actor=actor,
        action=f"onsite.{to.value}",
        object_type="onsite_audit_record",
        object_id=onsite.id,
        reason=comment,
        details={
            "from": from_status.value if from_status else None,
            "to": to.value,
            "version": onsite.version,
        },
        ip=ip,
    )


# --------------------------------------------------------------------------- create


def create_record(
    session: Session,
    actor: Actor,
    record_id: uuid.UUID,
    payload: Mapping[str, Any],
    *,
    device_time: datetime | None = None,
    ip: str | None = None,
) -> tuple[dict[str, Any], bool]:
    """Create a record under the phone's id; ``(view, created)``. A replay writes nothing."""
    granted = require(session, actor, payload["engagement_id"], Need.TEAM_WORK)
    engagement = granted.engagement
    kind = RecordKind(payload["kind"])
    scheme = load_scheme_version(session, engagement.scheme_version_id)
    content = normalise(kind, payload.get("content") or {}, scheme)
    digest = create_hash(engagement.id, kind.value, content)
    existing = session.get(OnsiteAuditRecord, record_id)
    if existing is not None:
        return _replayed_create(session, actor, existing, digest), False
    pair_id = None
    if kind is RecordKind.PAIR_RATING:
        pair_id = check_pair_rating(
            session, actor.user.id, engagement.id, record_id, content, scheme
        ).id
    try:
        with atomic(session):
            check_open(engagement)
            check_evidence(session, actor.user.organisation_id, cited_evidence(content))
            onsite = OnsiteAuditRecord(
                id=record_id,
                engagement_id=engagement.id,
                kind=kind,
                pair_id=pair_id,
                auditor_id=actor.user.id,
                device_id=actor.device.id if actor.device is not None else None,
                status=RecordStatus.DRAFT,
                version=1,
                create_hash=digest,
                nonconforming_clauses=[],
            )
            session.add(onsite)
            # No relationships between the tables: the record goes first, its rows after it.
            session.flush()
            _add_version(session, actor, onsite, 1, content, device_time)
            session.add(
                OnsiteAuditEvent(
                    record_id=onsite.id,
                    actor_id=actor.user.id,
                    from_status=None,
                    to_status=RecordStatus.DRAFT,
                    version=1,
                )
            )
            record(
                session,
                actor=actor,
                action="onsite.created",
                object_type="onsite_audit_record",
                object_id=onsite.id,
                details={
                    "engagement_id": str(engagement.id),
                    "kind": kind.value,
                    "version": 1,
                    "content_hash": content_hash(content),
                },
                ip=ip,
            )
            if payload.get("submit"):
                _change_status(session, actor, onsite, RecordStatus.SUBMITTED, None, ip)
            flush_as_stored(session)
    except IntegrityError:
        existing = session.get(OnsiteAuditRecord, record_id)
        if existing is None:
            raise
        return _replayed_create(session, actor, existing, digest), False
    return build_view(session, onsite, scheme), True


def _replayed_create(
    session: Session, actor: Actor, existing: OnsiteAuditRecord, digest: str
) -> dict[str, Any]:
    if existing.auditor_id != actor.user.id or existing.create_hash != digest:
        if existing.auditor_id == actor.user.id:
            raise IdempotencyConflict(id=str(existing.id), current_version=existing.version)
        raise IdempotencyConflict(id=str(existing.id))
    return build_view(session, existing)


# --------------------------------------------------------------------------- edit


def edit_record(
    session: Session,
    actor: Actor,
    record_id: uuid.UUID,
    patch: Mapping[str, Any],
    expected_version: int | None,
    *,
    device_time: datetime | None = None,
    ip: str | None = None,
) -> dict[str, Any]:
    """Correct a draft or returned record (a new version) and/or submit it; If-Match required."""
    onsite = find_record(session, actor, record_id)
    if onsite.auditor_id != actor.user.id:
        raise Forbidden(details={"reason": "only_the_auditor_edits"})
    engagement = session.get_one(Engagement, onsite.engagement_id)
    scheme = load_scheme_version(session, engagement.scheme_version_id)
    new_content = (
        normalise(onsite.kind, patch["content"], scheme)
        if patch.get("content") is not None
        else None
    )
    submit = bool(patch.get("submit"))
    if expected_version is not None and _is_replayed_edit(
        session, actor, onsite, new_content, submit, expected_version
    ):
        return build_view(session, onsite, scheme)
    try:
        with atomic(session):
            check_version(expected_version, onsite.version)
            if onsite.status not in EDITABLE:
                raise InvalidTransition(details={"status": onsite.status.value})
            check_open(engagement)
            current = _current(session, onsite)
            if new_content is not None and content_hash(new_content) != current.content_hash:
                if onsite.kind is RecordKind.PAIR_RATING:
                    if new_content["pair_id"] != str(onsite.pair_id):
                        raise ValidationFailed(details={"content.pair_id": ["cannot change"]})
                    check_pair_rating(
                        session, actor.user.id, engagement.id, onsite.id, new_content, scheme
                    )
                check_evidence(session, actor.user.organisation_id, cited_evidence(new_content))
                number = onsite.version + 1
                _add_version(session, actor, onsite, number, new_content, device_time)
                onsite.version = number
                record(
                    session,
                    actor=actor,
                    action="onsite.edited",
                    object_type="onsite_audit_record",
                    object_id=onsite.id,
                    details={"version": number, "content_hash": content_hash(new_content)},
                    ip=ip,
                )
            if submit:
                _change_status(session, actor, onsite, RecordStatus.SUBMITTED, None, ip)
            flush_as_stored(session)
    except IntegrityError:
        onsite = find_record(session, actor, record_id)
        if not _is_replayed_edit(session, actor, onsite, new_content, submit, expected_version):
            raise PreconditionFailed(details={"current_version": onsite.version}) from None
    return build_view(session, onsite, scheme)


def _submitted_by(session: Session, actor: Actor, record_id: uuid.UUID, version: int) -> bool:
    return (
        session.scalar(
            sa.select(OnsiteAuditEvent.id).where(
                OnsiteAuditEvent.record_id == record_id,
                OnsiteAuditEvent.version == version,
                OnsiteAuditEvent.to_status == RecordStatus.SUBMITTED,
                OnsiteAuditEvent.actor_id == actor.user.id,
            )
        )
        is not None
    )


def _is_replayed_edit(
    session: Session,
    actor: Actor,
    onsite: OnsiteAuditRecord,
    new_content: dict[str, Any] | None,
    submit: bool,
    expected_version: int | None,
) -> bool:
    """Whether this edit already happened: its If-Match and content produced the current state."""
    if expected_version is None or onsite.auditor_id != actor.user.id:
        return False
    current = _version(session, onsite.id, onsite.version)
    if current is None:
        return False
    if expected_version == onsite.version - 1 and new_content is not None:
        if current.created_by_id != actor.user.id:
            return False
        if content_hash(new_content) != current.content_hash:
            return False
        return submit == _submitted_by(session, actor, onsite.id, onsite.version)
    if expected_version == onsite.version and submit and onsite.status not in EDITABLE:
        if new_content is not None and content_hash(new_content) != current.content_hash:
            return False
        return _submitted_by(session, actor, onsite.id, onsite.version)
    return False


# --------------------------------------------------------------------------- review


def review_record(
    session: Session,
    actor: Actor,
    record_id: uuid.UUID,
    *,
    action: str,
    comment: str | None,
    expected_version: int | None,
    ip: str | None = None,
) -> dict[str, Any]:
    """The engagement's team leader accepts or returns a submitted record (never their own).

    A returned record goes back to its auditor to correct and resubmit; comments are required
    to return. Accepting a conformity record opens the nonconformities of its 不符合 clauses.
    """
    onsite = find_record(session, actor, record_id)
    if onsite.kind is RecordKind.PAIR_RATING:
        # A rater's own ratings never count: the pair's reconciled evaluation does (pairs.py).
        raise InvalidTransition(details={"kind": onsite.kind.value, "action": action})
    granted = require(session, actor, onsite.engagement_id, Need.TEAM_WORK)
    if granted.standing is not Standing.LEADER:
        raise Forbidden(details={"reason": "only_the_team_leader_reviews"})
    if onsite.auditor_id == actor.user.id:
        raise Forbidden(details={"reason": "not_your_own_record"})
    comment = comment.strip() if comment is not None and comment.strip() else None
    if action == "return" and comment is None:
        raise ValidationFailed(details={"comment": ["say what to correct when returning"]})
    scheme = load_scheme_version(session, granted.engagement.scheme_version_id)
    target = TRANSITIONS.get((RecordStatus.SUBMITTED, action))
    if (
        expected_version == onsite.version
        and onsite.status is target
        and _last_event_is(session, actor, onsite, target, comment)
    ):
        return build_view(session, onsite, scheme)
    with atomic(session):
        check_version(expected_version, onsite.version)
        new_status = TRANSITIONS.get((onsite.status, action))
        if new_status is None:
            raise InvalidTransition(details={"status": onsite.status.value, "action": action})
        _change_status(session, actor, onsite, new_status, comment, ip)
        if new_status is RecordStatus.ACCEPTED and onsite.kind is RecordKind.CONFORMITY:
            current = _current(session, onsite)
            open_nonconformities(session, actor, onsite, current.content, scheme, ip)
        flush_as_stored(session)
    return build_view(session, onsite, scheme)


def _last_event_is(
    session: Session,
    actor: Actor,
    onsite: OnsiteAuditRecord,
    target: RecordStatus | None,
    comment: str | None,
) -> bool:
    last = session.scalars(
        sa.select(OnsiteAuditEvent)
        .where(OnsiteAuditEvent.record_id == onsite.id)
        .order_by(OnsiteAuditEvent.id.desc())
        .limit(1)
    ).one_or_none()
    return (
        last is not None
        and last.actor_id == actor.user.id
        and last.to_status is target
        and last.version == onsite.version
        and last.comment == comment
    )


# --------------------------------------------------------------------------- reads


def get_record(session: Session, actor: Actor, record_id: uuid.UUID) -> dict[str, Any]:
    """One record: its auditor, the audit team and independent reviewers."""
    onsite = find_record(session, actor, record_id)
    _may_read(session, actor, onsite)
    return build_view(session, onsite)


def record_versions(
    session: Session, actor: Actor, record_id: uuid.UUID
) -> list[OnsiteAuditVersion]:
    """Every version of a record, oldest first: corrections never overwrite (DOMAIN "Evidence")."""
    onsite = find_record(session, actor, record_id)
    _may_read(session, actor, onsite)
    return list(
        session.scalars(
            sa.select(OnsiteAuditVersion)
            .where(OnsiteAuditVersion.record_id == onsite.id)
            .order_by(OnsiteAuditVersion.number)
        )
    )


def list_records(session: Session, actor: Actor, engagement_id: uuid.UUID) -> list[dict[str, Any]]:
    """An engagement's on-site records (the team leader's review queue), oldest first."""
    granted = require(session, actor, engagement_id, Need.EVALUATIONS)
    scheme = load_scheme_version(session, granted.engagement.scheme_version_id)
    rows = session.scalars(
        sa.select(OnsiteAuditRecord)
        .where(OnsiteAuditRecord.engagement_id == engagement_id)
        .order_by(OnsiteAuditRecord.created_at, OnsiteAuditRecord.id)
    )
    return [build_view(session, r, scheme) for r in rows if not sealed(session, r, actor.user.id)]


def _may_read(session: Session, actor: Actor, onsite: OnsiteAuditRecord) -> None:
    """Its auditor, the team and independent reviewers; a rater's ratings stay sealed from
    everyone else until both raters of the pair have submitted (seed 003)."""
    if onsite.auditor_id == actor.user.id:
        return
    require(session, actor, onsite.engagement_id, Need.EVALUATIONS)
    if sealed(session, onsite, actor.user.id):
        raise Forbidden(details={"reason": "ratings_sealed_until_both_submitted"})
