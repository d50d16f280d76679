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
from collections.abc import Callable, Iterable, Mapping
from fractions import Fraction
from itertools import chain, repeat
from math import gcd
from operator import add as _plus
from operator import attrgetter, itemgetter, methodcaller
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
    ``tests/scoring/test_cli_fast_path.py`` compares the two on every kind of input.
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
    listing = _evaluations_pieces(svc.evaluations, codes, with_bonus, indent)
    head, tail = text.split(_string(_MARK))  # exactly one mark
    # One join: the 30 MB of 100 000 evaluations are copied once, not joined, then bracketed,
    # then put in place.
    listing.insert(0, head)
    listing.append(tail)
    return "".join(listing)


def _ratio(numerator: int, denominator: int) -> str:
    """``exact_str(Fraction(numerator, denominator))`` without the Fraction (denominator > 0)."""
    g = gcd(numerator, denominator)
    if g != denominator:
        return f"{numerator // g}/{denominator // g}"
    return str(numerator // g)


def _figures(
    earned: int, possible: int, p_scale: int, d_scale: int, exact_score: Fraction | None = None
) -> tuple[str, str, str, str, str, str]:
    """Score, earned, possible as floats, then as exact fractions, as JSON text.

    Without ``exact_score`` (no bonus) the score is earned x 100 ÷ (possible x D), reduced with
    ``gcd`` instead of building a ``Fraction``.
    """
    unit = p_scale * d_scale
    if not possible:
        score = score_exact = "null"
    elif exact_score is None:
        score = repr(earned * 100 / (possible * d_scale))
        score_exact = '"' + _ratio(earned * 100, possible * d_scale) + '"'
    else:
        score = repr(exact_score.numerator / exact_score.denominator)
        score_exact = f'"{exact_str(exact_score)}"'
    return (
        score,
        repr(earned / unit),
        repr(possible / p_scale),
        score_exact,
        '"' + _ratio(earned, unit) + '"',
        '"' + _ratio(possible, p_scale) + '"',
    )


_first = itemgetter(0)
_earned_possible = itemgetter(1, 2)
_scales = itemgetter(3, 4)
_id = attrgetter("id")
_mode = attrgetter("mode")
_ratings = attrgetter("ratings")
_not_applicable = attrgetter("not_applicable")
_items = methodcaller("items")


class _Figures(dict[tuple[int, int], tuple[str, str, str, str, str, str]]):
    """``_figures`` of each (earned, possible) pair, written once (no bonus items)."""

    def __init__(self, p_scale: int, d_scale: int) -> None:
        super().__init__()
        self.p_scale = p_scale
        self.d_scale = d_scale

    def __missing__(self, key: tuple[int, int]) -> tuple[str, str, str, str, str, str]:
        value = self[key] = _figures(key[0], key[1], self.p_scale, self.d_scale)
        return value


class _Marks(dict[tuple[tuple[str, str], ...], str]):
    """An evaluation's N/A marks, as their (code, reason) pairs, as JSON text, written once."""

    def __init__(self, write: Callable[[Mapping[str, str]], str]) -> None:
        super().__init__()
        self.write = write

    def __missing__(self, marks: tuple[tuple[str, str], ...]) -> str:
        value = self[marks] = self.write(dict(marks)) if marks else "{}"
        return value


class _Modes(dict[str | None, str]):
    """A mode as JSON text, written once."""

    def __missing__(self, mode: str | None) -> str:
        value = self[mode] = "null" if mode is None else _string(mode)
        return value


def _evaluations_pieces(
    evaluations: tuple[EvaluationScore, ...],
    codes: tuple[str, ...],
    with_bonus: bool,
    indent: int | None,
) -> list[str]:
    """The evaluations list as JSON text, in pieces to be joined."""
    if not evaluations:
        return ["[]"]
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

    def marks_text(na: Mapping[str, str]) -> str:
        if indent is None:
            return "{" + ", ".join([string(k) + ": " + string(v) for k, v in na.items()]) + "}"
        return (
            "{" + nl4 + inner.join([string(k) + ": " + string(v) for k, v in na.items()])
            + nl3 + "}"
        )  # fmt: skip

    def unrated_list(e: EvaluationScore) -> str:
        unrated = list(e.unrated(codes))
        return nested(unrated) if unrated else "[]"

    n_codes = len(codes)
    scales = set(map(_scales, evaluations))
    if not with_bonus and len(scales) == 1:
        # Column by column, each a map in C; Python runs only for N/A marks and unrated items.
        ((p_scale, d_scale),) = scales
        evs = list(map(_first, evaluations))
        by_pair = _Figures(p_scale, d_scale)
        figs = list(map(by_pair.__getitem__, map(_earned_possible, evaluations)))
        nas = list(map(_not_applicable, evs))
        rated = list(map(len, map(_ratings, evs)))
        # N/A marks as text once per distinct set of them (most evaluations repeat a few).
        marks = _Marks(marks_text)
        na_texts = map(marks.__getitem__, map(tuple, map(_items, nas)))
        given = list(map(_plus, rated, map(len, nas)))
        unrated_texts: Iterable[str] = (
            repeat("[]")  # every item rated or N/A, as in the loop below
            if given.count(n_codes) == len(given)
            else [
                "[]" if g == n_codes else unrated_list(e)
                for g, e in zip(given, evaluations, strict=True)
            ]
        )
        mode_texts = _Modes()
        columns = zip(
            map(string, map(_id, evs)),
            map(mode_texts.__getitem__, map(_mode, evs)),
            *(map(itemgetter(k), figs) for k in range(3)),
            repeat(""),
            rated,
            na_texts,
            unrated_texts,
            *(map(itemgetter(k), figs) for k in range(3, 6)),
            strict=False,  # repeat("") has no end; the others are as long as the evaluations
        )
        return _listing(list(map(template.__mod__, columns)), sep, nl2, nl1)
    # Many evaluations share their earned and possible points: the score, earned and possible
    # lines and the exact ones are written once per pair and kept.
    figures: dict[tuple[int, int], tuple[str, str, str, str, str, str]] = {}
    modes: dict[str | None, str] = {None: "null"}
    parts: list[str] = []
    add = parts.append
    for e in evaluations:
        ev, earned, possible, p_scale, d_scale, bonus = e
        if bonus is None:
            got = figures.get((earned, possible))
            if got is None:
                got = figures[(earned, possible)] = _figures(earned, possible, p_scale, d_scale)
            score, earned_text, possible_text, score_exact, earned_exact, possible_exact = got
        else:
            score, earned_text, possible_text, score_exact, earned_exact, possible_exact = _figures(
                earned, possible, p_scale, d_scale, e.score
            )
        mode = ev.mode
        mode_text = modes.get(mode)
        if mode_text is None:
            assert mode is not None  # written as null from the start
            mode_text = modes[mode] = string(mode)
        na = ev.not_applicable
        ratings = ev.ratings
        na_text = marks_text(na) if na else "{}"
        # Every item rated or N/A: ratings and N/A marks are of distinct scheme items.
        unrated_text = "[]" if len(ratings) + len(na) == n_codes else unrated_list(e)
        bonus_text = ("null" if bonus is None else repr(to_float(bonus))) if with_bonus else ""
        add(
            template
            % (
                string(ev.id),
                mode_text,
                score,
                earned_text,
                possible_text,
                bonus_text,
                len(ratings),
                na_text,
                unrated_text,
                score_exact,
                earned_exact,
                possible_exact,
            )
        )
    return _listing(parts, sep, nl2, nl1)


def _listing(rows: list[str], sep: str, nl2: str, nl1: str) -> list[str]:
    """``"[" + nl2 + (sep + nl2).join(rows) + nl1 + "]"`` in pieces (rows is not empty)."""
    pieces = list(chain.from_iterable(zip(rows, repeat(sep + nl2))))
    pieces[-1] = nl1 + "]"
    pieces.insert(0, "[" + nl2)
    return pieces
