"""Each answer scored once, on arrival; the analysis summed by the database (issue 13).

§5.1.1 1): one respondent scores Σ points × α ÷ Σ points of the items rated × 100, "not
applicable" leaving both sums; §5.1.2: the survey's score is the mean of those scores. Instead of
running the scoring core over every answer at each analysis, each answer stores, when it arrives,
the two sums as exact integers on the scheme's own scale (``AnswerScale``: points × P and α × D
are integers for every item and level of the scheme), the level given per item (one character per
scheme item), and the names of its quality flags. The mean is then exact from a GROUP BY on the
possible points: Σ over groups of (Σ earned × 100 ÷ (possible × D)) ÷ n, the same grouping the
scoring core uses (``backend.scoring.engine.service``), so the result is the same Fraction.

``scored_with`` names the scheme (its content hash) the sums were taken on. Answers stored before
this column, by bulk loads, or on another scheme are scored again before an analysis
(``ensure_scored``, in batches). An answer the scheme cannot score as a plain Likert answer (an
item it no longer has, a bonus item, a mode it does not weight) is marked with NULL sums, and the
analysis of its campaign falls back to the scoring core over every answer (``analysis.analyse``),
which says what is wrong exactly as before.

The GROUP BY itself is not run at reading time either: database triggers keep its result in
``survey_tally_groups`` and the level counts in ``survey_tally_levels`` as answers are written
and changed (migration b8d3f1a6c925), so an analysis reads a few rows per site however many
answers the campaign has. Only the "first 50" and "latest 50" read answers, through an index.
"""

from __future__ import annotations

import math
import threading
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.scoring import Scheme
from backend.scoring.engine.service import service_explanation
from backend.scoring.numbers import to_float
from backend.scoring.render import exact_str, explanation_json
from backend.scoring.scheme import ServiceModel
from backend.surveys import logic
from backend.surveys.models import (
    CallbackOutcome,
    Channel,
    SurveyResponse,
    SurveySite,
    SurveyTallyGroup,
    SurveyTallyLevel,
)

#: Levels stored one character per scheme item: "1".."9", "n" not applicable, "-" not asked.
NOT_ASKED = "-"
NA_CHAR = "n"
#: The levels the analysis counts (a five-point scale), as in ``analysis.LEVELS``.
LEVELS = (1, 2, 3, 4, 5)
#: Rows of ``survey_tally_positions``: the triggers count levels at positions 1..this. A scheme
#: with more service items is left to the scoring core (``_build_scale``), which reads every answer.
TALLY_POSITIONS = 1000
#: Answers scored again per batch when their stored sums are missing or from another scheme.
RESCORE_BATCH = 2000


@dataclass(frozen=True, slots=True)
class AnswerValues:
    """What the analysis needs of one answer, computed once when it is stored."""

    earned: int | None
    possible: int | None
    levels: str | None
    scored_with: str


@dataclass(frozen=True, slots=True)
class AnswerScale:
    """A scheme's integer scale for survey answers: points × P and α × D are integers."""

    content_hash: str
    p_scale: int
    d_scale: int
    #: Item code -> 1-based position in ``levels``.
    positions: Mapping[str, int]
    #: Item code -> (points × P, {level: α × D}) for the items a customer can rate by level.
    rateable: Mapping[str, tuple[int, Mapping[int, int]]]
    #: No answer is stored scored: the scheme weights modes and gives mode E none (the scoring
    #: core refuses survey answers), or it has more items than the tallies have positions.
    left_to_core: bool

    def values(self, answers: Mapping[str, Any]) -> AnswerValues:
        """The stored sums and levels of one answer, or NULL sums when the core would refuse it."""
        unscorable = AnswerValues(None, None, None, self.content_hash)
        if self.left_to_core:
            return unscorable
        chars = [NOT_ASKED] * len(self.positions)
        earned = possible = 0
        for item, value in answers.items():
            entry = self.rateable.get(item)
            if entry is None:
                return unscorable
            points, alphas = entry
            if value == logic.NA:
                chars[self.positions[item] - 1] = NA_CHAR
                continue
            if isinstance(value, bool):
                return unscorable
            try:
                level = int(value)
            except (TypeError, ValueError):
                return unscorable
            alpha = alphas.get(level)
            if alpha is None or not 1 <= level <= 9:
                return unscorable
            chars[self.positions[item] - 1] = str(level)
            earned += points * alpha
            possible += points
        return AnswerValues(earned, possible, "".join(chars), self.content_hash)

    def score(self, earned: int | None, possible: int | None) -> Fraction | None:
        """One answer's score (§5.1.1 1)); None when no item was rated."""
        if not possible or earned is None:
            return None
        return Fraction(earned * 100, possible * self.d_scale)


