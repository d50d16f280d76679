"""One error hierarchy with stable machine codes, and the one renderer for every error.

Every error response of the API, whether raised by our code, by Werkzeug (404, 405, 413), by the
request parser (malformed JSON, validation) or by a bug (500), has the body
``{"code": ..., "message": ..., "details": {...}}``. Clients decide what to do from ``code``
(retry, drop, show a conflict), never from ``message``, which is for people and is translated.
The codes and their messages live in ``backend/error_codes.py`` and are re-exported here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, ClassVar

import marshmallow as ma
import sqlalchemy.exc
from flask import Flask, Response, current_app, jsonify
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Response as WerkzeugResponse

from backend.error_codes import MESSAGES as MESSAGES
from backend.error_codes import ErrorCode as ErrorCode
from backend.error_codes import Message as Message
from backend.i18n import request_language

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """An error the API answers with ``{"code", "message", "details"}``.

    Subclasses fix ``code`` and ``status``; ``message`` defaults to the catalogue entry in the
    request's language; ``details`` carries structured data for clients (field errors, limits).

    Each class with a code of its own declares ``data_fields``, the keys its ``details`` may
    carry (Zulip's ``JsonableError.data_fields``): a client that knows the code knows what to
    read. They are given as keyword arguments (``AccountLocked(retry_after_seconds=30)``) or in
    ``details``; ``tests/test_errors.py`` checks every place that raises one against the list.
    The generic codes (``GENERIC``: VALIDATION_ERROR's field → messages map, FORBIDDEN,
    NOT_FOUND, CONFLICT, BAD_REQUEST) carry free-form details for people: a case the app acts on
    gets its own class and code instead.
    """

    #: Defaults for the class; an instance may refine them (``ApiError(code=..., status=...)``).
    code: ErrorCode = ErrorCode.INTERNAL_ERROR
    status: HTTPStatus = HTTPStatus.INTERNAL_SERVER_ERROR
    #: The keys of ``details`` (see above); None for the generic codes' free-form details.
    data_fields: ClassVar[tuple[str, ...] | None] = None

    def __init__(
        self,
        message: str | None = None,
        details: Mapping[str, Any] | None = None,
        *,
        code: ErrorCode | None = None,
        status: HTTPStatus | None = None,
        headers: Mapping[str, str] | None = None,
        **data: Any,
    ) -> None:
        unknown = sorted(set(data) - set(self.data_fields or ()))
        if unknown:
            raise TypeError(f"{type(self).__name__} declares no data field {unknown}")
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.message = message
        self.details: dict[str, Any] = {**(details or {}), **data}
        #: Response headers the error asks for, e.g. ``Retry-After`` on a lockout (429).
        self.headers: dict[str, str] = dict(headers or {})
        super().__init__(f"{self.code}: {message or MESSAGES[self.code].en}")


class BadRequest(ApiError):
    code = ErrorCode.BAD_REQUEST
    status = HTTPStatus.BAD_REQUEST


class MalformedJson(ApiError):
    data_fields = ("content_type",)
    code = ErrorCode.MALFORMED_JSON
    status = HTTPStatus.BAD_REQUEST


class ValidationFailed(ApiError):
    """Input that parsed but is wrong; ``details`` maps each field to its messages."""

    code = ErrorCode.VALIDATION_ERROR
    status = HTTPStatus.UNPROCESSABLE_ENTITY


class AuthRequired(ApiError):
    data_fields = ("reason",)
    code = ErrorCode.AUTH_REQUIRED
    status = HTTPStatus.UNAUTHORIZED


class InvalidCredentials(ApiError):
    data_fields = ()
    code = ErrorCode.INVALID_CREDENTIALS
    status = HTTPStatus.UNAUTHORIZED


class Forbidden(ApiError):
    code = ErrorCode.FORBIDDEN
    status = HTTPStatus.FORBIDDEN


class NotFound(ApiError):
    code = ErrorCode.NOT_FOUND
    status = HTTPStatus.NOT_FOUND


class Conflict(ApiError):
    code = ErrorCode.CONFLICT
    status = HTTPStatus.CONFLICT


#: The generic codes: their details are free-form, for people (see ``ApiError``).
GENERIC: tuple[type[ApiError], ...] = (
    ApiError,
    BadRequest,
    ValidationFailed,
    Forbidden,
    NotFound,
    Conflict,
)


class PayloadTooLarge(ApiError):
    """A body over an endpoint's own limit; ``details["max_bytes"]`` gives the limit."""

    data_fields = ("max_bytes",)
    code = ErrorCode.PAYLOAD_TOO_LARGE
    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE


class DatabaseUnavailable(ApiError):
    data_fields = ("retry", "connection_lost")
    code = ErrorCode.DATABASE_UNAVAILABLE
    status = HTTPStatus.SERVICE_UNAVAILABLE


class PwaNotBuilt(ApiError):
    data_fields = ("pwa_dist",)
    code = ErrorCode.PWA_NOT_BUILT
    status = HTTPStatus.SERVICE_UNAVAILABLE


class PreconditionRequired(ApiError):
    """An edit without If-Match: offline replays must say which version they change."""

    data_fields = ()
    code = ErrorCode.PRECONDITION_REQUIRED
    status = HTTPStatus.PRECONDITION_REQUIRED


class PreconditionFailed(ApiError):
    """A stale edit: If-Match names a version that is no longer current."""

    data_fields = ("current_version", "etag")
    code = ErrorCode.PRECONDITION_FAILED
    status = HTTPStatus.PRECONDITION_FAILED


class IdempotencyConflict(ApiError):
    """A client id replayed with different content."""

    data_fields = (
        "id",
        "evaluation_id",
        "current_version",
        "response_id",
        "stored_sha256",
    )
    code = ErrorCode.IDEMPOTENCY_CONFLICT
    status = HTTPStatus.CONFLICT


class EvidenceHashMismatch(ApiError):
    data_fields = ("declared_sha256", "received_sha256", "size_bytes")
    code = ErrorCode.EVIDENCE_HASH_MISMATCH
    status = HTTPStatus.UNPROCESSABLE_ENTITY


class UnsupportedFileType(ApiError):
    data_fields = ("accepted",)
    code = ErrorCode.UNSUPPORTED_FILE_TYPE
    status = HTTPStatus.UNSUPPORTED_MEDIA_TYPE


class InvalidImage(ApiError):
    data_fields = ("reason", "media_type")
    code = ErrorCode.INVALID_IMAGE
    status = HTTPStatus.UNPROCESSABLE_ENTITY


class ImageTooLarge(ApiError):
    data_fields = (
        "reason",
        "width",
        "height",
        "max_pixels",
        "mode",
        "bytes_per_pixel",
        "estimated_bytes",
        "max_decode_bytes",
    )
    code = ErrorCode.IMAGE_TOO_LARGE
    status = HTTPStatus.UNPROCESSABLE_ENTITY


class ImageDecoderBusy(ApiError):
    """Every image decode slot of the process stayed busy: retry after ``Retry-After``."""

    data_fields = ("decode_slots", "retry_after_seconds")
    code = ErrorCode.IMAGE_DECODER_BUSY
    status = HTTPStatus.SERVICE_UNAVAILABLE


class InvalidTransition(ApiError):
    data_fields = (
        "reason",
        "status",
        "action",
        "allowed",
        "assignment_status",
        "engagement_status",
        "closes_at",
        "questions",
        "responses",
        "sites",
        # On-site records (backend/onsite): the record kind, the rater pair and its record.
        "kind",
        "pair",
        "record_id",
    )
    code = ErrorCode.INVALID_TRANSITION
    status = HTTPStatus.CONFLICT


class ConflictOfInterest(ApiError):
    data_fields = ("engagement_id",)
    code = ErrorCode.CONFLICT_OF_INTEREST
    status = HTTPStatus.FORBIDDEN


class CsrfFailed(ApiError):
    data_fields = ("reason", "header")
    code = ErrorCode.CSRF_FAILED
    status = HTTPStatus.FORBIDDEN


class AccountLocked(ApiError):
    data_fields = ("retry_after_seconds",)
    code = ErrorCode.ACCOUNT_LOCKED
    status = HTTPStatus.TOO_MANY_REQUESTS


class SignInThrottled(ApiError):
    """An account under a distributed guessing attack: one try per interval from new addresses."""

    data_fields = ("retry_after_seconds",)
    code = ErrorCode.SIGN_IN_THROTTLED
    status = HTTPStatus.TOO_MANY_REQUESTS


class TooManyRequests(ApiError):
    data_fields = ("reason", "retry_after_seconds")
    code = ErrorCode.TOO_MANY_REQUESTS
    status = HTTPStatus.TOO_MANY_REQUESTS


class DeviceRevoked(ApiError):
    data_fields = ()
    code = ErrorCode.DEVICE_REVOKED
    status = HTTPStatus.UNAUTHORIZED


class SchemeInvalid(ApiError):
    data_fields = ("problems", "scheme_version_id")
    code = ErrorCode.SCHEME_INVALID
    status = HTTPStatus.UNPROCESSABLE_ENTITY


class IncompleteBody(ApiError):
    """An upload cut off before its Content-Length: retry the same request later (400).

    ``details``: ``reason`` (``"incomplete_body"``, as before this code existed),
    ``content_length``, ``received_bytes``.
    """

    data_fields = ("reason", "content_length", "received_bytes")
    code = ErrorCode.INCOMPLETE_BODY
    status = HTTPStatus.BAD_REQUEST


class AssignmentAlreadyRecorded(ApiError):
    """One assignment, one evaluation: another evaluation id already records it (409).

    ``details``: ``reason`` (``"assignment_already_recorded"``), ``evaluation_id`` (the one that
    counts) and ``evaluation_status``. A phone that lost its own record adopts that id while it
    is still editable (draft, returned); otherwise another phone's visit counts (docs/sync.md).
    """

    data_fields = ("reason", "evaluation_id", "evaluation_status")
    code = ErrorCode.ASSIGNMENT_ALREADY_RECORDED
    status = HTTPStatus.CONFLICT


class MissingEvidence(ApiError):
    """An evaluation cites evidence the server does not have (yet): upload it, then replay (422).

    ``details``: ``missing_evidence`` (the ids) and ``evidence`` (a message per id, as the field
    errors of VALIDATION_ERROR read).
    """

    data_fields = ("missing_evidence", "evidence")
    code = ErrorCode.MISSING_EVIDENCE
    status = HTTPStatus.UNPROCESSABLE_ENTITY


class SurveyNotOpen(ApiError):
    data_fields = ("opens_at",)
    code = ErrorCode.SURVEY_NOT_OPEN
    status = HTTPStatus.CONFLICT


class SurveyClosed(ApiError):
    data_fields = ("closes_at",)
    code = ErrorCode.SURVEY_CLOSED
    status = HTTPStatus.GONE


class AlreadyAnswered(ApiError):
    data_fields = ()
    code = ErrorCode.ALREADY_ANSWERED
    status = HTTPStatus.CONFLICT


class OneTimeCodeInvalid(ApiError):
    data_fields = ("reason",)
    code = ErrorCode.ONE_TIME_CODE_INVALID
    status = HTTPStatus.FORBIDDEN


class ContactUnreadable(ApiError):
    """Stored contact data that the configured key cannot open: a state to fix, not a bug."""

    data_fields = ("response_id", "key_id")
    code = ErrorCode.CONTACT_UNREADABLE
    status = HTTPStatus.CONFLICT


class FileIncomplete(ApiError):
    """What the file of an engagement still lacks (``missing``: checklist keys) (CQC §6.1)."""

    data_fields = ("engagement_id", "missing")
    code = ErrorCode.FILE_INCOMPLETE
    status = HTTPStatus.CONFLICT


class ChecklistIncomplete(ApiError):
    """The checklist lines the reviewer did not confirm (``unconfirmed``)."""

    data_fields = ("unconfirmed",)
    code = ErrorCode.CHECKLIST_INCOMPLETE
    status = HTTPStatus.UNPROCESSABLE_ENTITY


class ReviewRequired(ApiError):
    data_fields = ("engagement_id", "conclusion")
    code = ErrorCode.REVIEW_REQUIRED
    status = HTTPStatus.CONFLICT


class AlreadyDecided(ApiError):
    data_fields = ("engagement_id", "approved")
    code = ErrorCode.ALREADY_DECIDED
    status = HTTPStatus.CONFLICT


class DecisionNotSupported(ApiError):
    """Approval asked where the scheme's decision rows (§5.3) give "not certified"."""

    data_fields = ("outcome", "explanation")
    code = ErrorCode.DECISION_NOT_SUPPORTED
    status = HTTPStatus.CONFLICT


class NotApproved(ApiError):
    data_fields = ("engagement_id",)
    code = ErrorCode.NOT_APPROVED
    status = HTTPStatus.CONFLICT


class CertificateExists(ApiError):
    data_fields = ("certificate_id", "number")
    code = ErrorCode.CERTIFICATE_EXISTS
    status = HTTPStatus.CONFLICT


class NonconformityStage(ApiError):
    """The action does not fit the nonconformity's stage (``allowed``: the stages it fits)."""

    data_fields = ("nonconformity_id", "stage", "action", "allowed")
    code = ErrorCode.NONCONFORMITY_STAGE
    status = HTTPStatus.CONFLICT


class NonconformityAnswerIncomplete(ApiError):
    """An answer lacks what moving to ``answered`` needs (``missing``: correction, evidence)."""

    data_fields = ("nonconformity_id", "missing")
    code = ErrorCode.NONCONFORMITY_ANSWER_INCOMPLETE
    status = HTTPStatus.UNPROCESSABLE_ENTITY


class NonconformityVerificationIncomplete(ApiError):
    """A verification lacks what closing needs (``missing``: method, verification, rejudged,
    equivalent_reason)."""

    data_fields = ("nonconformity_id", "missing")
    code = ErrorCode.NONCONFORMITY_VERIFICATION_INCOMPLETE
    status = HTTPStatus.UNPROCESSABLE_ENTITY


class NonconformityRejudgementAboveCap(ApiError):
    """§5.2.3.1: re-judged above the scheme's cap for rectified clauses (基本符合)."""

    data_fields = ("nonconformity_id", "judgement", "cap", "allowed")
    code = ErrorCode.NONCONFORMITY_REJUDGEMENT_ABOVE_CAP
    status = HTTPStatus.UNPROCESSABLE_ENTITY


class ExportIncomplete(ApiError):
    """An evidence original the records cite is missing from storage: no partial file."""

    data_fields = ("evidence_id",)
    code = ErrorCode.EXPORT_INCOMPLETE
    status = HTTPStatus.CONFLICT


class RecertificationWindow(ApiError):
    """§8: ``reason`` is ``not_open_yet`` (before ``apply_from``) or ``new_application`` (after
    ``finish_by``: the client applies anew)."""

    data_fields = ("reason", "apply_from", "finish_by")
    code = ErrorCode.RECERTIFICATION_WINDOW
    status = HTTPStatus.CONFLICT


class CertificateEnded(ApiError):
    """The certificate's status (``withdrawn`` or ``expired``) allows no more surveillance."""

    data_fields = ("certificate_status",)
    code = ErrorCode.CERTIFICATE_ENDED
    status = HTTPStatus.CONFLICT


#: Werkzeug's HTTP errors and the codes they answer with; other statuses fall back by class.
HTTP_STATUS_CODES: Mapping[int, ErrorCode] = {
    400: ErrorCode.BAD_REQUEST,
    401: ErrorCode.AUTH_REQUIRED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    406: ErrorCode.NOT_ACCEPTABLE,
    409: ErrorCode.CONFLICT,
    412: ErrorCode.PRECONDITION_FAILED,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    422: ErrorCode.VALIDATION_ERROR,
    428: ErrorCode.PRECONDITION_REQUIRED,
    429: ErrorCode.TOO_MANY_REQUESTS,
    500: ErrorCode.INTERNAL_ERROR,
    503: ErrorCode.SERVICE_UNAVAILABLE,
}


class ErrorSchema(ma.Schema):
    """The body of every error response."""

    code = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf([code.value for code in ErrorCode]),
        metadata={"description": "Stable machine code: decide what to do from this."},
    )
    message = ma.fields.String(
        required=True,
        metadata={"description": "For people: zh-CN, or English for Accept-Language: en."},
    )
    details = ma.fields.Dict(
        required=True,
        metadata={
            "description": "Structured data about the error; for VALIDATION_ERROR it maps "
            "each field to its messages."
        },
    )


