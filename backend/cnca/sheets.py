"""The CNCA monthly sheets of a certification body, as rows (Chinese headers), and as XLSX.

Certification bodies report to the CNCA's information platform every month (认证认可业务信息
统一上报; the CQC rule §9.4 c) also has them publish certificate changes). The seeds give no
column list, so these columns are our reading of what the platform asks for a service
certificate, an audit plan and an audit result, in its Chinese wording; each column is filled
from the records (nothing typed twice):

- 证书信息 (``certificates``): each certificate issued, changed (§9.3), suspended, reinstated
  or withdrawn (§9.4, §9.5) in the month, with its status at the month's end;
- 审核计划 (``audit_plans``): each engagement whose audit starts in the month (§4.4.4 a));
- 审核结果 (``audit_results``): each certification decision made in the month (§6.1, §6.2).

Months and days are the body's calendar (Beijing time). ``write_xlsx`` streams rows into a
write-only workbook (openpyxl), so a year of certificates stays small in memory.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import IO, Any, Final

import sqlalchemy as sa
from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]
from sqlalchemy.orm import Session

from backend.certificates.models import Certificate, CertificateChange
from backend.clients.models import CertificationUnit, Client, Site
from backend.decisions.models import Decision, Review
from backend.engagements.models import Engagement, EngagementMember, EngagementSite, TeamRole
from backend.evaluations.content import load_scheme_version
from backend.lifecycle import Suspension, certificate_status
from backend.lifecycle.certificate import STATUS_ZH
from backend.planning.models import AuditPlan
from backend.planning.plans import plan_view
from backend.users.models import Organisation, User

#: Beijing time: the body's calendar.
CHINA: Final = timezone(timedelta(hours=8))
MONTH: Final = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
KIND_ZH: Final = {"initial": "初次认证", "surveillance": "监督审查", "recertification": "再认证"}
CHANGE_ZH: Final = {
    "issued": "新颁发",
    "fields": "变更",
    "suspend": "暂停",
    "reinstate": "恢复",
    "withdraw": "撤销",
}
PLAN_ZH: Final = {"draft": "未发出", "issued": "已发委托人待确认", "confirmed": "委托人已确认"}


class BadMonth(ValueError):
    """Not a month written YYYY-MM."""


@dataclass(frozen=True)
class Month:
    first: date
    last: date

    @property
    def label(self) -> str:
        return self.first.strftime("%Y-%m")

    def start_utc(self) -> datetime:
        return datetime.combine(self.first, datetime.min.time(), tzinfo=CHINA)

    def end_utc(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), datetime.min.time(), tzinfo=CHINA)


def parse_month(text: str) -> Month:
    match = MONTH.match(text.strip())
    if match is None:
        raise BadMonth(f"{text!r} is not a month YYYY-MM (例如 2026-12)")
    year, month = int(match.group(1)), int(match.group(2))
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return Month(first, following - timedelta(days=1))


@dataclass(frozen=True)
class Sheet:
    key: str
    title: str  # the worksheet's name (Chinese)
    headers: tuple[str, ...]
    rows: Callable[[Session, uuid.UUID, Month], Iterator[list[Any]]]


def _scheme_text(session: Session, scheme_version_id: uuid.UUID) -> str:
    """认证依据 as the certificate prints it: the document's code and title (§9.1)."""
    scheme = load_scheme_version(session, scheme_version_id)
    document = scheme.document or {}
    title = document.get("title") or {}
    title_zh = title.get("zh") if isinstance(title, dict) else None
    return f"{document.get('code') or scheme.id}《{title_zh or scheme.title.zh}》"


def _names(session: Session, ids: Sequence[uuid.UUID]) -> list[str]:
    if not ids:
        return []
    users = {u.id: u.display_name for u in session.scalars(sa.select(User).where(User.id.in_(ids)))}
    return [users.get(i, str(i)) for i in ids]


def _china_day(at: datetime) -> date:
    return at.astimezone(CHINA).date()


# --------------------------------------------------------------------------- certificates

CERTIFICATE_HEADERS: Final = (
    "证书编号",
    "获证组织名称",
    "服务提供者",
    "认证依据",
    "认证范围",
    "认证模式",
    "评价等级",
    "颁证日期",
    "证书到期日期",
    "证书状态",
    "本月变动",
    "变动日期",
    "变动原因",
    "认证机构",
)


