"""What a missed latest deadline leads to, and the reminders before it (§5.2.3.1, §7.4 b).

``apply_overdue``: a nonconformity not closed by its latest deadline (still open the day after,
or closed after it) is "限期未完成整改". After an initial or recertification audit the on-site
audit fails (§5.2.3.1 经CQC认定为现场审查不通过); after a surveillance audit the certificate is
suspended (§7.4 b 按不通过处理，暂停认证证书), through ``backend.certificates.services.set_status``
so the certificate's change record and audit entry are the usual ones. Each consequence is applied
once and written to the audit log. Run daily (``fieldcert nonconformities overdue --as EMAIL``)
in the name of an administrator of the body: suspension is the body's act.

``send_reminders``: within 3 days before the typical deadline and 7 days before the latest one,
Web Push tells the client's users (open) or the audit team (answered, waiting to be verified);
each reminder once. The portal shows the same ``reminder`` on the record (``services.view_of``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.audit import services as audit
from backend.auth.actor import Actor
from backend.certificates import services as certificates
from backend.certificates.models import Certificate
from backend.engagements.models import Engagement
from backend.errors import Forbidden
from backend.nonconformities import deadlines as dl
from backend.nonconformities import services
from backend.nonconformities.models import Nonconformity, Stage
from backend.unit_of_work import flush_as_stored
from backend.users.models import Role

AUDIT_FAILED = "audit_failed"
SUSPENDED = "certificate_suspended"


@dataclass(frozen=True)
class Applied:
    nonconformity_id: str
    engagement_id: str
    number: int
    consequence: str
    latest_due: date
    #: The certificate suspended (surveillance), or None (audit failed, or none to suspend).
    certificate_id: str | None = None
    note: str = ""


def _current_certificate(
    session: Session, engagement: Engagement, today: date
) -> Certificate | None:
    """The client's certificate a surveillance audit watches: not withdrawn, not expired."""
    return session.scalars(
        sa.select(Certificate)
        .join(Engagement, Engagement.id == Certificate.engagement_id)
        .where(
            Engagement.client_id == engagement.client_id,
            Certificate.organisation_id == engagement.organisation_id,
            Certificate.withdrawn_on.is_(None),
            Certificate.valid_until >= today,
        )
        .order_by(Certificate.issued_on.desc())
        .limit(1)
    ).first()


def apply_overdue(session: Session, actor: Actor, today: date | None = None) -> list[Applied]:
    """Apply the consequence of every nonconformity of the actor's body past its latest deadline."""
    if not actor.has(Role.ADMIN):
        raise Forbidden(details={"role": actor.role.value, "allowed": [Role.ADMIN.value]})
    day = today or dl.today_in_china()
    rows = session.scalars(
        sa.select(Nonconformity)
        .where(
            Nonconformity.organisation_id == actor.user.organisation_id,
            Nonconformity.consequence.is_(None),
            Nonconformity.latest_due < day,
            sa.or_(
                Nonconformity.stage != Stage.CLOSED.value,
                Nonconformity.closed_on > Nonconformity.latest_due,
            ),
        )
        .order_by(Nonconformity.latest_due, Nonconformity.number)
    ).all()
    applied: list[Applied] = []
    for nc in rows:
        engagement = session.get_one(Engagement, nc.engagement_id)
        applied.append(_apply(session, actor, nc, engagement, day))
    flush_as_stored(session)
    return applied


def _apply(
    session: Session, actor: Actor, nc: Nonconformity, engagement: Engagement, day: date
) -> Applied:
    nc.consequence = nc.on_miss
    nc.consequence_on = day
    certificate_id: str | None = None
    note = ""
    if nc.on_miss == SUSPENDED:
        certificate = _current_certificate(session, engagement, day)
        if certificate is None:
            note = "no current certificate to suspend"
        elif certificate.suspended_on is not None:
            certificate_id, note = str(certificate.id), "already suspended"
        else:
            certificates.set_status(
                session,
                actor,
                certificate.id,
                action="suspend",
                on=day,
                reason=(
                    f"不符合项 {nc.number}（条款 {nc.clause}）未在最长整改期限 "
                    f"{nc.latest_due.isoformat()} 前完成整改，按不通过处理，暂停认证证书"
                    "（CQC 服务认证规则 §7.4 b）。"
                ),
            )
            certificate_id = str(certificate.id)
    audit.record(
        session,
        actor=actor,
        action=f"nonconformity.overdue.{nc.on_miss}",
        object_type="nonconformity",
        object_id=nc.id,
        reason=(
            "限期未完成整改，经认定为现场审查不通过（§5.2.3.1）。"
            if nc.on_miss == AUDIT_FAILED
            else "未能按期完成整改，按不通过处理，暂停认证证书（§7.4 b）。"
        ),
        details={
            "engagement_id": str(engagement.id),
            "number": nc.number,
            "clause": nc.clause,
            "latest_due": nc.latest_due.isoformat(),
            "applied_on": day.isoformat(),
            "certificate_id": certificate_id,
            "note": note,
        },
    )
    return Applied(
        str(nc.id), str(engagement.id), nc.number, nc.on_miss, nc.latest_due, certificate_id, note
    )


def send_reminders(session: Session, today: date | None = None) -> list[tuple[str, str]]:
    """Queue the reminders due today; (nonconformity id, "typical" or "latest") of each."""
    day = today or dl.today_in_china()
    rows = session.scalars(
        sa.select(Nonconformity).where(
            Nonconformity.stage != Stage.CLOSED.value, Nonconformity.latest_due >= day
        )
    ).all()
    sent: list[tuple[str, str]] = []
    for nc in rows:
        which = dl.reminder_due(nc.typical_due, nc.latest_due, day, nc.reminded)
        if which is None:
            continue
        engagement = session.get_one(Engagement, nc.engagement_id)
        due = nc.latest_due if which == "latest" else nc.typical_due
        label = (
            ("最长整改期限", "latest deadline") if which == "latest" else ("整改期限", "deadline")
        )
        if nc.stage == Stage.OPEN.value:
            who, url = services.client_users(engagement), services.portal_url(nc)
            body = (
                f"不符合项 {nc.number}（条款 {nc.clause}）的{label[0]}为 {due.isoformat()}，"
                "请及时提交整改。",
                f"Nonconformity {nc.number} (clause {nc.clause}): {label[1]} {due.isoformat()}.",
            )
        else:
            who, url = services.team_members(engagement), services.office_url(nc)
            body = (
                f"不符合项 {nc.number}（条款 {nc.clause}）待验证，{label[0]}为 {due.isoformat()}。",
                f"Nonconformity {nc.number} (clause {nc.clause}) awaits verification: "
                f"{label[1]} {due.isoformat()}.",
            )
        services.notify(
            session,
            who,
            nc,
            f"nonconformity.reminder.{which}",
            ("不符合项整改期限提醒", "Nonconformity deadline"),
            body,
            url,
        )
        nc.reminded = which
        audit.record(
            session,
            actor=None,
            action="nonconformity.reminded",
            object_type="nonconformity",
            object_id=nc.id,
            organisation_id=nc.organisation_id,
            details={"which": which, "due": due.isoformat(), "stage": nc.stage},
        )
        sent.append((str(nc.id), which))
    flush_as_stored(session)
    return sent