def error_response(
    code: ErrorCode,
    status: int,
    *,
    message: str | None = None,
    details: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Render an error as the API's one error shape."""
    language = request_language()
    body = {
        "code": code.value,
        "message": message or MESSAGES[code].in_language(language),
        "details": dict(details or {}),
    }
    response = jsonify(body)
    response.status_code = status
    if message is None:
        response.headers["Content-Language"] = language.value
    response.vary.add("Accept-Language")
    # Errors describe one moment (database down, session expired): never cache them.
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def handle_api_error(error: ApiError) -> Response:
    if error.status >= 500:
        # Expected outages (database down, PWA not built): a warning, with the cause if any.
        logger.warning("%s", error, exc_info=error.__cause__ is not None)
    return error_response(
        error.code,
        error.status,
        message=error.message,
        details=error.details,
        headers=error.headers,
    )


def handle_database_outage(error: sqlalchemy.exc.OperationalError) -> Response:
    """The database went away, restarted, or refused a connection: 503, worth retrying.

    The pool drops every connection older than a lost one, so the next request reconnects;
    the PWA's outbox keeps the entry and sends it again (it retries on 503, docs/sync.md).
    """
    logger.warning("database unavailable: %s", error.orig or error)
    return handle_api_error(
        DatabaseUnavailable(
            details={"retry": True, "connection_lost": error.connection_invalidated}
        )
    )


def handle_http_exception(error: HTTPException) -> WerkzeugResponse:
    """Render Werkzeug's HTTP errors (404, 405, 413, and the 500 that wraps a bug)."""
    if error.response is not None:
        # abort(response): the caller built the response itself (get_response returns it).
        return error.get_response()
    status = error.code or 500
    if status < 400:
        # Not an error: 304 Not Modified from flask-smorest's ETag support.
        return Response(status=status, headers=_extra_headers(error))
    code = HTTP_STATUS_CODES.get(
        status, ErrorCode.INTERNAL_ERROR if status >= 500 else ErrorCode.BAD_REQUEST
    )
    details: dict[str, Any] = {}
    valid_methods = getattr(error, "valid_methods", None)
    if valid_methods:
        details["allowed_methods"] = sorted(valid_methods)
    if isinstance(error, RequestEntityTooLarge) and current_app.config["MAX_CONTENT_LENGTH"]:
        details["max_bytes"] = current_app.config["MAX_CONTENT_LENGTH"]
    # Never error.description: for a 500 it could describe internals; ours come from the catalogue.
    return error_response(code, status, details=details, headers=_extra_headers(error))


def _extra_headers(error: HTTPException) -> dict[str, str]:
    """Headers the error itself asks for (``Allow`` on a 405), without its HTML content type."""
    return {name: value for name, value in error.get_headers() if name.lower() != "content-type"}


def register_error_handlers(app: Flask) -> None:
    """Install the one renderer for every error the app can answer with."""
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(sqlalchemy.exc.OperationalError, handle_database_outage)
    # Also receives the InternalServerError that Flask raises (after logging the traceback) for
    # an exception nothing else handled, so a bug answers INTERNAL_ERROR without details.
    app.register_error_handler(HTTPException, handle_http_exception)
