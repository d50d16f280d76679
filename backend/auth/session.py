"""Who is signed in: a server-side session (``session_store``) named by the session cookie.

Flask's signed cookie carries the session's random token (and the CSRF token); the session
itself lives in ``user_sessions``, so ending it there ends it for every copy of the cookie.
Routes use these helpers; services never do (they receive the acting user as an argument).
"""

from __future__ import annotations

import uuid

from flask import Flask, g, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface

from backend.auth import session_store
from backend.auth.models import UserSession
from backend.errors import AuthRequired
from backend.extensions import db
from backend.users.models import User

#: The cookie key holding the server-side session's token (the CSRF check looks for it too).
SESSION_TOKEN_KEY = "sid"  # noqa: S105 - the name of a cookie field, not a secret


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with ``Secure`` also set on requests that came by HTTPS.

    ``SESSION_COOKIE_SECURE`` forces it; otherwise a request that arrived over HTTPS (directly, or
    through a trusted proxy's X-Forwarded-Proto, see FIELDCERT_TRUSTED_PROXIES) gets it too.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)


def start_session(user: User, row: UserSession, token: str) -> None:
    """Put a new server-side session's token in the cookie (the service made the session).

    Clearing first drops the pre-session's CSRF token too: the caller issues a new one
    (``csrf.new_token``), so a token planted before sign-in is useless after it.
    """
    session.clear()
    session[SESSION_TOKEN_KEY] = token
    session.permanent = True
    g.current_user = user
    g.user_session = row
    # The actor may have been looked up (and cached) before signing in.
    g.pop("actor", None)


def end_session() -> None:
    """Forget the session in this browser (the service ended it on the server)."""
    session.clear()
    g.current_user = None
    g.user_session = None
    g.pop("actor", None)


def current_user() -> User | None:
    """The signed-in, still active user of this request, or None."""
    if "current_user" not in g:
        g.current_user = _load_user()
    user: User | None = g.current_user
    return user


def current_session_id() -> uuid.UUID | None:
    """The id of this request's live server-side session, or None (no cookie session)."""
    current_user()
    row: UserSession | None = g.get("user_session")
    return row.id if row is not None else None


def require_user() -> User:
    """The signed-in user; raises ``AuthRequired`` (401) when nobody is."""
    user = current_user()
    if user is None:
        raise AuthRequired()
    return user


def _load_user() -> User | None:
    g.user_session = None
    token = session.get(SESSION_TOKEN_KEY)
    if not isinstance(token, str) or not token:
        return None
    database = db.session()
    row = session_store.find(database, token)
    user = session_store.user_of(database, row) if row is not None else None
    if row is None or user is None:
        # Ended (signed out, password changed elsewhere, deactivated), expired, or forged:
        # forget it, so the browser stops sending it.
        session.clear()
        return None
    session_store.touch(database, row)
    g.user_session = row
    return user
