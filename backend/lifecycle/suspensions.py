"""How long a suspension may last (§9.4) and whether it ran over.

At the client's request a certificate is suspended for at most 12 months; for other causes at most
3 (the scheme's ``suspension_max_months``). The suspension must end by the same day that many
months after it started; after that the body must reinstate or withdraw. The calculator flags an
overrun and never withdraws by itself (withdrawal is the body's decision, ``Certificate``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from backend.lifecycle import dates
from backend.lifecycle.facts import Suspension
from backend.scoring.engine.explanation import Explanation
from backend.scoring.model import SuspensionCause, SuspensionRule

CAUSE_ZH: dict[SuspensionCause, str] = {"client_request": "认证委托人提出", "other": "其他原因"}
CAUSE_EN: dict[SuspensionCause, str] = {
    "client_request": "at the client's request",
    "other": "for other causes",
}


@dataclass(frozen=True)
class SuspensionResult:
    started_on: date
    cause: SuspensionCause
    ended_on: date | None
    #: The last day the suspension may last (inclusive).
    ends_by: date
    #: Not lifted yet (``ended_on`` is None).
    open: bool
    #: Ran past ``ends_by``: still open after it, or lifted after it.
    overdue: bool
    explanation: Explanation


def suspension_ends_by(rule: SuspensionRule, started_on: date, cause: SuspensionCause) -> date:
    """§9.4: started on D, the suspension ends by D + the cause's maximum months."""
    return dates.add_months(started_on, rule.max_months[cause])


def assess_suspension(rule: SuspensionRule, s: Suspension, today: date) -> SuspensionResult:
    ends_by = suspension_ends_by(rule, s.started_on, s.cause)
    overdue = (s.ended_on or today) > ends_by
    months = rule.max_months[s.cause]
    head_zh = (
        f"{CAUSE_ZH[s.cause]}暂停认证证书的，暂停期限最长为{months}个月：自{dates.zh(s.started_on)}"
        f"起，至迟于{dates.zh(ends_by)}结束"
    )
    head_en = (
        f"A certificate suspended {CAUSE_EN[s.cause]} stays suspended at most {months} months: "
        f"from {dates.en(s.started_on)}, the suspension ends by {dates.en(ends_by)}"
    )
    if s.ended_on is not None and not overdue:
        tail_zh = f"；已于{dates.zh(s.ended_on)}结束暂停，在期限内。"
        tail_en = f"; it ended on {dates.en(s.ended_on)}, in time."
    elif s.ended_on is not None:
        tail_zh = f"；{dates.zh(s.ended_on)}才结束，超过了最长暂停期限。"
        tail_en = f"; it ended only on {dates.en(s.ended_on)}, past the longest suspension allowed."
    elif overdue:
        tail_zh = (
            f"；至{dates.zh(today)}仍在暂停中，已超过最长暂停期限：须由认证机构决定恢复或撤销证书"
            "（本计算器只作标记，不自行撤销）。"
        )
        tail_en = (
            f"; it is still suspended on {dates.en(today)}, past the longest suspension allowed: "
            "the body must decide to reinstate or withdraw the certificate (the calculator flags "
            "it and does not withdraw by itself)."
        )
    else:
        tail_zh = "；目前仍在暂停中，未超过期限。"
        tail_en = "; it is still suspended, within the limit."
    explanation = Explanation(
        "suspension_limit",
        rule.section,
        head_zh + tail_zh,
        head_en + tail_en,
        {
            "started_on": s.started_on.isoformat(),
            "max_months": months,
            "ends_by": ends_by.isoformat(),
        },
    )
    return SuspensionResult(
        s.started_on, s.cause, s.ended_on, ends_by, s.ended_on is None, overdue, explanation
    )
