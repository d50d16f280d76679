"""Keeping a certificate: surveillance audits, extensions, extra surveillance, recertification.

Every date comes from the lifecycle core (``records.assess``): the next surveillance due (§7.3,
counted from the first surveillance's date), the extension to 31 December, the suspension limits
(§9.4), the recertification window and direct renewal (§8). The services record what the body
did (an audit planned and concluded, an extension granted, an extra surveillance decided, a
recertification applied for) and write each event to the audit log. Services flush; the request
commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit import services as audit
from backend.audit.models import AuditEntry
from backend.auth.actor import Actor
from backend.certificates.models import Certificate
from backend.certificates.services import today_in_china
from backend.engagements import access
from backend.engagements.access import Need
from backend.engagements.models import Engagement, EngagementKind
from backend.engagements.planning import create_engagement
from backend.errors import (
    CertificateEnded,
    Conflict,
    NotFound,
    RecertificationWindow,
    ValidationFailed,
)
from backend.surveillance.models import (
    EXTRA_CAUSES,
    CertificateAudit,
    ExtraSurveillance,
    SurveillanceExtensionGrant,
)
from backend.surveillance.records import Assessed, assess
from backend.unit_of_work import flush_as_stored
from backend.users.models import Role


@dataclass(frozen=True)
class EngagementPlan:
    """The audit engagement to create (leader, team, dates, sites; modes and title optional)."""

    starts_on: date
    ends_on: date
    leader_id: uuid.UUID | None = None
    auditor_ids: Sequence[uuid.UUID] = ()
    site_ids: Sequence[uuid.UUID] | None = None
    modes: Sequence[str] | None = None
    title: str | None = None


# --------------------------------------------------------------------------- reading


def organisation_certificate(
    session: Session, actor: Actor, certificate_id: uuid.UUID, *, lock: bool = False
) -> Certificate:
    """The certificate, if the actor's organisation holds it and the actor may see it.

    Administrators and reviewers see every certificate of the organisation; team leaders and
    auditors those of an engagement they may see (the certificate's own, or one of its
    surveillance and recertification audits: ``engagements.access``). ``lock``: a change to
    the certificate's life waits for any other one (PostgreSQL row lock), so two people never
    both take the same step (two extensions, two recertification applications).
    """
    certificate = session.get(Certificate, certificate_id, with_for_update=lock)
    if certificate is None or certificate.organisation_id != actor.user.organisation_id:
        raise NotFound()
    if actor.role in (Role.ADMIN, Role.REVIEWER):
        return certificate
    linked = session.scalars(
        sa.select(CertificateAudit.engagement_id).where(
            CertificateAudit.certificate_id == certificate.id
        )
    )
    engagement_ids = [certificate.engagement_id, *linked]
    seen = session.scalar(
        access.visible(actor, Need.SEE)
        .where(Engagement.id.in_(engagement_ids))
        .with_only_columns(sa.func.count())
    )
    if not seen:
        raise NotFound()
    return certificate


def note_expiries(session: Session, actor: Actor, assessed: Sequence[Assessed]) -> None:
    """The audit log's "expiry seen" (§9.2): once per certificate, when first found expired.

    The status is computed, never stored; the log records the first read that saw it.
    """
    expired = [a for a in assessed if a.result.certificate.status == "expired"]
    if not expired:
        return
    ids = [str(a.certificate.id) for a in expired]
    seen = set(
        session.scalars(
            sa.select(AuditEntry.object_id).where(
                AuditEntry.action == "certificate.expired", AuditEntry.object_id.in_(ids)
            )
        )
    )
    for a in expired:
        if str(a.certificate.id) in seen:
            continue
        audit.record(
            session,
            actor=actor,
            action="certificate.expired",
            object_type="certificate",
            object_id=a.certificate.id,
            details={
                "number": a.certificate.number,
                "valid_until": a.certificate.valid_until.isoformat(),
                "seen_on": a.result.today.isoformat(),
            },
        )


def certificate_lifecycle(
    session: Session, actor: Actor, certificate_id: uuid.UUID, today: date | None = None
) -> Assessed:
    """The certificate's life as of today (Beijing time): dates, status, audits, decisions."""
    certificate = organisation_certificate(session, actor, certificate_id)
    assessed = assess(session, certificate, today or today_in_china())
    note_expiries(session, actor, [assessed])
    return assessed


