"""The body's signing key as this installation keeps it (``FIELDCERT_SIGNING_KEY_FILE``)."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app

from backend.certificates.keys import load_or_create_private_key


def body_signing_key() -> Ed25519PrivateKey:
    """The key that seals certificates; made once (mode 0600) on first use."""
    return load_or_create_private_key(Path(current_app.config["FIELDCERT_SIGNING_KEY_FILE"]))


def base_url() -> str:
    """The address printed in QR codes: ``FIELDCERT_PUBLIC_URL``, else the request's."""
    from flask import request

    return str(current_app.config.get("FIELDCERT_PUBLIC_URL") or request.url_root).rstrip("/")
