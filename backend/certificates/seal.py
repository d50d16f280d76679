"""The certificate's seal: its fields signed with the body's Ed25519 key, sized for a QR code.

A QR code that is only a URL can point to a cloned site, and a page that only says "valid" lets an
edited PDF pass. So, as ICAO's Visible Digital Seal (Doc 9303 part 13) and the EU digital COVID
certificate do, the QR carries the certificate's fields and a signature over them: a photo of the
certificate can be checked offline against the body's published public key.

Wire form (version 1), a URL fragment or a string on its own::

    FC1.<base64url without padding of: header || message || signature>

- ``header``: the version byte (1) and the key id, the first 8 bytes of SHA-256 over the raw
  32-byte public key (a body rotates keys; the id says which one signed).
- ``message``: the fields as canonical JSON (short keys, sorted, no spaces, UTF-8; see
  ``FIELD_KEYS``), compressed with zlib (level 9) when that is shorter, flagged in the version byte.
- ``signature``: Ed25519 (RFC 8032) over ``header || message`` exactly as sent, so verifying needs
  no canonicalisation on the reader's side.

The fingerprint shown on the public page is SHA-256 over the same signed bytes, in groups of four
hex digits. This module is pure: the caller loads keys and reads fields; nothing here knows Flask
or the database.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PREFIX: Final = "FC1."
VERSION: Final = 1
_COMPRESSED: Final = 0x80
KEY_ID_BYTES: Final = 8
SIGNATURE_BYTES: Final = 64
# A QR code of version 40 at error correction M holds 2,331 bytes; the URL and prefix take some.
MAX_PAYLOAD_CHARS: Final = 2000

# The certificate's fields (CQC rule §9.2: client, service provider, scope, certification modes,
# basis, issue date and validity, certification body, number) plus the grade, the characteristic
# scores, the public page's token and the date of the last change (§9.3: a change keeps the
# number and notes its date). Short keys keep the QR code small.
FIELD_KEYS: Final[dict[str, str]] = {
    "number": "n",
    "client": "c",
    "provider": "p",
    "scope": "s",
    "modes": "m",
    "basis": "b",
    "issued_on": "i",
    "valid_until": "u",
    "body": "o",
    "grade": "g",
    "scores": "k",
    "token": "t",
    "changed_on": "d",
}
_NAMES_BY_KEY: Final = {short: name for name, short in FIELD_KEYS.items()}
REQUIRED_FIELDS: Final = (
    "number",
    "client",
    "provider",
    "scope",
    "modes",
    "basis",
    "issued_on",
    "valid_until",
    "body",
)


class SealError(ValueError):
    """The payload cannot be read or does not verify; ``problem`` is a stable short name."""

    def __init__(self, problem: str, message: str) -> None:
        super().__init__(message)
        self.problem = problem


@dataclass(frozen=True)
class Seal:
    """A decoded payload: the fields as signed, who signed, and the signature's bytes."""

    fields: dict[str, object]
    key_id: str
    signed: bytes
    signature: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.signed)


@dataclass(frozen=True)
class Difference:
    """One field whose printed value differs from the signed one."""

    field: str
    signed: object
    shown: object


@dataclass(frozen=True)
class Verification:
    """The outcome of ``verify``: ``ok`` only when the signature holds under a known key."""

    ok: bool
    seal: Seal | None
    problem: str | None = None
    message: str = ""
    differences: list[Difference] = field(default_factory=list)


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).digest()[:KEY_ID_BYTES].hex()


