"""An engagement's service scores, through the scoring core, from accepted evaluations only.

DOMAIN.md "Scoring model 1": one evaluation scores Σ points × α ÷ Σ points of its applicable items
× 100 (§5.1.1 1)); the service score is the *mean of the per-evaluation scores* (§5.1.2), never a
pooled ratio, so the per-evaluation scores are shown beside it. Only evaluations accepted in QA
count, with the customer survey answers that count (mode E, the surveys feature's answer to
``signals.measurements_wanted``): each respondent is one more person in the mean. The
engagement's pinned scheme version is used, parsed from its stored text.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth.access import Actor
from backend.clients.models import Site
from backend.engagements.access import Need, require
from backend.evaluations.content import load_scheme_version
from backend.evaluations.ratings import scoring_ratings, wire_ratings
from backend.evaluations.signals import measurements_wanted
from backend.evaluations.views import accepted_versions
from backend.onsite.inputs import ON_SITE_SECTIONS, accepted_sections, exemptions
from backend.scoring import Scheme, parse_input, result_json, score
from backend.scoring.engine import EvaluationScore, score_service
from backend.scoring.numbers import json_number, to_float
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


def other_measurements(session: Session, engagement_id: uuid.UUID) -> list[Measurement]:
    """Other features' counted measurements of an engagement, pooled with the accepted
    evaluations: the answers to ``signals.measurements_wanted`` (the surveys feature's counted
    customer answers)."""
    answers = measurements_wanted.send(engagement_id, session=session)
    return [measurement for _, found in answers for measurement in found]


def _value(value: Fraction | None) -> dict[str, Any]:
    return {"score": to_float(value), "exact": exact_str(value)}


def engagement_scores(session: Session, actor: Actor, engagement_id: uuid.UUID) -> dict[str, Any]:
    """Overall, per site, per mode and per characteristic scores, with the explanations.

    Administrators, the audit team, independent reviewers and the client's own users; a reviewer
    who was on the audit team gets 403 CONFLICT_OF_INTEREST (CQC rule §6.1, §6.2: who audited
    may not decide). Nothing here names an evaluator.
    """
    engagement = require(session, actor, engagement_id, Need.RESULTS).engagement
    scheme = load_scheme_version(session, engagement.scheme_version_id)
    rows = accepted_versions(session, engagement.id)
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
    pooled = other_measurements(session, engagement.id)
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
    whole = _whole_file(session, engagement.id, scheme, accepted, pooled)
    others = whole.pop("other_explanations")
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
            explanations=[note, *others],
        )
        return out | whole
    service = _service_scores(scheme, scheme.service, measured, site_names)
    service["explanations"] = service["explanations"] + others
    return out | service | whole


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


# --------------------------------------------------------------------------- the whole file


def _wire(value: Any) -> Any:
    """Scoring input as JSON data: exact decimals as the JSON numbers that print as them."""
    if isinstance(value, Decimal):
        return json_number(value)
    if isinstance(value, Mapping):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_wire(v) for v in value]
    return value


def _input_of(
    session: Session,
    engagement_id: uuid.UUID,
    scheme: Scheme,
    accepted: Sequence[Measurement],
    pooled: Sequence[Measurement],
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``fieldcert score`` input of the engagement (sections the scheme models) and the on-site
    records it came from."""
    data: dict[str, Any] = {}
    if scheme.service is not None:
        data["evaluations"] = [
            {"id": m.id, "mode": m.mode, "ratings": _wire(m.ratings)} for m in [*accepted, *pooled]
        ]
    on_site = accepted_sections(session, engagement_id)
    models = {
        "management": scheme.management,
        "conformity": scheme.conformity,
        "timing": scheme.timing,
    }
    for key in ON_SITE_SECTIONS:
        if models[key] is not None and key in on_site:
            data[key] = on_site[key]
    return data, on_site["records"]


def score_input(session: Session, actor: Actor, engagement_id: uuid.UUID) -> dict[str, Any]:
    """The exact input the engagement's scores are computed from, in ``fieldcert score``'s
    format: ``fieldcert score --scheme <the pinned file> --input -`` prints the same numbers."""
    engagement = require(session, actor, engagement_id, Need.RESULTS).engagement
    scheme = load_scheme_version(session, engagement.scheme_version_id)
    accepted = [
        Measurement(str(ev.id), ev.site_id, ev.mode, wire_ratings(v.ratings), "evaluation")
        for ev, v in accepted_versions(session, engagement.id)
    ]
    data, _ = _input_of(
        session, engagement.id, scheme, accepted, other_measurements(session, engagement.id)
    )
    return data


def _whole_file(
    session: Session,
    engagement_id: uuid.UUID,
    scheme: Scheme,
    accepted: Sequence[Measurement],
    pooled: Sequence[Measurement],
) -> dict[str, Any]:
    """Management (Annex 3), conformity (§5.2.3), timing (annex tables) and the decision (§5.3),
    in ``fieldcert score``'s shapes, scored from exactly what ``score_input`` gives; provisional
    while parts are missing."""
    data, records = _input_of(session, engagement_id, scheme, accepted, pooled)
    # The same JSON round trip as the command line: decimals stay exact, nothing else differs.
    parsed = json.loads(json.dumps(data, ensure_ascii=False), parse_float=Decimal)
    result = score(scheme, parse_input(parsed, scheme))
    printed = result_json(result)
    missing: list[dict[str, str]] = []
    if scheme.service is not None and result.service is not None and result.service.score is None:
        missing.append({"part": "service", "zh": "尚无计入的测评", "en": "no counted evaluation"})
    if result.management is not None and (
        result.management.total is None or result.management.missing
    ):
        gaps = list(result.management.missing)
        missing.append(
            {
                "part": "management",
                "zh": f"管理要求 {len(gaps)} 个条款未评价（等级为暂定）",
                "en": f"{len(gaps)} management clause(s) not rated (the level is provisional)",
            }
        )
    if result.conformity is not None and (
        result.conformity.final is None or result.conformity.unjudged
    ):
        gaps = list(result.conformity.unjudged)
        missing.append(
            {
                "part": "conformity",
                "zh": f"条款 {'、'.join(gaps)} 尚未判定",
                "en": f"clause(s) {', '.join(gaps)} not judged",
            }
        )
    service_rules = {"service_score"}
    return {
        "management": printed.get("management") if scheme.management is not None else None,
        "conformity": printed.get("conformity") if scheme.conformity is not None else None,
        "timing": printed["timing"],
        "timing_suggestions": printed["timing_suggestions"],
        "decision": printed["decision"],
        "exemptions": exemptions(session, engagement_id),
        "provisional": bool(missing),
        "missing": missing,
        "onsite_records": records,
        "other_explanations": [
            e for e in printed["explanations"] if e["rule"] not in service_rules
        ],
    }
