"""Signing in and out, changing one's password, and what a user is told about failed sign-ins:
the throttle (``throttle``), server-side sessions (``session_store``) and the audit trail."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend import textguard
from backend.audit.models import AuditEntry
from backend.audit.services import record
from backend.auth import session_store
from backend.auth.actor import Actor
from backend.auth.models import UserSession
from backend.auth.passwords import (
    burn_verification_time,
    check_new_password,
    hash_password,
    needs_rehash,
    verify_password,
)
from backend.auth.throttle import Throttle
from backend.db import utcnow
from backend.errors import (
    AccountLocked,
    Forbidden,
    InvalidCredentials,
    NotFound,
    SignInThrottled,
    TooManyRequests,
    ValidationFailed,
)
from backend.i18n import Language
from backend.unit_of_work import commit_early, flush_as_stored
from backend.users.models import Role, User
from backend.users.services import get_user_by_email, normalise_email

#: Failed sign-ins reported to the user reach back at most this far.
ACTIVITY_WINDOW = timedelta(days=30)
#: ``auth.login_failed`` reasons: a password was checked and was wrong ...
_WRONG_PASSWORD = ("credentials", "locked_now")
#: ... or the account was locked or slowed down for some address.
_LOCKED = ("locked_now", "locked", "throttled")
#: The audit reason of each refusal before the password check.
_REFUSED = {AccountLocked: "locked", SignInThrottled: "throttled", TooManyRequests: "address"}


@dataclass(frozen=True, slots=True)
class SignInActivity:
    """Failed sign-ins of an account since its previous sign-in (at most ``ACTIVITY_WINDOW``)."""

    #: The previous sign-in, or the start of the window when there was none in it.
    since: datetime
    failed_attempts: int
    last_failed_at: datetime | None
    #: The account was locked or slowed down for some address meanwhile.
    locked: bool

    def message(self, language: Language) -> str | None:
        """What to tell the user, or None when there is nothing to tell."""
        if not self.failed_attempts and not self.locked:
            return None
        if language is Language.EN:
            text = (
                f"Since your previous sign-in there were {self.failed_attempts} sign-in "
                "attempts with a wrong password on your account"
                + (", and it was locked for a while" if self.locked else "")
                + ". If this was not you, change your password and tell an administrator."
            )
        else:
            text = (
                f"自您上次登录以来，您的账号有 {self.failed_attempts} 次密码错误的登录尝试"
                + ("，账号曾因此被暂时锁定" if self.locked else "")
                + "。如果不是您本人所为，请修改密码并告知管理员。"
            )
        return text


@dataclass(frozen=True, slots=True)
class SignedIn:
    """The answer to a sign-in: the user, the new session and its token (for the cookie)."""

    user: User
    user_session: UserSession
    token: str
    activity: SignInActivity


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
        flush_as_stored(session)
    return user


def login(
    session: Session,
    *,
    email: str,
    password: str,
    throttle: Throttle,
    lifetime: timedelta,
    ip: str | None = None,
    user_agent: str | None = None,
) -> SignedIn:
    """Sign in: throttle, password check, a new server-side session, audit entry.

    A locked account (for this address) answers ``ACCOUNT_LOCKED`` (429) without looking at
    the password, also for the right one; the failure that reaches the threshold answers it
    already. The throttle's other refusals: ``TOO_MANY_REQUESTS`` (this address failed too
    often), ``SIGN_IN_THROTTLED`` (the account is under attack from elsewhere).
    """
    address = normalise_email(email)
    try:
        attempt = throttle.admit(session, email=address, ip=ip)
    except (AccountLocked, SignInThrottled, TooManyRequests) as refused:
        _record_failure(session, address, reason=_REFUSED[type(refused)], ip=ip)
        raise
    try:
        user = authenticate(session, email=address, password=password)
    except InvalidCredentials:
        locked_until = throttle.failed(session, attempt)
        _record_failure(
            session, address, reason="locked_now" if locked_until else "credentials", ip=ip
        )
        if locked_until is not None:
            wait = max(1, locked_until - int(time.time()))
            raise AccountLocked(
                details={"retry_after_seconds": wait}, headers={"Retry-After": str(wait)}
            ) from None
        raise
    throttle.succeeded(session, attempt)
    # Housekeeping rides on sign-ins: counters and sessions nobody can use any more.
    throttle.prune(session)
    session_store.prune(session)
    row, token = session_store.create(
        session,
        user,
        lifetime=lifetime,
        user_agent=textguard.printable(user_agent or "", max_length=300),
        ip=ip,
    )
    record(
        session,
        actor=Actor(user),
        action="auth.login",
        object_type="user",
        object_id=user.id,
        details={"session_id": str(row.id)},
        ip=ip,
    )
    flush_as_stored(session)
    activity = sign_in_activity(session, user, before=row.created_at)
    return SignedIn(user=user, user_session=row, token=token, activity=activity)


def _record_failure(session: Session, address: str, *, reason: str, ip: str | None) -> None:
    # Attributed to the account when there is one, so its organisation's admins see it (and
    # the user is told at their next sign-in); the address is kept because an unknown one is
    # what a guesser tries.
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
    commit_early(session)


def sign_in_activity(session: Session, user: User, *, before: datetime) -> SignInActivity:
    """Failed sign-ins of ``user`` since their last sign-in before ``before`` (the start of the
    current session), up to now; from the audit log."""
    floor = utcnow() - ACTIVITY_WINDOW
    previous = session.scalar(
        sa.select(sa.func.max(AuditEntry.at)).where(
            AuditEntry.action == "auth.login",
            AuditEntry.object_id == str(user.id),
            AuditEntry.at < before,
        )
    )
    since = max(previous, floor) if previous is not None else floor
    failed = (
        AuditEntry.action == "auth.login_failed",
        AuditEntry.object_id == str(user.id),
        AuditEntry.at > since,
    )
    reason = AuditEntry.details["reason"].as_string()
    count, last = session.execute(
        sa.select(sa.func.count(AuditEntry.id), sa.func.max(AuditEntry.at)).where(
            *failed, reason.in_(_WRONG_PASSWORD)
        )
    ).one()
    locked = session.scalar(sa.select(AuditEntry.id).where(*failed, reason.in_(_LOCKED)).limit(1))
    return SignInActivity(
        since=since, failed_attempts=int(count), last_failed_at=last, locked=locked is not None
    )


def logout(
    session: Session,
    actor: Actor | None,
    *,
    session_id: uuid.UUID | None,
    ip: str | None = None,
) -> None:
    """End the cookie session on the server (the route clears the cookie) and record it."""
    if actor is None:
        return
    row = session.get(UserSession, session_id) if session_id is not None else None
    if row is not None:
        session_store.end(session, row, session_store.LOGOUT)
    record(
        session,
        actor=actor,
        action="auth.logout",
        object_type="user",
        object_id=actor.user.id,
        details={"session_id": str(session_id) if session_id else None},
        ip=ip,
    )
    flush_as_stored(session)


def change_password(
    session: Session,
    actor: Actor,
    *,
    current_password: str,
    new_password: str,
    keep_session: uuid.UUID | None,
    ip: str | None = None,
) -> None:
    """Change the actor's own password after checking the current one.

    Every other session of the user ends, and every paired device but the one making the
    change is revoked (its token was given to whoever held the old password's account; the
    phone pairs again and keeps its unsent records).
    """
    from backend.devices.services import revoke_all_devices

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
    ended = session_store.end_all(
        session, user.id, session_store.PASSWORD_CHANGED, keep=keep_session
    )
    keep_device = actor.device.id if actor.device is not None else None
    devices = revoke_all_devices(session, user.id, keep=keep_device)
    record(
        session,
        actor=actor,
        action="user.password_changed",
        object_type="user",
        object_id=user.id,
        details={"sessions_ended": ended, "devices_revoked": [str(d) for d in devices]},
        ip=ip,
    )
    flush_as_stored(session)


@dataclass(frozen=True, slots=True)
class SessionView:
    """One of my sessions as I see it: ``current`` when it is the one asking."""

    id: uuid.UUID
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    user_agent: str | None
    ip: str | None
    current: bool


def my_sessions(session: Session, actor: Actor, *, current: uuid.UUID | None) -> list[SessionView]:
    """The actor's live cookie sessions (browsers signed in), most recently used first."""
    return [
        SessionView(
            id=row.id,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            expires_at=row.expires_at,
            user_agent=row.user_agent,
            ip=row.ip,
            current=row.id == current,
        )
        for row in session_store.live(session, actor.user.id)
    ]


