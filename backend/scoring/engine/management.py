"""The management maturity total and level (Annex 3): clause points summed, the level from it.

The level is the grading band that holds the total; clauses not yet rated are listed as missing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from backend.scoring.engine.explanation import Explanation
from backend.scoring.inputs import ClauseRating
from backend.scoring.model import ManagementModel
from backend.scoring.numbers import show


@dataclass(frozen=True)
class ManagementResult:
    total: Fraction | None
    level: int | None
    maximum: Fraction
    clauses: Mapping[str, ClauseRating]
    missing: tuple[str, ...]
    explanation: Explanation


def score_management(
    model: ManagementModel, ratings: Sequence[ClauseRating] | None
) -> ManagementResult:
    """Annex 3: the maturity total is the sum of clause points; the level comes from the total."""
    rated = {r.code: r for r in ratings or ()}
    missing = tuple(code for code in model.clauses if code not in rated)
    if not rated:
        return ManagementResult(
            None,
            None,
            model.total_points,
            {},
            missing,
            Explanation(
                "management_level",
                model.section,
                "未给出管理要求成熟度评价，管理成熟度总分和等级为空。",
                "No management maturity ratings given: no total and no level.",
            ),
        )
    total = sum((r.points for r in rated.values()), Fraction(0))
    level: int | None = None
    band_text = ""
    for band in model.grading:
        if band.contains(total):
            level = band.level
            band_text = band.describe(show(total))
            break
    numbers = {
        "total": show(total),
        "clauses_rated": len(rated),
        "clauses_missing": list(missing),
        "maximum": show(model.total_points),
    }
    missing_zh = f"；尚有 {len(missing)} 个条款未评价" if missing else ""
    missing_en = f"; {len(missing)} clause(s) not yet rated" if missing else ""
    if not model.grading:
        zh = (
            f"各条款成熟度得分累加，管理成熟度总分 {show(total)}"
            f"（满分 {show(model.total_points)}）{missing_zh}。"
        )
        en = (
            f"Clause maturity points summed: management total {show(total)} "
            f"of {show(model.total_points)}{missing_en}."
        )
    elif level is None:
        low = model.grading[0]
        zh = (
            f"管理成熟度总分 {show(total)} 低于最低等级的下限 {show(low.low)}，"
            f"不评定等级{missing_zh}。"
        )
        en = (
            f"Management total {show(total)} is below the lowest level's floor {show(low.low)}: "
            f"no level{missing_en}."
        )
    else:
        zh = (
            f"各条款成熟度得分累加为 {show(total)}，{band_text}，"
            f"管理要求等级为{_level_zh(level)}{missing_zh}。"
        )
        en = (
            f"Clause maturity points sum to {show(total)}; {band_text}, "
            f"so the management level is {level}{missing_en}."
        )
    return ManagementResult(
        total,
        level,
        model.total_points,
        rated,
        missing,
        Explanation("management_level", model.section, zh, en, numbers),
    )


def _level_zh(level: int) -> str:
    names = {1: "一级", 2: "二级", 3: "三级", 4: "四级", 5: "五级"}
    return names.get(level, f"{level}级")
