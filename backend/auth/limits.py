"""Rate limits (Flask-Limiter) on sign-in and password endpoints, and per-account lockout.

Storage: Redis when ``REDIS_URL`` is set (shared by every worker process), else in memory (one
process, a laptop; production refuses that unless ``FIELDCERT_ALLOW_LOCAL_LIMITS`` says so).
Should Redis stop answering, limits fall back to memory per process rather than failing
sign-ins (``RATELIMIT_IN_MEMORY_FALLBACK_ENABLED``). The lockout of accounts after failed
passwords is not a rate limit: it is counted in the database (``throttle``), so every worker
shares it with or without Redis.

Each app gets its own ``Limiter``: Flask-Limiter keeps its storage on the instance, so one
module-level instance shared by several apps (tests build several) would count every app's
requests in whichever storage was configured last. Views declare their limit with
``@rate_limit(setting)``; ``init_rate_limits`` wraps them with that app's limiter.
"""

from __future__ import annotations

import functools
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

from backend.auth.access import current_actor
from backend.auth.throttle import Throttle
from backend.config import ConfigError
from backend.errors import ErrorCode, error_response

logger = logging.getLogger(__name__)

EXTENSION = "fieldcert_rate_limits"

#: Defaults of the settings (Flask config keys; override them in the app config).
DEFAULTS: dict[str, Any] = {
    # Per client IP: a person mistyping a password needs a handful; a guesser needs thousands.
    "FIELDCERT_LOGIN_RATE_LIMIT": "10 per minute",
    # Per account: changing a password is rare, and it tests the current password.
    "FIELDCERT_PASSWORD_RATE_LIMIT": "5 per minute;20 per hour",
    #: Failed passwords for one account from one address before it is locked from there ...
    "FIELDCERT_LOCKOUT_THRESHOLD": 5,
    #: ... for this many seconds, also the window the failures are counted in (throttle.py).
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


@dataclass
class RateLimits:
    """The app's limiter, its rate-limited views, and the failed-sign-in counters."""

    limiter: Limiter
    #: Lockout and slow-down of sign-ins, counted in the database (``backend.auth.throttle``).
    throttle: Throttle
    views: dict[str, Callable[..., Any]] = field(default_factory=dict)

    def reset(self) -> None:
        """Forget the limiter's counters (tests start each test from zero, like a fresh
        server; the throttle's are rows of the test's rolled-back transaction)."""
        if self.limiter.enabled:
            self.limiter.reset()


def init_rate_limits(app: flask.Flask) -> RateLimits:
    """Create the app's limiter (storage from REDIS_URL) and wrap the declared views."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    _refuse_local_limits_in_production(app)
    limiter = Limiter(key_func=client_ip, on_breach=_breach_response)
    limiter.init_app(app)
    limits = RateLimits(
        limiter=limiter,
        throttle=Throttle(
            str(app.config["SECRET_KEY"]),
            threshold=int(app.config["FIELDCERT_LOCKOUT_THRESHOLD"]),
            lock_seconds=int(app.config["FIELDCERT_LOCKOUT_SECONDS"]),
        ),
    )
    for name, declared in _declared.items():
        limits.views[name] = limiter.limit(app.config[declared.setting], key_func=declared.key)(
            declared.view
        )
    app.extensions[EXTENSION] = limits
    return limits


def _refuse_local_limits_in_production(app: flask.Flask) -> None:
    """Production needs rate limits shared by its workers (Redis), unless told otherwise.

    In memory, each worker process counts on its own: with three workers the sign-in limit of
    10 a minute per address lets 30 through (issue 9 B4). ``FIELDCERT_ALLOW_LOCAL_LIMITS``
    accepts that knowingly (one worker process, or limits enforced by a proxy in front).
    """
    storage = str(app.config["RATELIMIT_STORAGE_URI"])
    if (
        app.config["FIELDCERT_ENV"] == "production"
        and storage.startswith("memory://")
        and app.config.get("RATELIMIT_ENABLED", True)
        and not app.config.get("FIELDCERT_ALLOW_LOCAL_LIMITS", False)
    ):
        raise ConfigError(
            "FIELDCERT_ENV=production counts rate limits in each worker's memory: set REDIS_URL "
            "so that every worker shares them, or FIELDCERT_ALLOW_LOCAL_LIMITS=true to accept "
            "per-process limits (a single worker, or limits enforced in front of the app)."
        )


def current_limits() -> RateLimits:
    limits: RateLimits = current_app.extensions[EXTENSION]
    return limits
