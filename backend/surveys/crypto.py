"""Respondents' phone numbers, encrypted at rest (AES-256-GCM), and keyed hashes.

PIPL (个人信息保护法) §51 asks for encryption of personal information; DOMAIN.md: contact data is
never shown to the client. The key comes from ``FIELDCERT_CONTACT_KEY`` (64 hex digits or
urlsafe base64 of 32 bytes); unset, one is generated once into ``instance/contact_key`` (mode
0600), like the session secret. Each ciphertext is bound to its response id (associated data),
so a ciphertext copied onto another row does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from backend.config import ConfigError

KEY_FILE = "contact_key"
_NONCE_BYTES = 12


def parse_key(raw: str) -> bytes:
    """A 32-byte key from 64 hex digits or urlsafe base64; ConfigError otherwise."""
    text = raw.strip()
    if re.fullmatch(r"[0-9a-fA-F]{64}", text):
        return bytes.fromhex(text)
    try:
        key = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise ConfigError("FIELDCERT_CONTACT_KEY must be 32 bytes: 64 hex digits or urlsafe base64")
    return key


def read_or_create_key(instance_dir: Path) -> bytes:
    """The key in ``instance_dir/contact_key``, generated (mode 0600) on first use."""
    path = instance_dir / KEY_FILE
    try:
        return parse_key(path.read_text(encoding="ascii"))
    except FileNotFoundError:
        pass
    instance_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another worker created it between our read and our create: use theirs.
        return parse_key(path.read_text(encoding="ascii"))
    key = secrets.token_bytes(32)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key.hex() + "\n")
    return key


def load_key(environ_value: str | None, instance_dir: Path) -> bytes:
    if environ_value:
        return parse_key(environ_value)
    return read_or_create_key(instance_dir)


def key_id(key: bytes) -> str:
    """A short public fingerprint of the key (which key encrypted a row)."""
    return hashlib.sha256(b"fieldcert contact key id\x00" + key).hexdigest()[:16]


def encrypt(key: bytes, plaintext: str, bound_to: str) -> bytes:
    """nonce ‖ AES-GCM(plaintext) with ``bound_to`` (the response id) as associated data."""
    nonce = secrets.token_bytes(_NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), bound_to.encode("ascii"))
    return nonce + sealed


class ContactUnreadable(Exception):
    """Wrong key (rotated without re-encrypting), or the stored bytes were altered."""


def decrypt(key: bytes, blob: bytes, bound_to: str) -> str:
    nonce, sealed = blob[:_NONCE_BYTES], blob[_NONCE_BYTES:]
    try:
        plain = AESGCM(key).decrypt(nonce, sealed, bound_to.encode("ascii"))
    except InvalidTag as exc:
        raise ContactUnreadable(bound_to) from exc
    return plain.decode("utf-8")


def keyed_hash(key: bytes, purpose: str, value: str) -> str:
    """HMAC-SHA256 of ``value`` for one purpose (device tokens, addresses, one-time codes).

    Keyed, so the stored hash of an IPv4 address (only 2³² of them) cannot be reversed by
    hashing every address.
    """
    mac = hmac.new(key, purpose.encode("ascii") + b"\x00" + value.encode("utf-8"), "sha256")
    return mac.hexdigest()


def mask_phone(number: str) -> str:
    """138****5678: enough to recognise a number, not to call it."""
    digits = number.strip()
    if len(digits) <= 4:
        return "*" * len(digits)
    if len(digits) < 8:
        return "*" * (len(digits) - 4) + digits[-4:]
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
