"""Evaluations: offline-safe create and edit, review, reads, and who sees what.

The phone generates each evaluation's UUID and replays its outbox after a failure, never knowing
whether an earlier attempt arrived (docs/sync.md). So:

* a create is identified by its id and the SHA-256 of its canonical content (``create_hash``):
  the same create again answers the stored evaluation and writes nothing; the same id with other
  content is ``IDEMPOTENCY_CONFLICT``;
* an edit names the version it was based on (If-Match); a stale one is 412, except the replay of
  the very edit that produced the current version, which answers the current state;
* every change adds an ``EvaluationVersion`` (DOMAIN.md "Evidence": corrections are new versions,
  never overwrites), an ``EvaluationEvent`` for status changes, and an audit entry, in one
  transaction: a request that fails half way writes nothing.

Who sees what (issue 3): shoppers only their own evaluations; auditors and team leaders those of
the engagements they are on; reviewers those of engagements they are *not* on (CQC rule §6.1,
§6.2); client users the accepted results of their own client's engagements, without evaluator,
device, times or GPS. A read of an evaluation's GPS fixes or evaluator identity by anyone but
its evaluator is logged with a reason.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.audit.services import record
from backend.auth.access import Actor
from backend.concurrency import check_version
from backend.db import utcnow
from backend.engagements.models import (
    Assignment,
    AssignmentStatus,
    Engagement,
    EngagementMember,
    EngagementSite,
    EngagementStatus,
)
from backend.errors import (
    AssignmentAlreadyRecorded,
    ConflictOfInterest,
    Forbidden,
    IdempotencyConflict,
    InvalidTransition,
    MissingEvidence,
    NotFound,
    PreconditionFailed,
    SchemeInvalid,
    ValidationFailed,
)
from backend.evaluations.actions import (
    ACTION_TARGET,
    TRANSITIONS,
    ReviewActions,
    allowed_in,
    refusal,
    review_actions,
)
from backend.evaluations.models import (
    Evaluation,
    EvaluationEvent,
    EvaluationStatus,
    EvaluationVersion,
)
from backend.evaluations.ratings import stored_ratings
from backend.evidence.models import EvaluationEvidence, Evidence
from backend.schemes import services as schemes
from backend.schemes.models import SchemeVersion
from backend.scoring import InputError, Scheme, parse_input
from backend.users.models import Role, User

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------- callbacks

#: Called after a change is committed, with the session and the evaluation. Other features
#: register here (push notifications: "evaluation waiting for review", "evaluation returned").
#: A failing callback is logged and never fails the request: the change is already committed.
EvaluationCallback = Callable[[Session, Evaluation], None]
on_evaluation_submitted: list[EvaluationCallback] = []
on_evaluation_returned: list[EvaluationCallback] = []


def _notify(callbacks: Sequence[EvaluationCallback], session: Session, ev: Evaluation) -> None:
    for callback in list(callbacks):
        try:
            callback(session, ev)
        except Exception:
            logger.exception("evaluation callback %r failed for %s", callback, ev.id)


# --------------------------------------------------------------------------- canonical content


def canonical_json(value: Any) -> str:
    """One text per value: sorted keys, no spaces, UTF-8 as itself (what the hashes cover)."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def iso_utc(value: datetime | None) -> str | None:
    """A timestamp in one spelling: UTC, microseconds, ``Z`` (``+08:00`` and ``Z`` agree)."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Content:
    """The content of one version, in stored (JSON) form."""

    ratings: Mapping[str, Mapping[str, Any]]
    notes: str
    item_notes: Mapping[str, str]
    started_at: datetime | None
    ended_at: datetime | None
    gps_fixes: Sequence[Mapping[str, Any]]
    evidence: Sequence[Mapping[str, Any]]

    def canonical(self) -> dict[str, Any]:
        return {
            "ratings": dict(self.ratings),
            "notes": self.notes,
            "item_notes": dict(self.item_notes),
            "started_at": iso_utc(self.started_at),
            "ended_at": iso_utc(self.ended_at),
            "gps_fixes": list(self.gps_fixes),
            "evidence": list(self.evidence),
        }

    @functools.cached_property
    def hash(self) -> str:
        return sha256_hex(canonical_json(self.canonical()))


_EMPTY = Content({}, "", {}, None, None, (), ())


def content_of(version: EvaluationVersion) -> Content:
    return Content(
        ratings=version.ratings,
        notes=version.notes,
        item_notes=version.item_notes,
        started_at=version.started_at,
        ended_at=version.ended_at,
        gps_fixes=version.gps_fixes,
        evidence=version.evidence,
    )


def apply_payload(payload: Mapping[str, Any], base: Content) -> Content:
    """The content after a create or edit: each field given replaces the base's value."""

    def given(name: str, convert: Callable[[Any], Any]) -> Any:
        return convert(payload[name]) if name in payload else getattr(base, name)

    return Content(
        ratings=given("ratings", stored_ratings),
        notes=given("notes", str),
        item_notes=given("item_notes", dict),
        started_at=given("started_at", lambda v: v),
        ended_at=given("ended_at", lambda v: v),
        gps_fixes=given(
            "gps_fixes",
            lambda fixes: [
                {
                    "latitude": float(f["latitude"]),
                    "longitude": float(f["longitude"]),
                    "accuracy_m": float(f["accuracy_m"]),
                    "captured_at": iso_utc(f["captured_at"]),
                }
                for f in fixes
            ],
        ),
        evidence=given(
            "evidence",
            lambda links: [
                {"evidence_id": str(link["evidence_id"]), "item": link.get("item")}
                for link in links
            ],
        ),
    )


