"""Rate limits (Flask-Limiter) on sign-in and password endpoints, and per-account lockout.

Storage: Redis when ``REDIS_URL`` is set (shared by every worker process), else in memory (one
process, a laptop). Should Redis stop answering, limits fall back to memory per process rather
than failing sign-ins (``RATELIMIT_IN_MEMORY_FALLBACK_ENABLED``).

Each app gets its own ``Limiter``: Flask-Limiter keeps its storage on the instance, so one
module-level instance shared by several apps (tests build several) would count every app's
requests in whichever storage was configured last. Views declare their limit with
``@rate_limit(setting)``; ``init_rate_limits`` wraps them with that app's limiter.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import flask
from flask import current_app
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_qualified_name, get_remote_address
from limits.storage import MemoryStorage, Storage

from backend.auth.access import current_actor
from backend.errors import AccountLocked, ErrorCode, error_response

logger = logging.getLogger(__name__)

EXTENSION = "fieldcert_rate_limits"

#: Defaults of the settings (Flask config keys; override them in the app config).
DEFAULTS: dict[str, Any] = {
    # Per client IP: a person mistyping a password needs a handful; a guesser needs thousands.
    "FIELDCERT_LOGIN_RATE_LIMIT": "10 per minute",
    # Per account: changing a password is rare, and it tests the current password.
    "FIELDCERT_PASSWORD_RATE_LIMIT": "5 per minute;20 per hour",
    #: Consecutive failed passwords for one address before it is locked ...
    "FIELDCERT_LOCKOUT_THRESHOLD": 5,
    #: ... for this many seconds (a guesser spread over many IPs gets 5 tries per 15 minutes).
    "FIELDCERT_LOCKOUT_SECONDS": 15 * 60,
    # A moving window: no double burst at a window boundary, as fixed windows allow.
    "RATELIMIT_STRATEGY": "moving-window",
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
}

_F = TypeVar("_F", bound=Callable[..., Any])


def client_ip() -> str:
    """The client address (through ProxyFix when FIELDCERT_TRUSTED_PROXIES is set)."""
    return get_remote_address()


def acting_user_key() -> str:
    """Limit per signed-in user (the route checked the actor already), else per address."""
    actor = current_actor()
    return f"user:{actor.user.id}" if actor is not None else f"ip:{client_ip()}"


@dataclass(frozen=True)
class _Declared:
    view: Callable[..., Any]
    setting: str
    key: Callable[[], str]


#: Views declared with @rate_limit, by qualified name: wrapped per app in init_rate_limits.
_declared: dict[str, _Declared] = {}


def rate_limit(setting: str, *, key: Callable[[], str] = client_ip) -> Callable[[_F], _F]:
    """Limit a view method to the rate in the Flask config key ``setting`` (e.g. "10 per minute").

    Put it right below ``@allow`` (above the flask-smorest decorators), so that limits count
    every attempt, also those with a body that does not validate. A request over the limit is
    answered 429 ``TOO_MANY_REQUESTS`` with ``Retry-After``.
    """

    def decorate(view: _F) -> _F:
        name = get_qualified_name(view)
        _declared[name] = _Declared(view=view, setting=setting, key=key)

        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            limited: Callable[..., Any] = current_app.extensions[EXTENSION].views[name]
            return limited(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def _breach_response(limit: RequestLimit) -> flask.Response:
    """The standard error shape, with Retry-After, for a request over a limit."""
    retry_after = max(1, math.ceil(limit.reset_at - time.time()))
    return error_response(
        ErrorCode.TOO_MANY_REQUESTS,
        429,
        details={"limit": str(limit.limit), "retry_after_seconds": retry_after},
        headers={"Retry-After": str(retry_after)},
    )


class Lockout:
    """Counts consecutive failed passwords per address and locks the address after too many.

    Counters live in the rate limiter's storage (Redis or memory), never in the database: no
    schema change, shared by all workers with Redis, and they expire by themselves. Keys hold a
    SHA-256 of the address, not the address. Unknown addresses are counted like known ones, so
    a lockout does not reveal whether an account exists.
    """

    def __init__(self, storage: Storage, *, prefix: str, threshold: int, seconds: int) -> None:
        self._storage = storage
        #: Used while the configured storage does not answer (per process, better than none).
        self._fallback = MemoryStorage()
        self._prefix = prefix
        self.threshold = threshold
        self.seconds = seconds

    def _keys(self, email: str) -> tuple[str, str]:
        digest = hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()
        return f"{self._prefix}lockout/failures/{digest}", f"{self._prefix}lockout/locked/{digest}"

    def _call(self, operation: Callable[[Storage], Any]) -> Any:
        try:
            return operation(self._storage)
        except self._storage.base_exceptions:
            logger.warning("lockout storage unreachable: counting in memory", exc_info=True)
            return operation(self._fallback)

    def retry_after(self, email: str) -> int | None:
        """Seconds until the address is unlocked, or None when it is not locked."""
        _, locked = self._keys(email)

        def read(storage: Storage) -> int | None:
            if storage.get(locked) <= 0:
                return None
            return max(1, math.ceil(storage.get_expiry(locked) - time.time()))

        result: int | None = self._call(read)
        return result

    def check(self, email: str) -> None:
        """Raise ``AccountLocked`` (429, Retry-After) while the address is locked."""
        retry_after = self.retry_after(email)
        if retry_after is not None:
            raise AccountLocked(
                details={"retry_after_seconds": retry_after},
                headers={"Retry-After": str(retry_after)},
            )

    def failed(self, email: str) -> bool:
        """Count a failed password; True when this failure locked the address."""
        failures, locked = self._keys(email)

        def count(storage: Storage) -> bool:
            if storage.incr(failures, self.seconds) < self.threshold:
                return False
            storage.incr(locked, self.seconds)
            storage.clear(failures)
            return True

        result: bool = self._call(count)
        return result

    def reset(self) -> None:
        """Forget every counter, of the storage and the fallback."""
        self._storage.reset()
        self._fallback.reset()

    def succeeded(self, email: str) -> None:
        """A correct password ends the run of failures."""
        failures, _ = self._keys(email)
        self._call(lambda storage: storage.clear(failures))


@dataclass
class RateLimits:
    """The app's limiter, its rate-limited views, and the lockout counters."""

    limiter: Limiter
    lockout: Lockout
    views: dict[str, Callable[..., Any]] = field(default_factory=dict)

    def reset(self) -> None:
        """Forget every counter (tests start each test from zero, like a fresh server)."""
        if self.limiter.enabled:
            self.limiter.reset()
        self.lockout.reset()


def init_rate_limits(app: flask.Flask) -> RateLimits:
    """Create the app's limiter (storage from REDIS_URL) and wrap the declared views."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    limiter = Limiter(key_func=client_ip, on_breach=_breach_response)
    limiter.init_app(app)
    # RATELIMIT_ENABLED=False turns the limits off; the lockout then counts in memory.
    storage = limiter.storage if limiter.enabled else MemoryStorage()
    limits = RateLimits(
        limiter=limiter,
        lockout=Lockout(
            storage,
            prefix=app.config.get("RATELIMIT_KEY_PREFIX", ""),
            threshold=int(app.config["FIELDCERT_LOCKOUT_THRESHOLD"]),
            seconds=int(app.config["FIELDCERT_LOCKOUT_SECONDS"]),
        ),
    )
    for name, declared in _declared.items():
        limits.views[name] = limiter.limit(app.config[declared.setting], key_func=declared.key)(
            declared.view
        )
    app.extensions[EXTENSION] = limits
    return limits


def current_limits() -> RateLimits:
    limits: RateLimits = current_app.extensions[EXTENSION]
    return limits