def certificate_rows(
    session: Session, organisation_id: uuid.UUID, month: Month
) -> Iterator[list[Any]]:
    """One row per certificate event in the month: issue, change, suspension, reinstatement,
    withdrawal; the status is the certificate's at the month's last day."""
    events: list[tuple[date, str, Certificate, str]] = []
    issued = session.scalars(
        sa.select(Certificate).where(
            Certificate.organisation_id == organisation_id,
            Certificate.issued_on >= month.first,
            Certificate.issued_on <= month.last,
        )
    ).all()
    events += [(c.issued_on, "issued", c, "") for c in issued]
    changes = session.execute(
        sa.select(CertificateChange, Certificate)
        .join(Certificate, Certificate.id == CertificateChange.certificate_id)
        .where(
            Certificate.organisation_id == organisation_id,
            CertificateChange.changed_on >= month.first,
            CertificateChange.changed_on <= month.last,
        )
    ).all()
    events += [(ch.changed_on, ch.kind, c, ch.reason) for ch, c in changes]
    events.sort(key=lambda e: (e[0], e[2].sequence, e[1] != "issued"))
    for day, kind, c, reason in events:
        suspensions = (
            [Suspension(started_on=c.suspended_on, cause="other")] if c.suspended_on else []
        )
        status = certificate_status(c.valid_until, c.withdrawn_on, month.last, suspensions, ())
        fields = c.fields
        yield [
            c.number,
            fields.get("client", ""),
            fields.get("provider", ""),
            fields.get("basis", ""),
            fields.get("scope", ""),
            "、".join(fields.get("modes") or []),
            fields.get("grade") or "",
            c.issued_on,
            c.valid_until,
            STATUS_ZH[status],
            CHANGE_ZH.get(kind, kind),
            day,
            reason,
            fields.get("body", ""),
        ]


# --------------------------------------------------------------------------- audit plans

PLAN_HEADERS: Final = (
    "项目编号",
    "认证委托人",
    "认证依据",
    "审核类型",
    "认证模式",
    "审核开始日期",
    "审核结束日期",
    "审核场所",
    "审查组长",
    "审查组成员",
    "审核人日",
    "审核计划状态",
)


def _team(session: Session, engagement_id: uuid.UUID) -> tuple[list[str], list[str]]:
    members = session.execute(
        sa.select(EngagementMember.user_id, EngagementMember.team_role)
        .where(EngagementMember.engagement_id == engagement_id)
        .order_by(EngagementMember.id)
    ).all()
    leaders = [m.user_id for m in members if m.team_role is TeamRole.LEADER]
    others = [m.user_id for m in members if m.team_role is not TeamRole.LEADER]
    return _names(session, leaders), _names(session, others)


def _sites(session: Session, engagement_id: uuid.UUID) -> str:
    rows = session.execute(
        sa.select(Site.name, Site.address)
        .join(EngagementSite, EngagementSite.site_id == Site.id)
        .where(EngagementSite.engagement_id == engagement_id)
        .order_by(Site.name)
    ).all()
    return "；".join(f"{name}（{address}）" for name, address in rows)


def plan_rows(session: Session, organisation_id: uuid.UUID, month: Month) -> Iterator[list[Any]]:
    """One row per engagement whose audit starts in the month (§4.4.4 a) 审查计划)."""
    engagements = session.scalars(
        sa.select(Engagement)
        .where(
            Engagement.organisation_id == organisation_id,
            Engagement.starts_on >= month.first,
            Engagement.starts_on <= month.last,
        )
        .order_by(Engagement.starts_on, Engagement.created_at)
    ).all()
    for e in engagements:
        client = session.get_one(Client, e.client_id)
        leaders, others = _team(session, e.id)
        view = plan_view(session, e)
        plan = session.scalars(sa.select(AuditPlan).where(AuditPlan.engagement_id == e.id)).first()
        days = view.person_days.total
        yield [
            str(e.id),
            client.name,
            _scheme_text(session, e.scheme_version_id),
            KIND_ZH.get(e.kind.value, e.kind.value),
            "、".join(e.modes),
            e.starts_on,
            e.ends_on,
            _sites(session, e.id),
            "、".join(leaders),
            "、".join(others),
            float(days) if days is not None else None,
            PLAN_ZH[plan.status.value] if plan is not None else "未编制",
        ]


