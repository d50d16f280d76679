"""Signing in: checking an email address and password against the stored argon2id hash."""

from __future__ import annotations

from sqlalchemy.orm import Session

from backend.auth.passwords import (
    burn_verification_time,
    hash_password,
    needs_rehash,
    verify_password,
)
from backend.errors import InvalidCredentials
from backend.users.models import User
from backend.users.services import get_user_by_email


def authenticate(session: Session, *, email: str, password: str) -> User:
    """The active user with this email address and password.

    Raises ``InvalidCredentials`` for an unknown address, a wrong password and a deactivated
    account alike, after the same amount of hashing work, so that the answer does not reveal
    which addresses have accounts. A hash made with outdated parameters is upgraded.
    """
    user = get_user_by_email(session, email)
    if user is None:
        burn_verification_time(password)
        raise InvalidCredentials()
    if not verify_password(user.password_hash, password) or not user.is_active:
        raise InvalidCredentials()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.commit()
    return user
