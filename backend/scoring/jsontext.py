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
from itertools import accumulate, chain, compress, filterfalse, repeat
from operator import itemgetter, sub
from typing import Any

from backend.scoring.errors import InputError
from backend.scoring.inputs import (
    _EVAL_KEYS,
    Evaluation,
    Rating,
    ScoreInput,
    _evaluation,
    _evaluations,
    _parse,
    pairs_and_colons,
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
            parsed = _parse(data, scheme, tally, reader.read_all)
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


class _Mark(tuple[str, str]):
    """An N/A mark, (item code, reason), found by its reason as ratings are found.

    False, so that ``filter(None, ...)`` parts ratings from marks in C.
    """

    __slots__ = ()

    def __bool__(self) -> bool:
        return False


_second = itemgetter(1)
_DICT = {dict}
_STR = {str}
_MODE_TYPES = {str, type(None)}
_MODES_OR_NONE = {*MODES, None}
_MARK_TYPE = {_Mark}
_NA_LEFT = {"na": True}
_BOOL = {bool}
#: Evaluations whose ratings are looked up together, after the first chunks teach the table.
_CHUNK = 1024
_FIRST_CHUNKS = (8, 24, 96, 384)


def _is_na_mark(key: str, reason: Any, left: dict[str, Any], code: str, items: Any) -> bool:
    """``{"na": true, "reason": "…"}`` on an item of the scheme, its reason popped as ``(key,
    reason)`` and ``left`` what remains: exactly the N/A mark the careful reader accepts."""
    return (
        key == "reason"
        and type(reason) is str
        and left.get("na") is True
        and len(left) == 1
        and code in items
        and bool(reason.strip())
    )


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
        #: ``known`` and the N/A marks seen (by their reason), for ``read_all``.
        self.table: dict[tuple[str, tuple[str, object], type], Rating | _Mark] = {}

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
        if any(compress(values, hits)):
            # A rating found by its last pair but with more pairs ({"alpha": 0.1, "level": 4}):
            # the rest must be validated with it.
            for value, (key, item) in zip(values, pairs, strict=True):
                value[key] = item
            return self._learn(raw, index, scheme, cache, dens)
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
                if _is_na_mark(key, reason, rest, code, items):
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

    def read_all(
        self, value: object, scheme: Scheme, dens: set[int], tally: list[int] | None
    ) -> tuple[Evaluation, ...]:
        """All evaluations as ``inputs._evaluations`` reads them, the common case in bulk.

        When every evaluation is an object of known fields with a text id (no two alike), a
        mode A–I or none, and a non-empty object of rating objects, those checks are made over
        the whole list in C, and the ratings of a chunk of evaluations are taken out and looked
        up in one ``map``; Python then only cuts the hits into evaluations. Evaluations with a
        rating not found go one by one as in ``__call__`` (N/A marks; else validated in full).
        Anything else, and the list is read by ``inputs._evaluations`` with ``__call__``.
        """
        assert tally is not None
        if not (type(value) is list and value and self.unweighted and scheme.service):
            return _evaluations(value, scheme, dens, tally, self)
        evs: list[Any] = value
        if set(map(type, evs)) != _DICT or not all(map(_EVAL_KEYS.issuperset, evs)):
            return _evaluations(value, scheme, dens, tally, self)
        ratings: list[Any] = list(map(dict.get, evs, repeat("ratings")))
        ids: list[Any] = list(map(dict.get, evs, repeat("id")))
        modes: list[Any] = list(map(dict.get, evs, repeat("mode")))
        if (
            set(map(type, ratings)) != _DICT
            or not all(ratings)
            or set(map(type, ids)) != _STR
            or not all(map(str.strip, ids))
            or not set(map(type, modes)) <= _MODE_TYPES
            or not set(modes) <= _MODES_OR_NONE
            or len(set(ids)) != len(ids)
        ):
            return _evaluations(value, scheme, dens, tally, self)
        values = list(chain.from_iterable(map(dict.values, ratings)))
        # Nothing was changed until here: from here on the evaluations are read in bulk.
        lens = list(map(len, ratings))
        offsets = list(accumulate(lens, initial=0))
        known_get = self.table.get
        cache: dict[Any, Rating] = {}
        out: list[Evaluation] = []
        append = out.append
        colons = restored = 0
        n = len(evs)
        # Small chunks first: until the table knows the input's ratings, nearly every one of a
        # chunk's evaluations has one not found and is validated in full.
        stops = [*accumulate(_FIRST_CHUNKS), *range(sum(_FIRST_CHUNKS) + _CHUNK, n, _CHUNK), n]
        start = 0
        for stop in stops:
            stop = min(stop, n)
            if stop <= start:
                break
            first = offsets[start]
            chunk = values[first : offsets[stop]]
            try:
                pairs = list(map(dict.popitem, chunk))
            except (TypeError, KeyError) as exc:
                # A rating that is not an object, or an empty one: never valid, and the
                # careful path of read_input names it.
                raise ValueError("a rating is not an object with a pair") from exc
            codes = chain.from_iterable(ratings[start:stop])
            keys = zip(codes, pairs, map(type, map(_second, pairs)), strict=True)
            hits = list(map(known_get, keys))
            if any(compress(chunk, hits)):
                # A rating found by its last pair but with more pairs ({"alpha": 0.1, "level":
                # 4}) is not found: the rest must be validated with it.
                for j, (rest, hit) in enumerate(zip(chunk, hits, strict=True)):
                    if rest and hit is not None:
                        hits[j] = None
            is_mark = list(map(_MARK_TYPE.__contains__, map(type, hits)))
            if True in is_mark:
                # An N/A mark found by its reason: what is left must be exactly {"na": true}.
                left = list(compress(chunk, is_mark))
                na_values = set(map(type, map(dict.get, left, repeat("na"))))
                if not all(map(_NA_LEFT.__eq__, left)) or na_values != _BOOL:
                    for j, (rest, mark) in enumerate(zip(chunk, is_mark, strict=True)):
                        if mark and not (rest == _NA_LEFT and type(rest["na"]) is bool):
                            hits[j] = None
            if None not in hits:
                # Everything found (the common case once the table has learnt): evaluations
                # are cut from the hits and built by maps, no Python loop.
                bounds = list(map(sub, offsets[start : stop + 1], repeat(first)))
                got_all: list[Any] = list(map(hits.__getitem__, map(slice, bounds, bounds[1:])))
                marks_all: list[Any] = list(map(dict, map(filterfalse, repeat(None), got_all)))
                out.extend(
                    map(
                        Evaluation,
                        ids[start:stop],
                        modes[start:stop],
                        map(tuple, map(filter, repeat(None), got_all)),
                        marks_all,
                    )
                )
                colons += "".join(chain.from_iterable(map(dict.values, marks_all))).count(":")
                start = stop
                continue
            for i in range(start, stop):
                at = offsets[i] - first
                end = at + lens[i]
                got: list[Any] = hits[at:end]
                if None not in got:
                    # Marks are false: filter keeps the ratings, filterfalse the marks.
                    found = tuple(filter(None, got))
                    if len(found) == end - at:
                        append(Evaluation(ids[i], modes[i], found, {}))
                    else:
                        na = dict(filterfalse(None, got))
                        append(Evaluation(ids[i], modes[i], found, na))
                        colons += "".join(na.values()).count(":")
                    continue
                marks = self._marks(ratings[i], got, pairs[at:end], chunk[at:end], scheme)
                if marks is not None:
                    append(Evaluation(ids[i], modes[i], tuple(filter(None, got)), marks))
                    colons += "".join(marks.values()).count(":")
                else:
                    restored += end - at
                    for rating, (key, item) in zip(chunk[at:end], pairs[at:end], strict=True):
                        rating[key] = item  # back as it was: popitem took the last pair
                    ev = self._learn(evs[i], i, scheme, cache, dens)
                    append(ev)
                    colons += "".join(ev.not_applicable.values()).count(":")
            start = stop
        self.popped += len(values) - restored
        # What inputs._evaluation_tally adds up per evaluation, over them all.
        tally[0] += (
            sum(map(len, evs))
            + offsets[-1]
            + sum(map(len, values))
            + "".join(ids).count(":")
            + colons
        )
        for key in ("site", "notes"):
            # Absent (None) adds nothing: only the values given are counted.
            tally[0] += sum(map(pairs_and_colons, filter(None, map(dict.get, evs, repeat(key)))))
        return tuple(out)

    def _marks(
        self,
        ratings_raw: dict[str, Any],
        hits: list[Any],
        pairs: list[tuple[str, Any]],
        rest: list[dict[str, Any]],
        scheme: Scheme,
    ) -> dict[str, str] | None:
        """The N/A marks of an evaluation with ratings not found, as ``__call__`` takes them;
        None when any rating not found is something else. A new mark is learnt."""
        items = scheme.service.items if scheme.service is not None else {}
        na: dict[str, str] = {}
        for code, hit, pair, left in zip(ratings_raw, hits, pairs, rest, strict=True):
            if hit:
                continue
            if hit is not None:
                na[code] = hit[1]  # a mark found
                continue
            key, reason = pair
            if not _is_na_mark(key, reason, left, code, items):
                return None
            na[code] = reason.strip()
            self.table[(code, pair, str)] = _Mark((code, na[code]))
        return na

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
                    self.table[(code, (key, value), kind)] = by_code[code]
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
