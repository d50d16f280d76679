"""The one check of every text the API accepts: no NUL, no other control characters, no lone
surrogates, anywhere in a request (path, query, JSON at any depth, keys included, form posts).

Why at the door: PostgreSQL text and JSON cannot hold NUL (psycopg raises ``DataError``), UTF-8
cannot encode a lone surrogate (``UnicodeEncodeError``), and either became a 500 deep inside
whichever service first wrote the value, after it had read or locked rows. A 5xx also makes the
phone's outbox retry the entry for ever (docs/sync.md), so a bad character must be a 4xx. No
person types such characters: tab, line feed and carriage return are text (comments, notes,
addresses), the other C0 controls (U+0000–U+001F) are not, nor are surrogates (U+D800–U+DFFF),
which only a JSON escape such as ``"\\ud800"`` can produce.

``check_request`` runs before every request (registered first in ``create_app``): a path with
such a character names nothing (404); a query parameter or JSON value answers 422
``VALIDATION_ERROR`` with the field's place in ``details``, shaped like a schema's errors
(``{"ratings": {"1.1": {"reason": [...]}}}``). Form posts are checked when the form is parsed
(``check_form``, called by the app's Request class), so that a route's own body limit (the public
survey page allows 64 KiB) applies before the parse; the survey page shows its error page then.
Values taken from headers are either parsed (times, numbers, hashes) or cleaned where they are
stored (``printable``: user agents).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

from flask import request

from backend.errors import NotFound, ValidationFailed

#: C0 controls other than tab (U+0009), line feed (U+000A) and carriage return (U+000D), and
#: the surrogate range: never text.
FORBIDDEN: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
#: At most this many fields are named in one answer (a hostile body could have thousands).
_MAX_REPORTED: Final = 20

_VALUE_MESSAGE: Final = (
    "含有文本中不允许的字符 {char}（控制字符或孤立代理项）/ "
    "contains a character that is not allowed in text ({char}: a control character or a lone "
    "surrogate)"
)
_KEY_MESSAGE: Final = (
    "字段名含有文本中不允许的字符 {char} / the field name contains a character that is not "
    "allowed in text ({char})"
)


def first_forbidden(text: str) -> str | None:
    """The first forbidden character of ``text`` as ``U+XXXX``, or None when it is clean."""
    match = FORBIDDEN.search(text)
    return None if match is None else f"U+{ord(match.group()):04X}"


def printable(text: str, *, max_length: int) -> str:
    """``text`` without forbidden characters, cut to ``max_length``: for header values kept as
    information (a user agent), where refusing the request would help nobody."""
    return FORBIDDEN.sub("", text)[:max_length]


def visible(text: str) -> str:
    """``text`` with forbidden characters written as ``\\uXXXX``: safe to echo in ``details``."""
    return FORBIDDEN.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


class _Problems:
    """Field errors collected as nested dicts, the shape marshmallow gives to schema errors."""

    def __init__(self) -> None:
        self.tree: dict[str, Any] = {}
        self.count = 0

    def add(self, path: tuple[str, ...], message: str) -> None:
        if self.count >= _MAX_REPORTED:
            return
        self.count += 1
        node = self.tree
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node.setdefault(path[-1] if path else "_schema", []).append(message)


def _walk(value: Any, path: tuple[str, ...], problems: _Problems) -> None:
    if isinstance(value, str):
        char = first_forbidden(value)
        if char is not None:
            problems.add(path, _VALUE_MESSAGE.format(char=char))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            name = str(key)
            char = first_forbidden(name)
            if char is not None:
                # The key is the error; what lies below it is not looked at.
                problems.add((*path, visible(name)), _KEY_MESSAGE.format(char=char))
            else:
                _walk(item, (*path, name), problems)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _walk(item, (*path, str(index)), problems)


def check_value(value: Any) -> None:
    """Raise ``ValidationFailed`` naming every forbidden character in ``value`` (any depth)."""
    problems = _Problems()
    _walk(value, (), problems)
    if problems.count:
        raise ValidationFailed(details=problems.tree)


def _pairs(multi: Any) -> Iterable[tuple[str, Any]]:
    """The (name, value) pairs of a Werkzeug MultiDict, every value of a repeated name."""
    pairs: Iterable[tuple[str, Any]] = multi.items(multi=True)
    return pairs


def _check_pairs(pairs: Iterable[tuple[str, Any]]) -> None:
    problems = _Problems()
    for name, value in pairs:
        char = first_forbidden(name)
        if char is not None:
            problems.add((visible(name),), _KEY_MESSAGE.format(char=char))
        elif isinstance(value, str):
            _walk(value, (name,), problems)
    if problems.count:
        raise ValidationFailed(details=problems.tree)


def check_form(form: Any, files: Any) -> None:
    """Check a parsed form post: field names, values, and the names of uploaded files."""
    _check_pairs(_pairs(form))
    _check_pairs((name, upload.filename or "") for name, upload in _pairs(files))


def check_request() -> None:
    """``before_request``: refuse a request whose path, query or JSON body holds a forbidden
    character, before any view or service (and so any database query) sees it."""
    if first_forbidden(request.path) is not None:
        # Nothing has such a name: answered like any unknown address.
        raise NotFound(details={"reason": "the address contains a control character"})
    _check_pairs(_pairs(request.args))
    if request.is_json:
        # Parsed (and cached) here once more than the route's own parser will; a body that is
        # not JSON is left to that parser, which answers MALFORMED_JSON.
        body = request.get_json(silent=True)
        if body is not None:
            check_value(body)
