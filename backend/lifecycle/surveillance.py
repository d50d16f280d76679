"""When surveillance is due (§7.3), with the extension to the end of the calendar year.

The first surveillance is due within 12 months after the audit that started the cycle ended;
later ones every 12 months counted from the FIRST surveillance's date (按照第一次监督日期为准), so
surveillance k (k ≥ 2) is due 12 × (k - 1) months after it. The client may ask to postpone a
surveillance that cannot be arranged; it must then be done within that calendar year.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from backend.lifecycle import dates
from backend.lifecycle.cycle import Cycle
from backend.lifecycle.facts import SurveillanceExtension
from backend.scoring.engine.explanation import Explanation
from backend.scoring.model import SurveillanceRule

_KIND_ZH = {"initial": "初始审查", "recertification": "再认证审查"}
_KIND_EN = {"initial": "initial audit", "recertification": "recertification audit"}


@dataclass(frozen=True)
class SurveillanceDone:
    number: int
    done_on: date
    passed: bool | None
    #: When it was due (None when the cycle's audit is unknown and this is the first).
    due: date | None
    extended: bool
    #: Done after its due date (after the extension's end when one was granted).
    late: bool | None


@dataclass(frozen=True)
class SurveillanceResult:
    #: The audit the cycle counts from (its id), None without an initial/recertification audit.
    cycle_audit: str | None
    #: The first surveillance's date in this cycle: later ones count from it.
    first_on: date | None
    #: Which surveillance of the cycle is next (1 for the first).
    number: int
    next_due: date | None
    #: The latest an extension can reach: 31 December of the year ``next_due`` falls in.
    extension_until: date | None
    #: An extension was granted for the next surveillance.
    extended: bool
    #: Past ``next_due`` (past ``extension_until`` when extended) and not done.
    overdue: bool
    done: tuple[SurveillanceDone, ...]
    explanation: Explanation
    #: When surveillance ``number`` falls due by the rule, even when none is scheduled any more
    #: (after validity, withdrawn, expired): §8 asks whether it fell within validity.
    due: date | None = None


def surveillance_due(
    rule: SurveillanceRule, number: int, cycle_ended_on: date | None, done: Sequence[date]
) -> date | None:
    """The due date of surveillance ``number`` (from 1) given the earlier ones' dates.

    §7.3: the first within ``first_within_months`` after the cycle's audit ended; surveillance k
    (k ≥ 2) ``interval_months`` × (k - 1) after the first one's date (or, for a scheme that says
    so, ``interval_months`` after the previous one).
    """
    if number < 1:
        raise ValueError(f"surveillances are numbered from 1, got {number}")
    if number == 1:
        return (
            None
            if cycle_ended_on is None
            else dates.add_months(cycle_ended_on, rule.first_within_months)
        )
    if len(done) < number - 1:
        raise ValueError(f"surveillance {number} is due only after {number - 1} done")
    if rule.counted_from == "first_surveillance":
        return dates.add_months(done[0], rule.interval_months * (number - 1))
    return dates.add_months(done[number - 2], rule.interval_months)


def extension_until(rule: SurveillanceRule, due: date) -> date | None:
    """§7.3 在当年（自然年）内完成: an extended surveillance is done by 31 December of its year."""
    return dates.end_of_year(due) if rule.extension == "end_of_calendar_year" else None


def plan_surveillance(
    rule: SurveillanceRule,
    cycle: Cycle,
    extensions: Sequence[SurveillanceExtension],
    today: date,
    valid_until: date | None,
    ended: Literal["withdrawn", "expired"] | None,
) -> SurveillanceResult:
    """The next surveillance of the cycle and the history of those done.

    ``valid_until`` is the last day of the cycle's certificate (None when it is not issued yet);
    ``ended`` says why no surveillance is due any more ("withdrawn" or "expired"), else None.
    """
    extended_numbers = {e.number for e in extensions}
    cycle_end = cycle.audit.ended_on if cycle.audit is not None else None
    done_dates = [s.done_on for s in cycle.surveillances]
    history: list[SurveillanceDone] = []
    for i, s in enumerate(cycle.surveillances, start=1):
        due = surveillance_due(rule, i, cycle_end, done_dates)
        ext = i in extended_numbers
        limit = (extension_until(rule, due) if ext else due) if due is not None else None
        history.append(
            SurveillanceDone(
                i, s.done_on, s.passed, due, ext, None if limit is None else s.done_on > limit
            )
        )
    number = len(history) + 1
    due = surveillance_due(rule, number, cycle_end, done_dates)
    lines_zh = [
        f"初始审查结束后{rule.first_within_months}个月内安排第一次年度监督，之后按照第一次监督日期为准，"
        f"每{rule.interval_months}个月为一个监督周期"
        + (
            f"（第k次在第一次监督日期后 {rule.interval_months} × (k - 1) 个月）。"
            if rule.counted_from == "first_surveillance"
            else "。"
        )
    ]
    lines_en = [
        f"The first annual surveillance is due within {rule.first_within_months} months after "
        f"the initial audit ended, later ones every {rule.interval_months} months counted from "
        + (
            "the first surveillance's date (surveillance k is due "
            f"{rule.interval_months} × (k - 1) months after it)."
            if rule.counted_from == "first_surveillance"
            else "the previous surveillance."
        )
    ]
    if cycle.audit is not None:
        kind = cycle.audit.kind
        lines_zh.append(
            f"本认证周期自{_KIND_ZH.get(kind, kind)} {cycle.audit.id}"
            f"（{dates.zh(cycle.audit.ended_on)}结束）起算。"
        )
        lines_en.append(
            f"This cycle counts from {_KIND_EN.get(kind, kind)} {cycle.audit.id}, which ended on "
            f"{dates.en(cycle.audit.ended_on)}."
        )
    else:
        lines_zh.append(
            "未给出初始审查或再认证审查（或均未通过），无法确定第一次监督的应监督日期。"
        )
        lines_en.append(
            "No initial or recertification audit is given (or none that did not fail), so the "
            "first surveillance's due date is unknown."
        )
    if history:
        shown_zh = "；".join(
            f"第{d.number}次 {dates.zh(d.done_on)}（{_passed_zh(d.passed)}"
            + ("，晚于应监督日期" if d.late else "")
            + "）"
            for d in history
        )
        shown_en = "; ".join(
            f"no. {d.number} on {dates.en(d.done_on)} ({_passed_en(d.passed)}"
            + (", later than due" if d.late else "")
            + ")"
            for d in history
        )
        lines_zh.append(f"本周期已完成监督：{shown_zh}。")
        lines_en.append(f"Surveillances done in this cycle: {shown_en}.")
    next_due: date | None = due
    ext_until: date | None = None
    extended = False
    overdue = False
    if ended is not None:
        next_due = None
        lines_zh.append(f"证书已{'撤销' if ended == 'withdrawn' else '过期'}，不再安排监督。")
        lines_en.append(f"The certificate is {ended}: no surveillance is due.")
    elif due is not None and valid_until is not None and due > valid_until:
        next_due = None
        lines_zh.append(
            f"第{number}次监督的应监督日期{dates.zh(due)}晚于证书有效期止日{dates.zh(valid_until)}，"
            "有效期内不再安排监督，转入再认证（§8）。"
        )
        lines_en.append(
            f"Surveillance {number} would be due on {dates.en(due)}, after the certificate's "
            f"last day of validity, {dates.en(valid_until)}: no more surveillance in this "
            "validity, recertification follows (§8)."
        )
    elif due is not None:
        ext_until = extension_until(rule, due)
        extended = number in extended_numbers
        deadline = ext_until if extended and ext_until is not None else due
        overdue = today > deadline
        lines_zh.append(f"第{number}次监督应在{dates.zh(due)}前（含当天）完成。")
        lines_en.append(f"Surveillance {number} is due by {dates.en(due)} (that day included).")
        if ext_until is not None:
            if extended:
                lines_zh.append(
                    f"已获准延期（§7.3 在当年（自然年）内完成），须在{dates.zh(ext_until)}前完成。"
                )
                lines_en.append(
                    "An extension was granted (§7.3: within that calendar year): it must be done "
                    f"by {dates.en(ext_until)}."
                )
            else:
                lines_zh.append(
                    "现场审查无法安排等特殊情况下，获证组织可申请延期，在当年（自然年）内即"
                    f"{dates.zh(ext_until)}前完成。"
                )
                lines_en.append(
                    "If it cannot be arranged, the client may ask for an extension, to be done "
                    f"within that calendar year, by {dates.en(ext_until)}."
                )
        if overdue:
            lines_zh.append(
                f"至{dates.zh(today)}仍未监督，已超期：本规则未规定超期的后果"
                "（按 P9B6 由认证机构决定），计算器只作标记。"
            )
            lines_en.append(
                f"It is not done by {dates.en(today)}: overdue. The rule sets no consequence "
                "(the body decides under P9B6); the calculator flags it."
            )
    explanation = Explanation(
        "surveillance_due",
        rule.section,
        "".join(lines_zh),
        " ".join(lines_en),
        {
            "first_within_months": rule.first_within_months,
            "interval_months": rule.interval_months,
            "number": number,
            "due": due.isoformat() if due is not None else None,
        },
    )
    return SurveillanceResult(
        cycle.audit.id if cycle.audit is not None else None,
        done_dates[0] if done_dates else None,
        number,
        next_due,
        ext_until,
        extended,
        overdue,
        tuple(history),
        explanation,
        due,
    )


def _passed_zh(passed: bool | None) -> str:
    return {True: "合格", False: "不合格", None: "结论未定"}[passed]


def _passed_en(passed: bool | None) -> str:
    return {True: "passed", False: "failed", None: "not concluded"}[passed]
