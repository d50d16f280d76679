"""Failed sign-ins, counted in the database (shared by every worker) so that guessing is slow
and nobody can use the lockout to keep an account's owner out.

Before: five wrong passwords from anywhere locked an account for 15 minutes, again and again,
so anyone could keep anyone (an administrator included) out; and each worker process counted
on its own, so three workers checked twelve passwords instead of five (issue 9 B4, B5). Now
three counters work together (``SignInThrottle`` rows):

* **account + address** (``pair``): five wrong passwords for one account from one address lock
  that account *from that address* for 15 minutes (429 ``ACCOUNT_LOCKED``). The attempt is
  reserved atomically *before* the password is checked, so however many workers and requests
  race, at most five passwords are checked per window. The owner, from their own address, is
  not locked out by someone else's failures.
* **address** (any account): 30 failures from one address in 15 minutes block sign-in from it
  for 15 minutes (429 ``TOO_MANY_REQUESTS``): one machine spraying passwords over many accounts.
* **account** (any address): when an account collects 20 failures in 15 minutes from several
  addresses (a distributed attack), addresses it has not signed in from in the last 30 days
  get one password check per 30 seconds between them (429 ``SIGN_IN_THROTTLED`` with
  Retry-After), for as long as the failures go on and one quiet window after: the attack is
  slowed to 120 guesses an hour, and the owner is not denied — from a known address not at
  all, from a new one after a short wait.

Administrators can clear an account's counters (``unlock``). Accounts and addresses are stored
as HMAC-SHA256 keyed by the app's secret, not as text; unknown emails are counted like real
accounts, so a lockout reveals nothing. Times are Unix seconds from ``time.time()``.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from backend.auth.models import SignInThrottle
from backend.errors import AccountLocked, ApiError, SignInThrottled, TooManyRequests
from backend.unit_of_work import commit_early

#: Failures from one address, over all accounts, that block the address.
ADDRESS_THRESHOLD: Final = 30
#: Failures of one account, from all addresses, that start the slow-down for unknown addresses.
ACCOUNT_THRESHOLD: Final = 20
#: Seconds between password checks of an account under attack, from addresses it does not know.
SLOW_SECONDS: Final = 30
#: An address the account signed in from within this many seconds is known (not slowed).
KNOWN_SECONDS: Final = 30 * 24 * 3600
#: Counters not touched for this long are deleted (at sign-ins: ``prune``).
STALE_SECONDS: Final = KNOWN_SECONDS + 24 * 3600

PAIR, ADDRESS, ACCOUNT, KNOWN = "pair", "address", "account", "known"

T = SignInThrottle


@dataclass(frozen=True, slots=True)
class Attempt:
    """A sign-in attempt admitted to a password check: what to count when it ends."""

    account: str
    address: str
    #: This attempt's number in the account + address window (at most the threshold).
    number: int
    known: bool


class Throttle:
    """The three counters of one app (threshold and lock time from its settings)."""

    def __init__(self, secret: str, *, threshold: int, lock_seconds: int) -> None:
        self._key = hmac.new(secret.encode("utf-8"), b"sign-in-throttle", hashlib.sha256).digest()
        self.threshold = threshold
        self.lock_seconds = lock_seconds

    def _digest(self, kind: str, value: str) -> str:
        return hmac.new(self._key, f"{kind}\0{value}".encode(), hashlib.sha256).hexdigest()

    def account_of(self, email: str) -> str:
        return self._digest("account", email.strip().lower())

    def address_of(self, ip: str | None) -> str:
        return self._digest("address", ip or "")

    # ------------------------------------------------------------------- one attempt

    def admit(self, session: Session, *, email: str, ip: str | None) -> Attempt:
        """Let an attempt through to the password check, or raise (429) and count nothing.

        Commits: the reservation must be visible to every other worker before the password is
        checked.
        """
        now = int(time.time())
        account, address = self.account_of(email), self.address_of(ip)
        try:
            attempt = self._admit(session, account, address, now)
        except ApiError:
            commit_early(session)  # a lock set on the way is kept
            raise
        commit_early(session)
        return attempt

    def _admit(self, session: Session, account: str, address: str, now: int) -> Attempt:
        blocked = self._row(session, ADDRESS, "", address)
        if blocked is not None and blocked.locked_until > now:
            wait = blocked.locked_until - now
            raise TooManyRequests(
                details={"retry_after_seconds": wait, "reason": "failed_sign_ins_from_address"},
                headers={"Retry-After": str(wait)},
            )
        known = self._is_known(session, account, address, now)
        if not known:
            self._pass_slow_gate(session, account, now)
        number, locked_until = self._reserve(session, account, address, now)
        if locked_until > now or number > self.threshold:
            # Locked, or other requests took the last attempts of the window meanwhile.
            until = (
                locked_until if locked_until > now else self._lock(session, account, address, now)
            )
            raise AccountLocked(
                details={"retry_after_seconds": until - now},
                headers={"Retry-After": str(until - now)},
            )
        return Attempt(account=account, address=address, number=number, known=known)

    def failed(self, session: Session, attempt: Attempt) -> int | None:
        """Count a wrong password; the lock's end (Unix time) when this failure locked the
        account for this address, else None. The caller commits."""
        now = int(time.time())
        for scope, account, address in (
            (ADDRESS, "", attempt.address),
            (ACCOUNT, attempt.account, ""),
        ):
            count = self._count(session, scope, account, address, now)
            if scope == ADDRESS and count >= ADDRESS_THRESHOLD:
                self._lock(session, "", attempt.address, now, scope=ADDRESS)
        if attempt.number >= self.threshold:
            return self._lock(session, attempt.account, attempt.address, now)
        return None

    def succeeded(self, session: Session, attempt: Attempt) -> None:
        """The right password: the account + address run ends, the address becomes known.

        The address and account counters stay: a guesser who owns one account must not reset
        them by signing in to it between guesses. The caller commits.
        """
        now = int(time.time())
        session.execute(
            sa.delete(T).where(
                T.scope == PAIR, T.account == attempt.account, T.address == attempt.address
            )
        )
        self._upsert(session, KNOWN, attempt.account, attempt.address, now, {"updated": now})

    # ------------------------------------------------------------------- administration

    def unlock(self, session: Session, email: str) -> int:
        """Clear the account's locks and slow-down (an administrator's decision); rows cleared.

        Known addresses stay known. The caller commits.
        """
        account = self.account_of(email)
        result = session.execute(
            sa.delete(T).where(T.account == account, T.scope.in_([PAIR, ACCOUNT]))
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def locked_until(self, session: Session, email: str) -> int | None:
        """The latest end (Unix time) of a lock of the account from some address, if any."""
        now = int(time.time())
        until = session.scalar(
            sa.select(sa.func.max(T.locked_until)).where(
                T.scope == PAIR, T.account == self.account_of(email), T.locked_until > now
            )
        )
        return int(until) if until else None

    def prune(self, session: Session) -> int:
        """Delete counters not touched for ``STALE_SECONDS``; how many. The caller commits."""
        cutoff = int(time.time()) - STALE_SECONDS
        result = session.execute(sa.delete(T).where(T.updated < cutoff))
        return int(result.rowcount)  # type: ignore[attr-defined]

    # ------------------------------------------------------------------- the counters

    def _row(self, session: Session, scope: str, account: str, address: str) -> T | None:
        return session.scalars(
            sa.select(T)
            .where(T.scope == scope, T.account == account, T.address == address)
            .execution_options(populate_existing=True)
        ).one_or_none()

    def _is_known(self, session: Session, account: str, address: str, now: int) -> bool:
        row = self._row(session, KNOWN, account, address)
        return row is not None and row.updated > now - KNOWN_SECONDS

    def _pass_slow_gate(self, session: Session, account: str, now: int) -> None:
        """Under a distributed attack, take the account's one slot per ``SLOW_SECONDS``."""
        row = self._row(session, ACCOUNT, account, "")
        # Under attack: the threshold reached in this window or the one before (see _count).
        if (
            row is None
            or row.count < ACCOUNT_THRESHOLD
            or row.window_start <= now - 2 * self.lock_seconds
        ):
            return
        taken = session.execute(
            sa.update(T)
            .where(
                T.scope == ACCOUNT,
                T.account == account,
                T.address == "",
                T.locked_until <= now,
            )
            .values(locked_until=now + SLOW_SECONDS, updated=now)
            .returning(T.locked_until)
        ).first()
        if taken is None:
            current = self._row(session, ACCOUNT, account, "")
            wait = max(1, (current.locked_until if current else now + SLOW_SECONDS) - now)
            raise SignInThrottled(
                details={"retry_after_seconds": wait}, headers={"Retry-After": str(wait)}
            )

    def _reserve(self, session: Session, account: str, address: str, now: int) -> tuple[int, int]:
        """Count this attempt in the account + address window, atomically: (number, lock end)."""
        locked = T.locked_until > now
        expired = T.window_start <= now - self.lock_seconds
        row = self._upsert(
            session,
            PAIR,
            account,
            address,
            now,
            {
                "count": sa.case((locked, T.count), (expired, 1), else_=T.count + 1),
                "window_start": sa.case(
                    (locked, T.window_start), (expired, now), else_=T.window_start
                ),
                "locked_until": sa.case((locked, T.locked_until), else_=0),
                "updated": now,
            },
        )
        return int(row.count), int(row.locked_until)

    def _count(self, session: Session, scope: str, account: str, address: str, now: int) -> int:
        """Count a failure in the scope's window; a new window starts after ``lock_seconds``.

        An account still under attack when its window ends starts the next one at the
        threshold, so the slow-down lasts as long as the failures go on (no free burst of
        guesses at each window's start), and ends one quiet window after they stop.
        """
        expired = T.window_start <= now - self.lock_seconds
        fresh: Any = 1
        if scope == ACCOUNT:
            attacked = sa.and_(
                T.count >= ACCOUNT_THRESHOLD, T.window_start > now - 2 * self.lock_seconds
            )
            fresh = sa.case((attacked, ACCOUNT_THRESHOLD), else_=1)
        row = self._upsert(
            session,
            scope,
            account,
            address,
            now,
            {
                "count": sa.case((expired, fresh), else_=T.count + 1),
                "window_start": sa.case((expired, now), else_=T.window_start),
                "updated": now,
            },
        )
        return int(row.count)

    def _lock(
        self, session: Session, account: str, address: str, now: int, *, scope: str = PAIR
    ) -> int:
        until = now + self.lock_seconds
        session.execute(
            sa.update(T)
            .where(T.scope == scope, T.account == account, T.address == address)
            .where(T.locked_until < until)
            .values(locked_until=until, updated=now)
        )
        return until

    def _upsert(
        self,
        session: Session,
        scope: str,
        account: str,
        address: str,
        now: int,
        on_conflict: dict[str, Any],
    ) -> Any:
        """INSERT a fresh counter, or apply ``on_conflict`` to the existing one; the row after.

        One statement (``INSERT … ON CONFLICT DO UPDATE … RETURNING``), so concurrent attempts
        in other workers are serialised by the database, on PostgreSQL and SQLite alike.
        """
        values = {
            "scope": scope,
            "account": account,
            "address": address,
            "count": 1,
            "window_start": now,
            "locked_until": 0,
            "updated": now,
        }
        keys = [T.scope, T.account, T.address]
        statement: Any
        if session.get_bind().dialect.name == "postgresql":
            statement = postgresql.insert(T).values(values)
        else:
            statement = sqlite.insert(T).values(values)
        statement = statement.on_conflict_do_update(index_elements=keys, set_=on_conflict)
        statement = statement.returning(T.count, T.locked_until)
        return session.execute(statement).one()