def create_hash(payload: Mapping[str, Any], content: Content) -> str:
    """SHA-256 of the canonical create: references, mode, submit flag and content."""
    assignment_id = payload.get("assignment_id")
    return sha256_hex(
        canonical_json(
            {
                "engagement_id": str(payload["engagement_id"]),
                "site_id": str(payload["site_id"]),
                "assignment_id": str(assignment_id) if assignment_id is not None else None,
                "mode": payload["mode"],
                "submit": bool(payload.get("submit", False)),
                **content.canonical(),
            }
        )
    )


# --------------------------------------------------------------------------- schemes


def load_scheme_version(
    session: Session, scheme_version_id: uuid.UUID, *, content_hash: str | None = None
) -> Scheme:
    """The exact scheme an engagement pinned, parsed from its stored text (cached).

    A stored text that no longer hashes to the pinned ``content_hash`` (or no longer parses) is
    refused: scores computed with anything else would not be the scores of the pinned version.
    """
    try:
        return schemes.load_scheme_version(session, scheme_version_id, content_hash=content_hash)
    except schemes.StoredSchemeCorrupt as exc:
        raise SchemeInvalid(details={"scheme_version_id": str(scheme_version_id)}) from exc


def _validate_content(
    payload: Mapping[str, Any], scheme: Scheme, mode: str, evaluation_id: uuid.UUID
) -> None:
    """422 unless the given ratings, item notes and evidence items fit the pinned scheme."""
    ratings = payload.get("ratings")
    if ratings:
        if scheme.service is None:
            raise ValidationFailed(
                details={"ratings": [f"scheme {scheme.id} has no service items to rate"]}
            )
        data = {"evaluations": [{"id": str(evaluation_id), "mode": mode, "ratings": ratings}]}
        try:
            parse_input(data, scheme)
        except InputError as exc:
            path = exc.path.removeprefix("evaluations[0].") or "ratings"
            raise ValidationFailed(details={path: [exc.message]}) from exc
    if scheme.service is None:
        return
    items = scheme.service.items
    for code in payload.get("item_notes") or {}:
        if code not in items:
            raise ValidationFailed(
                details={f"item_notes.{code}": [f"unknown item {code!r} in scheme {scheme.id}"]}
            )
    for i, link in enumerate(payload.get("evidence") or ()):
        item = link.get("item")
        if item is not None and item not in items:
            raise ValidationFailed(
                details={f"evidence[{i}].item": [f"unknown item {item!r} in scheme {scheme.id}"]}
            )