_scales: dict[str, AnswerScale] = {}
_scales_lock = threading.Lock()


def scale_of(scheme: Scheme) -> AnswerScale:
    """The scheme's answer scale, built once per scheme content (schemes are immutable)."""
    with _scales_lock:
        found = _scales.get(scheme.content_hash)
    if found is not None:
        return found
    built = _build_scale(scheme)
    with _scales_lock:
        _scales[scheme.content_hash] = built
    return built


def _lcm(values: Iterable[int]) -> int:
    out = 1
    for v in values:
        out = out * v // math.gcd(out, v)
    return out


def _build_scale(scheme: Scheme) -> AnswerScale:
    model = scheme.service
    if model is None:
        return AnswerScale(scheme.content_hash, 1, 1, {}, {}, True)
    items = model.items
    if len(items) > TALLY_POSITIONS:
        return AnswerScale(scheme.content_hash, 1, 1, {}, {}, True)
    p_scale = _lcm(it.points.denominator for it in items.values())
    d_scale = _lcm(band.level_alpha.denominator for it in items.values() for band in it.scale.bands)
    rateable: dict[str, tuple[int, dict[int, int]]] = {}
    for code, it in items.items():
        if it.bonus or it.scale.kind != "alpha_bands":
            continue
        alphas = {band.level: int(band.level_alpha * d_scale) for band in it.scale.bands}
        rateable[code] = (int(it.points * p_scale), alphas)
    weights = model.mode_weights
    left_to_core = weights is not None and logic.SURVEY_MODE not in weights
    positions = {code: i + 1 for i, code in enumerate(items)}
    return AnswerScale(scheme.content_hash, p_scale, d_scale, positions, rateable, left_to_core)


def flag_names(flags: Sequence[Mapping[str, Any]] | None) -> str:
    """The flags' names in order, comma-separated ("" for none): what the analysis counts."""
    return ",".join(str(f.get("flag", "?")) for f in flags or ())


def stored_columns(scale: AnswerScale, answers: Mapping[str, Any], flags: Any) -> dict[str, Any]:
    """The columns an answer's INSERT sets besides its own fields (answering, interviews)."""
    values = scale.values(answers)
    return {
        "score_earned": values.earned,
        "score_possible": values.possible,
        "levels": values.levels,
        "scored_with": values.scored_with,
        "flag_names": flag_names(flags),
    }


def ensure_scored(session: Session, campaign_id: uuid.UUID, scale: AnswerScale) -> bool:
    """Score the campaign's answers not yet scored on this scheme; False if one cannot be.

    Normally nothing to do (answers are scored when stored): this catches answers from before
    the columns existed, bulk loads, and a campaign whose engagement moved to another scheme.
    """
    # "<" or ">" rather than "!=": two ranges of the index on (campaign_id, scored_with).
    stale = sa.or_(
        SurveyResponse.scored_with.is_(None),
        SurveyResponse.scored_with < scale.content_hash,
        SurveyResponse.scored_with > scale.content_hash,
    )
    while True:
        rows = session.execute(
            sa.select(SurveyResponse.id, SurveyResponse.answers, SurveyResponse.flags)
            .where(SurveyResponse.campaign_id == campaign_id, stale)
            .limit(RESCORE_BATCH)
        ).all()
        if not rows:
            break
        session.execute(
            sa.update(SurveyResponse),
            [
                {"id": rid, **stored_columns(scale, answers or {}, flags)}
                for rid, answers, flags in rows
            ],
            execution_options={"synchronize_session": False},
        )
    unscorable = session.scalar(
        sa.select(SurveyResponse.id)
        .where(SurveyResponse.campaign_id == campaign_id, SurveyResponse.score_possible.is_(None))
        .limit(1)
    )
    return unscorable is None