# --------------------------------------------------------------------------- audits


def _require_running(assessed: Assessed) -> None:
    status = assessed.result.certificate.status
    if status in ("withdrawn", "expired"):
        raise CertificateEnded(certificate_status=status)


def _previous_sites(session: Session, assessed: Assessed, before: date) -> int:
    """The sites sampled at the previous audit (§7.1 相较前次审查)."""
    previous = [x.engagement for x in assessed.linked if x.engagement.ends_on < before]
    engagement = previous[-1] if previous else assessed.engagement
    return len(engagement.sites)


def _create_audit(
    session: Session,
    actor: Actor,
    assessed: Assessed,
    kind: EngagementKind,
    plan: EngagementPlan,
    title: str,
) -> Engagement:
    origin = assessed.engagement
    site_ids = (
        list(plan.site_ids) if plan.site_ids is not None else [s.site_id for s in origin.sites]
    )
    return create_engagement(
        session,
        actor,
        client_id=origin.client_id,
        scheme_version_id=origin.scheme_version_id,
        kind=kind,
        modes=list(plan.modes) if plan.modes is not None else list(origin.modes),
        title=plan.title or title,
        starts_on=plan.starts_on,
        ends_on=plan.ends_on,
        leader_id=plan.leader_id,
        auditor_ids=list(plan.auditor_ids),
        site_ids=site_ids,
    )


def plan_surveillance(
    session: Session,
    actor: Actor,
    certificate_id: uuid.UUID,
    plan: EngagementPlan,
    *,
    extra_id: uuid.UUID | None = None,
    reduced_sampling: bool = False,
    unchanged_note: str = "",
) -> Assessed:
    """A surveillance audit of the certificate, as an engagement of kind surveillance (§7).

    Annual unless ``extra_id`` names an extra surveillance the body decided (§7.3). §7.1: the
    sample may be smaller than the previous audit's only with ``reduced_sampling`` and a note of
    what did not change since.
    """
    certificate = organisation_certificate(session, actor, certificate_id, lock=True)
    today = today_in_china()
    assessed = assess(session, certificate, today)
    _require_running(assessed)
    problems: dict[str, list[str]] = {}
    note = unchanged_note.strip()
    if reduced_sampling and not note:
        problems["unchanged_note"] = [
            "减少抽样量须写明哪些指标未发生变化（§7.1）/ say what did not change (§7.1)"
        ]
    if plan.starts_on < certificate.issued_on:
        problems["starts_on"] = [
            f"不能早于发证日 {certificate.issued_on} / not before the certificate was issued"
        ]
    if plan.site_ids is not None:
        previous = _previous_sites(session, assessed, plan.starts_on)
        if not plan.site_ids:
            problems["site_ids"] = ["至少抽取一个场所 / sample at least one site"]
        elif len(plan.site_ids) < previous and not reduced_sampling:
            problems["site_ids"] = [
                f"少于前次审查的 {previous} 个场所，须选择“适度减少抽样量”并说明（§7.1）/ "
                f"fewer than the previous audit's {previous} sites needs reduced sampling (§7.1)"
            ]
    extra: ExtraSurveillance | None = None
    if extra_id is not None:
        extra = session.get(ExtraSurveillance, extra_id)
        if extra is None or extra.certificate_id != certificate.id:
            problems["extra_id"] = ["不是本证书的增加监督 / not an extra surveillance of it"]
        elif session.scalar(
            sa.select(CertificateAudit.engagement_id).where(CertificateAudit.extra_id == extra.id)
        ):
            problems["extra_id"] = ["该增加监督已安排 / already planned"]
    if problems:
        raise ValidationFailed(details=problems)
    purpose = "extra" if extra is not None else "annual"
    number = assessed.result.surveillance.number
    title = (
        f"增加监督 {certificate.number}"
        if purpose == "extra"
        else f"第{number}次监督审查 {certificate.number}"
    )
    engagement = _create_audit(session, actor, assessed, EngagementKind.SURVEILLANCE, plan, title)
    session.add(
        CertificateAudit(
            engagement_id=engagement.id,
            certificate_id=certificate.id,
            purpose=purpose,
            extra_id=extra.id if extra is not None else None,
            reduced_sampling=reduced_sampling,
            unchanged_note=note,
            created_by_id=actor.user.id,
        )
    )
    due = assessed.result.surveillance.next_due
    audit.record(
        session,
        actor=actor,
        action="surveillance.planned",
        object_type="certificate",
        object_id=certificate.id,
        details={
            "engagement_id": str(engagement.id),
            "purpose": purpose,
            "number": number if purpose == "annual" else None,
            "due": due.isoformat() if due is not None and purpose == "annual" else None,
            "ends_on": plan.ends_on.isoformat(),
            "reduced_sampling": reduced_sampling,
        },
    )
    flush_as_stored(session)
    return assess(session, certificate, today)


