"""Every error has the shape {"code", "message", "details"}, with a stable code."""

from __future__ import annotations

import ast
import json
import logging
from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path

import flask_smorest
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_smorest.exceptions import NotModified
from werkzeug.test import TestResponse

from backend import errors
from backend.errors import MESSAGES, ApiError, ErrorCode
from backend.extensions import db


def assert_error(response: TestResponse, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["details"], dict)
    return body


def test_unknown_api_path_answers_json_not_found(client: FlaskClient) -> None:
    body = assert_error(client.get("/api/no-such-thing"), 404, "NOT_FOUND")
    assert body["message"] == MESSAGES[ErrorCode.NOT_FOUND].zh_cn


def test_post_to_unknown_api_path_is_not_found_rather_than_method_not_allowed(
    client: FlaskClient,
) -> None:
    assert_error(client.post("/api/no-such-thing"), 404, "NOT_FOUND")


def test_wrong_method_answers_method_not_allowed_with_allow_header(client: FlaskClient) -> None:
    response = client.delete("/api/health")

    body = assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert "GET" in body["details"]["allowed_methods"]
    assert "GET" in response.headers["Allow"]


def test_body_over_max_content_length_answers_payload_too_large(
    client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    big = json.dumps({"email": "a@example.test", "password": "x" * 4096})

    response = client.post("/api/auth/login", data=big, content_type="application/json")

    body = assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert body["details"] == {"max_bytes": 1024}


def test_default_max_content_length_is_25_mib(app: Flask) -> None:
    assert app.config["MAX_CONTENT_LENGTH"] == 25 * 1024 * 1024


def test_invalid_json_body_answers_malformed_json(client: FlaskClient) -> None:
    response = client.post(
        "/api/auth/login", data='{"email": "a@example.test",', content_type="application/json"
    )
    assert_error(response, 400, "MALFORMED_JSON")


def test_non_json_body_answers_malformed_json(client: FlaskClient) -> None:
    response = client.post(
        "/api/auth/login", data="email=a@example.test&password=x", content_type="text/plain"
    )
    body = assert_error(response, 400, "MALFORMED_JSON")
    assert body["details"] == {"content_type": "text/plain"}


def test_unknown_field_answers_validation_error_naming_the_field(client: FlaskClient) -> None:
    response = client.post(
        "/api/auth/login",
        json={"email": "a@example.test", "password": "x", "remember_me": True},
    )
    body = assert_error(response, 422, "VALIDATION_ERROR")
    assert body["details"] == {"remember_me": ["Unknown field."]}


def test_missing_fields_answer_validation_error_per_field(client: FlaskClient) -> None:
    body = assert_error(client.post("/api/auth/login", json={}), 422, "VALIDATION_ERROR")
    assert set(body["details"]) == {"email", "password"}


def test_json_that_is_not_an_object_answers_validation_error(client: FlaskClient) -> None:
    body = assert_error(client.post("/api/auth/login", json=[1, 2]), 422, "VALIDATION_ERROR")
    assert "_schema" in body["details"]


def test_unexpected_exception_answers_internal_error_without_internals(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/api/test/boom")
    def boom() -> str:
        raise RuntimeError("secret detail: password=hunter2")

    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/api/test/boom")

    body = assert_error(response, 500, "INTERNAL_ERROR")
    assert body["details"] == {}
    assert "hunter2" not in response.get_data(as_text=True)
    assert any(
        record.exc_info and "hunter2" in str(record.exc_info[1]) for record in caplog.records
    ), "the exception must be logged with its traceback"


def test_flask_smorest_abort_is_rendered_in_our_shape(make_app: Callable[..., Flask]) -> None:
    app = make_app()

    @app.get("/api/test/conflict")
    def conflict() -> str:
        flask_smorest.abort(409, message="not our shape")

    body = assert_error(app.test_client().get("/api/test/conflict"), 409, "CONFLICT")
    assert "status" not in body and "errors" not in body


def test_messages_are_english_when_accept_language_prefers_english(client: FlaskClient) -> None:
    response = client.get(
        "/api/no-such-thing", headers={"Accept-Language": "en-GB,en;q=0.9,zh-CN;q=0.5"}
    )
    body = assert_error(response, 404, "NOT_FOUND")
    assert body["message"] == MESSAGES[ErrorCode.NOT_FOUND].en
    assert response.headers["Content-Language"] == "en"


@pytest.mark.parametrize("accept_language", [None, "zh-CN,zh;q=0.9,en;q=0.8", "fr-FR", "*"])
def test_messages_are_chinese_otherwise(client: FlaskClient, accept_language: str | None) -> None:
    headers = {"Accept-Language": accept_language} if accept_language else {}
    response = client.get("/api/no-such-thing", headers=headers)
    body = assert_error(response, 404, "NOT_FOUND")
    assert body["message"] == MESSAGES[ErrorCode.NOT_FOUND].zh_cn
    assert response.headers["Content-Language"] == "zh-CN"


def test_every_code_has_a_chinese_and_an_english_message() -> None:
    assert set(MESSAGES) == set(ErrorCode)
    for message in MESSAGES.values():
        assert message.zh_cn.strip() and message.en.strip()
        assert message.zh_cn != message.en


def test_security_headers_are_set_on_every_response(client: FlaskClient) -> None:
    response = client.get("/api/health")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_not_modified_from_etag_support_stays_an_empty_304(make_app: Callable[..., Flask]) -> None:
    app = make_app()

    @app.get("/api/test/unchanged")
    def unchanged() -> str:
        raise NotModified()

    response = app.test_client().get("/api/test/unchanged")

    assert response.status_code == 304
    assert response.get_data() == b""


def test_api_error_renders_its_code_status_message_and_details(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app()

    @app.get("/api/test/window-closed")
    def window_closed() -> str:
        raise ApiError(
            "走访时间窗已关闭。",
            {"visit_id": "v-1"},
            code=ErrorCode.CONFLICT,
            status=HTTPStatus.CONFLICT,
        )

    response = app.test_client().get("/api/test/window-closed")

    body = assert_error(response, 409, "CONFLICT")
    assert body == {
        "code": "CONFLICT",
        "message": "走访时间窗已关闭。",
        "details": {"visit_id": "v-1"},
    }


@pytest.mark.postgres
def test_a_lost_database_connection_answers_503_and_the_next_request_reconnects(
    make_app: Callable[..., Flask], database_url: str
) -> None:
    """No pre-ping (config.engine_options): a dead pooled connection costs one retryable 503."""
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/api/test/backend-pid")
    def backend_pid() -> dict[str, int]:
        return {"pid": db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()}

    client = app.test_client()
    first = client.get("/api/test/backend-pid")
    assert first.status_code == 200
    pid = first.get_json()["pid"]
    # The server (or a proxy, or a restart) drops the pooled connection under the app.
    admin = sa.create_engine(database_url)
    try:
        with admin.begin() as connection:
            assert connection.execute(sa.text(f"SELECT pg_terminate_backend({pid})")).scalar()
    finally:
        admin.dispose()

    lost = client.get("/api/test/backend-pid")
    body = assert_error(lost, 503, "DATABASE_UNAVAILABLE")
    assert body["details"] == {"retry": True, "connection_lost": True}
    again = client.get("/api/test/backend-pid")
    assert again.status_code == 200
    assert again.get_json()["pid"] != pid


# ------------------------------------------------------------------ declared detail fields


def _error_classes() -> list[type[errors.ApiError]]:
    return [
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, errors.ApiError)
    ]


def test_every_specific_error_declares_its_detail_fields() -> None:
    undeclared = [
        cls.__name__
        for cls in _error_classes()
        if cls not in errors.GENERIC and "data_fields" not in vars(cls)
    ]
    assert undeclared == []
    assert all(cls.data_fields is None for cls in errors.GENERIC)


def test_detail_fields_are_given_as_arguments() -> None:
    error = errors.AccountLocked(retry_after_seconds=30, headers={"Retry-After": "30"})
    assert error.details == {"retry_after_seconds": 30}
    with pytest.raises(TypeError, match="declares no data field"):
        errors.AccountLocked(seconds=30)


def _raised_details(root: Path) -> list[tuple[str, str, set[str] | None]]:
    """(place, error class, the details keys given; None when not a literal) of every
    construction of a declared error class under ``root``."""
    declared = {cls.__name__ for cls in _error_classes() if cls.data_fields is not None}
    found: list[tuple[str, str, set[str] | None]] = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in declared:
                continue
            place = f"{path.relative_to(root.parent)}:{node.lineno}"
            keys: set[str] | None = {kw.arg for kw in node.keywords if kw.arg} - {
                "details",
                "headers",
                "code",
                "status",
            }
            for kw in node.keywords:
                if kw.arg == "details":
                    if isinstance(kw.value, ast.Dict) and all(
                        isinstance(k, ast.Constant) for k in kw.value.keys
                    ):
                        assert keys is not None
                        keys |= {str(k.value) for k in kw.value.keys if isinstance(k, ast.Constant)}
                    else:
                        keys = None
            if len(node.args) > 1:
                keys = None
            found.append((place, str(name), keys))
    return found


def test_every_raise_uses_only_declared_detail_fields() -> None:
    backend = Path(errors.__file__).resolve().parent
    fields = {cls.__name__: set(cls.data_fields or ()) for cls in _error_classes()}
    raised = _raised_details(backend)
    assert len(raised) > 50
    wrong = [
        (place, name, sorted(keys - fields[name]) if keys is not None else "not a literal")
        for place, name, keys in raised
        if keys is None or not keys <= fields[name]
    ]
    assert wrong == []
