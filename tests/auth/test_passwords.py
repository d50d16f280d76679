"""argon2id password hashing."""

from __future__ import annotations

import re

from argon2 import PasswordHasher, Type

from backend.auth.passwords import hash_password, needs_rehash, verify_password

PHC_ARGON2ID = re.compile(
    r"^\$argon2id\$v=19\$m=65536,t=3,p=4\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$"
)


def test_hash_is_argon2id_phc_string_with_rfc_9106_parameters() -> None:
    assert PHC_ARGON2ID.match(hash_password("s3cret")), hash_password("s3cret")


def test_each_hash_has_its_own_salt() -> None:
    assert hash_password("same") != hash_password("same")


def test_verify_accepts_the_password_and_refuses_others() -> None:
    stored = hash_password("s3cret")
    assert verify_password(stored, "s3cret")
    assert not verify_password(stored, "S3cret")
    assert not verify_password(stored, "")


def test_verify_refuses_a_malformed_hash() -> None:
    assert not verify_password("not-a-hash", "s3cret")
    assert not verify_password("", "s3cret")


def test_hash_made_with_weaker_parameters_needs_rehash() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.ID).hash("pw")
    assert needs_rehash(weak)
    assert not needs_rehash(hash_password("pw"))
