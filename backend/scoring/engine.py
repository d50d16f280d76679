"""The scoring engine: turns parsed input into scores, levels and a decision, with explanations.

Every value is exact (``Fraction``) until it is rendered. The hot path, scoring evaluations, runs on
integers: item points and α are scaled to a common denominator so that one evaluation is a handful
of integer multiply-adds, and the mean of per-evaluation scores (§5.1.2) is summed exactly by
grouping evaluations that share the same possible points.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, NamedTuple

from backend.scoring.inputs import (
    ClauseRating,
    ConformityEntry,
    Evaluation,
    Rating,
    ScoreInput,
    TimingRow,
)
from backend.scoring.numbers import plain, show, show_against
from backend.scoring.scheme import (
    Conditions,
    DecisionRow,
    ManagementModel,
    Outcome,
    Scheme,
    ServiceModel,
    Text,
)

_HUNDRED = 100


@dataclass(frozen=True)
class Explanation:
    """Which rule applied, where the document says so, in Chinese and English, with the numbers."""

    rule: str
    section: str
    zh: str
    en: str
    numbers: Mapping[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- results


class EvaluationScore(NamedTuple):
    """One evaluation's result. Exact values are built on demand from the engine's integers.

    A named tuple rather than a frozen dataclass: the engine makes one per evaluation, and tuple
    construction is several times cheaper than a frozen dataclass's per-field ``__setattr__``.
    """

    evaluation: Evaluation
    #: Σ points × α and Σ points as integers on the engine's scale (points × P, α × D).
    earned_scaled: int
    possible_scaled: int
    p_scale: int
    d_scale: int
    #: The capped bonus, where the scheme has bonus items.
    bonus: Fraction | None = None

    @property
    def id(self) -> str:
        return self.evaluation.id

    @property
    def mode(self) -> str | None:
        return self.evaluation.mode

    @property
    def earned(self) -> Fraction:
        return Fraction(self.earned_scaled, self.p_scale * self.d_scale)

    @property
    def possible(self) -> Fraction:
        return Fraction(self.possible_scaled, self.p_scale)

    @property
    def score(self) -> Fraction | None:
        """earned / possible × 100 (+ capped bonus); None when no item was rated (§5.1.1 1))."""
        if not self.possible_scaled:
            return None
        base = Fraction(self.earned_scaled * _HUNDRED, self.possible_scaled * self.d_scale)
        return base + self.bonus if self.bonus is not None else base

    def score_float(self) -> float | None:
        """The nearest float, computed straight from integers (int / int rounds correctly)."""
        if not self.possible_scaled:
            return None
        if self.bonus is not None:
            s = self.score
            assert s is not None
            return s.numerator / s.denominator
        return self.earned_scaled * _HUNDRED / (self.possible_scaled * self.d_scale)

    @property
    def rated(self) -> int:
        return len(self.evaluation.ratings)

    @property
    def not_applicable(self) -> Mapping[str, str]:
        return self.evaluation.not_applicable

    def unrated(self, all_codes: Iterable[str]) -> tuple[str, ...]:
        """Items neither rated nor marked N/A: they simply count nowhere."""
        rated = {r.code for r in self.evaluation.ratings}
        na = self.evaluation.not_applicable
        return tuple(c for c in all_codes if c not in rated and c not in na)


@dataclass(frozen=True)
class ServiceResult:
    score: Fraction | None
    evaluations: tuple[EvaluationScore, ...]
    characteristics: Mapping[str, Fraction]
    modes: Mapping[str, Fraction]
    counted: int
    explanation: Explanation


@dataclass(frozen=True)
class ManagementResult:
    total: Fraction | None
    level: int | None
    maximum: Fraction
    clauses: Mapping[str, ClauseRating]
    missing: tuple[str, ...]
    explanation: Explanation


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


@dataclass(frozen=True)
class TimingResult:
    row: TimingRow
    table: str
    limit_s: Fraction
    conforms: bool


@dataclass(frozen=True)
class TimingSuggestion:
    clause: str
    rows: int
    conforming: int
    share: Fraction
    judgement: str
    explanation: Explanation


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    grade: Text | None
    row: str | None
    explanation: Explanation


@dataclass(frozen=True)
class ScoreResult:
    scheme: Scheme
    service: ServiceResult | None
    management: ManagementResult | None
    conformity: ConformityResult | None
    timing: tuple[TimingResult, ...]
    timing_suggestions: tuple[TimingSuggestion, ...]
    decision: Decision | None
    #: Input sections skipped because the scheme has no model for them: (section, why).
    ignored: tuple[tuple[str, str], ...] = ()


def score(scheme: Scheme, data: ScoreInput) -> ScoreResult:
    """Score everything the input carries against the scheme."""
    service = (
        score_service(scheme.service, data.evaluations, data.alpha_denominators or None)
        if scheme.service is not None
        else None
    )
    management = (
        score_management(scheme.management, data.management)
        if scheme.management is not None
        else None
    )
    timing, suggestions = score_timing(scheme, data.timing)
    conformity = score_conformity(scheme, data.conformity, suggestions)
    decision = decide(scheme, service, management, conformity)
    return ScoreResult(
        scheme, service, management, conformity, timing, suggestions, decision, data.ignored
    )


# --------------------------------------------------------------------------- service (§5.1)


def _lcm(values: Iterable[int]) -> int:
    out = 1
    for v in values:
        out = out * v // math.gcd(out, v)
    return out


def score_service(
    model: ServiceModel, evaluations: Sequence[Evaluation], dens: Iterable[int] | None = None
) -> ServiceResult:
    """§5.1.1 one evaluation's score and §5.1.2 the mean of per-evaluation scores.

    ``dens`` (every α denominator, as ``parse_input`` gathers them) saves a pass over the ratings.
    """
    items = model.items
    # Common integer scale: points x P and α x D are integers for every item and rating.
    p_scale = _lcm(it.points.denominator for it in items.values())
    dens = {r.den for ev in evaluations for r in ev.ratings} if dens is None else set(dens)
    d_scale = _lcm(dens)
    mult = {d: d_scale // d for d in dens}
    char_index = {c.code: i for i, c in enumerate(model.characteristics)}
    n_chars = len(model.characteristics)
    info: dict[str, tuple[int, int]] = {}
    for code, it in items.items():
        pts = int(it.points * p_scale)
        info[code] = (pts, -1 if it.bonus else char_index[it.characteristic])
    has_bonus = bool(model.bonus_items)
    cap = model.bonus_cap
    unit = p_scale * d_scale

    by_possible: dict[int, int] = defaultdict(int)  # possible -> sum of earned (scaled ints)
    by_mode: dict[tuple[str | None, int], int] = defaultdict(int)
    mode_count: dict[str | None, int] = defaultdict(int)
    # Keyed by possible * n_chars + characteristic index: one int key hashes faster than a tuple.
    by_char: dict[int, int] = defaultdict(int)
    char_count = [0] * n_chars
    bonus_scores: list[Fraction] = []  # only when the scheme has bonus items (slow path)
    bonus_by_mode: dict[str | None, list[Fraction]] = defaultdict(list)
    results: list[EvaluationScore] = []
    append = results.append
    # Per rating object: (points x α, points, characteristic) on the integer scale. Parsed
    # ratings are shared between evaluations, so most lookups hit.
    memo: dict[Rating, tuple[int, int, int]] = {}
    memo_get = memo.get
    counted = 0
    chars = range(n_chars)

    for ev in evaluations:
        earned = 0
        possible = 0
        bonus = 0
        ce = [0] * n_chars
        cp = [0] * n_chars
        for r in ev.ratings:
            t = memo_get(r)
            if t is None:
                pts, c = info[r.code]
                t = memo[r] = (pts * r.num * mult[r.den], pts, c)
            w, pts, c = t
            if c < 0:
                bonus += w
                continue
            earned += w
            possible += pts
            ce[c] += w
            cp[c] += pts
        if not possible:
            append(EvaluationScore(ev, 0, 0, p_scale, d_scale))
            continue
        counted += 1
        mode = ev.mode
        mode_count[mode] += 1
        for c in chars:
            pc = cp[c]
            if pc:
                by_char[pc * n_chars + c] += ce[c]
                char_count[c] += 1
        if has_bonus:
            assert cap is not None
            ev_bonus = min(Fraction(bonus, unit), cap)
            result = EvaluationScore(ev, earned, possible, p_scale, d_scale, ev_bonus)
            ev_score = result.score
            assert ev_score is not None
            bonus_scores.append(ev_score)
            bonus_by_mode[mode].append(ev_score)
            append(result)
        else:
            by_possible[possible] += earned
            by_mode[(mode, possible)] += earned
            append(EvaluationScore(ev, earned, possible, p_scale, d_scale))

    def mean_of(groups: Mapping[int, int], n: int) -> Fraction:
        total = sum((Fraction(s * _HUNDRED, p * d_scale) for p, s in groups.items()), Fraction(0))
        return total / n

    modes: dict[str, Fraction] = {}
    for mode in sorted(m for m in mode_count if m is not None):
        if has_bonus:
            modes[mode] = sum(bonus_by_mode[mode], Fraction(0)) / mode_count[mode]
        else:
            groups = {p: s for (m, p), s in by_mode.items() if m == mode}
            modes[mode] = mean_of(groups, mode_count[mode])
    characteristics: dict[str, Fraction] = {}
    for c, ch in enumerate(model.characteristics):
        if char_count[c]:
            groups = {key // n_chars: s for key, s in by_char.items() if key % n_chars == c}
            characteristics[ch.code] = mean_of(groups, char_count[c])

    service_score: Fraction | None
    weights = model.mode_weights
    excluded = len(evaluations) - counted
    if counted == 0:
        service_score = None
    elif weights is not None:
        present = {m: w for m, w in weights.items() if m in modes}
        wsum = sum(present.values(), Fraction(0))
        service_score = sum((w * modes[m] for m, w in present.items()), Fraction(0)) / wsum
    elif has_bonus:
        service_score = sum(bonus_scores, Fraction(0)) / counted
    else:
        service_score = mean_of(by_possible, counted)
    explanation = _service_explanation(
        model, service_score, counted, excluded, modes, weights, results
    )
    return ServiceResult(
        service_score, tuple(results), characteristics, modes, counted, explanation
    )


def _service_explanation(
    model: ServiceModel,
    value: Fraction | None,
    counted: int,
    excluded: int,
    modes: Mapping[str, Fraction],
    weights: Mapping[str, Fraction] | None,
    results: Sequence[EvaluationScore],
) -> Explanation:
    scored = [r for r in results if r.possible_scaled]
    pooled: Fraction | None = None
    if scored and not model.bonus_items:
        # Σ earned / Σ possible over all evaluations, shown only to contrast with §5.1.2's mean.
        first = scored[0]
        pooled = Fraction(
            sum(r.earned_scaled for r in scored) * _HUNDRED,
            sum(r.possible_scaled for r in scored) * first.d_scale,
        )
    numbers: dict[str, Any] = {
        "evaluations_counted": counted,
        "evaluations_without_rated_items": excluded,
        "per_evaluation_scores_first_50": [show(r.score) for r in scored[:50]],
        "pooled_ratio_for_comparison": show(pooled) if pooled is not None else None,
    }
    if value is None:
        return Explanation(
            "service_score",
            model.section,
            "没有可计分的测评（无测评，或每项均为不适用），服务特性测评得分为空。",
            "No scorable evaluation (none given, or every item not applicable): no service score.",
            numbers,
        )
    excl_zh = f"；{excluded} 次测评无可评项目，未计入" if excluded else ""
    excl_en = f"; {excluded} evaluation(s) with no rated item left out" if excluded else ""
    if weights is not None:
        parts = ", ".join(
            f"{m} {show(modes[m])} × {show(w, 4)}" for m, w in weights.items() if m in modes
        )
        numbers["mode_weights"] = {m: show(w, 4) for m, w in weights.items()}
        return Explanation(
            "service_score",
            model.section,
            "按方案规定的模式权重，对各模式的测评平均分加权（权重按出现的模式归一）："
            f"{parts} = {show(value)}{excl_zh}。",
            "Weighted by the scheme's mode weights over the modes present (renormalised): "
            f"{parts} = {show(value)}{excl_en}.",
            numbers,
        )
    bonus_zh = "（每次测评得分 = 基本分百分比 + 封顶的加分）" if model.bonus_items else ""
    bonus_en = " (each evaluation: base percentage + capped bonus)" if model.bonus_items else ""
    return Explanation(
        "service_score",
        model.section,
        f"服务特性测评总分为每人或每次测评分的均值{bonus_zh}："
        f"{counted} 次测评得分之和 ÷ {counted} = {show(value)}{excl_zh}。"
        "每次测评得分 = Σ(单项分值 × 体验系数 α) ÷ Σ(适用项单项分值) × 100，"
        "不适用项不计入分子和分母。",
        f"The service score is the mean of per-evaluation scores{bonus_en}: the sum of "
        f"{counted} evaluation "
        f"score(s) ÷ {counted} = {show(value)}{excl_en}. Each evaluation scores Σ(points × α) ÷ "
        "Σ(points of "
        "applicable items) × 100; not-applicable items leave both sums.",
        numbers,
    )


# --------------------------------------------------------------------------- management (Annex 3)


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


# --------------------------------------------------------------------------- timing (Annex tables)


def score_timing(
    scheme: Scheme, rows: Sequence[TimingRow]
) -> tuple[tuple[TimingResult, ...], tuple[TimingSuggestion, ...]]:
    """Each row: difference = sent - received, conforming when ≤ the table's limit.

    Per clause the share of conforming rows suggests a judgement (our reading of the rule's
    "combined judgement", data in the scheme); the auditor confirms or overrides it.
    """
    model = scheme.timing
    if model is None or not rows:
        return (), ()
    results: list[TimingResult] = []
    per_clause: dict[str, list[TimingResult]] = defaultdict(list)
    for row in rows:
        table = model.table_for(row.clause)
        assert table is not None
        res = TimingResult(row, table.table, table.limit_s, row.difference_s <= table.limit_s)
        results.append(res)
        per_clause[row.clause].append(res)
    conformity = scheme.conformity
    suggestions: list[TimingSuggestion] = []
    for clause, group in per_clause.items():
        ok = sum(1 for r in group if r.conforms)
        share = Fraction(ok, len(group))
        judgement = model.otherwise
        rule_text = "otherwise"
        for rule in model.suggestion:
            if rule.matches(share):
                judgement = rule.judgement
                rule_text = (
                    f"share {'≥' if rule.inclusive else '>'} {show(rule.share_min * 100, 0)}%"
                )
                break
        label = conformity.judgements[judgement].label if conformity else Text(judgement, judgement)
        table = model.table_for(clause)
        assert table is not None
        suggestions.append(
            TimingSuggestion(
                clause,
                len(group),
                ok,
                share,
                judgement,
                Explanation(
                    "timing_suggestion",
                    model.section,
                    f"条款 {clause}（{table.table}，要求 ≤ {show(table.limit_s, 0)} 秒）："
                    f"{len(group)} "
                    f"行中 {ok} 行符合"
                    f"（{show(share * 100)}%），建议判定为“{label.zh}”，"
                    "由审查员确认或说明理由后改判。",
                    f"Clause {clause} ({table.table}, limit {show(table.limit_s, 0)} s): {ok} "
                    f"of {len(group)} rows "
                    f"conform ({show(share * 100)}%, {rule_text}); suggested judgement "
                    f"'{label.en}', for the auditor "
                    "to confirm or override with a reason.",
                    {"rows": len(group), "conforming": ok, "share": show(share * 100)},
                ),
            )
        )
    return tuple(results), tuple(suggestions)


# --------------------------------------------------------------------------- conformity (§5.2.3)


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


# --------------------------------------------------------------------------- decision (§5.3)


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
