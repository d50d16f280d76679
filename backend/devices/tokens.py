"""Device tokens: how they look and how they are stored (plain functions, no request)."""

from __future__ import annotations

import hashlib

#: Device tokens start with this prefix, so logs and scanners can recognise them.
DEVICE_TOKEN_PREFIX = "fcd_"  # noqa: S105 - a public prefix, not a secret


def hash_device_token(token: str) -> str:
    """The stored form of a device token (SHA-256 hex): the token itself is never stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
