"""flask-smorest, wired to the API's one error shape.

flask-smorest's own error handler answers ``{"code": 422, "status": ..., "errors": ...}``; here
the Api registers ours instead, the OpenAPI document describes ``ErrorSchema``, and the request
parser raises our errors for bodies that are not JSON or do not validate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NoReturn

import apispec
import flask
import flask_smorest
import marshmallow as ma
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from backend.errors import ErrorSchema, MalformedJson, ValidationFailed, register_error_handlers


class JsonParser(FlaskParser):
    """webargs' Flask parser, raising ``MALFORMED_JSON`` and ``VALIDATION_ERROR``."""

    def _raw_load_json(self, req: flask.Request) -> Any:
        # Reading the body is where Werkzeug enforces MAX_CONTENT_LENGTH (413).
        body = req.get_data(cache=True)
        if not body:
            # No body at all: the schema reports each missing required field (422).
            return core.missing
        if not is_json_request(req):
            raise MalformedJson(details={"content_type": req.mimetype or None})
        return core.parse_json(body)

    def _handle_invalid_json_error(
        self, error: Exception, req: flask.Request, *args: Any, **kwargs: Any
    ) -> NoReturn:
        raise MalformedJson() from error

    def handle_error(
        self,
        error: ma.ValidationError,
        req: flask.Request,
        schema: ma.Schema,
        *,
        error_status_code: int | None,
        error_headers: Any,
    ) -> NoReturn:
        messages = error.messages
        # webargs files messages under the location ({"json": {...}}); with one location, the
        # client needs only the field -> messages mapping.
        if isinstance(messages, dict) and len(messages) == 1:
            (inner,) = messages.values()
            if isinstance(inner, dict):
                messages = inner
        details = messages if isinstance(messages, dict) else {"_schema": messages}
        raise ValidationFailed(details=details) from error


class Blueprint(flask_smorest.Blueprint):
    """One per resource; parses arguments with ``JsonParser``."""

    ARGUMENTS_PARSER = JsonParser()

    def errors(
        self, descriptions: Mapping[int, str], *statuses: int
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Document a view's error answers (all in the one error shape) from a status table."""

        def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
            for status in statuses:
                document = self.alt_response(
                    status, schema=ErrorSchema, description=descriptions[status]
                )
                fn = document(fn)
            return fn

        return decorate


#: Methods whose cookie-authenticated calls need the CSRF header (backend/auth/csrf.py).
_WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})


class SecuritySchemesPlugin(apispec.BasePlugin):
    """Document every way to authenticate an operation that routes mark with ``session``.

    Routes say ``security=[{"session": []}]``; what the API really accepts is the session cookie
    (with the ``X-CSRF-Token`` header on writes) *or* a paired device's bearer token
    (``backend.auth.access``). Writing that out on every route would be easy to get wrong.
    """

    def operation_helper(
        self, path: str | None = None, operations: dict[str, Any] | None = None, **_: Any
    ) -> None:
        for method, operation in (operations or {}).items():
            if operation.get("security") != [{"session": []}]:
                continue
            cookie: dict[str, list[str]] = (
                {"session": [], "csrf": []} if method in _WRITE_METHODS else {"session": []}
            )
            operation["security"] = [cookie, {"deviceToken": []}]


class Api(flask_smorest.Api):
    """The Api extension, documenting and rendering errors as ``ErrorSchema``."""

    ERROR_SCHEMA = ErrorSchema

    def __init__(self, app: flask.Flask) -> None:
        super().__init__(app, spec_kwargs={"extra_plugins": [SecuritySchemesPlugin()]})

    def _register_error_handlers(self) -> None:
        # Replaces flask-smorest's HTTPException handler, whose payload has another shape.
        register_error_handlers(self._app)


class Schema(ma.Schema):
    """Base for request and response schemas: unknown input fields are refused (422)."""

    class Meta:
        unknown = ma.RAISE


class DeviceClockHeadersSchema(ma.Schema):
    """``X-Device-Time``: the device's clock when it sent the request (docs/sync.md).

    With the server's receipt time it measures the device clock's error, ahead or behind,
    however long the record waited offline; the integrity checks report it (issue 3).
    """

    class Meta:
        # Every request also carries Host, User-Agent, Cookie...: only these fields are read.
        unknown = ma.EXCLUDE

    device_time = ma.fields.AwareDateTime(
        data_key="X-Device-Time",
        format="iso",
        metadata={
            "description": "The device's clock when it sent this request, ISO 8601 with "
            "offset or Z (new Date().toISOString())."
        },
    )


class SyncHeadersSchema(DeviceClockHeadersSchema):
    """``X-Device-Time``, and ``Prefer: return=minimal`` (RFC 7240 §4.2) for a short answer."""

    prefer = ma.fields.String(
        data_key="Prefer",
        metadata={
            "description": "`return=minimal`: answer only what the phone keeps (id, status, "
            "version, content.number, content.content_hash); the answer then carries "
            "`Preference-Applied: return=minimal`."
        },
    )


def prefers_minimal(prefer: str | None) -> bool:
    """Whether a ``Prefer`` header asks for ``return=minimal`` (RFC 7240 §2: tokens and values
    compare case-insensitively; preferences are comma-separated, parameters follow a ``;``)."""
    for preference in (prefer or "").split(","):
        token, _, value = preference.split(";", 1)[0].partition("=")
        if token.strip().lower() == "return" and value.strip().strip('"').lower() == "minimal":
            return True
    return False


#: The header that says the short answer was given (RFC 7240 §3).
MINIMAL_APPLIED = {"Preference-Applied": "return=minimal"}
