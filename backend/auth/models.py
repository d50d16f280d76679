"""Server-side sign-in state: cookie sessions, and the counters of failed sign-ins.

Both live in the database so that every worker process sees the same state: a session ended in
one worker is ended in all, and five wrong passwords are five whichever workers checked them.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UtcDateTime, created_at, uuid_pk


class UserSession(Base):
    """A signed-in browser. The cookie carries a random token; the row keeps only its SHA-256.

    Ending a session is setting ``revoked_at``: the token then signs nobody in, whoever copied
    the cookie. Rows stay (the user sees where they are signed in) until a month after they
    expire; sign-ins delete those (``sessions.prune``).
    """

    __tablename__ = "user_sessions"

    id: Mapped[uuid_pk]
    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    #: SHA-256 (hex) of the cookie's token: a database leak gives no working cookie.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[created_at]
    #: Written at most every few minutes (``sessions.SEEN_RESOLUTION``).
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: The cookie's own lifetime (PERMANENT_SESSION_LIFETIME) from sign-in.
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: logout, deactivated, password_changed, ended_by_user.
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(32))
    #: What the browser said it was, and the address it signed in from: shown to the user.
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))
    ip: Mapped[str | None] = mapped_column(sa.String(45))


class SignInThrottle(Base):
    """One counter of failed sign-ins (``backend.auth.throttle``).

    ``scope`` says what is counted: ``pair`` (one account from one address), ``address`` (one
    address, any account), ``account`` (one account, any address) or ``known`` (an address the
    account signed in from; ``updated`` is when). Accounts and addresses are HMACs keyed by the
    secret key, never the address or the email itself; unknown emails are counted the same way,
    so a lockout tells nothing about which accounts exist. Times are Unix seconds.
    """

    __tablename__ = "sign_in_throttles"

    scope: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    account: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    address: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    #: Attempts (``pair``: reserved before the password is checked) or failures in the window.
    count: Mapped[int] = mapped_column(sa.Integer, default=0)
    window_start: Mapped[int] = mapped_column(sa.BigInteger)
    #: Locked until then (``account``: the next attempt from an unknown address), 0 if not.
    locked_until: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    updated: Mapped[int] = mapped_column(sa.BigInteger, index=True)
