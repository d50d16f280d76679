"""The certificate seal: signed fields in a QR-sized payload, checked offline, tampering caught."""

from __future__ import annotations

import base64
import zlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from backend.certificates import seal as sealing

FIELDS: dict[str, object] = {
    "number": "CQC26SC0001",
    "client": "德清县莫干山民宿服务有限公司",
    "provider": "德清县莫干山民宿服务有限公司（莫干山镇南路 18 号）",
    "scope": "民宿住宿服务",
    "modes": ["公开的服务评价", "神秘顾客", "顾客调查", "管理审核"],
    "basis": "CQC 83-831102-2025 服务认证规则",
    "issued_on": "2026-01-21",
    "valid_until": "2029-01-20",
    "body": "fieldcert 演示认证机构",
    "grade": "五星",
    "scores": [["服务设施", "92.5"], ["服务人员", "88.0"], ["服务过程", "90.3"]],
    "token": "k3J9xQ2mV8",
}


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def test_a_sealed_certificate_verifies_under_the_body_key_and_gives_its_fields_back(key):
    payload = sealing.seal(FIELDS, key)
    result = sealing.verify(payload, [key.public_key()])
    assert result.ok, result.message
    assert result.seal is not None
    assert result.seal.fields == FIELDS
    assert result.seal.key_id == sealing.key_id(key.public_key())


def test_the_payload_is_compact_and_url_safe(key):
    payload = sealing.seal(FIELDS, key)
    assert payload.startswith("FC1.")
    assert set(payload[4:]) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    )
    # Chinese fields of a real certificate fit a QR code of moderate size.
    assert len(payload) < 900


def test_a_url_carrying_the_payload_in_its_fragment_verifies(key):
    payload = sealing.seal(FIELDS, key)
    result = sealing.verify(f"https://cert.example.cn/c/k3J9xQ2mV8#{payload}", [key.public_key()])
    assert result.ok


def _tampered(payload: str, change) -> str:
    raw = bytearray(base64.urlsafe_b64decode(payload[4:] + "=" * (-len(payload[4:]) % 4)))
    change(raw)
    return "FC1." + base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


def test_a_changed_field_in_the_payload_is_a_bad_signature(key):
    payload = sealing.seal(FIELDS, key)
    raw = base64.urlsafe_b64decode(payload[4:] + "=" * (-len(payload[4:]) % 4))
    key_id, message, signature = raw[1:9], raw[9:-64], raw[-64:]
    text = zlib.decompress(message) if raw[0] & 0x80 else message
    forged_text = text.replace(b"2029-01-20", b"2031-01-20")
    assert forged_text != text
    # The forger re-packs the edited fields (uncompressed, version byte 1) and keeps the signature.
    forged = bytes([1]) + key_id + forged_text + signature
    forged_payload = "FC1." + base64.urlsafe_b64encode(forged).rstrip(b"=").decode()
    result = sealing.verify(forged_payload, [key.public_key()])
    assert not result.ok
    assert result.problem == "bad_signature"
    assert result.seal is not None and result.seal.fields["valid_until"] == "2031-01-20"


@pytest.mark.parametrize("position", [0, 1, 9, 20, -1, -40])
def test_any_changed_byte_fails_verification(key, position):
    payload = sealing.seal(FIELDS, key)

    def flip(raw: bytearray) -> None:
        raw[position] ^= 0x01

    result = sealing.verify(_tampered(payload, flip), [key.public_key()])
    assert not result.ok
    assert result.problem in {"bad_signature", "unknown_key", "unknown_version", "malformed"}


def test_a_key_the_body_does_not_hold_is_named(key):
    other = Ed25519PrivateKey.generate()
    result = sealing.verify(sealing.seal(FIELDS, other), [key.public_key()])
    assert not result.ok
    assert result.problem == "unknown_key"
    assert sealing.key_id(other.public_key()) in result.message


def test_a_second_key_after_rotation_still_verifies_old_certificates(key):
    newer = Ed25519PrivateKey.generate()
    payload = sealing.seal(FIELDS, key)
    assert sealing.verify(payload, [newer.public_key(), key.public_key()]).ok


def test_fields_printed_differently_from_the_signed_ones_are_named(key):
    payload = sealing.seal(FIELDS, key)
    shown = {"number": "CQC26SC0001", "client": "另一家公司", "valid_until": "2030-01-20"}
    result = sealing.verify(payload, [key.public_key()], shown=shown)
    assert not result.ok
    assert result.problem == "fields_differ"
    assert [d.field for d in result.differences] == ["client", "valid_until"]
    assert "client" in result.message and "valid_until" in result.message


def test_whitespace_from_pdf_text_extraction_is_not_a_difference(key):
    payload = sealing.seal(FIELDS, key)
    shown = {"scope": " 民宿住宿服务\n", "number": "CQC26SC0001"}
    assert sealing.verify(payload, [key.public_key()], shown=shown).ok


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("hello", "not_a_seal"),
        ("FC1.", "malformed"),
        ("FC1.!!!!", "malformed"),
        ("FC1.AAAA", "malformed"),
        ("FC1." + "A" * 120, "unknown_version"),
    ],
)
def test_unreadable_payloads_are_refused_with_a_named_problem(key, text, problem):
    result = sealing.verify(text, [key.public_key()])
    assert not result.ok
    assert result.problem == problem


def test_a_compressed_message_that_inflates_beyond_bounds_is_refused(key):
    bomb = zlib.compress(b"{" + b" " * 200_000 + b"}", 9)
    header = bytes([0x81]) + bytes.fromhex(sealing.key_id(key.public_key()))
    signed = header + bomb
    payload = "FC1." + base64.urlsafe_b64encode(signed + key.sign(signed)).rstrip(b"=").decode()
    result = sealing.verify(payload, [key.public_key()])
    assert result.problem == "malformed"


def test_sealing_refuses_unknown_and_missing_fields(key):
    with pytest.raises(sealing.SealError) as unknown:
        sealing.seal({**FIELDS, "shopper": "张三"}, key)
    assert unknown.value.problem == "unknown_field"
    without_scope = {name: value for name, value in FIELDS.items() if name != "scope"}
    with pytest.raises(sealing.SealError) as missing:
        sealing.seal(without_scope, key)
    assert missing.value.problem == "missing_field"


def test_the_fingerprint_is_sha256_of_the_signed_bytes_in_groups(key):
    payload = sealing.seal(FIELDS, key)
    sealed = sealing.decode(payload)
    groups = sealed.fingerprint.split(" ")
    assert len(groups) == 16 and all(len(group) == 4 for group in groups)
    other = sealing.decode(sealing.seal({**FIELDS, "grade": "四星"}, key))
    assert other.fingerprint != sealed.fingerprint
