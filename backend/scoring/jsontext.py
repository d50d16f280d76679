"""Scoring input from JSON text: exact decimals, no duplicate keys, and fast on 100 000 evaluations.

The contract of ``fieldcert score``: numbers are read as ``Decimal`` (0.1 stays one tenth), NaN
and Infinity are refused, and an object with a key twice is refused (two ratings for one item
must not silently keep the last). The plain way to refuse duplicates is an ``object_pairs_hook``,
a Python call for every object: with 19 rating objects per evaluation that doubled the time of
the whole command (issue 13). So the text is decoded by the C decoder alone, and duplicates are
found by counting instead:

* outside strings, every ``:`` of JSON text separates one key from its value; so the colons of
  the text are the key-value pairs of all its objects plus the colons inside its strings;
* the decoded document has as many pairs and string colons, unless a duplicate key dropped a
  pair (with everything in its value), and then it has fewer. An escape can only add a colon
  to a decoded string as ``\\u003a``, so text with any ``\\u`` takes the careful path.

While validating, ``parse_input`` counts the pairs and string colons it sees (cheaply, per
evaluation, and possibly fewer than there are, never more). Equal to the text's colons: no
duplicate, the input is the one the careful path would have given. Anything else — fewer, a
``\\u``, invalid JSON, invalid input — and the text is read again the careful way, which gives
exactly the error (or the result) it always gave.
"""

from __future__ import annotations

import json
from decimal import Decimal
from operator import itemgetter
from typing import Any

from backend.scoring.errors import InputError
from backend.scoring.inputs import (
    _EVAL_KEYS,
    Evaluation,
    Rating,
    ScoreInput,
    _evaluation,
    _parse,
    parse_input,
)
from backend.scoring.scheme import MODES, Scheme


def read_input(text: str, scheme: Scheme) -> ScoreInput:
    """Decode and validate scoring input text.

    Raises ``ValueError`` (a ``json.JSONDecodeError``, a duplicate key, NaN) when the text is
    not the JSON the contract accepts, and ``InputError`` when its values are invalid.
    """
    if "\\u" not in text:
        try:
            data = json.loads(
                text, parse_float=_Decimals().__getitem__, parse_constant=reject_constant
            )
            tally = [0]
            reader = _FastReader(scheme)
            parsed = _parse(data, scheme, tally, reader)
        except (ValueError, InputError, RecursionError):
            pass  # the careful path below raises the error it always raised, in its order
        else:
            if tally[0] + reader.popped == text.count(":"):
                return parsed
    return parse_input(strict_json(text), scheme)


def strict_json(text: str) -> object:
    """Decode with ``Decimal`` numbers, refusing NaN/Infinity and duplicate keys as they come."""
    return json.loads(
        text, parse_float=Decimal, parse_constant=reject_constant, object_pairs_hook=no_duplicates
    )


_second = itemgetter(1)
_DICT = {dict}


class _FastReader:
    """Reads one evaluation object as ``inputs._evaluation`` does, its ratings mostly in C.

    A rating such as ``{"level": 4}`` or ``{"alpha": 0.75}`` seen before on the same item is the
    same validated ``Rating``; here the lookup of all of an evaluation's ratings runs in C
    (``map``): each rating object gives up its only pair (``dict.popitem``) and is looked up as
    (code, (key, value), type of value). The type keeps ``true`` from passing for level 1 and
    ``4.0`` for level 4, which compare equal to them. Anything not found — a first occurrence,
    an N/A mark, another scale — has its pair put back and goes through the validation of
    ``inputs`` unchanged, which also adds what it validated to the table. ``popped`` counts the
    pairs taken out for good, for the duplicate-key count of ``read_input``.
    """

    def __init__(self, scheme: Scheme) -> None:
        self.popped = 0
        self.unweighted = scheme.service is not None and scheme.service.mode_weights is None
        self.known: dict[tuple[str, tuple[str, object], type], Rating] = {}

    def __call__(
        self, raw: object, index: int, scheme: Scheme, cache: dict[Any, Rating], dens: set[int]
    ) -> Evaluation:
        if type(raw) is not dict:
            return self._learn(raw, index, scheme, cache, dens)
        ratings_raw = raw.get("ratings")
        if type(ratings_raw) is not dict or not ratings_raw or not raw.keys() <= _EVAL_KEYS:
            return self._learn(raw, index, scheme, cache, dens)
        values = list(ratings_raw.values())
        if set(map(type, values)) != _DICT or not all(values):
            return self._learn(raw, index, scheme, cache, dens)
        pairs = list(map(dict.popitem, values))
        keys = zip(ratings_raw, pairs, map(type, map(_second, pairs)), strict=True)
        hits = list(map(self.known.get, keys))
        na: dict[str, str] = {}
        if None in hits:
            # Mostly N/A marks: {"na": true, "reason": "…"} gave up its reason. Anything else
            # that was not found is read the long way.
            codes = list(ratings_raw)
            items = scheme.service.items if scheme.service is not None else {}
            at = -1
            while True:
                try:
                    at = hits.index(None, at + 1)
                except ValueError:
                    break
                key, reason = pairs[at]
                code = codes[at]
                rest = values[at]
                if (
                    key == "reason"
                    and type(reason) is str
                    and rest.get("na") is True
                    and len(rest) == 1
                    and code in items
                    and reason.strip()
                ):
                    na[code] = reason.strip()
                    continue
                for value, (key, item) in zip(values, pairs, strict=True):
                    value[key] = item  # back as it was: popitem took the last pair
                return self._learn(raw, index, scheme, cache, dens)
        self.popped += len(pairs)
        ratings = tuple(filter(None, hits))
        # The evaluation's own fields, checked as inputs._evaluation checks them (which says
        # what is wrong when they are not the common case: a text id, a mode or none).
        eid = raw.get("id")
        mode = raw.get("mode")
        if (
            type(eid) is str
            and eid.strip()
            and (mode is None or (type(mode) is str and mode in MODES))
            and self.unweighted
        ):
            return Evaluation(eid, mode, ratings, na)
        ev = _evaluation({**raw, "ratings": {}}, index, scheme, cache, dens)
        return Evaluation(ev.id, ev.mode, ratings, na)

    def _learn(
        self, raw: object, index: int, scheme: Scheme, cache: dict[Any, Rating], dens: set[int]
    ) -> Evaluation:
        ev = _evaluation(raw, index, scheme, cache, dens)
        assert isinstance(raw, dict)
        ratings_raw = raw["ratings"]
        by_code = {r.code: r for r in ev.ratings}
        for code, r in ratings_raw.items():
            if type(r) is dict and len(r) == 1 and code in by_code:
                ((key, value),) = r.items()
                kind = type(value)
                if (key == "level" and kind is int) or (
                    key == "alpha" and kind in (Decimal, float, int)
                ):
                    self.known[(code, (key, value), kind)] = by_code[code]
        return ev


class _Decimals(dict[str, Decimal]):
    """``Decimal(text)`` once per distinct number text: 0.75 written 10 000 times is one object."""

    def __missing__(self, text: str) -> Decimal:
        value = self[text] = Decimal(text)
        return value


def reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number JSON allows")


def no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """Two ratings for one item (two sections of one name, two ``closed_on`` in lifecycle facts)
    must not silently keep the last."""
    out: dict[str, object] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r} in one object")
        out[key] = value
    return out
