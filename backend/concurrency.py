"""Optimistic concurrency for offline edits: versions as ETags, If-Match required on edits.

A phone that edits a record offline replays the edit later; the edit names the version it was
based on. If someone changed the record since, the server answers 412 and the phone must
reconcile rather than overwrite (STYLE.md: "a stale edit is a 412").
"""

from __future__ import annotations

import re

from backend.errors import PreconditionFailed, PreconditionRequired

_ETAG = re.compile(r'^\s*(?:W/)?"v(\d+)"\s*$')


def etag(version: int) -> str:
    """The strong ETag of a record version: ``"v3"``."""
    return f'"v{version}"'


def parse_if_match(header: str | None) -> int | None:
    """The version an If-Match header names, None when absent; malformed values never match."""
    if header is None or not header.strip():
        return None
    match = _ETAG.match(header)
    return int(match.group(1)) if match else -1


def check_version(expected: int | None, current: int) -> None:
    """428 when the edit names no version, 412 when it names a stale one."""
    if expected is None:
        raise PreconditionRequired()
    if expected != current:
        raise PreconditionFailed(details={"current_version": current, "etag": etag(current)})
