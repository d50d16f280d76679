"""One error hierarchy with stable machine codes, and the one renderer for every error.

Every error response of the API, whether raised by our code, by Werkzeug (404, 405, 413), by the
request parser (malformed JSON, validation) or by a bug (500), has the body
``{"code": ..., "message": ..., "details": {...}}``. Clients decide what to do from ``code``
(retry, drop, show a conflict), never from ``message``, which is for people and is translated.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from http import HTTPStatus
from typing import Any

import marshmallow as ma
import sqlalchemy.exc
from flask import Flask, Response, current_app, jsonify
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Response as WerkzeugResponse

from backend.i18n import Language, request_language

logger = logging.getLogger(__name__)


class ErrorCode(StrEnum):
    """Stable machine codes: clients depend on these, so never rename one."""

    BAD_REQUEST = "BAD_REQUEST"
    MALFORMED_JSON = "MALFORMED_JSON"
    VALIDATION_ERROR = "VALIDATION_ERROR"
    AUTH_REQUIRED = "AUTH_REQUIRED"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    NOT_ACCEPTABLE = "NOT_ACCEPTABLE"
    CONFLICT = "CONFLICT"
    PRECONDITION_FAILED = "PRECONDITION_FAILED"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    PRECONDITION_REQUIRED = "PRECONDITION_REQUIRED"
    TOO_MANY_REQUESTS = "TOO_MANY_REQUESTS"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"
    PWA_NOT_BUILT = "PWA_NOT_BUILT"
    # Field work (issue 3): offline sync, evidence, review.
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"
    EVIDENCE_HASH_MISMATCH = "EVIDENCE_HASH_MISMATCH"
    UNSUPPORTED_FILE_TYPE = "UNSUPPORTED_FILE_TYPE"
    INVALID_IMAGE = "INVALID_IMAGE"
    IMAGE_TOO_LARGE = "IMAGE_TOO_LARGE"
    IMAGE_DECODER_BUSY = "IMAGE_DECODER_BUSY"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    CONFLICT_OF_INTEREST = "CONFLICT_OF_INTEREST"
    CSRF_FAILED = "CSRF_FAILED"
    ACCOUNT_LOCKED = "ACCOUNT_LOCKED"
    SIGN_IN_THROTTLED = "SIGN_IN_THROTTLED"
    DEVICE_REVOKED = "DEVICE_REVOKED"
    SCHEME_INVALID = "SCHEME_INVALID"
    # The offline outbox's own cases (issue 9): the app decides from these codes alone.
    INCOMPLETE_BODY = "INCOMPLETE_BODY"
    ASSIGNMENT_ALREADY_RECORDED = "ASSIGNMENT_ALREADY_RECORDED"
    MISSING_EVIDENCE = "MISSING_EVIDENCE"
    # Customer surveys (issue 5).
    SURVEY_NOT_OPEN = "SURVEY_NOT_OPEN"
    SURVEY_CLOSED = "SURVEY_CLOSED"
    ALREADY_ANSWERED = "ALREADY_ANSWERED"
    ONE_TIME_CODE_INVALID = "ONE_TIME_CODE_INVALID"
    CONTACT_UNREADABLE = "CONTACT_UNREADABLE"


@dataclass(frozen=True, slots=True)
class Message:
    zh_cn: str
    en: str

    def in_language(self, language: Language) -> str:
        return self.en if language is Language.EN else self.zh_cn


#: The message catalogue, keyed by code: zh-CN first, English for Accept-Language: en.
MESSAGES: Mapping[ErrorCode, Message] = {
    ErrorCode.BAD_REQUEST: Message("请求无效。", "The request is invalid."),
    ErrorCode.MALFORMED_JSON: Message(
        "请求体必须是有效的 JSON（Content-Type: application/json）。",
        "The request body must be valid JSON (Content-Type: application/json).",
    ),
    ErrorCode.VALIDATION_ERROR: Message(
        "提交的数据未通过校验。", "The submitted data did not pass validation."
    ),
    ErrorCode.AUTH_REQUIRED: Message("请先登录。", "Please sign in first."),
    ErrorCode.INVALID_CREDENTIALS: Message(
        "邮箱或密码不正确。", "The email address or password is incorrect."
    ),
    ErrorCode.FORBIDDEN: Message("您无权执行此操作。", "You are not allowed to do this."),
    ErrorCode.NOT_FOUND: Message("未找到请求的资源。", "The requested resource was not found."),
    ErrorCode.METHOD_NOT_ALLOWED: Message(
        "此地址不支持该请求方法。", "This method is not allowed for this address."
    ),
    ErrorCode.NOT_ACCEPTABLE: Message(
        "无法以请求的格式返回结果。", "The result cannot be returned in the requested format."
    ),
    ErrorCode.CONFLICT: Message(
        "请求与服务器上的当前数据冲突。", "The request conflicts with the data on the server."
    ),
    ErrorCode.PRECONDITION_FAILED: Message(
        "数据已被他人修改，请刷新后重试。",
        "The data was changed by someone else; reload and try again.",
    ),
    ErrorCode.PAYLOAD_TOO_LARGE: Message("请求体过大。", "The request body is too large."),
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: Message(
        "不支持该内容类型。", "This content type is not supported."
    ),
    ErrorCode.PRECONDITION_REQUIRED: Message(
        "此请求必须带 If-Match 请求头。", "This request must carry an If-Match header."
    ),
    ErrorCode.TOO_MANY_REQUESTS: Message(
        "请求过于频繁，请稍后再试。", "Too many requests; try again later."
    ),
    ErrorCode.INTERNAL_ERROR: Message(
        "服务器内部错误，请稍后再试。", "Internal server error; try again later."
    ),
    ErrorCode.SERVICE_UNAVAILABLE: Message(
        "服务暂时不可用，请稍后再试。", "The service is unavailable; try again later."
    ),
    ErrorCode.DATABASE_UNAVAILABLE: Message("数据库暂时不可用。", "The database is unavailable."),
    ErrorCode.PWA_NOT_BUILT: Message(
        "前端应用尚未构建：请在项目根目录运行 make pwa。",
        "The PWA has not been built: run `make pwa` in the project root.",
    ),
    ErrorCode.IDEMPOTENCY_CONFLICT: Message(
        "该编号已用于内容不同的记录：同一记录重发时内容必须相同。",
        "This id was already used for different content: a replay must carry the same content.",
    ),
    ErrorCode.EVIDENCE_HASH_MISMATCH: Message(
        "文件内容与声明的 SHA-256 不一致，文件可能在传输中损坏，请重新上传。",
        "The file does not match its declared SHA-256; it may have been damaged in transit.",
    ),
    ErrorCode.UNSUPPORTED_FILE_TYPE: Message(
        "不支持该文件类型（按内容识别）。", "This file type is not supported (detected by content)."
    ),
    ErrorCode.INVALID_IMAGE: Message(
        "图片无法读取：文件不完整或已损坏。", "The image cannot be read: truncated or damaged."
    ),
    ErrorCode.IMAGE_TOO_LARGE: Message(
        "图片过大（像素数或解码所需内存超出限制），拒绝处理。",
        "The image is too large to process (too many pixels, or too much memory to decode).",
    ),
    ErrorCode.IMAGE_DECODER_BUSY: Message(
        "服务器正在处理其他图片，请稍后自动重试。",
        "The server is busy processing other images; the upload will be retried.",
    ),
    ErrorCode.INVALID_TRANSITION: Message(
        "当前状态下不能执行此操作。", "This action is not possible in the current state."
    ),
    ErrorCode.CONFLICT_OF_INTEREST: Message(
        "参加过本次审查的人员不得复核或作出认证决定。",
        "Someone who was on this audit team may not review or decide it.",
    ),
    ErrorCode.CSRF_FAILED: Message(
        "缺少或无效的 CSRF 令牌，请刷新页面后重试。",
        "Missing or invalid CSRF token; reload the page and try again.",
    ),
    ErrorCode.ACCOUNT_LOCKED: Message(
        "登录失败次数过多，账号暂时锁定，请稍后再试。",
        "Too many failed sign-ins: the account is locked for a while.",
    ),
    ErrorCode.SIGN_IN_THROTTLED: Message(
        "此账号近期有大量来自其他地址的登录失败，为保护账号，登录已放慢，请稍后再试。"
        "如非本人操作，请联系管理员。",
        "This account has had many failed sign-ins from other addresses lately; to protect it, "
        "sign-in is slowed down. Try again shortly, and tell an administrator if this was not you.",
    ),
    ErrorCode.DEVICE_REVOKED: Message(
        "该设备的授权已撤销，请重新配对。", "This device's access was revoked; pair it again."
    ),
    ErrorCode.SCHEME_INVALID: Message("认证方案文件无效。", "The scheme file is invalid."),
    ErrorCode.INCOMPLETE_BODY: Message(
        "上传中断：服务器收到的内容少于声明的长度，请用同一编号重新上传。",
        "The upload was cut off before its announced length; send it again under the same id.",
    ),
    ErrorCode.ASSIGNMENT_ALREADY_RECORDED: Message(
        "这项走访任务已有一条测评记录（可能来自另一台手机）。",
        "This assignment is already recorded by another evaluation (perhaps from another phone).",
    ),
    ErrorCode.MISSING_EVIDENCE: Message(
        "测评引用的照片或文件尚未上传：请先上传，再提交测评。",
        "The evaluation cites evidence that has not been uploaded: upload it first.",
    ),
    ErrorCode.SURVEY_NOT_OPEN: Message("本次调查尚未开始。", "This survey has not opened yet."),
    ErrorCode.SURVEY_CLOSED: Message(
        "本次调查已结束，不再接受答卷。", "This survey has closed and takes no more answers."
    ),
    ErrorCode.ALREADY_ANSWERED: Message(
        "此设备已提交过本次调查的答卷，每台设备只能提交一次。",
        "This device already answered this survey; each device answers once.",
    ),
    ErrorCode.ONE_TIME_CODE_INVALID: Message(
        "调查码无效或已被使用。", "The survey code is invalid or was already used."
    ),
    ErrorCode.CONTACT_UNREADABLE: Message(
        "联系方式无法解密（密钥已更换或数据被改动）。",
        "The contact number cannot be decrypted (the key changed or the data was altered).",
    ),
}


class ApiError(Exception):
    """An error the API answers with ``{"code", "message", "details"}``.

    Subclasses fix ``code`` and ``status``; ``message`` defaults to the catalogue entry in the
    request's language; ``details`` carries structured data for clients (field errors, limits).
    """

    #: Defaults for the class; an instance may refine them (``ApiError(code=..., status=...)``).
    code: ErrorCode = ErrorCode.INTERNAL_ERROR
    status: HTTPStatus = HTTPStatus.INTERNAL_SERVER_ERROR

    def __init__(
        self,
        message: str | None = None,
        details: Mapping[str, Any] | None = None,
        *,
        code: ErrorCode | None = None,
        status: HTTPStatus | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.message = message
        self.details: dict[str, Any] = dict(details or {})
        #: Response headers the error asks for, e.g. ``Retry-After`` on a lockout (429).
        self.headers: dict[str, str] = dict(headers or {})
        super().__init__(f"{self.code}: {message or MESSAGES[self.code].en}")


class BadRequest(ApiError):
    code = ErrorCode.BAD_REQUEST
    status = HTTPStatus.BAD_REQUEST


class MalformedJson(ApiError):
    code = ErrorCode.MALFORMED_JSON
    status = HTTPStatus.BAD_REQUEST


class ValidationFailed(ApiError):
    """Input that parsed but is wrong; ``details`` maps each field to its messages."""

    code = ErrorCode.VALIDATION_ERROR
    status = HTTPStatus.UNPROCESSABLE_ENTITY


class AuthRequired(ApiError):
    code = ErrorCode.AUTH_REQUIRED
    status = HTTPStatus.UNAUTHORIZED


class InvalidCredentials(ApiError):
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


class PayloadTooLarge(ApiError):
    """A body over an endpoint's own limit; ``details["max_bytes"]`` gives the limit."""

    code = ErrorCode.PAYLOAD_TOO_LARGE
    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE


