"""Factories for test data: users and organisations with sensible defaults."""

from __future__ import annotations

import functools
import itertools
import uuid

from sqlalchemy.orm import Session

from backend.auth.passwords import hash_password
from backend.users.models import Organisation, Role, User

DEFAULT_PASSWORD = "correct horse battery staple"

_sequence = itertools.count(1)


@functools.cache
def _hashed(password: str) -> str:
    # argon2id at production cost takes tens of milliseconds: hash each test password once.
    return hash_password(password)


def make_organisation(session: Session, *, name: str | None = None) -> Organisation:
    organisation = Organisation(id=uuid.uuid4(), name=name or f"测试认证机构 {next(_sequence)}")
    session.add(organisation)
    session.commit()
    return organisation


def make_user(
    session: Session,
    *,
    role: Role = Role.AUDITOR,
    email: str | None = None,
    password: str = DEFAULT_PASSWORD,
    display_name: str | None = None,
    organisation: Organisation | None = None,
    is_active: bool = True,
    password_hash: str | None = None,
) -> User:
    """A user, committed (into the test's savepoint) so that requests can see it."""
    number = next(_sequence)
    user = User(
        id=uuid.uuid4(),
        organisation=organisation or make_organisation(session),
        email=email or f"user{number}@example.test",
        display_name=display_name or f"测试用户 {number}",
        role=role,
        password_hash=password_hash or _hashed(password),
        is_active=is_active,
    )
    session.add(user)
    session.commit()
    return user