# --------------------------------------------------------------------------- the aggregates

_DENIED = CallbackOutcome.DENIED.value


def counted_clause() -> sa.ColumnElement[bool]:
    """``reads.exclusion(r) is None`` in SQL: not denied at callback, and unflagged or included."""
    return sa.and_(
        sa.or_(
            SurveyResponse.callback_outcome.is_(None),
            SurveyResponse.callback_outcome != CallbackOutcome.DENIED,
        ),
        sa.or_(SurveyResponse.flag_names == "", SurveyResponse.included_reason.is_not(None)),
    )


def exclusion_of(callback: Any, flags: str, included: bool) -> str | None:
    """``reads.exclusion`` from the stored columns."""
    outcome = callback.value if isinstance(callback, CallbackOutcome) else callback
    if outcome == _DENIED:
        return "callback_denied"
    if flags and not included:
        return "flagged"
    return None


@dataclass
class _Group:
    """Answers of one site and channel sharing exclusion, flags and possible points."""

    site: uuid.UUID
    channel: Channel
    excluded: str | None
    flags: str
    possible: int
    count: int
    earned: int


@dataclass
class Mean:
    """Σ earned per possible points, and how many answers: a §5.1.2 mean, summed exactly."""

    by_possible: dict[int, int]
    counted: int = 0  # answers with at least one rated item
    answers: int = 0  # counted answers, rated or not

    @classmethod
    def empty(cls) -> Mean:
        return cls(defaultdict(int))

    def add(self, group: _Group) -> None:
        self.answers += group.count
        if group.possible:
            self.by_possible[group.possible] += group.earned
            self.counted += group.count

    def value(self, d_scale: int) -> Fraction | None:
        if not self.counted:
            return None
        total = sum(
            (Fraction(s * 100, p * d_scale) for p, s in self.by_possible.items()), Fraction(0)
        )
        return total / self.counted


def _groups(session: Session, campaign_id: uuid.UUID) -> list[_Group]:
    """The campaign's groups, as the triggers keep them (``SurveyTallyGroup``): no answer read."""
    g = SurveyTallyGroup
    rows = session.execute(
        sa.select(
            g.survey_site_id,
            g.channel,
            g.callback_outcome,
            g.included,
            g.flag_names,
            g.score_possible,
            g.n,
            g.earned,
        ).where(g.campaign_id == campaign_id, g.n > 0)
    ).all()
    return [
        _Group(
            site=site,
            channel=Channel(channel),
            excluded=exclusion_of(callback or None, flags, bool(inc)),
            flags=flags,
            possible=max(int(possible), 0),  # -1: not scored (ensure_scored scores them first)
            count=int(count),
            earned=int(earned),
        )
        for site, channel, callback, inc, flags, possible, count, earned in rows
    ]


def _distributions(
    session: Session, campaign_id: uuid.UUID, scale: AnswerScale, items: Sequence[str]
) -> dict[uuid.UUID, dict[str, Counter[str]]]:
    """Per site, per asked item: how many counted answers gave each level.

    Read from ``SurveyTallyLevel``, which the triggers keep per (site, item position, level).
    """
    level = SurveyTallyLevel
    item_at = {scale.positions[item]: item for item in items if item in scale.positions}
    out: dict[uuid.UUID, dict[str, Counter[str]]] = {}
    if not item_at:
        return out
    wanted = [str(value) for value in LEVELS] + [NA_CHAR]
    rows = session.execute(
        sa.select(level.survey_site_id, level.position, level.level, level.n).where(
            level.campaign_id == campaign_id,
            level.position.in_(list(item_at)),
            level.level.in_(wanted),
            level.n > 0,
        )
    ).all()
    for site, position, value, n in rows:
        key = logic.NA if value == NA_CHAR else value
        out.setdefault(site, defaultdict(Counter))[item_at[position]][key] += int(n)
    return out


