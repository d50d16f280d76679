"""The certificate's dates and status: issue by (§6.3), valid until (§9.2), and what it is today.

Issued normally within 30 days after the passed audit ended; valid three years, until the day
before the same date three years after issue (seed 003 prints 2022.1.21–2025.1.20). The status is
withdrawn from the body's withdrawal date, expired after the last day of validity, suspended while
a recorded suspension is open or while a suspension the rule requires (§7.4 b, c) is not recorded
yet, and active otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from backend.lifecycle import dates
from backend.lifecycle.facts import Audit, Certificate, Suspension
from backend.scoring.engine.explanation import Explanation
from backend.scoring.model import CertificateRule

Status = Literal["active", "suspended", "withdrawn", "expired"]
STATUS_ZH: dict[Status, str] = {
    "active": "有效",
    "suspended": "暂停",
    "withdrawn": "撤销",
    "expired": "过期",
}
SuspendBecause = Literal["nonconformity_overdue", "surveillance_failed"]


@dataclass(frozen=True)
class SuspensionDue:
    """A suspension the rule requires (§7.4) that no recorded suspension answers yet."""

    since: date
    because: SuspendBecause
    #: The overdue nonconformity's id, or the failed surveillance's date / audit id.
    ref: str


@dataclass(frozen=True)
class CertificateResult:
    issued_on: date | None
    #: §6.3: 30 days after the latest initial or recertification audit (not failed) ended.
    issue_by: date | None
    issue_audit: str | None
    valid_until: date | None
    withdrawn_on: date | None
    #: None while no certificate is issued.
    status: Status | None
    suspension_due: tuple[SuspensionDue, ...]
    explanation: Explanation


def issue_by(rule: CertificateRule, audit_ended_on: date) -> date:
    """§6.3 完成现场审查后……一般情况下在30天内颁发认证证书."""
    return dates.add_days(audit_ended_on, rule.issue_within_days)


def valid_until(rule: CertificateRule, issued_on: date) -> date:
    """§9.2: the day before the same date ``validity_years`` after issue (2022-01-21 → 2025-01-20).

    Issued on 29 February, the same date three years later is 28 February, and validity ends on
    27 February (the scheme note ``lifecycle_validity``).
    """
    return dates.add_years(issued_on, rule.validity_years) - timedelta(days=1)


def required_suspensions(
    triggers: Sequence[SuspensionDue], recorded: Sequence[Suspension], issued_on: date
) -> tuple[SuspensionDue, ...]:
    """The triggers of this certificate that no recorded suspension answers.

    A recorded suspension answers a trigger when it was still in force on or after the trigger's
    day (open, or lifted on or after it): the body acted on it, and its reinstatement stands.
    """
    out = []
    for t in triggers:
        if t.since < issued_on:
            continue  # an earlier certificate's matter
        if any(s.ended_on is None or s.ended_on >= t.since for s in recorded):
            continue
        out.append(t)
    return tuple(sorted(out, key=lambda t: t.since))


def certificate_status(
    until: date,
    withdrawn_on: date | None,
    today: date,
    recorded: Sequence[Suspension],
    due: Sequence[SuspensionDue],
) -> Status:
    """Withdrawn, else expired, else suspended, else active, as of ``today``."""
    if withdrawn_on is not None and withdrawn_on <= today:
        return "withdrawn"
    if today > until:
        return "expired"
    # A suspension counts from the day it starts until the day it is lifted (active again that
    # day); one dated ahead of ``today`` has not begun.
    if any(s.started_on <= today and (s.ended_on is None or today < s.ended_on) for s in recorded):
        return "suspended"
    if due:
        return "suspended"
    return "active"


def assess_certificate(
    rule: CertificateRule,
    certificate: Certificate | None,
    cycle_audit: Audit | None,
    recorded: Sequence[Suspension],
    triggers: Sequence[SuspensionDue],
    today: date,
) -> CertificateResult:
    by = issue_by(rule, cycle_audit.ended_on) if cycle_audit is not None else None
    parts_zh: list[str] = []
    parts_en: list[str] = []
    if cycle_audit is not None and by is not None:
        pending = cycle_audit.passed is None
        parts_zh.append(
            f"审查 {cycle_audit.id} 于{dates.zh(cycle_audit.ended_on)}结束"
            + ("（尚无结论；通过后）" if pending else "并通过，")
            + f"一般情况下应在{rule.issue_within_days}天内即{dates.zh(by)}前颁发认证证书。"
        )
        parts_en.append(
            f"Audit {cycle_audit.id} ended on {dates.en(cycle_audit.ended_on)} "
            + ("(not concluded yet; once it passes, " if pending else "and passed: ")
            + f"the certificate is normally issued within {rule.issue_within_days} days, by "
            + f"{dates.en(by)}"
            + (")." if pending else ".")
        )
    else:
        parts_zh.append("未给出未失败的初始审查或再认证审查，无颁证期限。")
        parts_en.append(
            "No initial or recertification audit that did not fail is given: no issue deadline."
        )
    issued = certificate.issued_on if certificate is not None else None
    withdrawn = certificate.withdrawn_on if certificate is not None else None
    if issued is None:
        parts_zh.append("证书尚未颁发。")
        parts_en.append("No certificate has been issued.")
        return CertificateResult(
            None,
            by,
            cycle_audit.id if cycle_audit else None,
            None,
            None,
            None,
            (),
            _explanation(rule, parts_zh, parts_en, by, None),
        )
    until = valid_until(rule, issued)
    due = required_suspensions(triggers, recorded, issued)
    status = certificate_status(until, withdrawn, today, recorded, due)
    parts_zh.append(
        f"证书于{dates.zh(issued)}颁发，有效期为{rule.validity_years}年，至{dates.zh(until)}"
        f"（{rule.validity_years}年后同一日的前一天）。"
    )
    parts_en.append(
        f"The certificate was issued on {dates.en(issued)} and is valid {rule.validity_years} "
        f"years, until {dates.en(until)} (the day before the same date {rule.validity_years} "
        "years later)."
    )
    if status == "withdrawn" and withdrawn is not None:
        parts_zh.append(f"认证机构已于{dates.zh(withdrawn)}撤销证书。状态：撤销。")
        parts_en.append(f"The body withdrew it on {dates.en(withdrawn)}. Status: withdrawn.")
    elif status == "expired":
        parts_zh.append(f"{dates.zh(today)}已过有效期止日。状态：过期。")
        parts_en.append(f"On {dates.en(today)} its validity has ended. Status: expired.")
    elif status == "suspended":
        open_ones = [s for s in recorded if s.ended_on is None]
        if open_ones:
            since = min(s.started_on for s in open_ones)
            parts_zh.append(f"证书自{dates.zh(since)}起暂停，尚未恢复。")
            parts_en.append(f"It is suspended since {dates.en(since)} and not reinstated.")
        for d in due:
            if d.because == "nonconformity_overdue":
                parts_zh.append(
                    f"监督审查不符合项 {d.ref} 未能按期完成整改，按不通过处理，"
                    f"应自{dates.zh(d.since)}起暂停认证证书（§7.4 b），尚无暂停记录。"
                )
                parts_en.append(
                    f"Surveillance nonconformity {d.ref} was not rectified in time: the audit "
                    f"counts as failed and the certificate is to be suspended from "
                    f"{dates.en(d.since)} (§7.4 b); no suspension is recorded yet."
                )
            else:
                parts_zh.append(
                    f"监督审查（{d.ref}）不合格，应暂停或撤销证书（§7.4 c），尚无暂停或撤销记录，"
                    f"自{dates.zh(d.since)}起按暂停计。"
                )
                parts_en.append(
                    f"Surveillance ({d.ref}) failed: the certificate is to be suspended or "
                    "withdrawn (§7.4 c); nothing is recorded yet, so it counts as suspended from "
                    f"{dates.en(d.since)}."
                )
        parts_zh.append("状态：暂停。")
        parts_en.append("Status: suspended.")
    else:
        parts_zh.append("状态：有效。")
        parts_en.append("Status: active.")
    return CertificateResult(
        issued,
        by,
        cycle_audit.id if cycle_audit else None,
        until,
        withdrawn,
        status,
        due,
        _explanation(rule, parts_zh, parts_en, by, until),
    )


def _explanation(
    rule: CertificateRule,
    parts_zh: list[str],
    parts_en: list[str],
    by: date | None,
    until: date | None,
) -> Explanation:
    return Explanation(
        "certificate",
        rule.section,
        "".join(parts_zh),
        " ".join(parts_en),
        {
            "issue_within_days": rule.issue_within_days,
            "validity_years": rule.validity_years,
            "issue_by": by.isoformat() if by else None,
            "valid_until": until.isoformat() if until else None,
        },
    )
