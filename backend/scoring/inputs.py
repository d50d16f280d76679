"""Scoring input: validation and parsing into typed values.

The input is the JSON document of the ``fieldcert score`` contract (every section optional)::

    {"evaluations": [{"id": "v1", "mode": "B", "ratings": {"1.1": {"level": 4}, ...}}],
     "management": {"1.1": 3, "4.1": 4},
     "conformity": {"4.3.1": "full", "4.3.2": {"judgement": "full", "rectified": true}},
     "timing": [{"clause": "4.3.1", "received": "...", "sent": "..."}]}

The first invalid value raises ``InputError`` with its path, e.g.
``evaluations[0].ratings.2.1.alpha: 1.3 is outside 0..1``. Nothing is scored from invalid input.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from backend.scoring.errors import InputError
from backend.scoring.numbers import describe_value, exact, is_number, plain
from backend.scoring.scheme import MODES, Item, Scheme

_ONE = Fraction(1)
_ZERO = Fraction(0)


# eq=False: ratings compare and hash by identity. Identical ratings are shared objects (see the
# parse cache), so the engine can memoise per rating with a cheap identity-hashed dict.
@dataclass(frozen=True, slots=True, eq=False)
class Rating:
    """One rated item: its exact α (points x α is earned) and how it was given."""

    item: Item
    alpha: Fraction
    #: The Likert level: given, or classified from an exact α by the scale's bands (§5.1.1).
    level: int | None
    given: str  # "level" | "alpha" | "met" | "score"
    #: The item code and α as numerator/denominator ints, so the engine's hot loop needs no
    #: attribute chains and no Fraction arithmetic.
    code: str = ""
    num: int = 0
    den: int = 1

    @classmethod
    def of(cls, item: Item, alpha: Fraction, level: int | None, given: str) -> Rating:
        return cls(item, alpha, level, given, item.code, alpha.numerator, alpha.denominator)


@dataclass(frozen=True)
class Evaluation:
    """One person's or one visit's measurement (§5.1.2: the unit that is averaged)."""

    id: str
    mode: str | None
    ratings: tuple[Rating, ...]
    not_applicable: Mapping[str, str]  # item code -> reason


@dataclass(frozen=True)
class ClauseRating:
    code: str
    level: int | None
    alpha: Fraction | None
    points: Fraction


@dataclass(frozen=True)
class ConformityEntry:
    clause: str
    judgement: str
    rectified: bool
    suggestion: str | None
    reason: str | None


@dataclass(frozen=True)
class TimingRow:
    index: int
    clause: str
    received: datetime
    sent: datetime
    difference_s: Fraction
    item: str | None
    #: The timestamps exactly as given: they are evidence and are echoed unaltered.
    received_text: str = ""
    sent_text: str = ""


@dataclass(frozen=True)
class ScoreInput:
    evaluations: tuple[Evaluation, ...]
    management: tuple[ClauseRating, ...] | None
    conformity: tuple[ConformityEntry, ...] | None
    timing: tuple[TimingRow, ...]
    #: Every denominator among the ratings' α, gathered while parsing (the engine's common scale).
    alpha_denominators: frozenset[int] = frozenset()
    #: Sections given for a model this scheme does not have (section, why): skipped, and said so.
    ignored: tuple[tuple[str, str], ...] = ()


_TOP_KEYS = {"evaluations", "management", "conformity", "timing"}
_EVAL_KEYS = {"id", "mode", "ratings", "site", "notes"}
_RATING_KEYS = {"level", "alpha", "na", "reason", "met", "score", "note"}


def parse_input(data: object, scheme: Scheme) -> ScoreInput:
    """Validate ``data`` (parsed JSON, numbers preferably as ``Decimal``) against ``scheme``."""
    return _parse(data, scheme, None)


def _parse(
    data: object, scheme: Scheme, tally: list[int] | None, reader: EvaluationsReader | None = None
) -> ScoreInput:
    """``parse_input``; with ``tally``, also add to ``tally[0]`` what ``pairs_and_colons`` would
    count over ``data`` (or less, never more: see backend/scoring/jsontext.py)."""
    if not isinstance(data, Mapping):
        raise InputError("", f"the input must be a JSON object, got {_kind(data)}")
    for key in data:
        if key not in _TOP_KEYS:
            raise InputError(
                str(key), "unknown section (expected evaluations, management, conformity, timing)"
            )
    # One input may carry sections for several models (the contract's own example has both the
    # Tengbiao and the CQC sections): a section this scheme has no model for is skipped and
    # reported, never scored and never an error. Sections the scheme does model are strict.
    models = {
        "evaluations": scheme.service,
        "management": scheme.management,
        "conformity": scheme.conformity,
        "timing": scheme.timing,
    }
    ignored = tuple(
        (key, f"scheme {scheme.id} has no {_MODEL_NAMES[key]}")
        for key in ("evaluations", "management", "conformity", "timing")
        if key in data and models[key] is None
    )
    given = {key for key in data if models.get(key) is not None}
    dens: set[int] = set()
    if tally is not None:
        # The top-level keys were checked above: no colon in them.
        tally[0] += len(data) + sum(
            pairs_and_colons(value) for key, value in data.items() if key != "evaluations"
        )
        if "evaluations" not in given and "evaluations" in data:
            tally[0] += pairs_and_colons(data["evaluations"])
    evaluations = (
        (reader or _evaluations)(data["evaluations"], scheme, dens, tally)
        if "evaluations" in given
        else ()
    )
    management = _management(data["management"], scheme) if "management" in given else None
    conformity = _conformity(data["conformity"], scheme) if "conformity" in given else None
    timing = _timing(data["timing"], scheme) if "timing" in given else ()
    return ScoreInput(evaluations, management, conformity, timing, frozenset(dens), ignored)


_MODEL_NAMES = {
    "evaluations": "service-characteristic items to rate",
    "management": "management maturity model",
    "conformity": "clause-conformity model",
    "timing": "timing check tables",
}


# --------------------------------------------------------------------------- evaluations


#: Reads one evaluation object: (raw, index, scheme, rating cache, α denominators) -> Evaluation.
EvaluationReader = Callable[[object, int, Scheme, dict[Any, Rating], set[int]], Evaluation]
#: Reads the evaluations list: (value, scheme, α denominators, tally) -> evaluations.
EvaluationsReader = Callable[[object, Scheme, set[int], list[int] | None], tuple[Evaluation, ...]]


def _evaluations(
    value: object,
    scheme: Scheme,
    dens: set[int],
    tally: list[int] | None = None,
    reader: EvaluationReader | None = None,
) -> tuple[Evaluation, ...]:
    if not isinstance(value, list):
        raise InputError("evaluations", f"must be a list, got {_kind(value)}")
    if value and scheme.service is None:
        raise InputError(
            "evaluations", f"scheme {scheme.id} has no service-characteristic items to rate"
        )
    out: list[Evaluation] = []
    seen: dict[str, int] = {}
    # Ratings are immutable: identical ones ({"level": 4} on item 1.1) are validated once, shared.
    cache: dict[Any, Rating] = {}
    read = reader or _evaluation
    for i, raw in enumerate(value):
        ev = read(raw, i, scheme, cache, dens)
        if ev.id in seen:
            raise InputError(
                f"evaluations[{i}].id", f"duplicate id {ev.id!r} (also evaluations[{seen[ev.id]}])"
            )
        seen[ev.id] = i
        out.append(ev)
        if tally is not None:
            tally[0] += _evaluation_tally(raw, ev)
    return tuple(out)


def _evaluation_tally(raw: Mapping[str, Any], ev: Evaluation) -> int:
    """Key-value pairs and colons in strings of one *validated* evaluation object, or fewer.

    Cheap: the ratings' pairs are counted with ``len`` (each rating was checked to be an object);
    strings known to hold no colon (field names, item codes of the scheme, modes A–I, numbers)
    are skipped; a colon this misses (in a rating's note, say) only makes the caller take the
    careful path.
    """
    ratings = raw["ratings"]
    n = len(raw) + len(ratings) + sum(map(len, ratings.values()))
    eid = raw.get("id")
    if type(eid) is str:
        n += eid.count(":")
    for reason in ev.not_applicable.values():
        n += reason.count(":")
    for key in ("site", "notes"):
        if key in raw:
            n += pairs_and_colons(raw[key])
    return n


def pairs_and_colons(value: object) -> int:
    """The key-value pairs of every object inside ``value`` plus the colons of every string."""
    if isinstance(value, str):
        return value.count(":")
    if isinstance(value, Mapping):
        return len(value) + sum(
            (k.count(":") if isinstance(k, str) else 0) + pairs_and_colons(v)
            for k, v in value.items()
        )
    if isinstance(value, list):
        return sum(pairs_and_colons(v) for v in value)
    return 0


def _evaluation(
    raw: object, index: int, scheme: Scheme, cache: dict[Any, Rating], dens: set[int]
) -> Evaluation:
    service = scheme.service
    assert service is not None
    path = f"evaluations[{index}]"
    if not isinstance(raw, Mapping):
        raise InputError(path, f"must be an object, got {_kind(raw)}")
    for key in raw:
        if key not in _EVAL_KEYS:
            raise InputError(f"{path}.{key}", "unknown field (expected id, mode, ratings)")
    eid = raw.get("id", f"#{index + 1}")
    if (
        isinstance(eid, bool)
        or not isinstance(eid, str | int)
        or (isinstance(eid, str) and not eid.strip())
    ):
        raise InputError(f"{path}.id", f"must be a non-empty string, got {_kind(eid)}")
    mode = raw.get("mode")
    if mode is not None and mode not in MODES:
        raise InputError(f"{path}.mode", f"{_show(mode)} is not a certification mode (A–I)")
    if service.mode_weights is not None and mode is None:
        raise InputError(f"{path}.mode", "is required: this scheme weights evaluations by mode")
    if service.mode_weights is not None and mode not in service.mode_weights:
        weighted = ", ".join(service.mode_weights)
        raise InputError(
            f"{path}.mode", f"mode {mode} has no weight in this scheme (weighted: {weighted})"
        )
    ratings_raw = raw.get("ratings")
    if not isinstance(ratings_raw, Mapping):
        raise InputError(
            f"{path}.ratings", f"must be an object of item code to rating, got {_kind(ratings_raw)}"
        )
    ratings: list[Rating] = []
    na: dict[str, str] = {}
    items = service.items
    for code, r in ratings_raw.items():
        # Fast path: a bare level or α already validated for this item earlier in the input.
        if type(r) is dict and len(r) == 1:
            ((key, v),) = r.items()
            kind = type(v)
            if (key == "level" and kind is int) or (
                key == "alpha" and kind in (Decimal, float, int)
            ):
                hit = cache.get((code, (key, v)))
                if hit is not None:
                    ratings.append(hit)
                    continue
        rpath = f"{path}.ratings.{code}"
        item = items.get(code)
        if item is None:
            raise InputError(rpath, f"unknown item {code!r} in scheme {scheme.id}")
        if not isinstance(r, Mapping):
            raise InputError(
                rpath,
                f'must be an object such as {{"level": 4}} or {{"alpha": 0.75}}, got {_kind(r)}',
            )
        reason = _not_applicable(r, rpath)
        if reason is not None:
            na[code] = reason
            continue
        rating = _rating(r, rpath, item)
        ratings.append(rating)
        dens.add(rating.den)
        if len(r) == 1:
            ((key, v),) = r.items()
            if (key == "level" and type(v) is int) or (
                key == "alpha" and type(v) in (Decimal, float, int)
            ):
                cache[(code, (key, v))] = rating
    return Evaluation(str(eid), mode, tuple(ratings), na)


def _not_applicable(r: Mapping[str, Any], path: str) -> str | None:
    for key in r:
        if key not in _RATING_KEYS:
            raise InputError(
                f"{path}.{key}",
                "unknown field (expected level, alpha, met, score, or na with reason)",
            )
    na = r.get("na", False)
    if not isinstance(na, bool):
        raise InputError(f"{path}.na", f"must be true or false, got {_kind(na)}")
    if not na:
        if "reason" in r:
            raise InputError(
                f"{path}.reason", "a reason belongs to an item marked not applicable (na: true)"
            )
        return None
    other = [k for k in ("level", "alpha", "met", "score") if k in r]
    if other:
        raise InputError(
            f"{path}.{other[0]}", "an item marked not applicable (na: true) carries no rating"
        )
    reason = r.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise InputError(f"{path}.reason", "an item marked not applicable needs a reason")
    return reason.strip()


def _rating(r: Mapping[str, Any], path: str, item: Item) -> Rating:
    scale = item.scale
    if scale.kind == "alpha_bands":
        for key in ("met", "score"):
            if key in r:
                raise InputError(
                    f"{path}.{key}", f"item {item.code} is rated by level or alpha, not {key}"
                )
        level: int | None = None
        if "level" in r:
            lv = r["level"]
            levels = [b.level for b in scale.bands]
            if isinstance(lv, bool) or not isinstance(lv, int) or lv not in levels:
                raise InputError(
                    f"{path}.level",
                    f"{_show(lv)} is not a level of the scale ({levels[0]}–{levels[-1]})",
                )
            level = lv
        if "alpha" in r:
            alpha = _unit_interval(r["alpha"], f"{path}.alpha")
            band = scale.band_of(alpha)
            if level is not None and band.level != level:
                raise InputError(
                    f"{path}.alpha",
                    f"{plain(r['alpha'])} lies in level {band.level} ({band.describe()}), not "
                    f"the given level {level}",
                )
            return Rating.of(item, alpha, band.level, "alpha")
        if level is None:
            raise InputError(path, "needs a level, an alpha, or na: true with a reason")
        level_band = scale.band_for_level(level)
        assert level_band is not None
        # Our reading (scheme data): a bare level counts as its band's level_alpha.
        return Rating.of(item, level_band.level_alpha, level, "level")
    if scale.kind == "yes_no":
        for key in ("level", "alpha", "score"):
            if key in r:
                raise InputError(
                    f"{path}.{key}", f"item {item.code} is judged yes/no: give met: true or false"
                )
        met = r.get("met")
        if not isinstance(met, bool):
            raise InputError(f"{path}.met", f"must be true or false, got {_kind(met)}")
        return Rating.of(item, _ONE if met else _ZERO, None, "met")
    # scale.kind == "score"
    for key in ("level", "alpha", "met"):
        if key in r:
            raise InputError(
                f"{path}.{key}", f"item {item.code} takes a score 0..{plain(scale.maximum)}"
            )
    assert scale.maximum is not None
    value = _number(r.get("score"), f"{path}.score")
    if not _ZERO <= value <= scale.maximum:
        raise InputError(
            f"{path}.score", f"{plain(r.get('score'))} is outside 0..{plain(scale.maximum)}"
        )
    return Rating.of(item, value / scale.maximum, None, "score")


def _unit_interval(value: object, path: str) -> Fraction:
    alpha = _number(value, path)
    if not _ZERO <= alpha <= _ONE:
        raise InputError(path, f"{plain(value)} is outside 0..1")
    return alpha


def _number(value: object, path: str) -> Fraction:
    if not is_number(value):
        raise InputError(path, f"must be a number, got {_kind(value)}")
    try:
        return exact(value)
    except ValueError as exc:
        raise InputError(path, f"must be a finite number, got {value}") from exc


# --------------------------------------------------------------------------- management


def _management(value: object, scheme: Scheme) -> tuple[ClauseRating, ...]:
    model = scheme.management
    if model is None:
        raise InputError("management", f"scheme {scheme.id} has no management maturity model")
    if not isinstance(value, Mapping):
        raise InputError(
            "management", f"must be an object of clause code to maturity level, got {_kind(value)}"
        )
    out: list[ClauseRating] = []
    for code, raw in value.items():
        path = f"management.{code}"
        clause = model.clauses.get(code)
        if clause is None:
            raise InputError(path, f"unknown clause {code!r} in scheme {scheme.id}")
        level: int | None = None
        alpha: Fraction | None = None
        if isinstance(raw, Mapping):
            for key in raw:
                if key not in ("level", "alpha", "note"):
                    raise InputError(f"{path}.{key}", "unknown field (expected level or alpha)")
            if "level" in raw and "alpha" in raw:
                raise InputError(path, "give a level or an alpha, not both")
            if "alpha" in raw:
                alpha = _unit_interval(raw["alpha"], f"{path}.alpha")
            elif "level" in raw:
                level = _maturity_level(raw["level"], f"{path}.level")
            else:
                raise InputError(path, "needs a level (1–5)")
        else:
            level = _maturity_level(raw, path)
        if clause.points_by_level is not None:
            if level is None:
                raise InputError(
                    f"{path}.alpha", f"clause {code} is rated by maturity level 1–5 (Annex 3)"
                )
            points = clause.points_by_level[level - 1]
        else:
            assert clause.points is not None and clause.scale is not None
            if level is not None:
                band = clause.scale.band_for_level(level)
                if band is None:
                    raise InputError(path, f"{level} is not a level of scale {clause.scale.code}")
                alpha = band.level_alpha
            elif alpha is not None:
                level = clause.scale.band_of(alpha).level
            assert alpha is not None
            points = clause.points * alpha
        out.append(ClauseRating(code, level, alpha, points))
    return tuple(out)


def _maturity_level(raw: object, path: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 5:
        raise InputError(path, f"{_show(raw)} is not a maturity level (an integer 1–5)")
    return raw


# --------------------------------------------------------------------------- conformity


def _conformity(value: object, scheme: Scheme) -> tuple[ConformityEntry, ...]:
    model = scheme.conformity
    if model is None:
        raise InputError("conformity", f"scheme {scheme.id} has no clause-conformity model")
    if not isinstance(value, Mapping):
        raise InputError(
            "conformity", f"must be an object of clause code to judgement, got {_kind(value)}"
        )
    names = ", ".join(model.judgements)
    out: list[ConformityEntry] = []
    for code, raw in value.items():
        path = f"conformity.{code}"
        if code not in model.clauses:
            known = ", ".join(model.clauses)
            raise InputError(
                path, f"unknown clause {code!r} in scheme {scheme.id} (clauses: {known})"
            )
        rectified = False
        suggestion: str | None = None
        reason: str | None = None
        if isinstance(raw, str):
            judgement = raw
            jpath = path
        elif isinstance(raw, Mapping):
            for key in raw:
                if key not in ("judgement", "rectified", "suggestion", "reason", "note"):
                    raise InputError(
                        f"{path}.{key}",
                        "unknown field (expected judgement, rectified, suggestion, reason)",
                    )
            judgement = raw.get("judgement")  # type: ignore[assignment]
            jpath = f"{path}.judgement"
            rect = raw.get("rectified", False)
            if not isinstance(rect, bool):
                raise InputError(f"{path}.rectified", f"must be true or false, got {_kind(rect)}")
            rectified = rect
            suggestion = _opt_text(raw.get("suggestion"), f"{path}.suggestion")
            reason = _opt_text(raw.get("reason"), f"{path}.reason")
        else:
            raise InputError(path, f"must be a judgement ({names}) or an object, got {_kind(raw)}")
        if not isinstance(judgement, str) or judgement not in model.judgements:
            raise InputError(jpath, f"{_show(judgement)} is not a judgement ({names})")
        if model.judgements[judgement].requires_suggestion and suggestion is None:
            raise InputError(
                path,
                f"a {judgement} judgement needs a written improvement suggestion "
                f"({model.section}: 判定为“部分符合”的，应提出书面的持续改进建议)",
            )
        out.append(ConformityEntry(code, judgement, rectified, suggestion, reason))
    return tuple(out)


def _opt_text(value: object, path: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InputError(path, f"must be a non-empty text, got {_kind(value)}")
    return value.strip()


# --------------------------------------------------------------------------- timing


def _timing(value: object, scheme: Scheme) -> tuple[TimingRow, ...]:
    model = scheme.timing
    if model is None:
        raise InputError("timing", f"scheme {scheme.id} has no timing checks")
    if not isinstance(value, list):
        raise InputError("timing", f"must be a list of rows, got {_kind(value)}")
    out: list[TimingRow] = []
    for i, raw in enumerate(value):
        path = f"timing[{i}]"
        if not isinstance(raw, Mapping):
            raise InputError(path, f"must be an object, got {_kind(raw)}")
        for key in raw:
            if key not in ("clause", "received", "sent", "item", "table", "note"):
                raise InputError(
                    f"{path}.{key}", "unknown field (expected clause, received, sent, item)"
                )
        clause = raw.get("clause")
        if not isinstance(clause, str) or model.table_for(clause) is None:
            known = ", ".join(t.clause for t in model.tables)
            raise InputError(
                f"{path}.clause", f"{_show(clause)} has no timing table (clauses: {known})"
            )
        received, received_frac = _timestamp(raw.get("received"), f"{path}.received")
        sent, sent_frac = _timestamp(raw.get("sent"), f"{path}.sent")
        if (received.tzinfo is None) != (sent.tzinfo is None):
            raise InputError(path, "received and sent must both carry a UTC offset, or neither")
        delta = sent - received
        # Exact seconds: whole seconds from the datetimes, fractions from the digits as written
        # (a platform may log beyond the microseconds a datetime holds).
        diff = (
            Fraction(delta.days * 86400 + delta.seconds)
            + Fraction(delta.microseconds, 1_000_000)
            + sent_frac
            - received_frac
        )
        if diff < 0:
            raise InputError(
                path,
                f"sent {raw.get('sent')} is before received {raw.get('received')}: "
                f"a negative difference ({plain(diff)} s) is not a valid measurement",
            )
        item = raw.get("item")
        if item is not None and (not isinstance(item, str) or not item.strip()):
            raise InputError(f"{path}.item", f"must be a non-empty text, got {_kind(item)}")
        out.append(
            TimingRow(i, clause, received, sent, diff, item, str(raw["received"]), str(raw["sent"]))
        )
    return tuple(out)


# The fraction of a second after hh:mm:ss (extended) or hhmmss (basic format), any number of digits.
_FRACTION = re.compile(
    r"^(?P<head>.*T(?:\d\d:\d\d:\d\d|\d{6}))[.,](?P<digits>\d+)(?P<tail>.*)$", re.IGNORECASE
)
_SPACE_SEPARATED = re.compile(r"^(\d{4}-\d\d-\d\d) (\d\d:\d\d.*)$")


def _timestamp(value: object, path: str) -> tuple[datetime, Fraction]:
    """Parse a full ISO 8601 timestamp: the time to the second, and the exact fraction after it."""
    if not isinstance(value, str):
        raise InputError(
            path,
            f"must be an ISO 8601 timestamp such as 2026-03-02T10:00:00+08:00, got {_kind(value)}",
        )
    text = value.strip()
    spaced = _SPACE_SEPARATED.match(text)
    if spaced:
        text = f"{spaced.group(1)}T{spaced.group(2)}"
    if "T" not in text.upper():
        try:
            date.fromisoformat(text)
        except ValueError:
            pass
        else:
            raise InputError(
                path, f"{value!r} has no time of day: timing rows need full timestamps"
            )
        raise InputError(
            path,
            f"{value!r} is not a full ISO 8601 timestamp "
            "(date and time, e.g. 2026-03-02T10:00:00+08:00)",
        )
    frac = Fraction(0)
    match = _FRACTION.match(text)
    if match:
        digits = match.group("digits")
        frac = Fraction(int(digits), 10 ** len(digits))
        text = match.group("head") + match.group("tail")
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InputError(
            path,
            f"{value!r} is not a full ISO 8601 timestamp (date and time, e.g. "
            "2026-03-02T10:00:00+08:00)",
        ) from exc
    return stamp, frac


# --------------------------------------------------------------------------- helpers


def _show(value: object) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, Decimal | Fraction | int | float) and not isinstance(value, bool):
        return plain(value)
    return _kind(value)


def _kind(value: object) -> str:
    return describe_value(value, "an object")
