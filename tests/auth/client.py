"""A test client that sends the CSRF token like the PWA does."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from werkzeug.datastructures import Headers
from werkzeug.test import TestResponse

from backend.auth.csrf import CSRF_HEADER, UNSAFE_METHODS


class CsrfClient(FlaskClient):
    """Adds ``X-CSRF-Token`` to every unsafe request, fetched from ``GET /api/auth/csrf``.

    Like the PWA, it asks the server for the session's token before each write, so tests that
    sign in and write need not know about CSRF. A request that names the header itself (also
    empty), or authenticates with ``Authorization`` (device token), is sent unchanged. Tests of
    the CSRF check itself use a plain ``FlaskClient``.
    """

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        method = str(kwargs.get("method", "GET")).upper()
        if method in UNSAFE_METHODS and args and isinstance(args[0], str):
            headers = Headers(kwargs.get("headers") or {})
            if CSRF_HEADER not in headers and "Authorization" not in headers:
                token = self._csrf_token(kwargs.get("base_url"))
                headers[CSRF_HEADER] = token
                kwargs["headers"] = headers
        return super().open(*args, **kwargs)

    def _csrf_token(self, base_url: str | None) -> str:
        extra = {"base_url": base_url} if base_url else {}
        response = super().open("/api/auth/csrf", method="GET", **extra)
        assert response.status_code == 200, response.get_data(as_text=True)
        token: str = response.get_json()["csrf_token"]
        return token
