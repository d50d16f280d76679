"""The scoring engine: turns parsed input into scores, levels and a decision, with explanations.

Every value is exact (``Fraction``) until it is rendered. One module per model of a scheme:
``service`` (§5.1, the hot path), ``management`` (Annex 3), ``timing`` (annex tables),
``conformity`` (§5.2.3) and ``decision`` (§5.3); each result carries an ``Explanation``.
``score`` runs them all; the names other code uses are importable from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.scoring.engine.conformity import ClauseJudged, ConformityResult, score_conformity
from backend.scoring.engine.decision import Decision, decide
from backend.scoring.engine.explanation import Explanation
from backend.scoring.engine.management import ManagementResult, score_management
from backend.scoring.engine.service import EvaluationScore, ServiceResult, score_service
from backend.scoring.engine.timing import TimingResult, TimingSuggestion, score_timing
from backend.scoring.inputs import ScoreInput
from backend.scoring.model import Scheme

__all__ = [
    "ClauseJudged",
    "ConformityResult",
    "Decision",
    "EvaluationScore",
    "Explanation",
    "ManagementResult",
    "ScoreResult",
    "ServiceResult",
    "TimingResult",
    "TimingSuggestion",
    "decide",
    "score",
    "score_conformity",
    "score_management",
    "score_service",
    "score_timing",
]


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