# --------------------------------------------------------------------------- audit results

RESULT_HEADERS: Final = (
    "项目编号",
    "认证委托人",
    "认证依据",
    "认证范围",
    "审核类型",
    "审核结束日期",
    "复核人",
    "复核日期",
    "复核结论",
    "认证决定",
    "决定日期",
    "决定人",
    "评价等级",
    "服务得分",
    "证书编号",
)


def result_rows(session: Session, organisation_id: uuid.UUID, month: Month) -> Iterator[list[Any]]:
    """One row per certification decision made in the month (§6.2), with its review (§6.1)."""
    rows = session.execute(
        sa.select(Decision, Engagement)
        .join(Engagement, Engagement.id == Decision.engagement_id)
        .where(
            Engagement.organisation_id == organisation_id,
            Decision.decided_at >= month.start_utc(),
            Decision.decided_at < month.end_utc(),
        )
        .order_by(Decision.decided_at)
    ).all()
    for decision, e in rows:
        client = session.get_one(Client, e.client_id)
        review = session.scalars(sa.select(Review).where(Review.engagement_id == e.id)).first()
        certificate = session.scalars(
            sa.select(Certificate).where(Certificate.engagement_id == e.id)
        ).first()
        scopes = session.scalars(
            sa.select(CertificationUnit.scope)
            .join(Site, Site.unit_id == CertificationUnit.id)
            .join(EngagementSite, EngagementSite.site_id == Site.id)
            .where(EngagementSite.engagement_id == e.id)
            .distinct()
        ).all()
        yield [
            str(e.id),
            client.name,
            _scheme_text(session, e.scheme_version_id),
            "；".join(sorted(s for s in scopes if s)),
            KIND_ZH.get(e.kind.value, e.kind.value),
            e.ends_on,
            "、".join(_names(session, [review.reviewer_id])) if review else "",
            _china_day(review.reviewed_at) if review else None,
            {"recommend": "推荐认证", "not_recommend": "不推荐认证"}.get(review.conclusion, "")
            if review
            else "",
            "批准认证" if decision.approved else "不批准认证",
            _china_day(decision.decided_at),
            "、".join(_names(session, [decision.decided_by_id])),
            decision.grade_zh or "",
            round(decision.service_score, 2) if decision.service_score is not None else None,
            certificate.number if certificate else "",
        ]


SHEETS: Final = (
    Sheet("certificates", "证书信息", CERTIFICATE_HEADERS, certificate_rows),
    Sheet("audit-plans", "审核计划", PLAN_HEADERS, plan_rows),
    Sheet("audit-results", "审核结果", RESULT_HEADERS, result_rows),
)
SHEET_KEYS: Final = tuple(sheet.key for sheet in SHEETS)


def sheet_named(key: str) -> Sheet:
    return next(sheet for sheet in SHEETS if sheet.key == key)


def write_xlsx(
    session: Session,
    organisation_id: uuid.UUID,
    month: Month,
    sheets: Sequence[Sheet],
    target: IO[bytes],
) -> dict[str, int]:
    """Write ``sheets`` of the month into one workbook; return the row count of each."""
    organisation = session.get_one(Organisation, organisation_id)
    workbook = Workbook(write_only=True)
    workbook.properties.creator = "fieldcert"
    workbook.properties.title = f"{organisation.name} {month.label} 认证信息报送"
    counts: dict[str, int] = {}
    bold = Font(bold=True)
    for sheet in sheets:
        worksheet = workbook.create_sheet(sheet.title)
        header = []
        for text in sheet.headers:
            cell = WriteOnlyCell(worksheet, value=text)
            cell.font = bold
            header.append(cell)
        worksheet.append(header)
        counts[sheet.key] = 0
        for row in sheet.rows(session, organisation_id, month):
            worksheet.append(row)
            counts[sheet.key] += 1
    workbook.save(target)
    return counts


def file_name(sheet: Sheet, month: Month) -> str:
    return f"cnca-{month.label}-{sheet.key}.xlsx"
