"""Clause conformity (CQC §5.2.3): judged clauses, chapter means, the final mean and the pass mark.

§5.2.3.1: a clause re-judged after rectification counts at most the scheme's cap (基本符合); a
judgement that opens a nonconformity leaves it open. §5.2.3.2: a chapter scores the mean of its
clauses, the final score is the mean of the chapters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from backend.scoring.engine.explanation import Explanation
from backend.scoring.engine.timing import TimingSuggestion
from backend.scoring.inputs import ConformityEntry
from backend.scoring.model import Scheme
from backend.scoring.numbers import show


@dataclass(frozen=True)
class ClauseJudged:
    clause: str
    chapter: str
    judgement: str
    points: Fraction
    counted: Fraction
    rectified: bool
    capped: bool
    suggestion: str | None
    reason: str | None
    timing_suggestion: str | None


@dataclass(frozen=True)
class ConformityResult:
    chapters: Mapping[str, Fraction]
    final: Fraction | None
    passed: bool | None
    pass_mark: Fraction
    clauses: tuple[ClauseJudged, ...]
    nonconformities: tuple[str, ...]
    unjudged: tuple[str, ...]
    explanation: Explanation


def score_conformity(
    scheme: Scheme,
    entries: Sequence[ConformityEntry] | None,
    suggestions: Sequence[TimingSuggestion],
) -> ConformityResult | None:
    """§5.2.3.2: chapter score = mean of its clauses; final = mean of chapters; pass at the mark."""
    model = scheme.conformity
    if model is None:
        return None
    suggested = {s.clause: s.judgement for s in suggestions}
    cap = model.judgements[model.rectified_cap]
    judged: list[ClauseJudged] = []
    by_chapter: dict[str, list[Fraction]] = defaultdict(list)
    for e in entries or ():
        chapter = model.clauses[e.clause][0]
        points = model.judgements[e.judgement].points
        # §5.2.3.1: after rectification a clause is judged at most 基本符合.
        counted = min(points, cap.points) if e.rectified else points
        judged.append(
            ClauseJudged(
                e.clause,
                chapter,
                e.judgement,
                points,
                counted,
                e.rectified,
                counted < points,
                e.suggestion,
                e.reason,
                suggested.get(e.clause),
            )
        )
        by_chapter[chapter].append(counted)
    chapters = {ch: sum(v, Fraction(0)) / len(v) for ch, v in by_chapter.items()}
    ordered = {ch: chapters[ch] for ch in model.chapters if ch in chapters}
    final = sum(ordered.values(), Fraction(0)) / len(ordered) if ordered else None
    passed = None if final is None else final >= model.pass_mark
    # A clause whose current judgement opens a nonconformity is open, even when re-judged after a
    # rectification (the rectification did not succeed); a better re-judgement closes it.
    nonconf = tuple(j.clause for j in judged if model.judgements[j.judgement].opens_nonconformity)
    unjudged = tuple(c for c in model.clauses if c not in {j.clause for j in judged})
    if final is None:
        explanation = Explanation(
            "conformity",
            model.section,
            "未给出条款符合性判定，无最终得分。",
            "No clause judgements given: no final score.",
        )
    else:
        parts_zh = "，".join(f"第{ch}章 {show(v)}" for ch, v in ordered.items())
        parts_en = ", ".join(f"chapter {ch} {show(v)}" for ch, v in ordered.items())
        capped = [j.clause for j in judged if j.capped]
        cap_zh = (
            f"；整改后条款 {'、'.join(capped)} 最高按“{cap.label.zh}”计 {show(cap.points, 0)} 分"
            if capped
            else ""
        )
        cap_en = (
            f"; rectified clause(s) {', '.join(capped)} count at most '{cap.label.en}' "
            f"({show(cap.points, 0)})"
            if capped
            else ""
        )
        verdict_zh = "通过" if passed else "不通过"
        verdict_en = "passes" if passed else "does not pass"
        explanation = Explanation(
            "conformity",
            model.section,
            f"每章得分为其条款得分的平均值（{parts_zh}），最终得分为各章平均值 {show(final)}；"
            f"{show(final)} {'≥' if passed else '<'} {show(model.pass_mark, 0)}，"
            f"现场审查{verdict_zh}{cap_zh}。",
            f"Each chapter scores the mean of its clauses ({parts_en}); the final score is the "
            "mean of the chapters, "
            f"{show(final)}; {show(final)} {'≥' if passed else '<'} {show(model.pass_mark, 0)}, "
            "so the on-site audit "
            f"{verdict_en}{cap_en}.",
            {
                "chapters": {k: show(v) for k, v in ordered.items()},
                "final": show(final),
                "pass_mark": show(model.pass_mark),
            },
        )
    return ConformityResult(
        ordered, final, passed, model.pass_mark, tuple(judged), nonconf, unjudged, explanation
    )
