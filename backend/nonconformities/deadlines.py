"""A nonconformity's deadlines and re-judgement cap from the engagement's scheme (§5.2.3.1, §7.4).

The dates are the lifecycle core's (``backend.lifecycle.rectification_deadlines`` and
``assess_nonconformity``): nothing here adds days. The numbers are the scheme's
``lifecycle.rectification_days`` for the engagement's kind of audit (CQC: after an initial or
recertification audit typically 20 days, at most 60; after a surveillance audit 30 and 90); a
scheme without a lifecycle section is certified under the CQC rule, whose numbers stand in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from fractions import Fraction
from typing import Any

from backend.lifecycle import Audit, Deadlines, rectification_deadlines
from backend.lifecycle import Nonconformity as NonconformityFact
from backend.lifecycle.nonconformities import NonconformityResult, assess_nonconformity
from backend.scoring.model import AuditKind, Consequence, RectificationRule, Text
from backend.scoring.scheme import Scheme

#: Beijing time: a nonconformity's dates are the body's calendar days (DOMAIN.md).
CHINA = timezone(timedelta(hours=8))
#: The CQC rule's numbers, for schemes without a lifecycle section of their own.
DEFAULT_RULES: dict[AuditKind, RectificationRule] = {
    "initial": RectificationRule("initial", 20, 60, "audit_failed", "CQC 服务认证规则 §5.2.3.1"),
    "surveillance": RectificationRule(
        "surveillance", 30, 90, "certificate_suspended", "CQC 服务认证规则 §7.4 b)"
    ),
    "recertification": RectificationRule(
        "recertification", 20, 60, "audit_failed", "CQC 服务认证规则 §8、§5.2.3.1"
    ),
}
#: §5.2.3.1 table 2, for schemes without a conformity model: code → (points, zh, en).
DEFAULT_JUDGEMENTS: dict[str, tuple[Fraction, Text]] = {
    "non": (Fraction(0), Text("不符合", "Nonconformity")),
    "partial": (Fraction(2), Text("部分符合", "Partial conformity")),
    "basic": (Fraction(3), Text("基本符合", "Basic conformity")),
    "full": (Fraction(4), Text("完全符合", "Full conformity")),
}
DEFAULT_CAP = "basic"
#: Reminders: this many days before the typical and before the latest deadline.
REMIND_BEFORE: dict[str, int] = {"typical": 3, "latest": 7}


def today_in_china() -> date:
    return datetime.now(CHINA).date()


def rule_for(scheme: Scheme, kind: AuditKind) -> RectificationRule:
    """The scheme's rectification rule for a kind of audit (§5.2.3.1, §7.4 b)."""
    if scheme.lifecycle is not None and kind in scheme.lifecycle.rectification:
        return scheme.lifecycle.rectification[kind]
    return DEFAULT_RULES[kind]


def deadlines(rule: RectificationRule, opened_on: date) -> Deadlines:
    return rectification_deadlines(rule, opened_on)


@dataclass(frozen=True)
class Rejudgement:
    """What a rectified clause may be re-judged: at most the cap (§5.2.3.1 基本符合)."""

    cap: str
    #: Judgement codes allowed after rectification, lowest first (never one that opens an NC).
    allowed: tuple[str, ...]
    labels: dict[str, Text]


def rejudgement(scheme: Scheme) -> Rejudgement:
    model = scheme.conformity
    if model is not None:
        judgements = {
            code: (j.points, j.label, j.opens_nonconformity) for code, j in model.judgements.items()
        }
        cap = model.rectified_cap
    else:
        judgements = {
            code: (p, label, code == "non") for code, (p, label) in DEFAULT_JUDGEMENTS.items()
        }
        cap = DEFAULT_CAP
    ceiling = judgements[cap][0]
    allowed = tuple(
        code
        for code, (points, _, opens) in sorted(judgements.items(), key=lambda kv: kv[1][0])
        if points <= ceiling and not opens
    )
    return Rejudgement(cap, allowed, {code: label for code, (_, label, _) in judgements.items()})


def stored_rule(
    kind: AuditKind,
    opened_on: date,
    typical: date,
    latest: date,
    on_miss: Consequence,
    section: str,
) -> RectificationRule:
    """The rule as it was when the nonconformity was opened (its stored deadlines)."""
    return RectificationRule(
        kind, (typical - opened_on).days, (latest - opened_on).days, on_miss, section
    )


def assess(
    rule: RectificationRule,
    nc_id: str,
    audit_id: str,
    audit_ended_on: date,
    opened_on: date,
    closed_on: date | None,
    today: date,
) -> NonconformityResult:
    """Overdue or not, the consequence, and the explanation (zh, en) as of ``today``."""
    return assess_nonconformity(
        rule,
        NonconformityFact(nc_id, audit_id, opened_on, closed_on),
        Audit(audit_id, rule.kind, audit_ended_on),
        today,
    )


def reminder_due(typical: date, latest: date, today: date, sent: str | None) -> str | None:
    """The reminder to send today, if any: "latest" within 7 days before the latest deadline,
    "typical" within 3 days before the typical one; each once (``sent``: the last one sent)."""
    if today > latest:
        return None
    if (latest - today).days <= REMIND_BEFORE["latest"] and sent != "latest":
        return "latest"
    if today <= typical and (typical - today).days <= REMIND_BEFORE["typical"] and sent is None:
        return "typical"
    return None


def explanation_json(result: NonconformityResult) -> dict[str, Any]:
    e = result.explanation
    return {"zh": e.zh, "en": e.en, "section": e.section}