def end_my_session(
    session: Session, actor: Actor, session_id: uuid.UUID, *, ip: str | None = None
) -> None:
    """End one of my sessions (another browser, or this one)."""
    row = session.get(UserSession, session_id)
    if row is None or row.user_id != actor.user.id:
        raise NotFound()
    if row.revoked_at is not None:
        return
    session_store.end(session, row, session_store.ENDED_BY_USER)
    record(
        session,
        actor=actor,
        action="auth.session_ended",
        object_type="user_session",
        object_id=row.id,
        ip=ip,
    )
    flush_as_stored(session)


def unlock_sign_in(
    session: Session,
    actor: Actor,
    user_id: uuid.UUID,
    *,
    throttle: Throttle,
    ip: str | None = None,
) -> None:
    """Clear a user's sign-in locks and slow-down (administrators of their organisation)."""
    if actor.role is not Role.ADMIN:
        raise Forbidden(details={"role": actor.role.value, "allowed": [Role.ADMIN.value]})
    user = session.get(User, user_id)
    if user is None or user.organisation_id != actor.user.organisation_id:
        raise NotFound()
    locked_until = throttle.locked_until(session, user.email)
    cleared = throttle.unlock(session, user.email)
    record(
        session,
        actor=actor,
        action="user.sign_in_unlocked",
        object_type="user",
        object_id=user.id,
        details={"counters_cleared": cleared, "was_locked": locked_until is not None},
        ip=ip,
    )
    flush_as_stored(session)