def fingerprint(signed: bytes) -> str:
    digest = hashlib.sha256(signed).hexdigest().upper()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def canonical_fields(fields: Mapping[str, object]) -> bytes:
    """The fields as the canonical JSON that is signed (unknown names refused, required checked)."""
    unknown = sorted(set(fields) - set(FIELD_KEYS))
    if unknown:
        raise SealError(
            "unknown_field", f"fields not part of a certificate seal: {', '.join(unknown)}"
        )
    missing = [name for name in REQUIRED_FIELDS if fields.get(name) in (None, "", [])]
    if missing:
        raise SealError("missing_field", f"a certificate seal needs: {', '.join(missing)}")
    short = {FIELD_KEYS[name]: value for name, value in fields.items() if value is not None}
    text = json.dumps(short, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.encode("utf-8")


def seal(fields: Mapping[str, object], private_key: Ed25519PrivateKey) -> str:
    """Sign ``fields`` and return the payload text for the QR code."""
    message = canonical_fields(fields)
    version = VERSION
    packed = zlib.compress(message, 9)
    if len(packed) < len(message):
        message, version = packed, VERSION | _COMPRESSED
    header = bytes([version]) + bytes.fromhex(key_id(private_key.public_key()))
    signed = header + message
    payload = PREFIX + _b64encode(signed + private_key.sign(signed))
    if len(payload) > MAX_PAYLOAD_CHARS:
        raise SealError(
            "too_long",
            f"the sealed certificate is {len(payload)} characters, more than a QR code holds "
            f"({MAX_PAYLOAD_CHARS}); shorten the scope or the scores",
        )
    return payload


def extract_payload(text: str) -> str:
    """The payload from a scanned text: the payload itself, or a URL carrying it in its fragment."""
    text = text.strip()
    start = text.find(PREFIX)
    if start < 0:
        raise SealError("not_a_seal", f"no certificate seal in the text (it starts with {PREFIX})")
    return text[start:].split()[0]


def decode(text: str) -> Seal:
    """Read a payload without checking its signature (``verify`` checks it)."""
    payload = extract_payload(text)
    try:
        raw = _b64decode(payload[len(PREFIX) :])
    except (binascii.Error, ValueError) as exc:
        raise SealError("malformed", "the seal is not valid base64url") from exc
    if len(raw) < 1 + KEY_ID_BYTES + SIGNATURE_BYTES + 2:
        raise SealError("malformed", "the seal is too short to hold a header and a signature")
    version = raw[0]
    if version & ~_COMPRESSED != VERSION:
        raise SealError("unknown_version", f"seal version {version & ~_COMPRESSED} is not known")
    signed, signature = raw[:-SIGNATURE_BYTES], raw[-SIGNATURE_BYTES:]
    message = signed[1 + KEY_ID_BYTES :]
    try:
        if version & _COMPRESSED:
            # A signed message is at most a few KB; refuse a decompression bomb all the same.
            inflater = zlib.decompressobj()
            message = inflater.decompress(message, 64 * 1024)
            if inflater.unconsumed_tail:
                raise SealError("malformed", "the seal's message is too large")
        short = json.loads(message.decode("utf-8"))
    except (zlib.error, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SealError("malformed", "the seal's message cannot be read") from exc
    if not isinstance(short, dict) or not set(short) <= set(_NAMES_BY_KEY):
        raise SealError("malformed", "the seal's message holds unknown fields")
    fields = {_NAMES_BY_KEY[key]: value for key, value in short.items()}
    return Seal(
        fields=fields,
        key_id=signed[1 : 1 + KEY_ID_BYTES].hex(),
        signed=signed,
        signature=signature,
    )


def verify(
    text: str,
    public_keys: Sequence[Ed25519PublicKey],
    shown: Mapping[str, object] | None = None,
) -> Verification:
    """Check the signature under the body's keys and, given the fields as printed, compare them.

    ``ok`` is true only when the signature holds and no printed field differs from the signed one.
    """
    try:
        sealed = decode(text)
    except SealError as exc:
        return Verification(ok=False, seal=None, problem=exc.problem, message=str(exc))
    keys = {key_id(key): key for key in public_keys}
    key = keys.get(sealed.key_id)
    if key is None:
        return Verification(
            ok=False,
            seal=sealed,
            problem="unknown_key",
            message=f"signed with key {sealed.key_id}, which is not one of the body's keys",
        )
    try:
        key.verify(sealed.signature, sealed.signed)
    except InvalidSignature:
        return Verification(
            ok=False,
            seal=sealed,
            problem="bad_signature",
            message="the signature does not match the sealed fields: the payload was altered",
        )
    differences = compare(sealed.fields, shown) if shown is not None else []
    if differences:
        names = ", ".join(difference.field for difference in differences)
        return Verification(
            ok=False,
            seal=sealed,
            problem="fields_differ",
            message=f"the document differs from the signed certificate in: {names}",
            differences=differences,
        )
    return Verification(ok=True, seal=sealed, message="the signature holds")


def compare(signed: Mapping[str, object], shown: Mapping[str, object]) -> list[Difference]:
    """The fields in ``shown`` whose value is not the signed one (in ``FIELD_KEYS`` order)."""
    return [
        Difference(field=name, signed=signed.get(name), shown=shown[name])
        for name in FIELD_KEYS
        if name in shown and _normal(shown[name]) != _normal(signed.get(name))
    ]


def _normal(value: object) -> object:
    # Text extracted from a PDF may differ in surrounding whitespace only.
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, list | tuple):
        return [_normal(item) for item in value]
    return value


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    if not text or any(ch not in _B64_ALPHABET for ch in text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_B64_ALPHABET: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