class DatabaseUnavailable(ApiError):
    code = ErrorCode.DATABASE_UNAVAILABLE
    status = HTTPStatus.SERVICE_UNAVAILABLE


class PwaNotBuilt(ApiError):
    code = ErrorCode.PWA_NOT_BUILT
    status = HTTPStatus.SERVICE_UNAVAILABLE


class PreconditionRequired(ApiError):
    """An edit without If-Match: offline replays must say which version they change."""

    code = ErrorCode.PRECONDITION_REQUIRED
    status = HTTPStatus.PRECONDITION_REQUIRED


class PreconditionFailed(ApiError):
    """A stale edit: If-Match names a version that is no longer current."""

    code = ErrorCode.PRECONDITION_FAILED
    status = HTTPStatus.PRECONDITION_FAILED


class IdempotencyConflict(ApiError):
    """A client id replayed with different content."""

    code = ErrorCode.IDEMPOTENCY_CONFLICT
    status = HTTPStatus.CONFLICT


class EvidenceHashMismatch(ApiError):
    code = ErrorCode.EVIDENCE_HASH_MISMATCH
    status = HTTPStatus.UNPROCESSABLE_ENTITY


class UnsupportedFileType(ApiError):
    code = ErrorCode.UNSUPPORTED_FILE_TYPE
    status = HTTPStatus.UNSUPPORTED_MEDIA_TYPE