# --------------------------------------------------------------------------- access


class Access(enum.Enum):
    """Why the actor may read an evaluation."""

    OWN = "own"  # its evaluator
    TEAM = "team"  # a team leader or auditor on the engagement (QA review)
    INDEPENDENT = "independent"  # a reviewer who was not on the team (CQC rule §6.1, §6.2)


#: Roles that do QA review of evaluations as members of the audit team.
TEAM_ROLES = (Role.TEAM_LEADER, Role.AUDITOR)
#: Modes whose evaluations are mystery-shopper visits: they need the shopper's own assignment.
MYSTERY_SHOPPER_MODES = frozenset({"B", "D"})
#: What a read by someone other than the evaluator is for, unless the caller says (audit log).
_DEFAULT_PURPOSE = {
    Access.TEAM: "audit team QA review (审查组质量复核)",
    Access.INDEPENDENT: "independent review and decision (复核与认证决定)",
}


def is_member(session: Session, engagement_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return (
        session.scalar(
            sa.select(EngagementMember.id).where(
                EngagementMember.engagement_id == engagement_id,
                EngagementMember.user_id == user_id,
            )
        )
        is not None
    )


def engagement_access(
    session: Session, actor: Actor, engagement_id: uuid.UUID, *, clients: bool = False
) -> Engagement:
    """The engagement, if the actor may read its evaluations or scores.

    Team leaders and auditors must be on its team; reviewers must not have been (403
    CONFLICT_OF_INTEREST, CQC rule §6.1, §6.2). With ``clients``, a client user may read the
    engagements of their own client (results without evaluator identity or GPS).
    """
    engagement = session.get(Engagement, engagement_id)
    if engagement is None or engagement.organisation_id != actor.user.organisation_id:
        raise NotFound()
    if actor.role is Role.CLIENT_USER:
        if not clients:
            raise Forbidden(details={"role": actor.role.value})
        if actor.user.client_id is None or actor.user.client_id != engagement.client_id:
            raise NotFound()
        return engagement
    member = is_member(session, engagement.id, actor.user.id)
    if actor.role in TEAM_ROLES:
        if not member:
            raise Forbidden(details={"reason": "not_on_the_audit_team"})
        return engagement
    if actor.role is Role.REVIEWER:
        if member:
            raise ConflictOfInterest(details={"engagement_id": str(engagement.id)})
        return engagement
    raise Forbidden(details={"role": actor.role.value})


def evaluation_access(session: Session, actor: Actor, evaluation: Evaluation) -> Access:
    """Why the actor may see this evaluation in full; 404 when they may not know it exists.

    Client users never see an evaluation in full (it names its evaluator and carries the GPS
    track): they read results through ``client_results``.
    """
    if actor.role is Role.CLIENT_USER:
        raise Forbidden(details={"role": actor.role.value})
    engagement = session.get(Engagement, evaluation.engagement_id)
    if engagement is None or engagement.organisation_id != actor.user.organisation_id:
        raise NotFound()
    if evaluation.evaluator_id == actor.user.id:
        return Access.OWN
    if actor.role in TEAM_ROLES:
        if is_member(session, engagement.id, actor.user.id):
            return Access.TEAM
        raise NotFound()
    if actor.role is Role.REVIEWER:
        if is_member(session, engagement.id, actor.user.id):
            raise ConflictOfInterest(details={"engagement_id": str(engagement.id)})
        return Access.INDEPENDENT
    # Shoppers see only their own; other roles no evaluations at all.
    raise NotFound()


def _get_evaluation(session: Session, evaluation_id: uuid.UUID) -> Evaluation:
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


@contextmanager
def _atomic(session: Session) -> Iterator[None]:
    """Roll everything back when the block fails: no half-written evaluation, version or link."""
    try:
        yield
    except BaseException:
        session.rollback()
        raise


# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class Person:
    id: uuid.UUID
    display_name: str


@dataclass(frozen=True)
class EvaluationView:
    """An evaluation with its current content and history, as the API shows it."""

    id: uuid.UUID
    engagement_id: uuid.UUID
    site_id: uuid.UUID
    assignment_id: uuid.UUID | None
    mode: str
    status: EvaluationStatus
    status_reason: str | None
    version: int
    evaluator: Person
    device_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    content: EvaluationVersion
    events: Sequence[EvaluationEvent]
    #: The review actions the reader may take now (reads and reviews; None on the evaluator's
    #: own create and edit answers).
    review: ReviewActions | None = None


@dataclass(frozen=True)
class EvaluationSummary:
    id: uuid.UUID
    site_id: uuid.UUID
    assignment_id: uuid.UUID | None
    mode: str
    status: EvaluationStatus
    version: int
    evaluator: Person
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    #: The review actions the reader of the queue may take on it now.
    review: ReviewActions | None = None


def _version(session: Session, evaluation_id: uuid.UUID, number: int) -> EvaluationVersion | None:
    return session.scalars(
        sa.select(EvaluationVersion).where(
            EvaluationVersion.evaluation_id == evaluation_id, EvaluationVersion.number == number
        )
    ).one_or_none()


def current_version(session: Session, evaluation: Evaluation) -> EvaluationVersion:
    """The version ``evaluation.version`` names (every evaluation has one from its create)."""
    return session.scalars(
        sa.select(EvaluationVersion).where(
            EvaluationVersion.evaluation_id == evaluation.id,
            EvaluationVersion.number == evaluation.version,
        )
    ).one()


def _person(session: Session, user_id: uuid.UUID) -> Person:
    user = session.get_one(User, user_id)
    return Person(user.id, user.display_name)


def _events(session: Session, evaluation_id: uuid.UUID) -> list[EvaluationEvent]:
    return list(
        session.scalars(
            sa.select(EvaluationEvent)
            .where(EvaluationEvent.evaluation_id == evaluation_id)
            .order_by(EvaluationEvent.id)
        )
    )


def build_view(
    session: Session,
    evaluation: Evaluation,
    *,
    content: EvaluationVersion | None = None,
    events: Sequence[EvaluationEvent] | None = None,
) -> EvaluationView:
    """The view of ``evaluation``; a create passes the version and events it just wrote."""
    return EvaluationView(
        id=evaluation.id,
        engagement_id=evaluation.engagement_id,
        site_id=evaluation.site_id,
        assignment_id=evaluation.assignment_id,
        mode=evaluation.mode,
        status=evaluation.status,
        status_reason=evaluation.status_reason,
        version=evaluation.version,
        evaluator=_person(session, evaluation.evaluator_id),
        device_id=evaluation.device_id,
        created_at=evaluation.created_at,
        updated_at=evaluation.updated_at,
        submitted_at=evaluation.submitted_at,
        content=content if content is not None else current_version(session, evaluation),
        events=events if events is not None else _events(session, evaluation.id),
    )


# --------------------------------------------------------------------------- create


def _references(
    session: Session, actor: Actor, payload: Mapping[str, Any], evaluation_id: uuid.UUID
) -> tuple[Engagement, str]:
    """Check what a create refers to and whether the actor may record it there.

    Returns the engagement and the content hash of its pinned scheme version.

    The engagement, whether the site is sampled in it and whether the actor is on its team come
    in one round trip: every evaluation a phone sends starts here.
    """
    engagement_id, site_id = payload["engagement_id"], payload["site_id"]
    row = session.execute(
        sa.select(
            Engagement,
            SchemeVersion.content_hash,
            sa.exists()
            .where(EngagementSite.engagement_id == engagement_id)
            .where(EngagementSite.site_id == site_id),
            sa.exists()
            .where(EngagementMember.engagement_id == engagement_id)
            .where(EngagementMember.user_id == actor.user.id),
        )
        .join(SchemeVersion, SchemeVersion.id == Engagement.scheme_version_id)
        .where(Engagement.id == engagement_id)
    ).one_or_none()
    if row is None or row[0].organisation_id != actor.user.organisation_id:
        raise ValidationFailed(details={"engagement_id": ["unknown engagement"]})
    engagement, scheme_hash, sampled, member = row
    _engagement_open(engagement)
    mode = payload["mode"]
    if mode not in engagement.modes:
        used = ", ".join(engagement.modes)
        raise ValidationFailed(
            details={"mode": [f"mode {mode} is not used in this engagement (modes: {used})"]}
        )
    if not sampled:
        raise ValidationFailed(details={"site_id": ["the site is not sampled in this engagement"]})

    assignment: Assignment | None = None
    if payload.get("assignment_id") is not None:
        assignment = session.get(Assignment, payload["assignment_id"])
        if assignment is None or assignment.engagement_id != engagement.id:
            raise ValidationFailed(
                details={"assignment_id": ["unknown assignment for this engagement"]}
            )
        if assignment.shopper_id != actor.user.id:
            raise Forbidden(details={"reason": "not_your_assignment"})
        if assignment.site_id != payload["site_id"]:
            raise ValidationFailed(details={"site_id": ["the assignment is for another site"]})
        if assignment.mode != mode:
            raise ValidationFailed(
                details={"mode": [f"the assignment is for mode {assignment.mode}, not {mode}"]}
            )
        if assignment.status is AssignmentStatus.CANCELLED:
            raise InvalidTransition(details={"assignment_status": assignment.status.value})
        other = session.execute(
            sa.select(Evaluation.id, Evaluation.status).where(
                Evaluation.assignment_id == assignment.id, Evaluation.id != evaluation_id
            )
        ).first()
        if other is not None:
            # One visit, one evaluation: a phone that lost its local record finds it here, and
            # a second phone learns that the first one's visit counts.
            raise AssignmentAlreadyRecorded(
                details={
                    "reason": "assignment_already_recorded",
                    "evaluation_id": str(other.id),
                    "evaluation_status": other.status.value,
                }
            )
    if mode in MYSTERY_SHOPPER_MODES and assignment is None:
        raise ValidationFailed(
            details={"assignment_id": [f"mode {mode} needs the shopper's own assignment"]}
        )
    if actor.role is Role.SHOPPER and assignment is None:
        raise ValidationFailed(
            details={"assignment_id": ["shoppers record visits of their own assignments"]}
        )
    if assignment is None and not member:
        raise Forbidden(details={"reason": "not_on_the_audit_team"})
    return engagement, scheme_hash


def _engagement_open(engagement: Engagement) -> None:
    if engagement.status in (EngagementStatus.DECIDED, EngagementStatus.CLOSED):
        raise InvalidTransition(details={"engagement_status": engagement.status.value})


def _link_evidence(
    session: Session,
    actor: Actor,
    evaluation_id: uuid.UUID,
    links: Sequence[Mapping[str, Any]],
    *,
    new_evaluation: bool = False,
) -> list[EvaluationEvidence]:
    """The links a version's citations add; 422 naming every id not uploaded yet.

    The phone uploads evidence before the evaluation that cites it; an id the server does not
    have (or that belongs to another organisation, or for a shopper to someone else) is named
    so that the phone uploads it and replays. Nothing is added to the session: the caller adds
    the links once every check has passed. A new evaluation has no links yet to look up.
    """
    wanted = {uuid.UUID(link["evidence_id"]): link for link in links}
    if not wanted:
        return []
    usable = set(
        session.scalars(
            sa.select(Evidence.id).where(
                Evidence.id.in_(wanted),
                Evidence.organisation_id == actor.user.organisation_id,
                *([Evidence.uploaded_by_id == actor.user.id] if actor.role is Role.SHOPPER else []),
            )
        )
    )
    missing = [str(evidence_id) for evidence_id in wanted if evidence_id not in usable]
    if missing:
        raise MissingEvidence(
            details={
                "evidence": [
                    f"evidence {m} has not been uploaded: upload it first" for m in missing
                ],
                "missing_evidence": missing,
            }
        )
    linked: set[uuid.UUID] = set()
    if not new_evaluation:
        linked = set(
            session.scalars(
                sa.select(EvaluationEvidence.evidence_id).where(
                    EvaluationEvidence.evaluation_id == evaluation_id,
                    EvaluationEvidence.evidence_id.in_(wanted),
                )
            )
        )
    return [
        EvaluationEvidence(
            evaluation_id=evaluation_id, evidence_id=evidence_id, item_code=link["item"]
        )
        for evidence_id, link in wanted.items()
        if evidence_id not in linked
    ]


def _add_version(
    session: Session,
    actor: Actor,
    evaluation: Evaluation,
    number: int,
    content: Content,
    device_time: datetime | None,
) -> EvaluationVersion:
    version = EvaluationVersion(
        evaluation_id=evaluation.id,
        number=number,
        ratings=dict(content.ratings),
        notes=content.notes,
        item_notes=dict(content.item_notes),
        started_at=content.started_at,
        ended_at=content.ended_at,
        gps_fixes=list(content.gps_fixes),
        evidence=list(content.evidence),
        content_hash=content.hash,
        created_by_id=actor.user.id,
        device_id=actor.device.id if actor.device is not None else None,
        device_sent_at=device_time,
    )
    session.add(version)
    return version


#: What an evaluation's status means for the visit it records: the shopper's list of
#: assignments shows it (issue 3, "Assignments ... status"). Rejected and excluded visits were
#: still made: the evaluation's own status says what became of them.
_ASSIGNMENT_STATUS: Mapping[EvaluationStatus, AssignmentStatus] = {
    EvaluationStatus.DRAFT: AssignmentStatus.IN_PROGRESS,
    EvaluationStatus.RETURNED: AssignmentStatus.IN_PROGRESS,
    EvaluationStatus.SUBMITTED: AssignmentStatus.SUBMITTED,
    EvaluationStatus.ACCEPTED: AssignmentStatus.COMPLETED,
    EvaluationStatus.REJECTED: AssignmentStatus.COMPLETED,
    EvaluationStatus.EXCLUDED: AssignmentStatus.COMPLETED,
}


def _follow_assignment(session: Session, evaluation: Evaluation, status: EvaluationStatus) -> None:
    """Move the evaluation's assignment (if any, and not cancelled) along with it."""
    if evaluation.assignment_id is None:
        return
    assignment = session.get(Assignment, evaluation.assignment_id)
    if assignment is not None and assignment.status is not AssignmentStatus.CANCELLED:
        assignment.status = _ASSIGNMENT_STATUS[status]


def _change_status(
    session: Session,
    actor: Actor,
    evaluation: Evaluation,
    to: EvaluationStatus,
    *,
    comment: str | None,
    action: str,
    ip: str | None,
) -> EvaluationEvent:
    """Move ``evaluation`` to ``to``, with its event and audit entry; the event is returned."""
    from_status = evaluation.status
    evaluation.status = to
    evaluation.status_reason = comment
    _follow_assignment(session, evaluation, to)
    if to is EvaluationStatus.SUBMITTED:
        evaluation.submitted_at = utcnow()
    event = EvaluationEvent(
        evaluation_id=evaluation.id,
        actor_id=actor.user.id,
        from_status=from_status,
        to_status=to,
        version=evaluation.version,
        comment=comment,
    )
    session.add(event)
    record(
        session,
        actor=actor,
        action=action,
        object_type="evaluation",
        object_id=evaluation.id,
        reason=comment,
        details={"from": from_status.value, "to": to.value, "version": evaluation.version},
        ip=ip,
    )
    return event


def _submit(
    session: Session, actor: Actor, evaluation: Evaluation, ip: str | None
) -> EvaluationEvent:
    """The evaluator hands the evaluation in for review."""
    return _change_status(
        session,
        actor,
        evaluation,
        EvaluationStatus.SUBMITTED,
        comment=None,
        action="evaluation.submitted",
        ip=ip,
    )


def create_evaluation(
    session: Session,
    actor: Actor,
    evaluation_id: uuid.UUID,
    payload: Mapping[str, Any],
    *,
    device_time: datetime | None = None,
    ip: str | None = None,
) -> tuple[EvaluationView, bool]:
    """Create an evaluation under the phone's id; ``(view, created)``.

    Replaying the same create answers the stored evaluation (``created`` false) and writes
    nothing; the same id with other content is ``IDEMPOTENCY_CONFLICT`` (409).
    """
    content = apply_payload(payload, _EMPTY)
    digest = create_hash(payload, content)
    existing = session.get(Evaluation, evaluation_id)
    if existing is not None:
        return _replayed_create(session, actor, existing, digest), False
    try:
        with _atomic(session):
            evaluation, version, events = _create(
                session, actor, evaluation_id, payload, content, digest, device_time, ip
            )
    except IntegrityError:
        # Another request created the same id between our look-up and our insert.
        existing = session.get(Evaluation, evaluation_id)
        if existing is None:
            raise
        return _replayed_create(session, actor, existing, digest), False
    if evaluation.status is EvaluationStatus.SUBMITTED:
        _notify(on_evaluation_submitted, session, evaluation)
    return build_view(session, evaluation, content=version, events=events), True


def _replayed_create(
    session: Session, actor: Actor, existing: Evaluation, digest: str
) -> EvaluationView:
    if existing.evaluator_id != actor.user.id or existing.create_hash != digest:
        details: dict[str, Any] = {"evaluation_id": str(existing.id)}
        if existing.evaluator_id == actor.user.id:
            details["current_version"] = existing.version
        raise IdempotencyConflict(details=details)
    return build_view(session, existing)


def _create(
    session: Session,
    actor: Actor,
    evaluation_id: uuid.UUID,
    payload: Mapping[str, Any],
    content: Content,
    digest: str,
    device_time: datetime | None,
    ip: str | None,
) -> tuple[Evaluation, EvaluationVersion, list[EvaluationEvent]]:
    engagement, scheme_hash = _references(session, actor, payload, evaluation_id)
    scheme = load_scheme_version(session, engagement.scheme_version_id, content_hash=scheme_hash)
    _validate_content(payload, scheme, payload["mode"], evaluation_id)
    # Every check before the first row is added: the rows below then go out in one flush.
    links = _link_evidence(session, actor, evaluation_id, content.evidence, new_evaluation=True)
    evaluation = Evaluation(
        id=evaluation_id,
        engagement_id=engagement.id,
        site_id=payload["site_id"],
        assignment_id=payload.get("assignment_id"),
        mode=payload["mode"],
        evaluator_id=actor.user.id,
        device_id=actor.device.id if actor.device is not None else None,
        status=EvaluationStatus.DRAFT,
        version=1,
        create_hash=digest,
    )
    session.add(evaluation)
    version = _add_version(session, actor, evaluation, 1, content, device_time)
    created = EvaluationEvent(
        evaluation_id=evaluation.id,
        actor_id=actor.user.id,
        from_status=None,
        to_status=EvaluationStatus.DRAFT,
        version=1,
    )
    session.add(created)
    _follow_assignment(session, evaluation, EvaluationStatus.DRAFT)
    record(
        session,
        actor=actor,
        action="evaluation.created",
        object_type="evaluation",
        object_id=evaluation.id,
        details={
            "engagement_id": str(engagement.id),
            "mode": evaluation.mode,
            "version": 1,
            "content_hash": content.hash,
        },
        ip=ip,
    )
    session.add_all(links)
    events = [created]
    if payload.get("submit"):
        # Still unflushed: the row is inserted as submitted, with both events on record.
        events.append(_submit(session, actor, evaluation, ip))
    session.commit()
    return evaluation, version, events


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
        with _atomic(session):
            evaluation, submitted = _edit(
                session, actor, evaluation_id, patch, expected_version, device_time, ip
            )
    except IntegrityError:
        # A concurrent edit took the same version number: this one is now stale (or a replay).
        evaluation = _get_evaluation(session, evaluation_id)
        if not _is_replayed_edit(session, actor, evaluation, patch, expected_version):
            raise PreconditionFailed(details={"current_version": evaluation.version}) from None
        submitted = False
    if submitted:
        _notify(on_evaluation_submitted, session, evaluation)
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
    evaluation = _get_evaluation(session, evaluation_id)
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
    _engagement_open(engagement)
    scheme = load_scheme_version(session, engagement.scheme_version_id)
    _validate_content(patch, scheme, evaluation.mode, evaluation.id)

    current = current_version(session, evaluation)
    content = apply_payload(patch, content_of(current))
    if content.hash != current.content_hash:
        number = evaluation.version + 1
        _add_version(session, actor, evaluation, number, content, device_time)
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
            session.add_all(_link_evidence(session, actor, evaluation.id, content.evidence))
    submitted = bool(patch.get("submit"))
    if submitted:
        _submit(session, actor, evaluation, ip)
    session.flush()
    session.commit()
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
        base = _version(session, evaluation.id, expected_version)
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
    with _atomic(session):
        evaluation = _get_evaluation(session, evaluation_id)
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
            return _with_review(build_view(session, evaluation), actor, access)
        check_version(expected_version, evaluation.version)
        new_status = TRANSITIONS.get((evaluation.status, action))
        if new_status is None:
            allowed = sorted(allowed_in(evaluation.status))
            raise InvalidTransition(
                details={"status": evaluation.status.value, "action": action, "allowed": allowed}
            )
        _change_status(
            session,
            actor,
            evaluation,
            new_status,
            comment=comment,
            action=f"evaluation.{new_status.value}",
            ip=ip,
        )
        session.commit()
    if new_status is EvaluationStatus.RETURNED:
        _notify(on_evaluation_returned, session, evaluation)
    return _with_review(build_view(session, evaluation), actor, access)


def _with_review(view: EvaluationView, actor: Actor, access: Access) -> EvaluationView:
    """The view with the review actions this actor may take on it now (actions.py)."""
    review = review_actions(
        actor.role,
        own=access is Access.OWN,
        on_team=access is Access.TEAM,
        status=view.status,
    )
    return dataclasses.replace(view, review=review)


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
    evaluation = _get_evaluation(session, evaluation_id)
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
        session.commit()
    return _with_review(build_view(session, evaluation), actor, access)


def list_versions(
    session: Session,
    actor: Actor,
    evaluation_id: uuid.UUID,
    *,
    reason: str | None = None,
    ip: str | None = None,
) -> list[EvaluationVersion]:
    """Every version of an evaluation, oldest first (GPS of each: logged read)."""
    evaluation = _get_evaluation(session, evaluation_id)
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
        session.commit()
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
    reason: str | None = None,
    ip: str | None = None,
) -> list[EvaluationSummary]:
    """The review queue: an engagement's evaluations, optionally by status, oldest first."""
    engagement = engagement_access(session, actor, engagement_id)
    query = (
        sa.select(Evaluation, User)
        .join(User, User.id == Evaluation.evaluator_id)
        .where(Evaluation.engagement_id == engagement.id)
        .order_by(Evaluation.submitted_at, Evaluation.created_at, Evaluation.id)
    )
    if statuses:
        query = query.where(Evaluation.status.in_(list(statuses)))
    rows = session.execute(query).all()
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
                # engagement_access let team leaders and auditors in only as team members.
                on_team=actor.role in TEAM_ROLES,
                status=ev.status,
            ),
        )
        for ev, user in rows
    ]
    others = [s.id for s in summaries if s.evaluator.id != actor.user.id]
    if others:
        access = Access.TEAM if actor.role in TEAM_ROLES else Access.INDEPENDENT
        log_personal_read(
            session,
            actor,
            others,
            access,
            action="evaluation.list_read",
            fields=("evaluator",),
            reason=reason,
            ip=ip,
        )
        session.commit()
    return summaries


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


def client_results(session: Session, actor: Actor, engagement_id: uuid.UUID) -> list[ClientResult]:
    """An engagement's accepted evaluations, for its client's users and for staff."""
    engagement = engagement_access(session, actor, engagement_id, clients=True)
    rows = session.execute(
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
        .order_by(Evaluation.site_id, Evaluation.id)
    ).all()
    return [
        ClientResult(ev.id, ev.engagement_id, ev.site_id, ev.mode, ev.status, ev.version, version)
        for ev, version in rows
    ]
