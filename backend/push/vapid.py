"""The server's VAPID key pair (RFC 8292), generated on first run and kept in ``instance/``.

``vapid_private.pem`` (PKCS#8, mode 0600) signs every push request; browsers receive the public
key as ``applicationServerKey`` (the uncompressed P-256 point, URL-safe base64 without padding),
also written to ``vapid_public_key.txt`` for operators. Losing the private key invalidates every
subscription (browsers bind a subscription to the key), so it must survive restarts and deploys
like the secret key.
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02  # type: ignore[import-untyped]

PRIVATE_KEY_FILE = "vapid_private.pem"
PUBLIC_KEY_FILE = "vapid_public_key.txt"


@dataclass(frozen=True)
class VapidKeys:
    private_key: ec.EllipticCurvePrivateKey
    #: The applicationServerKey for ``PushManager.subscribe``.
    public_key: str

    def signer(self) -> Vapid02:
        """A py_vapid signer for pywebpush."""
        return Vapid02(private_key=self.private_key)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def application_server_key(private_key: ec.EllipticCurvePrivateKey) -> str:
    point = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(point)


def load_or_create_keys(instance_dir: Path) -> VapidKeys:
    """The key pair in ``instance_dir``, generated (mode 0600) when there is none yet."""
    path = instance_dir / PRIVATE_KEY_FILE
    try:
        private_key = _read(path)
    except FileNotFoundError:
        private_key = _create(path)
    keys = VapidKeys(private_key=private_key, public_key=application_server_key(private_key))
    public_path = instance_dir / PUBLIC_KEY_FILE
    try:
        current = public_path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        current = None
    if current != keys.public_key:
        # Derived from the private key: rewritten when missing or stale.
        public_path.write_text(keys.public_key + "\n", encoding="ascii")
    return keys


def _read(path: Path) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError(f"{path} is not a P-256 private key; delete it to generate a new one")
    return key


def _create(path: Path) -> ec.EllipticCurvePrivateKey:
    path.parent.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Written to a private temporary file, then linked into place: another worker process
    # starting at the same moment sees either no key or a whole one, never half a file.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            # The other process won: use its key, so both sign with the same one.
            return _read(path)
    finally:
        temporary.unlink(missing_ok=True)
    return key