class InvalidImage(ApiError):
    code = ErrorCode.INVALID_IMAGE
    status = HTTPStatus.UNPROCESSABLE_ENTITY


class ImageTooLarge(ApiError):
    code = ErrorCode.IMAGE_TOO_LARGE
    status = HTTPStatus.UNPROCESSABLE_ENTITY


class ImageDecoderBusy(ApiError):
    """Every image decode slot of the process stayed busy: retry after ``Retry-After``."""

    code = ErrorCode.IMAGE_DECODER_BUSY
    status = HTTPStatus.SERVICE_UNAVAILABLE


class InvalidTransition(ApiError):
    code = ErrorCode.INVALID_TRANSITION
    status = HTTPStatus.CONFLICT


class ConflictOfInterest(ApiError):
    code = ErrorCode.CONFLICT_OF_INTEREST
    status = HTTPStatus.FORBIDDEN


class CsrfFailed(ApiError):
    code = ErrorCode.CSRF_FAILED
    status = HTTPStatus.FORBIDDEN


class AccountLocked(ApiError):
    code = ErrorCode.ACCOUNT_LOCKED
    status = HTTPStatus.TOO_MANY_REQUESTS


class SignInThrottled(ApiError):
    """An account under a distributed guessing attack: one try per interval from new addresses."""

    code = ErrorCode.SIGN_IN_THROTTLED
    status = HTTPStatus.TOO_MANY_REQUESTS


