"""Keyset (cursor) paging for lists that grow with the data (issue 13, "Flat costs").

A page is cut after the last row's sort key, never by an offset: each page costs the same
however deep it is, and rows arriving meanwhile neither repeat nor vanish. The cursor is opaque
to clients (base64url of a small JSON array): the sort key of the last row of the page plus the
list's *scope* (what the list is of: its parent id and filters), so a cursor kept from one list
and sent to another, or edited by hand, is refused with VALIDATION_ERROR (422) instead of
silently paging something else.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

import marshmallow as ma
from flask import request

from backend.errors import ValidationFailed

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500
#: An encoded cursor is short (a few timestamps and ids); anything longer is not ours.
MAX_CURSOR_LENGTH = 512
#: The response header that carries the next page's cursor (absent on the last page).
NEXT_CURSOR_HEADER = "X-Next-Cursor"

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    #: The cursor of the next page; None on the last page.
    next_cursor: str | None


def scope_of(*parts: object) -> str:
    """A short fingerprint of what a list is of (parent id, filters), kept in its cursors."""
    text = "\x1f".join(str(p) for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def encode_cursor(scope: str, key: Sequence[str | None]) -> str:
    raw = json.dumps([scope, *key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, scope: str, length: int) -> list[str | None]:
    """The sort key in ``cursor`` (``length`` strings or nulls), or VALIDATION_ERROR."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value: Any = json.loads(raw)
    except (binascii.Error, ValueError):
        raise _bad("not a cursor of this list") from None
    if (
        not isinstance(value, list)
        or len(value) != length + 1
        or not all(v is None or isinstance(v, str) for v in value)
    ):
        raise _bad("not a cursor of this list")
    if value[0] != scope:
        raise _bad("the cursor belongs to another list or other filters")
    return value[1:]


def _bad(message: str) -> ValidationFailed:
    return ValidationFailed(details={"cursor": [message]})


class PageArgsMixin:
    """``cursor`` and ``limit`` query parameters, for a flask-smorest arguments schema."""

    cursor = ma.fields.String(
        validate=ma.validate.Length(min=1, max=MAX_CURSOR_LENGTH),
        load_default=None,
        metadata={
            "description": f"The next page: the `{NEXT_CURSOR_HEADER}` header of the previous "
            "page (opaque; a cursor of another list or other filters is refused with 422)."
        },
    )
    limit = ma.fields.Integer(
        load_default=DEFAULT_PAGE_SIZE,
        validate=ma.validate.Range(min=1, max=MAX_PAGE_SIZE),
        metadata={"description": f"Rows per page, 1 to {MAX_PAGE_SIZE}."},
    )


#: The headers of a paged answer, for ``@blp.response(..., headers=PAGE_HEADERS)``.
PAGE_HEADERS = {
    NEXT_CURSOR_HEADER: {
        "description": "The cursor of the next page; absent on the last page.",
        "schema": {"type": "string"},
    },
    "Link": {
        "description": 'The next page as `<url>; rel="next"` (RFC 8288); absent on the last page.',
        "schema": {"type": "string"},
    },
}


def page_headers(page: Page[Any], replaces: Sequence[str] = ()) -> dict[str, str]:
    """``X-Next-Cursor`` and ``Link: <…>; rel="next"`` for a page that has a next one.

    For routes only: the link is this request's path and query with the next ``cursor``, less
    the parameters in ``replaces`` (another way of naming the page, e.g. the audit log's
    ``before_id``).
    """
    if page.next_cursor is None:
        return {}
    dropped = {"cursor", *replaces}
    query = [(k, v) for k, v in request.args.items(multi=True) if k not in dropped]
    query.append(("cursor", page.next_cursor))
    return {
        NEXT_CURSOR_HEADER: page.next_cursor,
        "Link": f'<{request.path}?{urlencode(query)}>; rel="next"',
    }
