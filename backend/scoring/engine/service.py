"""Service-characteristic scores (§5.1): one score per evaluation, the mean of them, the parts.

§5.1.1 1): an evaluation scores Σ points × α ÷ Σ points of its applicable items × 100; §5.1.2: the
service score is the *mean of the per-evaluation scores*, never a pooled ratio. The hot path runs
on integers: item points and α are scaled to a common denominator so that one evaluation is a
handful of integer multiply-adds, and the mean is summed exactly by grouping evaluations that share
the same possible points. Per-characteristic and per-mode means follow the same rule.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, NamedTuple

from backend.scoring.engine.explanation import Explanation
from backend.scoring.inputs import Evaluation, Rating
from backend.scoring.model import ServiceModel
from backend.scoring.numbers import show

_HUNDRED = 100


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


def _lcm(values: Iterable[int]) -> int:
    out = 1
    for v in values:
        out = out * v // math.gcd(out, v)
    return out


class _NotPackable(Exception):
    """A rating the packed sums cannot hold (α outside 0..1): the plain loop scores the input."""


class _Packed(NamedTuple):
    results: list[EvaluationScore]
    counted: int
    #: (mode, possible) -> (Σ earned, evaluations), over evaluations with possible > 0.
    by_mode: dict[tuple[str | None, int], tuple[int, int]]
    #: possible of the characteristic * n_chars + its index -> (Σ its earned, evaluations).
    by_char: dict[int, tuple[int, int]]


def _packed_sums(
    evaluations: Sequence[Evaluation],
    info: Mapping[str, tuple[int, int]],
    mult: Mapping[int, int],
    n_chars: int,
    p_scale: int,
    d_scale: int,
) -> _Packed:
    """The engine loop without bonus items, its inner loop in C (issue 13).

    Each rating stands for one integer holding all it adds, in bit fields side by side: points
    x α to the evaluation's earned and to its characteristic's, a zero count, points to possible
    and to its characteristic's. Fields of non-negative integers add without carrying into each
    other while each stays below its width, so an evaluation's sums are one ``sum(map(...))``
    over its ratings, and evaluations with the same possible points per characteristic add up
    in one dict entry. The widths are bounds on what can be summed: possible ≤ the evaluation's
    most ratings x the largest points, earned ≤ possible x D per evaluation and ≤ n times that
    over all. Exact integers throughout; split into the plain loop's figures at the end.
    """
    n = len(evaluations)
    most = max((len(ev.ratings) for ev in evaluations), default=0)
    max_possible = most * max((pts for pts, _ in info.values()), default=0)
    e_bits = (n * max_possible * d_scale).bit_length() + 1
    p_bits = max_possible.bit_length() + 1
    c_bits = n.bit_length() + 1
    # Low to high: earned, earned per characteristic, the count; then possible, possible per
    # characteristic (the key of the groups).
    count_at = (n_chars + 1) * e_bits
    p_at = count_at + c_bits
    e_field = (1 << e_bits) - 1
    p_field = (1 << p_bits) - 1
    low = (1 << p_at) - 1
    one = 1 << count_at

    class Table(dict[Rating, int]):
        def __missing__(self, r: Rating) -> int:
            pts, c = info[r.code]
            if not 0 <= r.num <= r.den or c < 0:
                raise _NotPackable
            w = pts * r.num * mult[r.den]
            c += 1
            value = self[r] = w | w << c * e_bits | (pts | pts << c * p_bits) << p_at
            return value

    get = Table().__getitem__
    groups: dict[tuple[str | None, int], int] = defaultdict(int)
    results: list[EvaluationScore] = []
    append = results.append
    # tuple.__new__: a named tuple's own __new__ is a Python function, a call per evaluation.
    new = tuple.__new__
    for ev in evaluations:
        sums = sum(map(get, ev.ratings))
        possible = sums >> p_at
        if possible & p_field:
            groups[(ev.mode, possible)] += (sums & low) | one
            append(
                new(
                    EvaluationScore,
                    (ev, sums & e_field, possible & p_field, p_scale, d_scale, None),
                )
            )
        else:
            append(new(EvaluationScore, (ev, 0, 0, p_scale, d_scale, None)))

    counted = 0
    by_mode: dict[tuple[str | None, int], tuple[int, int]] = {}
    by_char: dict[int, tuple[int, int]] = {}
    c_field = (1 << c_bits) - 1
    for (mode, possible), sums in groups.items():
        count = sums >> count_at & c_field
        counted += count
        key = (mode, possible & p_field)
        s, k = by_mode.get(key, (0, 0))
        by_mode[key] = (s + (sums & e_field), k + count)
        for c in range(n_chars):
            pc = possible >> (c + 1) * p_bits & p_field
            if pc:
                at = pc * n_chars + c
                s, k = by_char.get(at, (0, 0))
                by_char[at] = (s + (sums >> (c + 1) * e_bits & e_field), k + count)
    return _Packed(results, counted, by_mode, by_char)


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

    packed = None
    if not has_bonus and all(pts >= 0 for pts, _ in info.values()):
        try:
            packed = _packed_sums(evaluations, info, mult, n_chars, p_scale, d_scale)
        except _NotPackable:
            packed = None
    if packed is not None:
        results, counted = packed.results, packed.counted
        for (mode, p), (s, n) in packed.by_mode.items():
            by_possible[p] += s
            by_mode[(mode, p)] += s
            mode_count[mode] += n
        for key, (s, n) in packed.by_char.items():
            by_char[key] += s
            char_count[key % n_chars] += n
    else:
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
    scored = [r for r in results if r.possible_scaled]
    pooled: Fraction | None = None
    if scored and not model.bonus_items:
        # Σ earned / Σ possible over all evaluations, shown only to contrast with §5.1.2's mean.
        pooled = Fraction(
            sum(r.earned_scaled for r in scored) * _HUNDRED,
            sum(r.possible_scaled for r in scored) * scored[0].d_scale,
        )
    explanation = service_explanation(
        model,
        service_score,
        counted,
        excluded,
        modes,
        weights,
        first_scores=[r.score for r in scored[:50]],
        pooled=pooled,
    )
    return ServiceResult(
        service_score, tuple(results), characteristics, modes, counted, explanation
    )


def service_explanation(
    model: ServiceModel,
    value: Fraction | None,
    counted: int,
    excluded: int,
    modes: Mapping[str, Fraction],
    weights: Mapping[str, Fraction] | None,
    *,
    first_scores: Sequence[Fraction | None],
    pooled: Fraction | None,
) -> Explanation:
    """The explanation of a §5.1.2 service score from its parts.

    ``first_scores``: the first 50 scored evaluations' scores, in input order; ``pooled``:
    Σ earned ÷ Σ possible × 100 over them all (None with bonus items). Public so that a caller
    summing stored per-evaluation values in the database (``backend.surveys.tallies``) explains
    its mean in the same words as ``score_service``.
    """
    numbers: dict[str, Any] = {
        "evaluations_counted": counted,
        "evaluations_without_rated_items": excluded,
        "per_evaluation_scores_first_50": [show(score) for score in first_scores[:50]],
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