class TooManyRequests(ApiError):
    code = ErrorCode.TOO_MANY_REQUESTS
    status = HTTPStatus.TOO_MANY_REQUESTS


class DeviceRevoked(ApiError):
    code = ErrorCode.DEVICE_REVOKED
    status = HTTPStatus.UNAUTHORIZED


class SchemeInvalid(ApiError):
    code = ErrorCode.SCHEME_INVALID
    status = HTTPStatus.UNPROCESSABLE_ENTITY


class IncompleteBody(ApiError):
    """An upload cut off before its Content-Length: retry the same request later (400).

    ``details``: ``reason`` (``"incomplete_body"``, as before this code existed),
    ``content_length``, ``received_bytes``.
    """

    code = ErrorCode.INCOMPLETE_BODY
    status = HTTPStatus.BAD_REQUEST


class AssignmentAlreadyRecorded(ApiError):
    """One assignment, one evaluation: another evaluation id already records it (409).

    ``details``: ``reason`` (``"assignment_already_recorded"``), ``evaluation_id`` (the one that
    counts) and ``evaluation_status``. A phone that lost its own record adopts that id while it
    is still editable (draft, returned); otherwise another phone's visit counts (docs/sync.md).
    """

    code = ErrorCode.ASSIGNMENT_ALREADY_RECORDED
    status = HTTPStatus.CONFLICT


class MissingEvidence(ApiError):
    """An evaluation cites evidence the server does not have (yet): upload it, then replay (422).

    ``details``: ``missing_evidence`` (the ids) and ``evidence`` (a message per id, as the field
    errors of VALIDATION_ERROR read).
    """

    code = ErrorCode.MISSING_EVIDENCE
    status = HTTPStatus.UNPROCESSABLE_ENTITY


class SurveyNotOpen(ApiError):
    code = ErrorCode.SURVEY_NOT_OPEN
    status = HTTPStatus.CONFLICT


class SurveyClosed(ApiError):
    code = ErrorCode.SURVEY_CLOSED
    status = HTTPStatus.GONE


class AlreadyAnswered(ApiError):
    code = ErrorCode.ALREADY_ANSWERED
    status = HTTPStatus.CONFLICT


class OneTimeCodeInvalid(ApiError):
    code = ErrorCode.ONE_TIME_CODE_INVALID
    status = HTTPStatus.FORBIDDEN


class ContactUnreadable(ApiError):
    """Stored contact data that the configured key cannot open: a state to fix, not a bug."""

    code = ErrorCode.CONTACT_UNREADABLE
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
