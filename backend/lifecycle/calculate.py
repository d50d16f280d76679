"""One call for everything: the lifecycle of a certificate as of ``today``.

Runs the rules in order: each nonconformity's deadlines (they decide whether an audit failed and
whether the certificate must be suspended), the cycle's surveillance plan, the suspensions, the
certificate's dates and status, and the recertification window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from backend.lifecycle import dates
from backend.lifecycle.certificate import CertificateResult, SuspensionDue, assess_certificate
from backend.lifecycle.cycle import current_cycle
from backend.lifecycle.facts import Audit, Facts, Surveillance
from backend.lifecycle.nonconformities import NonconformityResult, assess_nonconformity
from backend.lifecycle.recertification import RecertificationResult, assess_recertification
from backend.lifecycle.surveillance import SurveillanceResult, plan_surveillance
from backend.lifecycle.suspensions import SuspensionResult, assess_suspension
from backend.scoring.engine.explanation import Explanation
from backend.scoring.model import AuditKind, LifecycleModel

_KIND_ZH: dict[AuditKind, str] = {
    "initial": "初始审查",
    "surveillance": "监督审查",
    "recertification": "再认证审查",
}


@dataclass(frozen=True)
class AuditResult:
    id: str
    kind: AuditKind
    ended_on: date
    passed: bool | None
    #: Failed: concluded as failed, or a nonconformity of it was not rectified in time.
    failed: bool
    overdue_nonconformities: tuple[str, ...]
    explanation: Explanation


@dataclass(frozen=True)
class LifecycleResult:
    today: date
    audits: tuple[AuditResult, ...]
    nonconformities: tuple[NonconformityResult, ...]
    certificate: CertificateResult
    surveillance: SurveillanceResult
    suspensions: tuple[SuspensionResult, ...]
    recertification: RecertificationResult


def calculate(model: LifecycleModel, facts: Facts) -> LifecycleResult:
    """The dates, flags and status the scheme's lifecycle rules give for these facts."""
    today = facts.today
    audits = {a.id: a for a in facts.audits}
    ncs = tuple(
        assess_nonconformity(
            model.rectification[audits[nc.audit].kind], nc, audits[nc.audit], today
        )
        for nc in facts.nonconformities
    )
    audit_results = tuple(_assess_audit(model, a, ncs) for a in facts.audits)
    done = surveillances_done(facts)
    cycle = current_cycle(facts.audits, done, facts.certificate)
    triggers = [
        SuspensionDue(n.latest_due + timedelta(days=1), "nonconformity_overdue", n.id)
        for n in ncs
        if n.consequence == "certificate_suspended"
    ]
    # §7.4 c: a failed surveillance, whether given as an audit or as a surveillance (once a day).
    failed = {
        a.ended_on: a.id for a in facts.audits if a.kind == "surveillance" and a.passed is False
    }
    for s in done:
        if s.passed is False:
            failed.setdefault(s.done_on, s.done_on.isoformat())
    triggers += [SuspensionDue(day, "surveillance_failed", ref) for day, ref in failed.items()]
    certificate = assess_certificate(
        model.certificate, facts.certificate, cycle.audit, facts.suspensions, triggers, today
    )
    in_cycle = cycle.certificate_in_cycle
    ended: Literal["withdrawn", "expired"] | None = (
        "withdrawn"
        if certificate.status == "withdrawn"
        else ("expired" if certificate.status == "expired" and in_cycle else None)
    )
    surveillance = plan_surveillance(
        model.surveillance,
        cycle,
        facts.extensions,
        today,
        certificate.valid_until if in_cycle else None,
        ended,
    )
    suspensions = tuple(assess_suspension(model.suspension, s, today) for s in facts.suspensions)
    recertification = assess_recertification(
        model.recertification,
        certificate.valid_until,
        certificate.status == "withdrawn",
        surveillance if in_cycle else None,
        today,
    )
    return LifecycleResult(
        today, audit_results, ncs, certificate, surveillance, suspensions, recertification
    )


def surveillances_done(facts: Facts) -> tuple[Surveillance, ...]:
    """The surveillances that count for the schedule (§7.3).

    The input's ``surveillances`` when given; otherwise its audits of kind surveillance, one per
    day (the day the audit ended, its conclusion), so that the product can pass its surveillance
    engagements as audits only.
    """
    if facts.surveillances is not None:
        return facts.surveillances
    by_day: dict[date, Surveillance] = {}
    for a in facts.audits:
        if a.kind == "surveillance":
            by_day.setdefault(a.ended_on, Surveillance(a.ended_on, a.passed))
    return tuple(by_day.values())


def _assess_audit(
    model: LifecycleModel, audit: Audit, ncs: tuple[NonconformityResult, ...]
) -> AuditResult:
    late = tuple(n.id for n in ncs if n.audit == audit.id and n.overdue)
    failed = audit.passed is False or bool(late)
    rule = model.rectification[audit.kind]
    kind_zh = _KIND_ZH[audit.kind]
    if late:
        zh = (
            f"{kind_zh} {audit.id}（{dates.zh(audit.ended_on)}结束）的不符合项 {'、'.join(late)} "
            "限期未完成整改，"
            + ("现场审查不通过。" if rule.on_miss == "audit_failed" else "按不通过处理。")
        )
        en = (
            f"The {audit.kind} audit {audit.id} (ended {dates.en(audit.ended_on)}) has "
            f"nonconformities not rectified in time ({', '.join(late)}): it "
            + ("fails." if rule.on_miss == "audit_failed" else "counts as failed.")
        )
    elif audit.passed is False:
        zh = f"{kind_zh} {audit.id}（{dates.zh(audit.ended_on)}结束）不通过。"
        en = f"The {audit.kind} audit {audit.id} (ended {dates.en(audit.ended_on)}) failed."
    elif audit.passed is True:
        zh = f"{kind_zh} {audit.id}（{dates.zh(audit.ended_on)}结束）通过。"
        en = f"The {audit.kind} audit {audit.id} (ended {dates.en(audit.ended_on)}) passed."
    else:
        zh = f"{kind_zh} {audit.id}（{dates.zh(audit.ended_on)}结束）尚无结论。"
        en = (
            f"The {audit.kind} audit {audit.id} (ended {dates.en(audit.ended_on)}) is not "
            "concluded."
        )
    return AuditResult(
        audit.id,
        audit.kind,
        audit.ended_on,
        audit.passed,
        failed,
        late,
        Explanation("audit", rule.section, zh, en, {"ended_on": audit.ended_on.isoformat()}),
    )
