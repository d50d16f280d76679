"""Rectification deadlines of nonconformities and what missing them means (§5.2.3.1, §7.4 b).

After an initial or recertification audit a nonconformity is typically rectified within 20 days
and at most 60; after a surveillance audit 30 and 90 (the scheme's ``rectification_days``). Both
deadlines count from the day it was opened and are inclusive. Not closed by the latest deadline
(still open after it, or closed after it), the audit fails or the certificate is suspended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from backend.lifecycle import dates
from backend.lifecycle.facts import Audit, Nonconformity
from backend.scoring.engine.explanation import Explanation
from backend.scoring.model import AuditKind, Consequence, RectificationRule

_KIND_ZH: dict[AuditKind, str] = {
    "initial": "初始审查",
    "surveillance": "监督审查",
    "recertification": "再认证审查",
}
_KIND_EN: dict[AuditKind, str] = {
    "initial": "initial audit",
    "surveillance": "surveillance audit",
    "recertification": "recertification audit",
}
_CONSEQUENCE_ZH: dict[Consequence, str] = {
    "audit_failed": "现场审查不通过，终止认证（§6.3）",
    "certificate_suspended": "按不通过处理，暂停认证证书",
}
_CONSEQUENCE_EN: dict[Consequence, str] = {
    "audit_failed": "the on-site audit fails and certification ends (§6.3)",
    "certificate_suspended": "the audit counts as failed and the certificate is suspended",
}


@dataclass(frozen=True)
class Deadlines:
    """The typical and the latest day to close a nonconformity, both inclusive."""

    typical_due: date
    latest_due: date


@dataclass(frozen=True)
class NonconformityResult:
    id: str
    audit: str
    audit_kind: AuditKind
    opened_on: date
    closed_on: date | None
    typical_due: date
    latest_due: date
    #: Not closed by ``latest_due``: still open after it, or closed after it.
    overdue: bool
    #: What the overdue nonconformity leads to; None while it is not overdue.
    consequence: Consequence | None
    explanation: Explanation


def rectification_deadlines(rule: RectificationRule, opened_on: date) -> Deadlines:
    """§5.2.3.1 / §7.4 b: opened on D, typically due D + typical days, at the latest D + max."""
    return Deadlines(
        dates.add_days(opened_on, rule.typical_days), dates.add_days(opened_on, rule.max_days)
    )


def is_overdue(latest_due: date, closed_on: date | None, today: date) -> bool:
    """The latest deadline is the last day that counts: overdue the day after, unless closed."""
    return (closed_on or today) > latest_due


def assess_nonconformity(
    rule: RectificationRule, nc: Nonconformity, audit: Audit, today: date
) -> NonconformityResult:
    """Deadlines, whether they were missed, and the consequence, with an explanation."""
    due = rectification_deadlines(rule, nc.opened_on)
    overdue = is_overdue(due.latest_due, nc.closed_on, today)
    consequence = rule.on_miss if overdue else None
    kind_zh, kind_en = _KIND_ZH[audit.kind], _KIND_EN[audit.kind]
    head_zh = (
        f"不符合项 {nc.id} 于{dates.zh(nc.opened_on)}在{kind_zh} {audit.id} 开具，整改期限通常为"
        f"{rule.typical_days}天（至{dates.zh(due.typical_due)}），最长不超过{rule.max_days}天"
        f"（至{dates.zh(due.latest_due)}，当天仍在期限内）"
    )
    head_en = (
        f"Nonconformity {nc.id} was opened on {dates.en(nc.opened_on)} at {kind_en} {audit.id}: "
        f"rectification is typically due within {rule.typical_days} days (by "
        f"{dates.en(due.typical_due)}) and at the latest within {rule.max_days} days (by "
        f"{dates.en(due.latest_due)}, that day included)"
    )
    if nc.closed_on is not None and not overdue:
        tail_zh = f"；已于{dates.zh(nc.closed_on)}关闭，按期完成整改。"
        tail_en = f"; it was closed on {dates.en(nc.closed_on)}, in time."
    elif nc.closed_on is not None:
        tail_zh = (
            f"；{dates.zh(nc.closed_on)}才关闭，已超过最长期限，属限期未完成整改："
            f"{_CONSEQUENCE_ZH[rule.on_miss]}。"
        )
        tail_en = (
            f"; it was closed only on {dates.en(nc.closed_on)}, after the latest deadline, so it "
            f"was not rectified in time: {_CONSEQUENCE_EN[rule.on_miss]}."
        )
    elif overdue:
        tail_zh = (
            f"；至{dates.zh(today)}仍未关闭，已超过最长期限，属限期未完成整改："
            f"{_CONSEQUENCE_ZH[rule.on_miss]}。"
        )
        tail_en = (
            f"; it is still open on {dates.en(today)}, past the latest deadline, so it was not "
            f"rectified in time: {_CONSEQUENCE_EN[rule.on_miss]}."
        )
    else:
        left = (due.latest_due - today).days
        tail_zh = f"；尚未关闭，距最长期限还有{left}天。"
        tail_en = f"; it is open, {left} day{'s' if left != 1 else ''} before the latest deadline."
    explanation = Explanation(
        "nonconformity_deadline",
        rule.section,
        head_zh + tail_zh,
        head_en + tail_en,
        {
            "opened_on": nc.opened_on.isoformat(),
            "typical_days": rule.typical_days,
            "max_days": rule.max_days,
            "typical_due": due.typical_due.isoformat(),
            "latest_due": due.latest_due.isoformat(),
        },
    )
    return NonconformityResult(
        nc.id,
        audit.id,
        audit.kind,
        nc.opened_on,
        nc.closed_on,
        due.typical_due,
        due.latest_due,
        overdue,
        consequence,
        explanation,
    )
