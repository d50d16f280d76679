"""Users and organisations: look-ups and changes, with the session and actor passed in."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from backend.auth.passwords import hash_password
from backend.errors import Forbidden
from backend.users.models import Organisation, Role, User


def normalise_email(email: str) -> str:
    """The stored form of an email address: trimmed and lowercased."""
    return email.strip().lower()


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.scalars(
        sa.select(User)
        .options(joinedload(User.organisation))
        .where(User.email == normalise_email(email))
    ).one_or_none()


def get_active_user(session: Session, user_id: uuid.UUID) -> User | None:
    """The user with this id, or None when there is none or they were deactivated."""
    user = session.get(User, user_id, options=[joinedload(User.organisation)])
    return user if user is not None and user.is_active else None


def get_organisation_by_name(session: Session, name: str) -> Organisation | None:
    return session.scalars(sa.select(Organisation).where(Organisation.name == name)).one_or_none()


def add_organisation(session: Session, *, name: str) -> Organisation:
    """Add an organisation to the session (the calling service commits)."""
    organisation = Organisation(id=uuid.uuid4(), name=name)
    session.add(organisation)
    return organisation


def add_user(
    session: Session,
    *,
    organisation: Organisation,
    email: str,
    display_name: str,
    role: Role,
    password: str,
    is_active: bool = True,
) -> User:
    """Add a user with an argon2id hash of ``password`` (the calling service commits)."""
    user = User(
        id=uuid.uuid4(),
        organisation=organisation,
        email=normalise_email(email),
        display_name=display_name,
        role=role,
        password_hash=hash_password(password),
        is_active=is_active,
    )
    session.add(user)
    return user


def list_users(session: Session, actor: User) -> Sequence[User]:
    """The users of the actor's organisation, by email; administrators only."""
    if actor.role is not Role.ADMIN:
        raise Forbidden()
    return session.scalars(
        sa.select(User)
        .options(joinedload(User.organisation))
        .where(User.organisation_id == actor.organisation_id)
        .order_by(User.email)
    ).all()
