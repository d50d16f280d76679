"""Password hashing with argon2id (RFC 9106), via argon2-cffi."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

#: argon2-cffi's defaults are RFC 9106's second recommended option (t=3, m=64 MiB, p=4).
_hasher = PasswordHasher(type=Type.ID)


def hash_password(password: str) -> str:
    """Hash a password as an argon2id PHC string with a fresh random salt."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``; a malformed hash never matches."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with other parameters than today's (rehash on next sign-in)."""
    return _hasher.check_needs_rehash(password_hash)


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash("fieldcert: no account has this password")


def burn_verification_time(password: str) -> None:
    """Spend as long as a real verification, for sign-ins with an unknown email address.

    Without it, an unknown address answers faster than a wrong password, which tells an
    attacker which addresses have accounts.
    """
    verify_password(_dummy_hash(), password)
