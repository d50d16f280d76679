"""CSRF protection for writes authenticated by the session cookie.

The PWA signs in with an HttpOnly, SameSite=Lax cookie. SameSite=Lax already keeps the cookie off
cross-site POSTs in current browsers, but not in every browser the field uses (old Android
WebViews, some in-app browsers), and not for requests from a same-site but different origin.
So every unsafe request (POST, PUT, PATCH, DELETE) to ``/api/`` that the session cookie
authenticates must also carry the session's token in the ``X-CSRF-Token`` header: a page on
another origin cannot read the token (no CORS) and cannot send a custom header without a
preflight the server never approves.

Requests authenticated by a device token (``Authorization: Bearer fcd_…``) are exempt: a
browser never attaches that header by itself, so another site cannot borrow it.

**Login CSRF** (an attacker's page signing the victim in to the attacker's account, so the
victim's field data lands there) is refused the same way: ``POST /api/auth/login`` needs the
token of the pre-session that ``GET /api/auth/csrf`` starts. We chose this over an Origin-header
check because it does not depend on the Host/Origin seen through proxies (ProxyFix is optional)
nor on browsers sending Origin on same-origin POSTs, and it is the same rule as every other write.
"""

from __future__ import annotations

import hmac
import secrets

from flask import request, session

from backend.auth.access import uses_device_token
from backend.auth.session import SESSION_TOKEN_KEY
from backend.errors import CsrfFailed

#: The header the PWA sends the token in.
CSRF_HEADER = "X-CSRF-Token"
#: Where the token lives in the (signed) session cookie.
CSRF_SESSION_KEY = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Endpoints that need a token even without a signed-in user (login CSRF, see above).
PRE_SESSION_ENDPOINTS = frozenset({"auth.Login"})


def new_token() -> str:
    """A fresh token stored in the session (a new session gets a new token: see start_session)."""
    token = secrets.token_urlsafe(32)
    session[CSRF_SESSION_KEY] = token
    return token


def session_token() -> str:
    """The token of this session, created on first use."""
    token = session.get(CSRF_SESSION_KEY)
    if isinstance(token, str) and token:
        return token
    return new_token()


def protect() -> None:
    """``before_request``: refuse an unsafe cookie-authenticated API request without the token."""
    if request.method not in UNSAFE_METHODS or not request.path.startswith("/api/"):
        return
    if uses_device_token():
        return
    if SESSION_TOKEN_KEY not in session and request.endpoint not in PRE_SESSION_ENDPOINTS:
        # Nobody is signed in by cookie: the request carries no authority another site could
        # borrow; the endpoint itself answers 401 if it needs someone.
        return
    expected = session.get(CSRF_SESSION_KEY)
    sent = request.headers.get(CSRF_HEADER, "")
    if not isinstance(expected, str) or not expected or not sent:
        raise CsrfFailed(details={"header": CSRF_HEADER, "reason": "missing"})
    if not hmac.compare_digest(expected.encode("utf-8"), sent.encode("utf-8")):
        raise CsrfFailed(details={"header": CSRF_HEADER, "reason": "mismatch"})
