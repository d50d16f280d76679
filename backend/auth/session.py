"""Who is signed in: the user id in Flask's signed session cookie.

Routes use these helpers; services never do (they receive the acting user as an argument).
"""

from __future__ import annotations

import uuid

from flask import Flask, g, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface

from backend.errors import AuthRequired
from backend.extensions import db
from backend.users.models import User
from backend.users.services import get_active_user

#: The session key holding the signed-in user's id (the CSRF check looks for it too).
SESSION_USER_KEY = "user_id"
#: The session key holding the user's ``session_epoch`` at sign-in.
SESSION_EPOCH_KEY = "epoch"


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with ``Secure`` also set on requests that came by HTTPS.

    ``SESSION_COOKIE_SECURE`` forces it; otherwise a request that arrived over HTTPS (directly, or
    through a trusted proxy's X-Forwarded-Proto, see FIELDCERT_TRUSTED_PROXIES) gets it too.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)


def start_session(user: User) -> None:
    """Sign ``user`` in: a fresh session holding only their id.

    Clearing first drops the pre-session's CSRF token too: the caller issues a new one
    (``csrf.new_token``), so a token planted before sign-in is useless after it.
    """
    session.clear()
    session[SESSION_USER_KEY] = str(user.id)
    session[SESSION_EPOCH_KEY] = user.session_epoch
    session.permanent = True
    g.current_user = user
    # The actor may have been looked up (and cached) before signing in.
    g.pop("actor", None)


def keep_session_after_password_change(user: User) -> None:
    """The caller's own cookie session survives its password change (the others end)."""
    if session.get(SESSION_USER_KEY) == str(user.id):
        session[SESSION_EPOCH_KEY] = user.session_epoch


def end_session() -> None:
    session.clear()
    g.current_user = None
    g.pop("actor", None)


def current_user() -> User | None:
    """The signed-in, still active user of this request, or None."""
    if "current_user" not in g:
        g.current_user = _load_user()
    user: User | None = g.current_user
    return user


def require_user() -> User:
    """The signed-in user; raises ``AuthRequired`` (401) when nobody is."""
    user = current_user()
    if user is None:
        raise AuthRequired()
    return user


def _load_user() -> User | None:
    raw = session.get(SESSION_USER_KEY)
    if not isinstance(raw, str):
        return None
    try:
        user_id = uuid.UUID(raw)
    except ValueError:
        return None
    user = get_active_user(db.session(), user_id)
    if user is None or session.get(SESSION_EPOCH_KEY) != user.session_epoch:
        # Deleted or deactivated since signing in, or the password changed since (in another
        # browser): forget the stale session.
        session.clear()
        return None
    return user
