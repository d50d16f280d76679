"""Render a ``ScoreResult`` as the JSON document of the ``fieldcert score`` contract.

Numbers are unrounded floats (the nearest float to the exact value); every exact value is also
given as a string fraction under ``exact`` so that an auditor can check the arithmetic by hand.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from backend.scoring.engine import Explanation, ScoreResult
from backend.scoring.numbers import to_float
from backend.scoring.scheme import Scheme, Text


def exact_str(value: Fraction | None) -> str | None:
    if value is None:
        return None
    return (
        str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    )


def explanation_json(e: Explanation) -> dict[str, Any]:
    return {
        "rule": e.rule,
        "section": e.section,
        "zh": e.zh,
        "en": e.en,
        "numbers": dict(e.numbers),
    }


def _text(t: Text | None) -> dict[str, str] | None:
    return None if t is None else {"zh": t.zh, "en": t.en}


def scheme_json(scheme: Scheme) -> dict[str, Any]:
    return {
        "id": scheme.id,
        "version": scheme.version,
        "content_hash": scheme.content_hash,
        "title": _text(scheme.title),
        "status": scheme.status,
    }


def result_json(result: ScoreResult) -> dict[str, Any]:
    """The whole result as plain JSON data."""
    explanations: list[dict[str, Any]] = []
    out: dict[str, Any] = {"scheme": scheme_json(result.scheme)}

    svc = result.service
    if svc is not None:
        assert result.scheme.service is not None
        codes = tuple(result.scheme.service.items)
        with_bonus = bool(result.scheme.service.bonus_items)
        out["evaluations"] = [
            {
                "id": e.id,
                "mode": e.mode,
                "score": e.score_float(),
                "earned": e.earned_scaled / (e.p_scale * e.d_scale),
                "possible": e.possible_scaled / e.p_scale,
                **({"bonus": to_float(e.bonus)} if with_bonus else {}),
                "rated": e.rated,
                "not_applicable": dict(e.not_applicable),
                "unrated": list(e.unrated(codes)),
                "exact": {
                    "score": exact_str(e.score),
                    "earned": exact_str(e.earned),
                    "possible": exact_str(e.possible),
                },
            }
            for e in svc.evaluations
        ]
        out["service_score"] = to_float(svc.score)
        out["service"] = {
            "score": to_float(svc.score),
            "exact": exact_str(svc.score),
            "evaluations_counted": svc.counted,
            "method": "mean_of_evaluations",
            "explanation": explanation_json(svc.explanation),
        }
        out["characteristics"] = {k: to_float(v) for k, v in svc.characteristics.items()}
        out["modes"] = {k: to_float(v) for k, v in svc.modes.items()}
        explanations.append(explanation_json(svc.explanation))
    else:
        out["evaluations"] = []
        out["service_score"] = None
        out["characteristics"] = {}
        out["modes"] = {}

    mg = result.management
    if mg is not None:
        out["management"] = {
            "total": to_float(mg.total),
            "level": mg.level,
            "maximum": to_float(mg.maximum),
            "exact": exact_str(mg.total),
            "clauses": {
                code: {"level": r.level, "alpha": to_float(r.alpha), "points": to_float(r.points)}
                for code, r in mg.clauses.items()
            },
            "missing": list(mg.missing),
            "explanation": explanation_json(mg.explanation),
        }
        explanations.append(explanation_json(mg.explanation))
    else:
        out["management"] = {"total": None, "level": None}

    cf = result.conformity
    if cf is not None:
        out["conformity"] = {
            "chapters": {k: to_float(v) for k, v in cf.chapters.items()},
            "final": to_float(cf.final),
            "passed": cf.passed,
            "pass_mark": to_float(cf.pass_mark),
            "exact": {
                "final": exact_str(cf.final),
                "chapters": {k: exact_str(v) for k, v in cf.chapters.items()},
            },
            "clauses": {
                j.clause: {
                    "chapter": j.chapter,
                    "judgement": j.judgement,
                    "points": to_float(j.points),
                    "counted": to_float(j.counted),
                    "rectified": j.rectified,
                    "capped": j.capped,
                    "suggestion": j.suggestion,
                    "reason": j.reason,
                    "timing_suggestion": j.timing_suggestion,
                }
                for j in cf.clauses
            },
            "nonconformities": list(cf.nonconformities),
            "unjudged": list(cf.unjudged),
            "explanation": explanation_json(cf.explanation),
        }
        explanations.append(explanation_json(cf.explanation))
    else:
        out["conformity"] = {"chapters": {}, "final": None, "passed": None}

    out["timing"] = [
        {
            "clause": t.row.clause,
            "table": t.table,
            "item": t.row.item,
            "received": t.row.received_text,
            "sent": t.row.sent_text,
            "difference_s": to_float(t.row.difference_s),
            "limit_s": to_float(t.limit_s),
            "conforms": t.conforms,
        }
        for t in result.timing
    ]
    out["timing_suggestions"] = {
        s.clause: {
            "rows": s.rows,
            "conforming": s.conforming,
            "share": to_float(s.share),
            "judgement": s.judgement,
            "explanation": explanation_json(s.explanation),
        }
        for s in result.timing_suggestions
    }
    explanations.extend(explanation_json(s.explanation) for s in result.timing_suggestions)

    d = result.decision
    if d is not None:
        out["decision"] = {
            "outcome": d.outcome,
            "grade": d.grade.zh if d.grade else None,
            "grade_en": d.grade.en if d.grade else None,
            "row": d.row,
            "reason": {"zh": d.explanation.zh, "en": d.explanation.en},
            "explanation": explanation_json(d.explanation),
        }
        explanations.append(explanation_json(d.explanation))
    else:
        out["decision"] = None
    out["ignored_sections"] = [{"section": k, "reason": why} for k, why in result.ignored]
    if result.ignored:
        names = ", ".join(k for k, _ in result.ignored)
        explanations.append(
            {
                "rule": "ignored_sections",
                "section": "",
                "zh": f"本方案没有对应的评价模型，以下输入部分未计分：{names}。",
                "en": "This scheme has no model for these input sections, which were not scored: "
                f"{names}.",
                "numbers": {},
            }
        )
    out["explanations"] = explanations
    return out
