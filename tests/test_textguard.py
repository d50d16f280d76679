"""NUL and other non-text characters, and out-of-range integers: 4xx on every field, never 500.

Issue 9 B7/B8: a NUL in any text field (device name, display name, notes, campaign title, an
audit-log query...) was a 500 on PostgreSQL, and ``before_id=9223372036854775808`` too. The
API-wide test reads the OpenAPI document, so fields added later are covered without editing it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend import textguard
from backend.audit.models import AuditEntry
from backend.db import BIGINT_MAX
from backend.devices.models import Device
from backend.errors import ValidationFailed
from backend.extensions import db
from backend.users.models import Role, User
from tests.factories import make_user, sign_in

METHODS = ("get", "post", "put", "patch", "delete")
#: Every character class the guard refuses, as JSON text (a lone surrogate cannot be written
#: any other way) and as what the server sees.
BAD = [("\\u0000", "U+0000"), ("\\u001b", "U+001B"), ("\\ud800", "U+D800")]


# --------------------------------------------------------------------------- the check itself


@pytest.mark.parametrize("text", ["\x00", "a\x01", "\x0b", "\x1f", "\ud83d", "x\udc00y"])
def test_control_characters_and_lone_surrogates_are_found(text: str) -> None:
    assert textguard.first_forbidden(text) is not None


@pytest.mark.parametrize("text", ["", "普通文本", "tab\tnew\nline\r\n", "emoji 😀", "\x7f\u0085"])
def test_text_people_type_passes(text: str) -> None:
    assert textguard.first_forbidden(text) is None


def test_errors_name_the_place_of_each_bad_value_and_key() -> None:
    body = {"ok": "fine", "ratings": {"1.1": {"reason": "x\x00"}}, "list": ["a", "b\x02"]}
    body["k\x00"] = "whatever"

    with pytest.raises(ValidationFailed) as raised:
        textguard.check_value(body)

    details = raised.value.details
    assert set(details) == {"ratings", "list", "k\\u0000"}
    assert "U+0000" in details["ratings"]["1.1"]["reason"][0]
    assert "U+0002" in details["list"]["1"][0]
    assert json.dumps(details, ensure_ascii=False).encode("utf-8")  # echoable as it is


def test_header_text_kept_as_information_is_cleaned() -> None:
    assert textguard.printable("Mozilla\x00/5.0\ud800 (X11)", max_length=12) == "Mozilla/5.0 "


# --------------------------------------------------------------------------- through the API


@pytest.fixture
def admin(client: FlaskClient, db_session: Session) -> User:
    user = make_user(db_session, role=Role.ADMIN)
    sign_in(client, user)
    return user


@pytest.fixture
def statements(app: Flask) -> Iterator[list[str]]:
    """The SQL statements the app sends while the test runs."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(str(args[2]))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", record)


@pytest.mark.parametrize(("escaped", "code_point"), BAD)
def test_a_bad_character_in_a_json_body_is_refused_before_any_query(
    client: FlaskClient,
    db_session: Session,
    admin: User,
    statements: list[str],
    escaped: str,
    code_point: str,
) -> None:
    statements.clear()
    response = client.post(
        "/api/devices",
        data='{"name": "暗访手机' + escaped + '"}',
        content_type="application/json",
    )

    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["code"] == "VALIDATION_ERROR"
    assert code_point in body["details"]["name"][0]
    assert statements == []
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Device)) == 0


@pytest.mark.parametrize(
    "query",
    ["action=auth.login%00", "object_type=%1b", "object_id=1%00", "action%00=x"],
)
def test_a_bad_character_in_a_query_is_refused(
    client: FlaskClient, admin: User, query: str
) -> None:
    response = client.get(f"/api/audit?{query}")

    assert response.status_code == 422, response.get_json()
    assert response.get_json()["code"] == "VALIDATION_ERROR"
    (field,) = response.get_json()["details"]
    assert field.split("\\u")[0] == query.split("=")[0].split("%")[0]


def test_a_display_name_with_nul_is_refused_and_nothing_changes(
    client: FlaskClient, db_session: Session, admin: User
) -> None:
    other = make_user(db_session, organisation=admin.organisation, display_name="原名")

    response = client.patch(f"/api/users/{other.id}", json={"display_name": "新\x00名"})

    assert response.status_code == 422
    assert "display_name" in response.get_json()["details"]
    db_session.expire_all()
    assert db_session.get_one(User, other.id).display_name == "原名"


@pytest.mark.parametrize("path", ["/s/ab%00cd", "/ab%00cd", "/api/evidence/%00"])
def test_an_address_with_a_control_character_names_nothing(client: FlaskClient, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 404
    assert response.get_json()["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("before_id", "status"),
    [(str(BIGINT_MAX + 1), 422), ("99999999999999999999999", 422), (str(BIGINT_MAX), 200)],
)
def test_audit_page_ids_are_bounded_by_the_column(
    client: FlaskClient, db_session: Session, admin: User, before_id: str, status: int
) -> None:
    response = client.get(f"/api/audit?before_id={before_id}")

    assert response.status_code == status, response.get_json()
    if status == 200:
        assert db_session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) >= 1
        assert response.get_json()["items"], "the largest id pages from the newest entry"
    else:
        assert "before_id" in response.get_json()["details"]


