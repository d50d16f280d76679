"""Who is acting, and the role check every endpoint makes.

A request acts as a user signed in by session cookie (the PWA) or as a paired field device
(``Authorization: Bearer <device token>``). Routes call ``require_actor(...)`` with the roles
allowed; services receive the ``Actor`` and apply the finer rules (own records only, team
membership, reviewer independence).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from flask import g, request

from backend.auth import device_cache
from backend.auth.actor import Actor
from backend.auth.session import current_user
from backend.devices.tokens import DEVICE_TOKEN_PREFIX, hash_device_token
from backend.errors import AuthRequired, DeviceRevoked, Forbidden
from backend.extensions import db
from backend.unit_of_work import commit_early
from backend.users.models import Role

#: Actor is re-exported for the modules that still import it from here (the records live in
#: backend.auth.actor and backend.devices.tokens).
__all__ = ["DEVICE_TOKEN_PREFIX", "EVERY_ROLE", "Actor", "allow", "current_actor", "require_actor"]

#: last_seen_at is written at most this often per device (a write per request would be waste).
_SEEN_RESOLUTION = timedelta(minutes=5)


def _actor_from_bearer(header: str) -> Actor:
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(DEVICE_TOKEN_PREFIX):
        raise AuthRequired(details={"reason": "malformed Authorization header"})
    session = db.session()
    # Device and user in one round trip, read afresh every time (revocation is immediate);
    # the records built from them are kept between requests (device_cache).
    found = device_cache.find(session, hash_device_token(token))
    if found is None:
        raise AuthRequired(details={"reason": "unknown device token"})
    device, user = found
    if device.revoked_at is not None:
        raise DeviceRevoked()
    if not user.is_active:
        raise AuthRequired(details={"reason": "the device's user is deactivated"})
    now = datetime.now(UTC)
    if device.last_seen_at is None or now - device.last_seen_at > _SEEN_RESOLUTION:
        device.last_seen_at = now
        commit_early(session)
    return Actor(user=user, device=device)


def current_actor() -> Actor | None:
    """The actor of this request (device token first, then session cookie), or None."""
    if "actor" in g:
        cached: Actor | None = g.actor
        return cached
    header = request.headers.get("Authorization")
    actor: Actor | None
    if header:
        actor = _actor_from_bearer(header)
    else:
        user = current_user()
        actor = Actor(user=user) if user is not None else None
    g.actor = actor
    return actor


def uses_device_token() -> bool:
    """True when the request authenticates with a device token (no cookie, so no CSRF risk)."""
    return bool(request.headers.get("Authorization"))


def require_actor(*roles: Role) -> Actor:
    """The acting user; 401 when nobody signed in, 403 when their role is not among ``roles``.

    With no roles given, any signed-in user passes.
    """
    actor = current_actor()
    if actor is None:
        raise AuthRequired()
    if roles and actor.role not in roles:
        raise Forbidden(details={"role": actor.role.value, "allowed": [r.value for r in roles]})
    return actor


#: Every role: for endpoints any signed-in user may call (each still filters what it returns).
EVERY_ROLE: frozenset[Role] = frozenset(Role)

_F = TypeVar("_F", bound=Callable[..., Any])


def allow(*roles: Role, public: bool = False) -> Callable[[_F], _F]:
    """Declare and enforce who may call an endpoint method (put it above the smorest decorators).

    ``@allow(Role.TEAM_LEADER, Role.AUDITOR)`` checks the role before the body is parsed (so an
    anonymous caller gets 401, not 422). ``@allow(*EVERY_ROLE)`` admits any signed-in user;
    ``@allow(public=True)`` admits anyone. The declaration is kept on the function as
    ``allowed_roles`` / ``public``: the permission-matrix test walks every endpoint of the OpenAPI
    document and checks each role against it, so an endpoint without ``@allow`` fails that test.
    """
    if public and roles:
        raise ValueError("a public endpoint lists no roles")
    if not public and not roles:
        raise ValueError("name the roles (EVERY_ROLE for any signed-in user) or public=True")

    def decorate(fn: _F) -> _F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not public:
                require_actor(*roles)
            return fn(*args, **kwargs)

        wrapper.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
        wrapper.public = public  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
