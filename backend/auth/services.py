"""Signing in and out, and changing one's password: checks, lockout and the audit trail."""

from __future__ import annotations

from sqlalchemy.orm import Session

from backend.audit.services import record
from backend.auth.access import Actor
from backend.auth.limits import Lockout
from backend.auth.passwords import (
    burn_verification_time,
    check_new_password,
    hash_password,
    needs_rehash,
    verify_password,
)
from backend.errors import AccountLocked, InvalidCredentials, ValidationFailed
from backend.users.models import User
from backend.users.services import get_user_by_email, normalise_email


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


def login(
    session: Session, *, email: str, password: str, lockout: Lockout, ip: str | None = None
) -> User:
    """Sign in: lockout check, password check, audit entry (success or failure).

    A locked address answers ``ACCOUNT_LOCKED`` (429) without looking at the password, also for
    the right one; the failure that reaches the threshold answers it already.
    """
    address = normalise_email(email)
    try:
        lockout.check(address)
    except AccountLocked:
        _record_failure(session, address, reason="locked", ip=ip)
        raise
    try:
        user = authenticate(session, email=address, password=password)
    except InvalidCredentials:
        locked = lockout.failed(address)
        _record_failure(session, address, reason="locked_now" if locked else "credentials", ip=ip)
        if locked:
            lockout.check(address)
        raise
    lockout.succeeded(address)
    record(
        session,
        actor=Actor(user),
        action="auth.login",
        object_type="user",
        object_id=user.id,
        ip=ip,
    )
    session.commit()
    return user


def _record_failure(session: Session, address: str, *, reason: str, ip: str | None) -> None:
    # Attributed to the account when there is one, so its organisation's admins see it; the
    # address is kept because an unknown one is what a guesser tries.
    user = get_user_by_email(session, address)
    record(
        session,
        actor=None,
        action="auth.login_failed",
        object_type="user",
        object_id=user.id if user is not None else None,
        organisation_id=user.organisation_id if user is not None else None,
        details={"email": address, "reason": reason},
        ip=ip,
    )
    session.commit()


def logout(session: Session, actor: Actor | None, *, ip: str | None = None) -> None:
    """Record the end of a cookie session (the route clears the cookie)."""
    if actor is None:
        return
    record(
        session,
        actor=actor,
        action="auth.logout",
        object_type="user",
        object_id=actor.user.id,
        ip=ip,
    )
    session.commit()


def change_password(
    session: Session,
    actor: Actor,
    *,
    current_password: str,
    new_password: str,
    ip: str | None = None,
) -> None:
    """Change the actor's own password after checking the current one."""
    user = actor.user
    if not verify_password(user.password_hash, current_password):
        raise ValidationFailed(
            details={"current_password": ["当前密码不正确 / the current password is wrong"]}
        )
    check_new_password(new_password, email=user.email)
    if verify_password(user.password_hash, new_password):
        raise ValidationFailed(
            details={
                "new_password": ["新密码不能与当前密码相同 / must differ from the current one"]
            }
        )
    user.password_hash = hash_password(new_password)
    # Every other session of this user ends (session.py); the route renews the caller's own.
    user.session_epoch += 1
    record(
        session,
        actor=actor,
        action="user.password_changed",
        object_type="user",
        object_id=user.id,
        ip=ip,
    )
    session.commit()
