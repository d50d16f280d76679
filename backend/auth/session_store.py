"""Server-side cookie sessions: made at sign-in, looked up on each request, ended for good.

The cookie (Flask's signed cookie) carries only a random token; ``user_sessions`` keeps its
SHA-256, who it signs in, until when, and whether it was ended. So a cookie copied before a
sign-out is dead after it, a user deactivated and reactivated does not get old cookies back,
and a password change ends the user's other sessions (issue 9 B3). Functions take the database
session; the caller commits (except ``touch``, which writes on its own: see there).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from backend.auth.models import UserSession
from backend.db import utcnow
from backend.unit_of_work import commit_early
from backend.users.models import User

#: ``last_seen_at`` is written at most this often per session (a write per request is waste).
SEEN_RESOLUTION: Final = timedelta(minutes=5)
#: Ended and expired sessions are kept this long (the user may ask where they were signed in).
KEEP_ENDED: Final = timedelta(days=30)
#: Why a session ended (``revoked_reason``).
LOGOUT: Final = "logout"
DEACTIVATED: Final = "deactivated"
PASSWORD_CHANGED: Final = "password_changed"  # noqa: S105 - a reason, not a password
ENDED_BY_USER: Final = "ended_by_user"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create(
    session: Session,
    user: User,
    *,
    lifetime: timedelta,
    user_agent: str | None,
    ip: str | None,
) -> tuple[UserSession, str]:
    """A new session for ``user`` and its token (for the cookie; only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = UserSession(
        id=uuid.uuid4(),
        user_id=user.id,
        token_hash=hash_token(token),
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
        user_agent=user_agent or None,
        ip=ip,
    )
    session.add(row)
    return row, token


def find(session: Session, token: str) -> UserSession | None:
    """The live session of ``token``: not ended, not expired (``user_of`` checks the user)."""
    row = session.scalars(
        sa.select(UserSession).where(UserSession.token_hash == hash_token(token))
    ).one_or_none()
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    return row


def user_of(session: Session, row: UserSession) -> User | None:
    """The session's user with their organisation, or None when deactivated."""
    user = session.get(User, row.user_id, options=[joinedload(User.organisation)])
    return user if user is not None and user.is_active else None


def touch(session: Session, row: UserSession) -> None:
    """Note that the session was used (at most every ``SEEN_RESOLUTION``), committed at once.

    Committed here because it happens while authenticating a request, before and whatever the
    request then does (as ``last_seen_at`` of devices, ``backend.auth.access``).
    """
    now = utcnow()
    if now - row.last_seen_at > SEEN_RESOLUTION:
        row.last_seen_at = now
        commit_early(session)


def end(session: Session, row: UserSession, reason: str) -> None:
    """End one session (nothing happens when it ended already)."""
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        row.revoked_reason = reason


def end_all(
    session: Session, user_id: uuid.UUID, reason: str, *, keep: uuid.UUID | None = None
) -> int:
    """End every live session of the user except ``keep``; how many were ended."""
    query = sa.update(UserSession).where(
        UserSession.user_id == user_id, UserSession.revoked_at.is_(None)
    )
    if keep is not None:
        query = query.where(UserSession.id != keep)
    result = session.execute(
        query.values(revoked_at=utcnow(), revoked_reason=reason),
        execution_options={"synchronize_session": "fetch"},
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def live(session: Session, user_id: uuid.UUID) -> Sequence[UserSession]:
    """The user's sessions that still sign someone in, most recently used first."""
    return session.scalars(
        sa.select(UserSession)
        .where(
            UserSession.user_id == user_id,
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > utcnow(),
        )
        .order_by(UserSession.last_seen_at.desc(), UserSession.id)
    ).all()


def prune(session: Session, now: datetime | None = None) -> int:
    """Delete sessions that expired more than ``KEEP_ENDED`` ago; how many."""
    cutoff = (now or utcnow()) - KEEP_ENDED
    result = session.execute(sa.delete(UserSession).where(UserSession.expires_at < cutoff))
    return int(result.rowcount)  # type: ignore[attr-defined]
