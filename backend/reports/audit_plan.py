"""The written audit plan (审查计划) as a PDF, from plain data the planning feature fills in.

CQC83-831102-2025 §4.4.4 a): the plan contains at least the purpose (审查目的), the basis
(认证依据), the scope (审查范围), the process and its requirements (审查过程及要求), the sampling
plan (审查抽样计划), the departments and sites (审查涉及的部门和场所), the dates (审查时间) and
the team (审查组成员). §4.4.1: the sampling plan covers multi-site sampling, service-
characteristic sampling and customer-survey sampling, and the person-days are worked out
(§5.1.2: 1 person-day of document review; §5.2.2: 2 per certification unit on site). §4.4.4 c):
the plan goes to the client for confirmation before the audit; a change is notified in writing.

The fields are documented in docs/reports.md for whoever fills them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Literal

from backend.reports.pdf import Letterhead, PageSetup, render_pdf
from backend.scoring.model import MODES

AuditKind = Literal["initial", "surveillance", "recertification"]
SamplingKind = Literal["site", "service_item", "survey"]

#: CQC rule §3 table 1 wording.
AUDIT_KIND_ZH: dict[str, str] = {
    "initial": "初次认证审查",
    "surveillance": "监督审查",
    "recertification": "再认证审查",
}
#: §4.4.1: the three kinds of sampling of a service-certification audit.
SAMPLING_KIND_ZH: dict[str, str] = {
    "site": "多场所抽样",
    "service_item": "服务特性检验抽样",
    "survey": "顾客满意度调查抽样",
}


@dataclass(frozen=True)
class SamplingLine:
    """One line of the sampling plan: what is sampled, out of how many, how many, how."""

    kind: SamplingKind
    #: What is sampled: "服务场所", "1.1 服务人员资质", "到店顾客" …
    subject: str
    #: How many there are to sample from; ``None`` when unknown (e.g. a day's customers).
    population: int | None
    sample: int
    #: How the sample is drawn and why this size (risk assessment, CNAS-TRC-018, margin …).
    method: str = ""


@dataclass(frozen=True)
class PlanSite:
    """A site the audit goes to, with the departments met there and what is audited there."""

    name: str
    address: str = ""
    departments: Sequence[str] = ()
    activities: str = ""


@dataclass(frozen=True)
class ScheduleItem:
    """One line of the timetable (审查日程)."""

    day: date
    activity: str
    start: time | None = None
    end: time | None = None
    site: str = ""
    #: Who does it: names, or "全体审查组成员".
    people: str = ""


@dataclass(frozen=True)
class TeamMember:
    name: str
    #: 组内职务: "审查组长", "审查员", "技术专家", "观察员" …
    role: str
    #: Registration or qualification, e.g. "服务认证审查员 CCAA-2024-SC-01234".
    qualification: str = ""
    #: What they cover (分工).
    assignment: str = ""


@dataclass(frozen=True)
class AuditPlan:
    """Everything §4.4.4 a) asks of a written audit plan, as plain data."""

    #: The certification body (header and issuer).
    organisation: str
    #: The plan's number, e.g. "SC-2026-0042-P1".
    reference: str
    #: 认证委托人 / 受审查方 and its address.
    client: str
    client_address: str
    audit_kind: AuditKind
    #: Certification modes used, letters A–I (GB/T 27207), e.g. ("A", "E", "G").
    modes: Sequence[str]
    purpose: str
    #: 认证依据: the rule, the technical specification, the scheme version …
    basis: Sequence[str]
    scope: str
    #: 审查过程及要求: one paragraph per step or requirement.
    process: Sequence[str]
    sampling: Sequence[SamplingLine]
    sites: Sequence[PlanSite]
    starts_on: date
    ends_on: date
    schedule: Sequence[ScheduleItem]
    team: Sequence[TeamMember]
    #: 审查人日数 in total, and how it is made up ("文件审核 1 人日 + 现场审查 2 人日").
    person_days: Decimal
    person_days_basis: str = ""
    #: Who drew the plan up (the team leader) and when.
    prepared_by: str = ""
    prepared_on: date | None = None
    #: 1 for the first issue; a later issue says what changed (§4.4.4 c).
    revision: int = 1
    changes: str = ""
    notes: Sequence[str] = field(default_factory=tuple)
    #: Logo and address for the header and footer (``backend.reports.letterhead_for``).
    letterhead: Letterhead | None = None


def _check(plan: AuditPlan) -> None:
    if plan.ends_on < plan.starts_on:
        raise ValueError(f"ends_on {plan.ends_on} is before starts_on {plan.starts_on}")
    if plan.person_days <= 0:
        raise ValueError(f"person_days must be positive, got {plan.person_days}")
    if plan.audit_kind not in AUDIT_KIND_ZH:
        raise ValueError(f"audit_kind {plan.audit_kind!r} is not one of {sorted(AUDIT_KIND_ZH)}")
    unknown = [m for m in plan.modes if m not in MODES]
    if unknown:
        raise ValueError(f"unknown certification modes {unknown} (A–I)")
    for line in plan.sampling:
        if line.kind not in SAMPLING_KIND_ZH:
            known = sorted(SAMPLING_KIND_ZH)
            raise ValueError(f"sampling kind {line.kind!r} is not one of {known}")
        if line.sample < 0 or (line.population is not None and line.sample > line.population):
            raise ValueError(f"sample {line.sample} of {line.subject!r} exceeds its population")


def _days(value: Decimal) -> str:
    """2 → "2", 2.50 → "2.5": person-days as a plan writes them."""
    return format(value.normalize(), "f")


def render_audit_plan(plan: AuditPlan, *, generated_at: datetime | None = None) -> bytes:
    """The plan as an A4 PDF in Chinese, ready to send to the client for confirmation."""
    _check(plan)
    kind = AUDIT_KIND_ZH[plan.audit_kind]
    context = {
        "plan": plan,
        "kind": kind,
        "modes": [f"{m} {MODES[m][0]}" for m in plan.modes],
        "sampling_kind": SAMPLING_KIND_ZH,
        "person_days": _days(plan.person_days),
        "schedule": sorted(
            plan.schedule, key=lambda s: (s.day, s.start or time.min, s.end or time.min)
        ),
    }
    title = "服务认证审查计划"
    reference = plan.reference + (f"（第{plan.revision}版）" if plan.revision > 1 else "")
    setup = PageSetup(
        title=title,
        organisation=plan.organisation,
        reference=reference,
        generated_at=generated_at,
        letterhead=plan.letterhead,
    )
    return render_pdf("audit_plan.html", context, setup)
