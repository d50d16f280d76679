"""Password hashing with argon2id (RFC 9106), via argon2-cffi."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from backend.errors import ValidationFailed

#: Shortest password we accept (NIST SP 800-63B asks for at least 8; field staff share phones).
MIN_PASSWORD_LENGTH = 10
#: Longest: argon2 reads all of it, so nobody makes the server hash megabytes.
MAX_PASSWORD_LENGTH = 1024

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


def check_new_password(password: str, *, email: str, field: str = "new_password") -> None:
    """Refuse a password that is too short or too long, or equal to the email address.

    Raises ``ValidationFailed`` with the messages under ``field`` (the input's field name).
    """
    errors: list[str] = []
    if len(password) < MIN_PASSWORD_LENGTH:
        errors.append(
            f"密码至少 {MIN_PASSWORD_LENGTH} 个字符 / at least {MIN_PASSWORD_LENGTH} characters"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        errors.append(
            f"密码最多 {MAX_PASSWORD_LENGTH} 个字符 / at most {MAX_PASSWORD_LENGTH} characters"
        )
    if password.strip().lower() == email.strip().lower():
        errors.append("密码不能与邮箱相同 / must not be the email address")
    if errors:
        raise ValidationFailed(details={field: errors})
