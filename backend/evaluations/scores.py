"""An engagement's service scores, through the scoring core, from accepted evaluations only.

DOMAIN.md "Scoring model 1": one evaluation scores Σ points × α ÷ Σ points of its applicable items
× 100 (§5.1.1 1)); the service score is the *mean of the per-evaluation scores* (§5.1.2), never a
pooled ratio, so the per-evaluation scores are shown beside it. Only evaluations accepted in QA
count, with the customer survey answers that count (mode E, registered by the surveys feature
through ``measurement_sources``): each respondent is one more person in the mean. The
engagement's pinned scheme version is used, parsed from its stored text.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth.access import Actor
from backend.clients.models import Site
from backend.evaluations.models import Evaluation, EvaluationStatus, EvaluationVersion
from backend.evaluations.ratings import scoring_ratings
from backend.evaluations.services import engagement_access, load_scheme_version
from backend.scoring import Scheme, parse_input
from backend.scoring.engine import EvaluationScore, score_service
from backend.scoring.numbers import to_float
from backend.scoring.render import exact_str, explanation_json
from backend.scoring.scheme import ServiceModel


@dataclass(frozen=True)
class Measurement:
    """One person's measurement that the service score averages (§5.1.2)."""

    id: str
    site_id: uuid.UUID
    mode: str
    #: Item code → rating as the scoring core reads it (``backend.scoring.parse_input``).
    ratings: Mapping[str, Any]
    #: ``evaluation`` (accepted in QA) or ``survey_answer`` (a counted customer answer).
    source: str
    version: int | None = None


#: Other features' counted measurements of an engagement (the surveys feature registers its
#: counted answers here), pooled with the accepted evaluations.
MeasurementSource = Callable[[Session, uuid.UUID], Sequence[Measurement]]
measurement_sources: list[MeasurementSource] = []


def _value(value: Fraction | None) -> dict[str, Any]:
    return {"score": to_float(value), "exact": exact_str(value)}


def engagement_scores(session: Session, actor: Actor, engagement_id: uuid.UUID) -> dict[str, Any]:
    """Overall, per site, per mode and per characteristic scores, with the explanations.

    The audit team, independent reviewers and the client's own users; a reviewer who was on
    the audit team gets 403 CONFLICT_OF_INTEREST (CQC rule §6.1, §6.2: who audited may not
    decide). Nothing here names an evaluator.
    """
    engagement = engagement_access(session, actor, engagement_id, clients=True)
    scheme = load_scheme_version(session, engagement.scheme_version_id)
    rows = session.execute(
        sa.select(Evaluation, EvaluationVersion)
        .join(
            EvaluationVersion,
            sa.and_(
                EvaluationVersion.evaluation_id == Evaluation.id,
                EvaluationVersion.number == Evaluation.version,
            ),
        )
        .where(
            Evaluation.engagement_id == engagement.id,
            Evaluation.status == EvaluationStatus.ACCEPTED,
        )
        .order_by(Evaluation.submitted_at, Evaluation.id)
    ).all()
    accepted = [
        Measurement(
            id=str(ev.id),
            site_id=ev.site_id,
            mode=ev.mode,
            ratings=scoring_ratings(version.ratings),
            source="evaluation",
            version=version.number,
        )
        for ev, version in rows
    ]
    pooled = [m for source in measurement_sources for m in source(session, engagement.id)]
    measured = accepted + pooled
    site_names = dict(
        session.execute(
            sa.select(Site.id, Site.name).where(Site.id.in_({m.site_id for m in measured}))
        ).all()
    )
    out: dict[str, Any] = {
        "engagement_id": engagement.id,
        "scheme": {
            "id": scheme.id,
            "version": scheme.version,
            "content_hash": scheme.content_hash,
            "title": {"zh": scheme.title.zh, "en": scheme.title.en},
        },
        "accepted_evaluations": len(accepted),
        "survey_answers": sum(1 for m in pooled if m.source == "survey_answer"),
    }
    if scheme.service is None:
        note = {
            "rule": "service_score",
            "section": "",
            "zh": f"方案 {scheme.id} 没有服务特性测评项目，无服务特性测评得分。",
            "en": f"Scheme {scheme.id} has no service-characteristic items: no service score.",
            "numbers": {},
        }
        out.update(
            evaluations_counted=0,
            overall={**_value(None), "method": "mean_of_evaluations", "explanation": note},
            per_site=[],
            per_mode=[],
            per_characteristic=[],
            evaluations=[],
            explanations=[note],
        )
        return out
    return out | _service_scores(scheme, scheme.service, measured, site_names)


def _service_scores(
    scheme: Scheme,
    model: ServiceModel,
    measured: Sequence[Measurement],
    site_names: Mapping[uuid.UUID, str],
) -> dict[str, Any]:
    data = {"evaluations": [{"id": m.id, "mode": m.mode, "ratings": m.ratings} for m in measured]}
    # Each version and answer was validated against this scheme when it was written.
    parsed = parse_input(data, scheme).evaluations
    overall = score_service(model, parsed)
    by_id = {m.id: m for m in measured}
    codes = tuple(model.items)

    per_site: list[dict[str, Any]] = []
    by_site: dict[uuid.UUID, list[int]] = defaultdict(list)
    for i, m in enumerate(measured):
        by_site[m.site_id].append(i)
    for site_id in sorted(by_site, key=lambda s: (site_names.get(s, ""), str(s))):
        result = score_service(model, [parsed[i] for i in by_site[site_id]])
        per_site.append(
            {
                "site_id": site_id,
                "site_name": site_names.get(site_id, ""),
                **_value(result.score),
                "evaluations_counted": result.counted,
                "explanation": explanation_json(result.explanation),
            }
        )

    counted_by_mode: dict[str, int] = defaultdict(int)
    for r in overall.evaluations:
        if r.possible_scaled and r.mode is not None:
            counted_by_mode[r.mode] += 1
    per_mode = [
        {"mode": mode, **_value(value), "evaluations_counted": counted_by_mode[mode]}
        for mode, value in overall.modes.items()
    ]
    per_characteristic = [
        {
            "code": ch.code,
            "title": {"zh": ch.title.zh, "en": ch.title.en},
            **_value(overall.characteristics.get(ch.code)),
        }
        for ch in model.characteristics
    ]
    explanation = explanation_json(overall.explanation)
    return {
        "evaluations_counted": overall.counted,
        "overall": {
            **_value(overall.score),
            "method": "mean_of_evaluations",
            "explanation": explanation,
        },
        "per_site": per_site,
        "per_mode": per_mode,
        "per_characteristic": per_characteristic,
        "evaluations": [_evaluation_json(r, by_id[r.id], codes) for r in overall.evaluations],
        "explanations": [explanation],
    }


def _evaluation_json(
    result: EvaluationScore, measurement: Measurement, codes: Sequence[str]
) -> dict[str, Any]:
    return {
        "id": measurement.id,
        "source": measurement.source,
        "site_id": measurement.site_id,
        "mode": measurement.mode,
        "version": measurement.version,
        **_value(result.score),
        "earned": to_float(result.earned),
        "possible": to_float(result.possible),
        "rated": result.rated,
        "not_applicable": dict(result.not_applicable),
        "unrated": list(result.unrated(codes)),
    }