# --------------------------------------------------------------------------- API-wide


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def _string_fields(
    spec: dict[str, Any], schema: dict[str, Any], path: tuple[str, ...] = (), depth: int = 0
) -> Iterator[tuple[str, ...]]:
    """The paths of the string values a JSON body of ``schema`` can carry (objects, arrays)."""
    schema = _resolve(spec, schema)
    if depth > 6:
        return
    kind = schema.get("type")
    if kind == "string" and schema.get("format") not in {"uuid", "date-time", "date", "binary"}:
        yield path
    elif kind is None and not {"properties", "items", "allOf", "oneOf"} & set(schema):
        yield path  # any JSON (a free-form dict's values, e.g. ratings): a string is one
    elif kind == "object" or "properties" in schema:
        for name, inner in schema.get("properties", {}).items():
            if not _resolve(spec, inner).get("readOnly"):
                yield from _string_fields(spec, inner, (*path, name), depth + 1)
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            yield from _string_fields(spec, extra, (*path, "1.1"), depth + 1)
    elif kind == "array":
        yield from _string_fields(spec, schema.get("items", {}), (*path, "0"), depth + 1)


def _body(path: tuple[str, ...], leaf: Any) -> Any:
    """A JSON body with ``leaf`` at ``path`` (numeric parts are list indexes)."""
    if not path:
        return leaf
    head, rest = path[0], path[1:]
    if head == "0":
        return [_body(rest, leaf)]
    return {head: _body(rest, leaf)}


def _dig(details: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        assert isinstance(details, dict) and part in details, (path, details)
        details = details[part]
    return details


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for template, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, template, item[method]


def _fill(template: str) -> str:
    # Any id: the guard answers before routing to a record (no record is ever looked up).
    filled = template
    while "{" in filled:
        start, end = filled.index("{"), filled.index("}")
        filled = filled[:start] + str(uuid.UUID(int=7)) + filled[end + 1 :]
    return filled


def test_every_text_field_of_every_json_body_refuses_nul_with_its_path(
    client: FlaskClient, db_session: Session, admin: User
) -> None:
    spec = client.get("/api/openapi.json").get_json()
    checked: list[str] = []
    for method, template, operation in _operations(spec):
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            continue
        for path in _string_fields(spec, content["application/json"]["schema"]):
            for escaped, code_point in BAD:
                raw = json.dumps(_body(path, "x" + "\x01MARK"), ensure_ascii=True)
                raw = raw.replace("\\u0001MARK", escaped)
                response = client.open(
                    _fill(template), method=method, data=raw, content_type="application/json"
                )
                label = f"{method.upper()} {template} {'.'.join(path) or '(body)'}"
                assert response.status_code == 422, (label, response.status_code)
                messages = _dig(response.get_json()["details"], path) if path else None
                assert messages is None or code_point in messages[0], (label, messages)
            checked.append(f"{method} {template} {'.'.join(path)}")
    # The walk reached the bodies people type into: names, notes, titles, comments.
    joined = "\n".join(checked)
    for expected in (
        "post /api/devices name",
        "patch /api/users/{user_id} display_name",
        "post /api/survey-campaigns title",
        "put /api/evaluations/{evaluation_id} notes",
        "put /api/evaluations/{evaluation_id} ratings.1.1",
    ):
        assert expected in joined, f"{expected} not reached: the walk missed a body"
    assert len(checked) > 60, joined


def test_every_text_query_parameter_refuses_nul(client: FlaskClient, admin: User) -> None:
    spec = client.get("/api/openapi.json").get_json()
    checked = 0
    for method, template, operation in _operations(spec):
        for parameter in operation.get("parameters", []):
            parameter = _resolve(spec, parameter)
            if parameter.get("in") != "query":
                continue
            response = client.open(
                _fill(template), method=method, query_string={parameter["name"]: "a\x00b"}
            )
            assert response.status_code == 422, (method, template, parameter["name"])
            assert parameter["name"] in response.get_json()["details"]
            checked += 1
    assert checked >= 8, checked


def test_every_integer_the_api_accepts_is_bounded_by_a_column_type(client: FlaskClient) -> None:
    spec = client.get("/api/openapi.json").get_json()
    unbounded: list[str] = []

    def visit(schema: dict[str, Any], where: str, depth: int = 0) -> None:
        schema = _resolve(spec, schema)
        if depth > 6 or schema.get("readOnly"):
            return
        if schema.get("type") == "integer":
            low, high = schema.get("minimum"), schema.get("maximum")
            if low is None or high is None or low < -BIGINT_MAX - 1 or high > BIGINT_MAX:
                unbounded.append(where)
        for name, inner in schema.get("properties", {}).items():
            visit(inner, f"{where}.{name}", depth + 1)
        if isinstance(schema.get("items"), dict):
            visit(schema["items"], f"{where}[]", depth + 1)
        if isinstance(schema.get("additionalProperties"), dict):
            visit(schema["additionalProperties"], f"{where}{{}}", depth + 1)

    for method, template, operation in _operations(spec):
        for parameter in operation.get("parameters", []):
            parameter = _resolve(spec, parameter)
            visit(parameter.get("schema", {}), f"{method} {template} ?{parameter['name']}")
        for media in operation.get("requestBody", {}).get("content", {}).values():
            visit(media.get("schema", {}), f"{method} {template} body")

    assert unbounded == []