def answers_per_site(
    session: Session, campaign_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[int, int]]:
    """Survey site -> (answers received, answers counted), from the kept groups.

    Counted as the analysis and the scores count (``exclusion_of``). The campaigns' answers
    must be scored (``ensure_scored``): a row not scored yet has no flag names to count by.
    """
    g = SurveyTallyGroup
    out: dict[uuid.UUID, tuple[int, int]] = {}
    if not campaign_ids:
        return out
    rows = session.execute(
        sa.select(g.survey_site_id, g.callback_outcome, g.included, g.flag_names, g.n).where(
            g.campaign_id.in_(list(campaign_ids)), g.n > 0
        )
    ).all()
    for site, callback, included, flags, n in rows:
        received, counted = out.get(site, (0, 0))
        if exclusion_of(callback or None, flags, bool(included)) is None:
            counted += int(n)
        out[site] = (received + int(n), counted)
    return out


#: What the triggers keep, counted again from the answers: for bulk loads that bypass the
#: triggers (bench/scale_seed.py) and the tests of the triggers (test_tally_triggers.py).
RECOUNT_GROUPS = """
SELECT campaign_id, survey_site_id, channel, COALESCE(callback_outcome, ''),
       included_reason IS NOT NULL, COALESCE(flag_names, ''), COALESCE(score_possible, -1),
       COUNT(*), SUM(COALESCE(score_earned, 0))
FROM survey_responses GROUP BY 1, 2, 3, 4, 5, 6, 7"""
RECOUNT_LEVELS = """
SELECT r.campaign_id, r.survey_site_id, p.position, substr(r.levels, p.position, 1), COUNT(*)
FROM survey_responses AS r JOIN survey_tally_positions AS p ON p.position <= length(r.levels)
WHERE substr(r.levels, p.position, 1) <> '-'
  AND (r.callback_outcome IS NULL OR r.callback_outcome <> 'denied')
  AND (COALESCE(r.flag_names, '') = '' OR r.included_reason IS NOT NULL)
GROUP BY 1, 2, 3, 4"""
#: Replace the tallies by a count of the answers (the triggers must be off or the table quiet).
RECOUNT = (
    "DELETE FROM survey_tally_groups",
    "DELETE FROM survey_tally_levels",
    "INSERT INTO survey_tally_groups (campaign_id, survey_site_id, channel, callback_outcome, "
    "included, flag_names, score_possible, n, earned)" + RECOUNT_GROUPS,
    "INSERT INTO survey_tally_levels (campaign_id, survey_site_id, position, level, n)"
    + RECOUNT_LEVELS,
)


def _first_scored(
    session: Session, campaign_id: uuid.UUID, scale: AnswerScale
) -> tuple[list[Fraction | None], dict[uuid.UUID, list[Fraction | None]]]:
    """The first 50 scored counted answers' scores, overall and per site (the explanation's)."""
    r = SurveyResponse
    counted_scored = sa.and_(counted_clause(), r.score_possible > 0)
    scored = sa.and_(r.campaign_id == campaign_id, counted_scored)
    overall = [
        scale.score(earned, possible)
        for earned, possible in session.execute(
            sa.select(r.score_earned, r.score_possible)
            .where(scored)
            .order_by(r.received_at, r.id)
            .limit(50)
        )
    ]
    per_site: dict[uuid.UUID, list[Fraction | None]] = {}
    sites = session.scalars(
        sa.select(SurveySite.id).where(SurveySite.campaign_id == campaign_id)
    ).all()
    for site in sites:
        # The index on (survey_site_id, received_at, id) reads each site's first 50 in order.
        # The site implies the campaign: naming the campaign too made PostgreSQL combine both
        # indexes and sort the site's every answer (it takes the two for independent).
        per_site[site] = [
            scale.score(earned, possible)
            for earned, possible in session.execute(
                sa.select(r.score_earned, r.score_possible)
                .where(r.survey_site_id == site, counted_scored)
                .order_by(r.received_at, r.id)
                .limit(50)
            )
        ]
    return overall, per_site


