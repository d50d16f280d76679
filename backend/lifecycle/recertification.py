"""The recertification window (§8) and whether the body may renew directly.

An application may be made from 3 months before the certificate's last day of validity; renewal
must be finished within 3 months after it, else it is a new application. When the last annual
surveillance within validity passed, the body renews the certificate directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from backend.lifecycle import dates
from backend.lifecycle.surveillance import SurveillanceResult
from backend.scoring.engine.explanation import Explanation
from backend.scoring.model import RecertificationRule


@dataclass(frozen=True)
class RecertificationResult:
    apply_from: date | None
    finish_by: date | None
    #: ``apply_from`` ≤ today ≤ ``finish_by`` and the certificate is not withdrawn.
    open: bool
    #: Past ``finish_by``: renewal now is a new application.
    overdue: bool
    #: §8: the last surveillance within validity passed (None until that is known).
    renew_directly: bool | None
    explanation: Explanation


def recertification_window(rule: RecertificationRule, valid_until: date) -> tuple[date, date]:
    """§8: from N months before the last day of validity to N months after it, both inclusive."""
    return (
        dates.add_months(valid_until, -rule.apply_from_months_before_expiry),
        dates.add_months(valid_until, rule.finish_within_months_after_expiry),
    )


def assess_recertification(
    rule: RecertificationRule,
    valid_until: date | None,
    withdrawn: bool,
    surveillance: SurveillanceResult | None,
    today: date,
) -> RecertificationResult:
    """``surveillance`` is the plan of the certificate's own cycle (None for an older one)."""
    if valid_until is None:
        return RecertificationResult(
            None,
            None,
            False,
            False,
            None,
            Explanation(
                "recertification",
                rule.section,
                "证书尚未颁发，无再认证期限。",
                "No certificate is issued: no recertification dates.",
            ),
        )
    apply_from, finish_by = recertification_window(rule, valid_until)
    open_now = not withdrawn and apply_from <= today <= finish_by
    overdue = not withdrawn and today > finish_by
    zh = [
        f"证书有效期满前{rule.apply_from_months_before_expiry}个月可提交再认证申请，即自"
        f"{dates.zh(apply_from)}起；证书到期后{rule.finish_within_months_after_expiry}个月内应完成"
        f"换证，即{dates.zh(finish_by)}前（含当天），否则按新申请处理（有效期止日"
        f"{dates.zh(valid_until)}）。"
    ]
    en = [
        f"Recertification may be applied for from {rule.apply_from_months_before_expiry} months "
        f"before the certificate expires, from {dates.en(apply_from)}, and must be finished within "
        f"{rule.finish_within_months_after_expiry} months after it, by {dates.en(finish_by)} "
        f"(inclusive), else it is a new application (last day of validity "
        f"{dates.en(valid_until)})."
    ]
    if withdrawn:
        zh.append("证书已撤销，不能再认证，须重新申请认证。")
        en.append("The certificate is withdrawn: no recertification, only a new application.")
    elif overdue:
        zh.append(f"{dates.zh(today)}已过换证期限，按新申请处理。")
        en.append(f"On {dates.en(today)} the window has closed: it is a new application.")
    elif open_now:
        zh.append("目前处于再认证申请期内。")
        en.append("The window is open today.")
    else:
        zh.append("目前尚未到再认证申请期。")
        en.append("The window has not opened yet.")
    renew = _renew_directly(rule, valid_until, surveillance, today) if not withdrawn else None
    if renew is True:
        zh.append("证书有效期内最后一次年度监督结果合格，可直接换发新证书。")
        en.append("The last annual surveillance within validity passed: the body renews directly.")
    elif renew is False:
        zh.append("证书有效期内最后一次年度监督未合格或未进行，不能直接换证，须经再认证审查。")
        en.append(
            "The last annual surveillance within validity did not pass or did not take place: no "
            "direct renewal, a recertification audit is needed."
        )
    return RecertificationResult(
        apply_from,
        finish_by,
        open_now,
        overdue,
        renew,
        Explanation(
            "recertification",
            rule.section,
            "".join(zh),
            " ".join(en),
            {
                "valid_until": valid_until.isoformat(),
                "apply_from_months_before_expiry": rule.apply_from_months_before_expiry,
                "finish_within_months_after_expiry": rule.finish_within_months_after_expiry,
            },
        ),
    )


def _renew_directly(
    rule: RecertificationRule,
    valid_until: date,
    surveillance: SurveillanceResult | None,
    today: date,
) -> bool | None:
    """§8 证书有效期内最后一次年度监督结果合格，CQC直接换发新证书.

    Known once no further surveillance is due within validity (or validity has ended): then it is
    whether the last surveillance done within validity passed.
    """
    if not rule.direct_renewal or surveillance is None:
        return None
    more_due = surveillance.due is not None and surveillance.due <= valid_until
    if (more_due or surveillance.due is None) and today <= valid_until:
        return None  # a surveillance may still come within validity
    within = [d for d in surveillance.done if d.done_on <= valid_until]
    if more_due or not within:
        return False
    return within[-1].passed is True
