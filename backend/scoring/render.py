"""Render a ``ScoreResult`` as the JSON document of the ``fieldcert score`` contract.

Numbers are unrounded floats (the nearest float to the exact value); every exact value is also
given as a string fraction under ``exact`` so that an auditor can check the arithmetic by hand.

``result_json`` gives the document as data (the API); ``result_text`` the same document as the
text ``json.dumps(result_json(r), ensure_ascii=False, indent=indent)`` would give, character for
character, without building a dict per evaluation or running the standard library's pure-Python
indenting encoder over 100 000 of them (issue 13: the CLI as fast as a plain float loop).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from fractions import Fraction
from math import gcd
from typing import Any

from backend.scoring.engine import EvaluationScore, Explanation, ScoreResult
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
    return _document(result, _evaluations_json)


def _evaluations_json(
    evaluations: Iterable[EvaluationScore], codes: tuple[str, ...], with_bonus: bool
) -> list[dict[str, Any]]:
    return [
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
        for e in evaluations
    ]


def _document(
    result: ScoreResult,
    evaluations: Callable[[Iterable[EvaluationScore], tuple[str, ...], bool], object],
) -> dict[str, Any]:
    explanations: list[dict[str, Any]] = []
    out: dict[str, Any] = {"scheme": scheme_json(result.scheme)}

    svc = result.service
    if svc is not None:
        assert result.scheme.service is not None
        codes = tuple(result.scheme.service.items)
        with_bonus = bool(result.scheme.service.bonus_items)
        out["evaluations"] = evaluations(svc.evaluations, codes, with_bonus)
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


# --------------------------------------------------------------------------- the text, fast

# What ``json.dumps(..., ensure_ascii=False)`` writes a string with (the C encoder's function).
_string: Callable[[str], str] = json.encoder.encode_basestring
#: Stands for the evaluations while the rest of the document is encoded; a control character
#: that no other value of the document carries, so it is found exactly once.
_MARK = "\x00fieldcert-evaluations\x00"


def result_text(result: ScoreResult, indent: int | None = None) -> str:
    """``json.dumps(result_json(result), ensure_ascii=False, indent=indent)``, the same text.

    Everything but the per-evaluation list goes through ``json.dumps`` as before; each
    evaluation (a fixed shape of ids, floats, ints and exact fractions) is written from a
    template, its floats with ``float.__repr__`` as the encoder writes them, its exact values
    reduced with ``gcd`` from the engine's integers instead of building ``Fraction`` objects.
    ``tests/scoring/test_render_text.py`` compares the two on every kind of input.
    """
    if indent is not None and indent < 0:
        indent = 0  # json.dumps writes a negative indent as no indent but with line breaks
    doc = _document(result, lambda *_: _MARK)
    text = json.dumps(doc, ensure_ascii=False, indent=indent)
    svc = result.service
    if svc is None:
        return text
    assert result.scheme.service is not None
    codes = tuple(result.scheme.service.items)
    with_bonus = bool(result.scheme.service.bonus_items)
    listing = _evaluations_text(svc.evaluations, codes, with_bonus, indent)
    marked = _string(_MARK)
    assert text.count(marked) == 1
    return text.replace(marked, listing, 1)


def _ratio(numerator: int, denominator: int) -> str:
    """``exact_str(Fraction(numerator, denominator))`` without the Fraction (denominator > 0)."""
    g = gcd(numerator, denominator)
    if g != denominator:
        return f"{numerator // g}/{denominator // g}"
    return str(numerator // g)


def _evaluations_text(
    evaluations: tuple[EvaluationScore, ...],
    codes: tuple[str, ...],
    with_bonus: bool,
    indent: int | None,
) -> str:
    if not evaluations:
        return "[]"
    if indent is None:
        # json.dumps's default separators: ", " between items, ": " after keys.
        nl1 = nl2 = nl3 = nl4 = ""
        sep = ", "
    else:
        pad = " " * indent
        nl1, nl2, nl3, nl4 = (("\n" + pad * level) for level in (1, 2, 3, 4))
        sep = ","
    # One evaluation at depth 2 (the list is the value of a top-level key), its nested objects
    # at depth 3: the layout json.dumps gives them. "%" appears in none of the constant parts.
    template = (
        "{" + nl3 + '"id": %s'
        + sep + nl3 + '"mode": %s'
        + sep + nl3 + '"score": %s'
        + sep + nl3 + '"earned": %s'
        + sep + nl3 + '"possible": %s'
        + (sep + nl3 + '"bonus": %s' if with_bonus else "%s")
        + sep + nl3 + '"rated": %s'
        + sep + nl3 + '"not_applicable": %s'
        + sep + nl3 + '"unrated": %s'
        + sep + nl3 + '"exact": {' + nl4 + '"score": %s'
        + sep + nl4 + '"earned": %s'
        + sep + nl4 + '"possible": %s'
        + nl3 + "}" + nl2 + "}"
    )  # fmt: skip
    inner = sep + nl4

    def nested(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, indent=indent).replace("\n", nl3)

    string = _string
    # Many evaluations share their earned or possible points: each figure is written once.
    earned_text: dict[int, tuple[str, str]] = {}
    possible_text: dict[int, tuple[str, str]] = {}
    score_text: dict[tuple[int, int], tuple[str, str]] = {}
    parts: list[str] = []
    add = parts.append
    n_codes = len(codes)
    for e in evaluations:
        ev = e.evaluation
        earned = e.earned_scaled
        possible = e.possible_scaled
        d_scale = e.d_scale
        p_scale = e.p_scale
        unit = p_scale * d_scale
        if possible and e.bonus is None:
            key = (earned, possible)
            got = score_text.get(key)
            if got is None:
                got = score_text[key] = (
                    repr(earned * 100 / (possible * d_scale)),
                    '"' + _ratio(earned * 100, possible * d_scale) + '"',
                )
            score, score_exact = got
        elif possible:
            exact_score = e.score
            assert exact_score is not None
            score = repr(exact_score.numerator / exact_score.denominator)
            score_exact = f'"{exact_str(exact_score)}"'
        else:
            score = score_exact = "null"
        earned_pair = earned_text.get(earned)
        if earned_pair is None:
            earned_pair = earned_text[earned] = (
                repr(earned / unit),
                '"' + _ratio(earned, unit) + '"',
            )
        possible_pair = possible_text.get(possible)
        if possible_pair is None:
            possible_pair = possible_text[possible] = (
                repr(possible / p_scale),
                '"' + _ratio(possible, p_scale) + '"',
            )
        mode = ev.mode
        na = ev.not_applicable
        ratings = ev.ratings
        if not na:
            na_text = "{}"
        elif indent is None:
            na_text = "{" + ", ".join([string(k) + ": " + string(v) for k, v in na.items()]) + "}"
        else:
            na_text = (
                "{" + nl4 + inner.join([string(k) + ": " + string(v) for k, v in na.items()])
                + nl3 + "}"
            )  # fmt: skip
        if len(ratings) + len(na) == n_codes:
            # Every item rated or N/A: ratings and N/A marks are of distinct scheme items.
            unrated_text = "[]"
        else:
            unrated = list(e.unrated(codes))
            unrated_text = nested(unrated) if unrated else "[]"
        if with_bonus:
            bonus = e.bonus
            bonus_text = "null" if bonus is None else repr(to_float(bonus))
        else:
            bonus_text = ""
        add(
            template
            % (
                string(ev.id),
                "null" if mode is None else string(mode),
                score,
                earned_pair[0],
                possible_pair[0],
                bonus_text,
                len(ratings),
                na_text,
                unrated_text,
                score_exact,
                earned_pair[1],
                possible_pair[1],
            )
        )
    return "[" + nl2 + (sep + nl2).join(parts) + nl1 + "]"
