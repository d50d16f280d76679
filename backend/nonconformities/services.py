"""Opening, answering, verifying and reading nonconformities (CQC rule §5.2.3.1, §7.4 b).

Who may do what (``backend.engagements.access``): the engagement's audit team opens and verifies
(``Need.TEAM_WORK``); a user of the engagement's client answers (standing ``CLIENT``); whoever
may read the engagement's results reads them (team, administrators, independent reviewers, the
client). The client never sees who opened or verified one, nor where it came from (an inspection,
a shopper's visit): ``ClientView`` leaves those out.

Stages refuse to move without their content: ``answered`` needs a correction and evidence
(NONCONFORMITY_ANSWER_INCOMPLETE); ``closed`` needs the verification, its method and the clause
re-judged, at most the scheme's cap (基本符合, NONCONFORMITY_REJUDGEMENT_ABOVE_CAP), and the reason
when an equivalent fix is accepted (NONCONFORMITY_VERIFICATION_INCOMPLETE). Services flush; the
request commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.audit import services as audit
from backend.auth.actor import Actor
from backend.db import utcnow
from backend.engagements.access import Need, Standing, require, visible
from backend.engagements.models import Engagement, EngagementMember
from backend.errors import (
    Forbidden,
    MissingEvidence,
    NonconformityAnswerIncomplete,
    NonconformityRejudgementAboveCap,
    NonconformityStage,
    NonconformityVerificationIncomplete,
    NotFound,
    ValidationFailed,
)
from backend.evaluations.content import load_scheme_version
from backend.evidence import services as evidence_services
from backend.evidence.models import Evidence
from backend.nonconformities import deadlines as dl
from backend.nonconformities.models import Nonconformity, NonconformityEvidence, Source, Stage
from backend.push import services as push
from backend.push.models import PushSubscription
from backend.scoring.model import AuditKind, Consequence
from backend.unit_of_work import flush_as_stored
from backend.users.models import Role, User

MAX_TEXT = 4000
METHODS = ("written", "on_site")  # 书面验证 / 现场验证 (§5.2.3.1)


@dataclass(frozen=True)
class NonconformityView:
    """One nonconformity as the actor may see it, with its state as of ``today``."""

    record: Nonconformity
    engagement: Engagement
    evidence: dict[str, list[uuid.UUID]]
    overdue: bool
    consequence: str | None
    days_left: int
    explanation: dict[str, Any]
    reminder: str | None
    rejudgement: dl.Rejudgement
    #: The client's view: no opener, verifier or source (DOMAIN.md: no shopper identity).
    for_client: bool


# --------------------------------------------------------------------------------- helpers


def _text(value: str | None, field: str, *, required: bool) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise ValidationFailed(details={field: ["必填 / required"]})
        return None
    if len(text) > MAX_TEXT:
        raise ValidationFailed(details={field: [f"最多 {MAX_TEXT} 字 / at most {MAX_TEXT}"]})
    return text


def _usable_evidence(session: Session, actor: Actor, ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    """The cited evidence, each uploaded already and visible to the actor (evidence pipeline)."""
    wanted = list(dict.fromkeys(ids))
    missing = []
    for evidence_id in wanted:
        found = session.get(Evidence, evidence_id)
        if found is None or evidence_services.audience(session, actor, found) is None:
            missing.append(str(evidence_id))
    if missing:
        raise MissingEvidence(
            missing_evidence=missing,
            evidence=[f"evidence {m} has not been uploaded: upload it first" for m in missing],
        )
    return wanted


def _link(session: Session, nc: Nonconformity, ids: Sequence[uuid.UUID], part: str) -> None:
    linked = set(
        session.scalars(
            sa.select(NonconformityEvidence.evidence_id).where(
                NonconformityEvidence.nonconformity_id == nc.id
            )
        )
    )
    for evidence_id in ids:
        if evidence_id not in linked:
            session.add(
                NonconformityEvidence(nonconformity_id=nc.id, evidence_id=evidence_id, part=part)
            )


def _evidence_of(session: Session, nc_id: uuid.UUID) -> dict[str, list[uuid.UUID]]:
    rows = session.execute(
        sa.select(NonconformityEvidence.part, NonconformityEvidence.evidence_id)
        .where(NonconformityEvidence.nonconformity_id == nc_id)
        .order_by(NonconformityEvidence.created_at, NonconformityEvidence.id)
    ).all()
    found: dict[str, list[uuid.UUID]] = {"finding": [], "answer": []}
    for part, evidence_id in rows:
        found[part].append(evidence_id)
    return found


def _record(session: Session, actor: Actor, nc_id: uuid.UUID) -> Nonconformity:
    nc = session.get(Nonconformity, nc_id)
    if nc is None or nc.organisation_id != actor.user.organisation_id:
        raise NotFound(details={"nonconformity_id": str(nc_id)})
    return nc


def _stage(nc: Nonconformity, action: str, *allowed: Stage) -> None:
    if nc.stage not in allowed:
        raise NonconformityStage(
            nonconformity_id=str(nc.id),
            stage=nc.stage,
            action=action,
            allowed=[s.value for s in allowed],
        )


def client_users(engagement: Engagement) -> sa.ColumnElement[bool]:
    users = sa.select(User.id).where(
        User.client_id == engagement.client_id, User.role == Role.CLIENT_USER
    )
    return PushSubscription.user_id.in_(users)


def team_members(engagement: Engagement) -> sa.ColumnElement[bool]:
    members = sa.select(EngagementMember.user_id).where(
        EngagementMember.engagement_id == engagement.id
    )
    return PushSubscription.user_id.in_(members)


def notify(
    session: Session,
    who: sa.ColumnElement[bool],
    nc: Nonconformity,
    kind: str,
    title: tuple[str, str],
    body: tuple[str, str],
    url: str,
) -> None:
    payload = push.message(
        kind,
        title=title,
        body=body,
        url=url,
        data={"nonconformity_id": str(nc.id), "engagement_id": str(nc.engagement_id)},
    )
    # Owed in this transaction (the jobs' outbox): sent once it commits, never if rolled back.
    push.notify_users(session, who, payload)


_ATTEMPTS = 3


def _existing(
    session: Session, engagement_id: uuid.UUID, source: str, ref: str | None
) -> Nonconformity | None:
    """The nonconformity opened before from the same source record, if any (idempotency)."""
    if ref is None:
        return None
    return session.scalars(
        sa.select(Nonconformity).where(
            Nonconformity.engagement_id == engagement_id,
            Nonconformity.source == source,
            Nonconformity.source_ref == ref,
        )
    ).first()


def _next_number(session: Session, engagement_id: uuid.UUID) -> int:
    found = session.scalar(
        sa.select(sa.func.max(Nonconformity.number)).where(
            Nonconformity.engagement_id == engagement_id
        )
    )
    return (found or 0) + 1


def portal_url(nc: Nonconformity) -> str:
    return f"/#/office/portal/ncs/{nc.id}"


def office_url(nc: Nonconformity) -> str:
    return f"/#/office/ncs/{nc.engagement_id}"


# --------------------------------------------------------------------------------- opening


def open_nonconformity(
    session: Session,
    actor: Actor,
    engagement_id: uuid.UUID,
    *,
    clause: str,
    finding: str,
    evidence_ids: list[uuid.UUID],
    source: str = "auditor",
    source_ref: str | None = None,
    today: date | None = None,
) -> Nonconformity:
    """Open a nonconformity at the engagement (§5.2.3.1 应开具不符合项), by its audit team.

    ``source`` is ``auditor`` (opened by hand) or ``conformity`` (from a 不符合 clause judgement;
    ``source_ref`` names that judgement). With ``source_ref`` it is idempotent: the same
    (engagement, source, source_ref) returns the nonconformity opened the first time.
    The deadlines are derived now from the scheme's rule for the engagement's kind of audit.
    """
    engagement = require(session, actor, engagement_id, Need.TEAM_WORK).engagement
    if source not in {s.value for s in Source}:
        raise ValidationFailed(details={"source": [f"one of {[s.value for s in Source]}"]})
    ref = (source_ref or "").strip() or None
    existing = _existing(session, engagement.id, source, ref)
    if existing is not None:
        return existing
    clause_text = cast(str, _text(clause, "clause", required=True))
    if len(clause_text) > 50:
        raise ValidationFailed(details={"clause": ["最多 50 字 / at most 50 characters"]})
    finding_text = cast(str, _text(finding, "finding", required=True))
    cited = _usable_evidence(session, actor, evidence_ids)
    scheme = load_scheme_version(session, engagement.scheme_version_id)
    kind: AuditKind = engagement.kind.value
    rule = dl.rule_for(scheme, kind)
    opened_on = today or dl.today_in_china()
    due = dl.deadlines(rule, opened_on)
    for attempt in range(_ATTEMPTS):
        nc = Nonconformity(
            id=uuid.uuid4(),
            organisation_id=engagement.organisation_id,
            engagement_id=engagement.id,
            number=_next_number(session, engagement.id),
            source=source,
            source_ref=ref,
            clause=clause_text,
            finding=finding_text,
            stage=Stage.OPEN.value,
            audit_kind=kind,
            opened_on=opened_on,
            typical_due=due.typical_due,
            latest_due=due.latest_due,
            on_miss=rule.on_miss,
            rule_section=rule.section[:100],
            opened_by_id=actor.user.id,
        )
        try:
            # A savepoint: a request racing this one (the same source_ref, or the same next
            # number) makes only this insert fail, not the caller's transaction.
            with session.begin_nested():
                session.add(nc)
                session.flush()
            break
        except IntegrityError:
            existing = _existing(session, engagement.id, source, ref)
            if existing is not None:
                return existing
            if attempt == _ATTEMPTS - 1:
                raise
    number = nc.number
    _link(session, nc, cited, "finding")
    audit.record(
        session,
        actor=actor,
        action="nonconformity.opened",
        object_type="nonconformity",
        object_id=nc.id,
        details={
            "engagement_id": str(engagement.id),
            "number": number,
            "clause": clause_text,
            "source": source,
            "source_ref": ref,
            "evidence": [str(e) for e in cited],
            "opened_on": opened_on.isoformat(),
            "typical_due": due.typical_due.isoformat(),
            "latest_due": due.latest_due.isoformat(),
            "rule": {"typical_days": rule.typical_days, "max_days": rule.max_days},
        },
    )
    notify(
        session,
        client_users(engagement),
        nc,
        "nonconformity.opened",
        ("新的不符合项", "New nonconformity"),
        (
            f"条款 {clause_text}：请于 {due.typical_due.isoformat()} 前提交整改。",
            f"Clause {clause_text}: answer by {due.typical_due.isoformat()}.",
        ),
        portal_url(nc),
    )
    flush_as_stored(session)
    return nc


# --------------------------------------------------------------------------------- answering


def client_check(session: Session, actor: Actor, nc: Nonconformity) -> Engagement:
    """The engagement, when the actor is a user of its client (who answers); 404 otherwise."""
    granted = require(session, actor, nc.engagement_id, Need.RESULTS)
    if granted.standing is not Standing.CLIENT:
        raise Forbidden(details={"reason": "only the client's users answer a nonconformity"})
    return granted.engagement


def check_answerable(session: Session, actor: Actor, nc_id: uuid.UUID) -> Nonconformity:
    """The nonconformity, when the actor may add rectification evidence to it now."""
    nc = _record(session, actor, nc_id)
    client_check(session, actor, nc)
    _stage(nc, "upload_evidence", Stage.OPEN)
    return nc


def answer(
    session: Session,
    actor: Actor,
    nc_id: uuid.UUID,
    *,
    cause: str | None,
    correction: str | None,
    evidence_ids: list[uuid.UUID],
) -> Nonconformity:
    """The client answers (整改回复): cause, correction and evidence; the stage → answered."""
    nc = _record(session, actor, nc_id)
    engagement = client_check(session, actor, nc)
    _stage(nc, "answer", Stage.OPEN)
    cause_text = _text(cause, "cause", required=False)
    correction_text = _text(correction, "correction", required=False)
    cited = _usable_evidence(session, actor, evidence_ids)
    missing = [
        name
        for name, present in (("correction", correction_text), ("evidence", cited))
        if not present
    ]
    if missing:
        raise NonconformityAnswerIncomplete(nonconformity_id=str(nc.id), missing=missing)
    _link(session, nc, cited, "answer")
    nc.cause = cause_text
    nc.correction = correction_text
    nc.answered_by_id = actor.user.id
    nc.answered_at = utcnow()
    nc.stage = Stage.ANSWERED.value
    audit.record(
        session,
        actor=actor,
        action="nonconformity.answered",
        object_type="nonconformity",
        object_id=nc.id,
        details={"engagement_id": str(nc.engagement_id), "evidence": [str(e) for e in cited]},
    )
    notify(
        session,
        team_members(engagement),
        nc,
        "nonconformity.answered",
        ("不符合项已提交整改", "Nonconformity answered"),
        (f"条款 {nc.clause}：请验证整改情况。", f"Clause {nc.clause}: verify the rectification."),
        office_url(nc),
    )
    flush_as_stored(session)
    return nc


# --------------------------------------------------------------------------------- verifying


def verify(
    session: Session,
    actor: Actor,
    nc_id: uuid.UUID,
    *,
    accept: bool,
    method: str | None,
    verification: str | None,
    rejudged: str | None = None,
    equivalent: bool = False,
    equivalent_reason: str | None = None,
    today: date | None = None,
) -> Nonconformity:
    """The team verifies the answer in writing or on site (§5.2.3.1) and closes it or sends it
    back. Closing re-judges the clause, at most the scheme's cap (基本符合); an equivalent fix
    is accepted only with the reason (seed 003: 以同等救助能力关闭)."""
    nc = _record(session, actor, nc_id)
    engagement = require(session, actor, nc.engagement_id, Need.TEAM_WORK).engagement
    _stage(nc, "verify" if accept else "return", Stage.ANSWERED)
    text = _text(verification, "verification", required=False)
    if method is not None and method not in METHODS:
        raise ValidationFailed(details={"method": [f"one of {list(METHODS)}"]})
    if not accept:
        if text is None:
            raise NonconformityVerificationIncomplete(
                nonconformity_id=str(nc.id), missing=["verification"]
            )
        nc.stage = Stage.OPEN.value
        nc.returned_comment = text
        nc.verification_method = method
        audit.record(
            session,
            actor=actor,
            action="nonconformity.returned",
            object_type="nonconformity",
            object_id=nc.id,
            reason=text,
            details={"engagement_id": str(nc.engagement_id), "method": method},
        )
        notify(
            session,
            client_users(engagement),
            nc,
            "nonconformity.returned",
            ("整改未通过验证", "Rectification not accepted"),
            (
                f"条款 {nc.clause}：请查看意见并重新提交。",
                f"Clause {nc.clause}: see why, answer again.",
            ),
            portal_url(nc),
        )
        flush_as_stored(session)
        return nc
    reason = _text(equivalent_reason, "equivalent_reason", required=False)
    missing = [
        name
        for name, present in (
            ("method", method),
            ("verification", text),
            ("rejudged", rejudged),
            ("equivalent_reason", reason if equivalent else True),
        )
        if not present
    ]
    if missing:
        raise NonconformityVerificationIncomplete(nonconformity_id=str(nc.id), missing=missing)
    scheme = load_scheme_version(session, engagement.scheme_version_id)
    rules = dl.rejudgement(scheme)
    if rejudged not in rules.allowed:
        if rejudged in rules.labels:
            raise NonconformityRejudgementAboveCap(
                nonconformity_id=str(nc.id),
                judgement=rejudged,
                cap=rules.cap,
                allowed=list(rules.allowed),
            )
        raise ValidationFailed(details={"rejudged": [f"one of {list(rules.allowed)}"]})
    closed_on = today or dl.today_in_china()
    nc.verification_method = method
    nc.verification = text
    nc.rejudged = rejudged
    nc.equivalent_reason = reason if equivalent else None
    nc.verified_by_id = actor.user.id
    nc.closed_on = closed_on
    nc.closed_at = utcnow()
    nc.stage = Stage.CLOSED.value
    audit.record(
        session,
        actor=actor,
        action="nonconformity.closed",
        object_type="nonconformity",
        object_id=nc.id,
        reason=nc.equivalent_reason,
        details={
            "engagement_id": str(nc.engagement_id),
            "clause": nc.clause,
            "method": method,
            "rejudged": rejudged,
            "equivalent": equivalent,
            "closed_on": closed_on.isoformat(),
            "latest_due": nc.latest_due.isoformat(),
            "late": closed_on > nc.latest_due,
        },
    )
    flush_as_stored(session)
    return nc


# --------------------------------------------------------------------------------- reading


def view_of(
    session: Session, nc: Nonconformity, engagement: Engagement, standing: Standing, today: date
) -> NonconformityView:
    scheme = load_scheme_version(session, engagement.scheme_version_id)
    rule = dl.stored_rule(
        cast(AuditKind, nc.audit_kind),
        nc.opened_on,
        nc.typical_due,
        nc.latest_due,
        cast(Consequence, nc.on_miss),
        nc.rule_section,
    )
    result = dl.assess(
        rule,
        f"{nc.number}",
        f"“{engagement.title[:40]}”",
        engagement.ends_on,
        nc.opened_on,
        nc.closed_on,
        today,
    )
    reminder = (
        dl.reminder_due(nc.typical_due, nc.latest_due, today, None)
        if nc.stage != Stage.CLOSED.value
        else None
    )
    return NonconformityView(
        record=nc,
        engagement=engagement,
        evidence=_evidence_of(session, nc.id),
        overdue=result.overdue,
        consequence=nc.consequence or result.consequence,
        days_left=(nc.latest_due - today).days,
        explanation=dl.explanation_json(result),
        reminder=reminder,
        rejudgement=dl.rejudgement(scheme),
        for_client=standing is Standing.CLIENT,
    )


def get_nonconformity(
    session: Session, actor: Actor, nc_id: uuid.UUID, *, today: date | None = None
) -> NonconformityView:
    nc = _record(session, actor, nc_id)
    granted = require(session, actor, nc.engagement_id, Need.RESULTS)
    return view_of(session, nc, granted.engagement, granted.standing, today or dl.today_in_china())


def list_for_engagement(
    session: Session, actor: Actor, engagement_id: uuid.UUID, *, today: date | None = None
) -> list[NonconformityView]:
    granted = require(session, actor, engagement_id, Need.RESULTS)
    day = today or dl.today_in_china()
    rows = session.scalars(
        sa.select(Nonconformity)
        .where(Nonconformity.engagement_id == engagement_id)
        .order_by(Nonconformity.number)
    ).all()
    return [view_of(session, nc, granted.engagement, granted.standing, day) for nc in rows]


def list_for_client(
    session: Session, actor: Actor, *, today: date | None = None
) -> list[NonconformityView]:
    """The portal: every nonconformity of the client user's own client, open ones first."""
    if actor.user.client_id is None:
        return []
    day = today or dl.today_in_china()
    rows = session.execute(
        sa.select(Nonconformity, Engagement)
        .join(Engagement, Engagement.id == Nonconformity.engagement_id)
        .where(
            Engagement.client_id == actor.user.client_id,
            Engagement.organisation_id == actor.user.organisation_id,
        )
        .order_by(
            sa.case((Nonconformity.stage == Stage.CLOSED.value, 1), else_=0),
            Nonconformity.latest_due,
            Nonconformity.number,
        )
    ).all()
    return [view_of(session, nc, engagement, Standing.CLIENT, day) for nc, engagement in rows]


def list_for_team(
    session: Session, actor: Actor, *, today: date | None = None
) -> list[NonconformityView]:
    """The team's work: nonconformities not closed yet of the engagements the actor is on the
    audit team of (``Need.TEAM_WORK``), answered ones (to verify) first, then by latest deadline."""
    day = today or dl.today_in_china()
    engagements = visible(actor, Need.TEAM_WORK).subquery()
    rows = session.execute(
        sa.select(Nonconformity, Engagement)
        .join(Engagement, Engagement.id == Nonconformity.engagement_id)
        .where(
            Nonconformity.engagement_id.in_(sa.select(engagements.c.id)),
            Nonconformity.stage != Stage.CLOSED.value,
        )
        .order_by(
            sa.case((Nonconformity.stage == Stage.ANSWERED.value, 0), else_=1),
            Nonconformity.latest_due,
            Nonconformity.number,
        )
    ).all()
    return [view_of(session, nc, engagement, Standing.TEAM, day) for nc, engagement in rows]