def conclude_audit(
    session: Session,
    actor: Actor,
    engagement_id: uuid.UUID,
    *,
    passed: bool,
    note: str,
    concluded_on: date | None = None,
) -> Assessed:
    """§7.4: the body's evaluation of a surveillance (or recertification) audit's result.

    A passed surveillance keeps the certificate and fixes the schedule (the first one's date
    counts for all later ones, §7.3); a failed one asks for suspension or withdrawal (§7.4 c),
    shown by the lifecycle until the body records it.
    """
    granted = access.require(session, actor, engagement_id, Need.SEE)
    link = session.get(CertificateAudit, granted.engagement.id, with_for_update=True)
    if link is None:
        raise NotFound(details={"engagement_id": str(engagement_id)})
    day = concluded_on or today_in_china()
    problems: dict[str, list[str]] = {}
    if day > today_in_china():
        problems["concluded_on"] = ["不能晚于今天 / not in the future"]
    if day < granted.engagement.ends_on:
        problems["concluded_on"] = [
            f"审查于 {granted.engagement.ends_on} 结束，不能早于该日 / not before the audit ended"
        ]
    if not note.strip():
        problems["note"] = ["请写明评价意见 / give the evaluation"]
    if problems:
        raise ValidationFailed(details=problems)
    if link.passed is not None:
        raise Conflict(details={"reason": "concluded_already", "passed": link.passed})
    link.passed = passed
    link.concluded_on = day
    link.conclusion_note = note.strip()
    certificate = session.get_one(Certificate, link.certificate_id)
    audit.record(
        session,
        actor=actor,
        action=(
            "recertification.concluded"
            if link.purpose == "recertification"
            else "surveillance.concluded"
        ),
        object_type="certificate",
        object_id=certificate.id,
        reason=note.strip(),
        details={
            "engagement_id": str(link.engagement_id),
            "purpose": link.purpose,
            "passed": passed,
            "done_on": granted.engagement.ends_on.isoformat(),
            "concluded_on": day.isoformat(),
        },
    )
    flush_as_stored(session)
    return assess(session, certificate, today_in_china())


# --------------------------------------------------------------------------- schedule


def grant_extension(
    session: Session,
    actor: Actor,
    certificate_id: uuid.UUID,
    *,
    reason: str,
    granted_on: date | None = None,
) -> Assessed:
    """§7.3: extend the next annual surveillance to 31 December of the year it falls due."""
    certificate = organisation_certificate(session, actor, certificate_id, lock=True)
    today = today_in_china()
    day = granted_on or today
    assessed = assess(session, certificate, today)
    _require_running(assessed)
    plan = assessed.result.surveillance
    if not reason.strip():
        raise ValidationFailed(details={"reason": ["请写明延期原因 / give the reason"]})
    if day > today:
        raise ValidationFailed(details={"granted_on": ["不能晚于今天 / not in the future"]})
    if plan.next_due is None or plan.extension_until is None:
        raise Conflict(details={"reason": "no_surveillance_due"})
    if plan.extended:
        raise Conflict(details={"reason": "extended_already", "number": plan.number})
    if day > plan.extension_until:
        raise Conflict(
            details={
                "reason": "past_the_calendar_year",
                "extension_until": plan.extension_until.isoformat(),
            }
        )
    session.add(
        SurveillanceExtensionGrant(
            certificate_id=certificate.id,
            number=plan.number,
            granted_on=day,
            reason=reason.strip(),
            created_by_id=actor.user.id,
        )
    )
    audit.record(
        session,
        actor=actor,
        action="surveillance.extended",
        object_type="certificate",
        object_id=certificate.id,
        reason=reason.strip(),
        details={
            "number": plan.number,
            "due": plan.next_due.isoformat(),
            "extension_until": plan.extension_until.isoformat(),
            "granted_on": day.isoformat(),
        },
    )
    flush_as_stored(session)
    return assess(session, certificate, today)


