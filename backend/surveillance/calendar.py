"""The calendar of what is due, per client and per team (CQC rule §6.3, §7.3, §8, §9.4).

For each certificate the actor may see, the lifecycle core (``records.assess``) gives the dates:
the next annual surveillance (or its extension to 31 December), the extra surveillances the body
decided, the open suspensions' ``ends_by``, a suspension the rule requires and nobody recorded,
the end of validity and the recertification window. Approved engagements without a certificate
add their issue-by date (§6.3: 30 days after the passed audit). Surveillance and recertification
audits planned show when they start. Open nonconformities show their typical and latest
deadlines, as the nonconformities feature stored them.

An item is in the calendar when its date is within [start, end]; an overdue item is shown
whatever its date, so that what is late is never out of sight.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth.actor import Actor
from backend.certificates.models import Certificate
from backend.certificates.services import today_in_china
from backend.clients.models import Client
from backend.decisions.models import Decision
from backend.engagements import access
from backend.engagements.access import Need
from backend.engagements.models import Engagement, EngagementMember
from backend.errors import ValidationFailed
from backend.evaluations.content import load_scheme_version
from backend.lifecycle import dates, issue_by
from backend.lifecycle.suspensions import CAUSE_EN, CAUSE_ZH
from backend.nonconformities.models import Nonconformity
from backend.surveillance.models import CertificateAudit
from backend.surveillance.records import Assessed, assess_many, with_lifecycle
from backend.surveillance.services import note_expiries
from backend.users.models import Role

#: The kinds of item, in the order a day lists them, with their zh-CN and English names.
KINDS: dict[str, tuple[str, str]] = {
    "certificate_issue_by": ("颁发证书截止", "Certificate due"),
    "surveillance_due": ("年度监督到期", "Annual surveillance due"),
    "extra_surveillance_due": ("增加监督到期", "Extra surveillance due"),
    "audit_planned": ("审查开始", "Audit starts"),
    "suspension_ends_by": ("暂停期限届满", "Suspension ends by"),
    "suspension_required": ("应暂停证书", "Suspension required"),
    "nonconformity_typical_due": ("不符合项通常整改期限", "Nonconformity typical deadline"),
    "nonconformity_latest_due": ("不符合项最长整改期限", "Nonconformity latest deadline"),
    "certificate_expires": ("证书有效期止", "Certificate validity ends"),
    "recertification_opens": ("再认证申请开始", "Recertification window opens"),
    "recertification_closes": ("再认证换证截止", "Recertification must finish"),
}
#: Roles that read the calendar (client users see theirs in the portal; shoppers none).
READERS = frozenset({Role.ADMIN, Role.REVIEWER, Role.TEAM_LEADER, Role.AUDITOR})
#: The longest span one request covers.
MAX_MONTHS = 60


@dataclass(frozen=True)
class CalendarItem:
    kind: str
    on: date
    overdue: bool
    client_id: uuid.UUID
    client_name: str
    title_zh: str
    title_en: str
    certificate_id: uuid.UUID | None = None
    certificate_number: str | None = None
    engagement_id: uuid.UUID | None = None
    #: The rule's section and the numbers behind the date.
    section: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def label_zh(self) -> str:
        return KINDS[self.kind][0]

    @property
    def label_en(self) -> str:
        return KINDS[self.kind][1]


@dataclass(frozen=True)
class Calendar:
    start: date
    end: date
    today: date
    items: list[CalendarItem]


def calendar(
    session: Session,
    actor: Actor,
    *,
    start: date | None = None,
    end: date | None = None,
    client_id: uuid.UUID | None = None,
    team: uuid.UUID | None = None,
    today: date | None = None,
) -> Calendar:
    """What is due between ``start`` and ``end`` (default: today and 6 months on).

    ``client_id``: one client's; ``team``: only what concerns engagements with this user on
    the audit team (the certificate's own audit, or its surveillance and recertification audits).
    """
    access.check_role(actor, READERS)
    today = today or today_in_china()
    start = start or today
    end = end or dates.add_months(start, 6)
    if end < start:
        raise ValidationFailed(details={"to": ["不能早于开始日期 / not before from"]})
    if end > dates.add_months(start, MAX_MONTHS):
        raise ValidationFailed(
            details={"to": [f"最多 {MAX_MONTHS} 个月 / at most {MAX_MONTHS} months"]}
        )
    allowed = _allowed_engagements(session, actor, client_id, team)
    items: list[CalendarItem] = []
    assessed_all: list[Assessed] = []
    clients: dict[uuid.UUID, str] = {}
    for assessed in assess_many(session, _certificates(session, actor, allowed), today):
        assessed_all.append(assessed)
        name = _client_name(session, clients, assessed.engagement.client_id)
        items.extend(_certificate_items(assessed, name))
    items.extend(_issue_by_items(session, allowed, today, clients))
    items.extend(_nonconformity_items(session, allowed, today, clients))
    note_expiries(session, actor, assessed_all)
    order = list(KINDS)
    shown = [i for i in items if start <= i.on <= end or (i.overdue and i.on < start)]
    shown.sort(key=lambda i: (i.on, order.index(i.kind), i.client_name))
    return Calendar(start, end, today, shown)


# --------------------------------------------------------------------------- scope


def _allowed_engagements(
    session: Session, actor: Actor, client_id: uuid.UUID | None, team: uuid.UUID | None
) -> sa.Select[tuple[uuid.UUID]]:
    """The engagements whose dates the actor may see, filtered by client and team member."""
    query = access.visible(actor, Need.SEE)
    if client_id is not None:
        query = query.where(Engagement.client_id == client_id)
    if team is not None:
        query = query.where(
            sa.exists().where(
                EngagementMember.engagement_id == Engagement.id, EngagementMember.user_id == team
            )
        )
    return query.with_only_columns(Engagement.id)


def _certificates(
    session: Session, actor: Actor, allowed: sa.Select[tuple[uuid.UUID]]
) -> Sequence[Certificate]:
    linked = sa.select(CertificateAudit.certificate_id).where(
        CertificateAudit.engagement_id.in_(allowed)
    )
    return session.scalars(
        sa.select(Certificate)
        .where(
            Certificate.organisation_id == actor.user.organisation_id,
            sa.or_(Certificate.engagement_id.in_(allowed), Certificate.id.in_(linked)),
        )
        .order_by(Certificate.sequence)
    ).all()


def _client_name(session: Session, cache: dict[uuid.UUID, str], client_id: uuid.UUID) -> str:
    if client_id not in cache:
        cache[client_id] = session.get_one(Client, client_id).name
    return cache[client_id]


# --------------------------------------------------------------------------- items


def _certificate_items(a: Assessed, client_name: str) -> list[CalendarItem]:
    c = a.certificate
    r = a.result
    status = r.certificate.status
    base: dict[str, Any] = {
        "client_id": a.engagement.client_id,
        "client_name": client_name,
        "certificate_id": c.id,
        "certificate_number": c.number,
    }
    out: list[CalendarItem] = []
    s = r.surveillance
    if s.next_due is not None:
        deadline = s.extension_until if s.extended and s.extension_until else s.next_due
        planned = [
            x
            for x in a.linked
            if x.link.purpose == "annual"
            and x.link.passed is None
            and x.engagement.ends_on > r.today
        ]
        out.append(
            CalendarItem(
                "surveillance_due",
                deadline,
                s.overdue,
                title_zh=f"第{s.number}次年度监督应在{dates.zh(deadline)}前完成"
                + ("（已延期至当年年底）" if s.extended else "")
                + (f"，已安排于{dates.zh(planned[0].engagement.starts_on)}" if planned else ""),
                title_en=f"Annual surveillance {s.number} due by {deadline.isoformat()}"
                + (" (extended to the year's end)" if s.extended else "")
                + (f", planned from {planned[0].engagement.starts_on}" if planned else ""),
                engagement_id=planned[0].engagement.id if planned else None,
                section=s.explanation.section,
                details={
                    "number": s.number,
                    "due": s.next_due.isoformat(),
                    "extension_until": s.extension_until.isoformat() if s.extension_until else None,
                    "extended": s.extended,
                    "explanation_zh": s.explanation.zh,
                },
                **base,
            )
        )
    done_extras = {
        x.link.extra_id for x in a.linked if x.link.extra_id and x.link.passed is not None
    }
    if status not in ("withdrawn", "expired"):
        for extra in a.extras:
            if extra.id in done_extras:
                continue
            out.append(
                CalendarItem(
                    "extra_surveillance_due",
                    extra.due_by,
                    r.today > extra.due_by,
                    title_zh=f"增加监督（{_EXTRA_ZH[extra.cause]}）：{extra.reason}",
                    title_en=f"Extra surveillance ({extra.cause}): {extra.reason}",
                    section="§7.3",
                    details={"extra_id": str(extra.id), "cause": extra.cause},
                    **base,
                )
            )
    for x in a.linked:
        if x.link.passed is None and x.engagement.ends_on >= r.today:
            out.append(
                CalendarItem(
                    "audit_planned",
                    x.engagement.starts_on,
                    False,
                    title_zh=x.engagement.title,
                    title_en=x.engagement.title,
                    engagement_id=x.engagement.id,
                    section="§7.1" if x.link.purpose != "recertification" else "§8",
                    details={
                        "purpose": x.link.purpose,
                        "ends_on": x.engagement.ends_on.isoformat(),
                        "reduced_sampling": x.link.reduced_sampling,
                    },
                    **base,
                )
            )
    if status != "withdrawn":
        for sus in r.suspensions:
            if not sus.open:
                continue
            out.append(
                CalendarItem(
                    "suspension_ends_by",
                    sus.ends_by,
                    sus.overdue,
                    title_zh=f"{CAUSE_ZH[sus.cause]}暂停，至迟于{dates.zh(sus.ends_by)}恢复或撤销",
                    title_en=f"Suspended {CAUSE_EN[sus.cause]}: reinstate or withdraw by "
                    f"{sus.ends_by.isoformat()}",
                    section=sus.explanation.section,
                    details={"started_on": sus.started_on.isoformat(), "cause": sus.cause},
                    **base,
                )
            )
        for due in r.certificate.suspension_due:
            out.append(
                CalendarItem(
                    "suspension_required",
                    due.since,
                    True,
                    title_zh="监督审查不合格或不符合项逾期，应暂停证书（§7.4）",
                    title_en="Failed surveillance or overdue nonconformity: suspend (§7.4)",
                    section="§7.4",
                    details={"because": due.because, "ref": due.ref},
                    **base,
                )
            )
    until = r.certificate.valid_until
    if until is not None and status != "withdrawn":
        out.append(
            CalendarItem(
                "certificate_expires",
                until,
                False,
                title_zh=f"证书有效期至{dates.zh(until)}",
                title_en=f"Valid until {until.isoformat()}",
                section=r.certificate.explanation.section,
                **base,
            )
        )
    rc = r.recertification
    applied = any(x.link.purpose == "recertification" for x in a.linked)
    if rc.apply_from is not None and rc.finish_by is not None and status != "withdrawn":
        if not applied:
            out.append(
                CalendarItem(
                    "recertification_opens",
                    rc.apply_from,
                    False,
                    title_zh="可提交再认证申请（有效期满前3个月）",
                    title_en="Recertification may be applied for (3 months before expiry)",
                    section=rc.explanation.section,
                    details={"renew_directly": rc.renew_directly},
                    **base,
                )
            )
        out.append(
            CalendarItem(
                "recertification_closes",
                rc.finish_by,
                rc.overdue and not applied,
                title_zh="到期后3个月内应完成换证，否则按新申请处理",
                title_en="Recertification must finish (3 months after expiry), else it is a new "
                "application",
                section=rc.explanation.section,
                details={"renew_directly": rc.renew_directly, "applied": applied},
                **base,
            )
        )
    return out


_EXTRA_ZH = {
    "complaint": "严重投诉",
    "doubt": "符合性质疑",
    "change": "重大变更",
    "negative_news": "外部负面信息",
}


def _issue_by_items(
    session: Session,
    allowed: sa.Select[tuple[uuid.UUID]],
    today: date,
    clients: dict[uuid.UUID, str],
) -> list[CalendarItem]:
    """§6.3: approved engagements whose certificate is not issued yet."""
    rows = session.scalars(
        sa.select(Engagement)
        .join(Decision, Decision.engagement_id == Engagement.id)
        .where(
            Engagement.id.in_(allowed),
            Decision.approved.is_(True),
            ~sa.exists().where(Certificate.engagement_id == Engagement.id),
        )
    ).all()
    out = []
    for engagement in rows:
        _, model = with_lifecycle(load_scheme_version(session, engagement.scheme_version_id))
        by = issue_by(model.certificate, engagement.ends_on)
        out.append(
            CalendarItem(
                "certificate_issue_by",
                by,
                today > by,
                client_id=engagement.client_id,
                client_name=_client_name(session, clients, engagement.client_id),
                title_zh=f"{engagement.title}：审查通过，应在{dates.zh(by)}前颁发证书",
                title_en=f"{engagement.title}: passed, certificate due by {by.isoformat()}",
                engagement_id=engagement.id,
                section=model.certificate.section,
                details={"audit_ended_on": engagement.ends_on.isoformat()},
            )
        )
    return out


def _nonconformity_items(
    session: Session,
    allowed: sa.Select[tuple[uuid.UUID]],
    today: date,
    clients: dict[uuid.UUID, str],
) -> list[CalendarItem]:
    """Open nonconformities' deadlines (§5.2.3.1, §7.4 b), as the nonconformities feature stored
    them (from the lifecycle core when each was opened)."""
    n = Nonconformity
    rows = session.execute(
        sa.select(n, Engagement.client_id, Engagement.title)
        .join(Engagement, Engagement.id == n.engagement_id)
        .where(n.engagement_id.in_(allowed), n.closed_on.is_(None))
    ).all()
    out = []
    for nc, client_id, title in rows:
        for kind, day in (
            ("nonconformity_typical_due", nc.typical_due),
            ("nonconformity_latest_due", nc.latest_due),
        ):
            out.append(
                CalendarItem(
                    kind,
                    day,
                    today > day and kind == "nonconformity_latest_due",
                    client_id=client_id,
                    client_name=_client_name(session, clients, client_id),
                    title_zh=f"{title}：不符合项 {nc.number}（条款 {nc.clause}）",
                    title_en=f"{title}: nonconformity {nc.number} (clause {nc.clause})",
                    engagement_id=nc.engagement_id,
                    section=nc.rule_section,
                    details={
                        "nonconformity_id": str(nc.id),
                        "stage": nc.stage,
                        "on_miss": nc.on_miss,
                    },
                )
            )
    return out
