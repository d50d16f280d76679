"""The certification decision (§5.3): the first row, best first, whose conditions all hold.

Each row's conditions are checked against the facts (service score, management level and total,
conformity passed, open nonconformities, unjudged clauses), and the explanation says why every
better row was not met. A result resting on an incomplete audit is marked provisional.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from backend.scoring.engine.conformity import ConformityResult
from backend.scoring.engine.explanation import Explanation
from backend.scoring.engine.management import ManagementResult
from backend.scoring.engine.service import ServiceResult
from backend.scoring.model import Conditions, DecisionRow, Outcome, Scheme, Text
from backend.scoring.numbers import plain, show, show_against


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    grade: Text | None
    row: str | None
    explanation: Explanation


def decide(
    scheme: Scheme,
    service: ServiceResult | None,
    management: ManagementResult | None,
    conformity: ConformityResult | None,
) -> Decision | None:
    """The best row whose conditions are all met (rows are ordered best first)."""
    model = scheme.decision
    if model is None:
        return None
    provisional_zh, provisional_en = _provisional(management, conformity)
    facts = _Facts(
        service.score if service else None,
        management.level if management else None,
        management.total if management else None,
        conformity.passed if conformity else None,
        conformity.nonconformities if conformity and conformity.final is not None else None,
        conformity.unjudged if conformity and conformity.final is not None else None,
    )
    failures: list[tuple[DecisionRow, str, str]] = []
    for index, row in enumerate(model.rows):
        ok, why_zh, why_en = facts.check(row.when)
        if ok:
            label = _outcome_label(row)
            skipped_zh = "".join(
                f"第 {i + 1} 行（{_outcome_label(r)[0]}）不满足：{z}；"
                for i, (r, z, _) in enumerate(failures)
            )
            skipped_en = "".join(
                f"row {i + 1} ({_outcome_label(r)[1]}) not met: {e}; "
                for i, (r, _, e) in enumerate(failures)
            )
            return Decision(
                row.outcome,
                row.grade,
                row.id,
                Explanation(
                    "decision",
                    model.section,
                    f"{skipped_zh}满足第 {index + 1} 行（{why_zh}），"
                    f"认证结果：{label[0]}。{provisional_zh}",
                    f"{skipped_en}row {index + 1} is met ({why_en}), so the result is: {label[1]}."
                    f"{provisional_en}",
                    facts.numbers(row.id),
                ),
            )
        failures.append((row, why_zh, why_en))
    zh = "；".join(
        f"第 {i + 1} 行（{_outcome_label(r)[0]}）不满足：{z}"
        for i, (r, z, _) in enumerate(failures)
    )
    en = "; ".join(
        f"row {i + 1} ({_outcome_label(r)[1]}) not met: {e}" for i, (r, _, e) in enumerate(failures)
    )
    return Decision(
        "not_certified",
        None,
        None,
        Explanation(
            "decision",
            model.section,
            f"{zh}。没有满足的结果行，不予认证。",
            f"{en}. No row is met: not certified.",
            facts.numbers(None),
        ),
    )


def _provisional(
    management: ManagementResult | None, conformity: ConformityResult | None
) -> tuple[str, str]:
    """Say when a result rests on an incomplete audit (clauses not yet rated or judged)."""
    zh: list[str] = []
    en: list[str] = []
    if management is not None and management.total is not None and management.missing:
        n = len(management.missing)
        zh.append(f"管理要求尚有 {n} 个条款未评价")
        en.append(f"{n} management clause(s) not yet rated")
    if conformity is not None and conformity.final is not None and conformity.unjudged:
        n = len(conformity.unjudged)
        zh.append(f"尚有 {n} 个条款未判定")
        en.append(f"{n} clause(s) not yet judged")
    if not zh:
        return "", ""
    return f"（暂定：{'；'.join(zh)}）", f" (Provisional: {'; '.join(en)}.)"


def _thr(value: Fraction) -> str:
    """A threshold as written in the scheme (80, 70, 855.025), not padded with decimals."""
    return plain(value)


def _outcome_label(row: DecisionRow) -> tuple[str, str]:
    if row.outcome == "grade":
        assert row.grade is not None
        return row.grade.zh, row.grade.en
    if row.outcome == "certified":
        return "通过认证（不定级）", "certified without a grade"
    return "不予认证", "not certified"


@dataclass(frozen=True)
class _Facts:
    service: Fraction | None
    level: int | None
    total: Fraction | None
    passed: bool | None
    open_nonconformities: tuple[str, ...] | None
    unjudged: tuple[str, ...] | None

    def numbers(self, row: str | None) -> dict[str, Any]:
        return {
            "row": row,
            "service_score": show(self.service) if self.service is not None else None,
            "management_level": self.level,
            "management_total": show(self.total) if self.total is not None else None,
            "conformity_passed": self.passed,
            "open_nonconformities": list(self.open_nonconformities)
            if self.open_nonconformities is not None
            else None,
        }

    def check(self, when: Conditions) -> tuple[bool, str, str]:
        zh: list[str] = []
        en: list[str] = []
        ok = True

        def note(good: bool, z: str, e: str) -> None:
            nonlocal ok
            ok = ok and good
            zh.append(z)
            en.append(e)

        def compare(
            value: Fraction | int | None,
            threshold: Fraction | int | None,
            at_least: bool,
            names: tuple[str, str],
            missing: tuple[str, str],
        ) -> None:
            """One numeric condition: value ≥ threshold (at_least) or value < threshold."""
            if threshold is None:
                return
            if value is None:
                note(False, *missing)
                return
            good = value >= threshold if at_least else value < threshold
            sign = ("≥" if good else "<") if at_least else ("<" if good else "≥")
            shown = (
                show_against(Fraction(value), Fraction(threshold))
                if isinstance(value, Fraction)
                else str(value)
            )
            limit = _thr(Fraction(threshold))
            note(good, f"{names[0]} {shown} {sign} {limit}", f"{names[1]} {shown} {sign} {limit}")

        no_service = ("无服务特性测评得分", "no service score")
        compare(self.service, when.service_min, True, ("服务得分", "service score"), no_service)
        compare(self.service, when.service_below, False, ("服务得分", "service score"), no_service)
        compare(
            self.level,
            when.management_level_min,
            True,
            ("管理等级", "management level"),
            ("无管理要求等级", "no management level"),
        )
        compare(
            self.total,
            when.management_total_min,
            True,
            ("管理得分", "management total"),
            ("无管理成熟度得分", "no management total"),
        )
        if when.conformity_passed is not None:
            p = self.passed
            if p is None:
                note(False, "无条款符合性最终得分", "no conformity final score")
            else:
                good = p == when.conformity_passed
                note(
                    good,
                    "现场审查通过" if p else "现场审查未通过",
                    "on-site audit passed" if p else "on-site audit not passed",
                )
        if when.all_clauses_judged:
            missing = self.unjudged
            if missing is None:
                note(False, "无条款符合性判定", "no conformity judgements")
            elif missing:
                note(
                    False,
                    f"条款 {'、'.join(missing)} 尚未判定",
                    f"clause{'' if len(missing) == 1 else 's'} {', '.join(missing)} not judged yet",
                )
            else:
                note(True, "所有条款均已判定", "every clause judged")
        if when.no_open_nonconformities:
            nc = self.open_nonconformities
            if nc is None:
                note(False, "无条款符合性判定", "no conformity judgements")
            elif nc:
                note(
                    False,
                    f"不符合项 {'、'.join(nc)} 尚未整改关闭",
                    f"nonconformit{'y' if len(nc) == 1 else 'ies'} {', '.join(nc)} not yet "
                    "rectified",
                )
            else:
                note(True, "无未关闭的不符合项", "no open nonconformity")
        return ok, "，".join(zh), ", ".join(en)