def add_extra_surveillance(
    session: Session,
    actor: Actor,
    certificate_id: uuid.UUID,
    *,
    cause: str,
    reason: str,
    due_by: date,
    decided_on: date | None = None,
) -> Assessed:
    """§7.3 增加监督频次: after a complaint, a doubt, a change or negative news."""
    certificate = organisation_certificate(session, actor, certificate_id, lock=True)
    today = today_in_china()
    day = decided_on or today
    assessed = assess(session, certificate, today)
    _require_running(assessed)
    problems: dict[str, list[str]] = {}
    if cause not in EXTRA_CAUSES:
        problems["cause"] = [f"须为 {', '.join(EXTRA_CAUSES)} 之一 / one of them"]
    if not reason.strip():
        problems["reason"] = ["请写明原因 / give the reason"]
    if day > today:
        problems["decided_on"] = ["不能晚于今天 / not in the future"]
    if due_by < day:
        problems["due_by"] = ["不能早于决定日 / not before the decision"]
    if problems:
        raise ValidationFailed(details=problems)
    extra = ExtraSurveillance(
        id=uuid.uuid4(),
        certificate_id=certificate.id,
        cause=cause,
        reason=reason.strip(),
        decided_on=day,
        due_by=due_by,
        created_by_id=actor.user.id,
    )
    session.add(extra)
    audit.record(
        session,
        actor=actor,
        action="surveillance.extra_decided",
        object_type="certificate",
        object_id=certificate.id,
        reason=reason.strip(),
        details={"extra_id": str(extra.id), "cause": cause, "due_by": due_by.isoformat()},
    )
    flush_as_stored(session)
    return assess(session, certificate, today)


def apply_recertification(
    session: Session,
    actor: Actor,
    certificate_id: uuid.UUID,
    plan: EngagementPlan,
    *,
    applied_on: date | None = None,
) -> Assessed:
    """§8 再认证: apply from 3 months before expiry, finish within 3 months after it.

    Outside the window: 409 ``RECERTIFICATION_WINDOW`` (too early, or a new application). The
    answer's lifecycle says whether the last surveillance within validity passed, so that the
    body may renew directly.
    """
    certificate = organisation_certificate(session, actor, certificate_id, lock=True)
    today = today_in_china()
    day = applied_on or today
    assessed = assess(session, certificate, today)
    if assessed.result.certificate.status == "withdrawn":
        raise CertificateEnded(certificate_status="withdrawn")
    if day > today:
        raise ValidationFailed(details={"applied_on": ["不能晚于今天 / not in the future"]})
    window = assessed.result.recertification
    if window.apply_from is None or window.finish_by is None:  # pragma: no cover - issued
        raise Conflict(details={"reason": "no_certificate"})
    if day < window.apply_from or day > window.finish_by:
        raise RecertificationWindow(
            reason="not_open_yet" if day < window.apply_from else "new_application",
            apply_from=window.apply_from.isoformat(),
            finish_by=window.finish_by.isoformat(),
        )
    if any(x.link.purpose == "recertification" for x in assessed.linked):
        raise Conflict(details={"reason": "applied_already"})
    if plan.ends_on > window.finish_by:
        # §8 证书到期后的3个月内应完成换证: an audit ending later cannot renew in time.
        raise ValidationFailed(
            details={
                "ends_on": [
                    f"再认证须在 {window.finish_by} 前完成 / must finish by {window.finish_by}"
                ]
            }
        )
    engagement = _create_audit(
        session,
        actor,
        assessed,
        EngagementKind.RECERTIFICATION,
        plan,
        f"再认证审查（换证）{certificate.number}",
    )
    session.add(
        CertificateAudit(
            engagement_id=engagement.id,
            certificate_id=certificate.id,
            purpose="recertification",
            applied_on=day,
            created_by_id=actor.user.id,
        )
    )
    audit.record(
        session,
        actor=actor,
        action="certificate.recertification_applied",
        object_type="certificate",
        object_id=certificate.id,
        details={
            "engagement_id": str(engagement.id),
            "applied_on": day.isoformat(),
            "apply_from": window.apply_from.isoformat(),
            "finish_by": window.finish_by.isoformat(),
            "renew_directly": window.renew_directly,
        },
    )
    flush_as_stored(session)
    return assess(session, certificate, today)
