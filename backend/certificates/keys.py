"""The certification body's Ed25519 signing key: one PEM file, made on first use, mode 0600.

The key signs certificate seals (``seal``) and the tag manifests of certification files
(``backend.bag``). Losing it means new certificates need a new key (old ones still verify against
the published public key, kept in the list of public keys); leaking it lets anyone forge
certificates, so it is never committed and is backed up with the secret key (docs/deploy.md).
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class KeyFileError(ValueError):
    """A key file that exists but does not hold an Ed25519 key."""


def load_or_create_private_key(path: Path) -> Ed25519PrivateKey:
    """Read the body's key from ``path``; make one there (mode 0600) when the file is absent."""
    try:
        return load_private_key(path)
    except FileNotFoundError:
        pass
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: two workers starting together must not each write a different key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return load_private_key(path)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return key


def load_private_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path} does not hold an Ed25519 private key")
    return key


def public_key_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_public_keys(text: str) -> list[Ed25519PublicKey]:
    """Every Ed25519 public key in a PEM text (the body publishes its current and earlier keys)."""
    keys: list[Ed25519PublicKey] = []
    marker = "-----END PUBLIC KEY-----"
    for block in text.split(marker)[:-1]:
        start = block.find("-----BEGIN PUBLIC KEY-----")
        if start < 0:
            continue
        key = serialization.load_pem_public_key((block[start:] + marker).encode("ascii"))
        if not isinstance(key, Ed25519PublicKey):
            raise KeyFileError("a published key is not an Ed25519 public key")
        keys.append(key)
    if not keys:
        raise KeyFileError("no PEM public key found")
    return keys