def _per_respondent(
    session: Session, campaign_id: uuid.UUID, scale: AnswerScale
) -> tuple[dict[str, float | None], dict[uuid.UUID, dict[str, float | None]]]:
    """Every counted answer's score by id, overall and per site (staff view), oldest first."""
    r = SurveyResponse
    overall: dict[str, float | None] = {}
    per_site: dict[uuid.UUID, dict[str, float | None]] = defaultdict(dict)
    rows = session.execute(
        sa.select(r.id, r.survey_site_id, r.score_earned, r.score_possible)
        .where(r.campaign_id == campaign_id, counted_clause())
        .order_by(r.received_at, r.id)
        .execution_options(yield_per=5000)
    )
    d_scale = scale.d_scale
    for rid, site, earned, possible in rows:
        # int / int rounds correctly: the float of the exact score, as to_float gives it.
        score = earned * 100 / (possible * d_scale) if possible and earned is not None else None
        key = str(rid)
        overall[key] = score
        per_site[site][key] = score
    return overall, per_site


def latest(session: Session, campaign_id: uuid.UUID, scale: AnswerScale) -> list[Any]:
    """The 50 latest answers with their stored scoring columns."""
    r = SurveyResponse
    return list(
        session.execute(
            sa.select(
                r.id,
                r.received_at,
                r.survey_site_id,
                r.channel,
                r.flag_names,
                r.callback_outcome,
                r.included_reason.is_not(None),
                r.score_earned,
                r.score_possible,
            )
            .where(r.campaign_id == campaign_id)
            .order_by(r.received_at.desc(), r.id.desc())
            .limit(50)
        ).all()
    )


@dataclass
class Tallies:
    """Everything the analysis reads of a campaign's answers, from a handful of queries."""

    scale: AnswerScale
    groups: list[_Group]
    distributions: dict[uuid.UUID, dict[str, Counter[str]]]
    first_overall: list[Fraction | None]
    first_by_site: dict[uuid.UUID, list[Fraction | None]]
    per_respondent: dict[str, float | None] | None
    per_respondent_by_site: dict[uuid.UUID, dict[str, float | None]] | None


def tallies(
    session: Session,
    campaign_id: uuid.UUID,
    scale: AnswerScale,
    items: Sequence[str],
    *,
    per_respondent: bool,
) -> Tallies:
    first_overall, first_by_site = _first_scored(session, campaign_id, scale)
    overall_scores: dict[str, float | None] | None = None
    site_scores: dict[uuid.UUID, dict[str, float | None]] | None = None
    if per_respondent:
        overall_scores, site_scores = _per_respondent(session, campaign_id, scale)
    return Tallies(
        scale=scale,
        groups=_groups(session, campaign_id),
        distributions=_distributions(session, campaign_id, scale, items),
        first_overall=first_overall,
        first_by_site=first_by_site,
        per_respondent=overall_scores,
        per_respondent_by_site=site_scores,
    )


def score_block(
    model: ServiceModel,
    scale: AnswerScale,
    groups: Sequence[_Group],
    first_scores: Sequence[Fraction | None],
) -> dict[str, Any]:
    """``analysis._score`` of a block's counted answers, from its groups."""
    mean = Mean.empty()
    earned_total = possible_total = 0
    for g in groups:
        mean.add(g)
        if g.possible:
            earned_total += g.earned
            possible_total += g.possible * g.count
    value = mean.value(scale.d_scale)
    modes: dict[str, Fraction] = {}
    if value is not None:
        modes[logic.SURVEY_MODE] = value
    # With mode weights the core weights the modes present and renormalises: survey answers
    # are all of mode E, so the score is E's mean either way.
    weights = model.mode_weights
    score = value
    pooled = None
    if possible_total and not model.bonus_items:
        pooled = Fraction(earned_total * 100, possible_total * scale.d_scale)
    explanation = service_explanation(
        model,
        score,
        mean.counted,
        mean.answers - mean.counted,
        modes,
        weights,
        first_scores=first_scores,
        pooled=pooled,
    )
    return {
        "score": to_float(score),
        "exact": exact_str(score),
        "counted": mean.counted,
        "method": "mean_of_evaluations",
        "explanation": explanation_json(explanation),
    }
