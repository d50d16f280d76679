"""GET /api/openapi.json: a valid OpenAPI 3.0.3 document that documents the error shape."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from openapi_spec_validator import validate
from PIL import Image

from backend.errors import ErrorCode
from backend.evidence import images


@pytest.fixture
def spec(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.get_json()
    return document


def test_openapi_document_is_valid_openapi_3_0_3(spec: dict[str, Any]) -> None:
    assert spec["openapi"] == "3.0.3"
    validate(spec)  # raises OpenAPIValidationError when invalid


def test_openapi_documents_the_api_paths(spec: dict[str, Any]) -> None:
    assert {"/api/health", "/api/auth/login", "/api/auth/logout", "/api/auth/me"} <= set(
        spec["paths"]
    )


def test_openapi_documents_the_error_schema(spec: dict[str, Any]) -> None:
    error = spec["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "message", "details"}
    assert set(error["properties"]["code"]["enum"]) == {code.value for code in ErrorCode}
    # Error responses, also the generic default, refer to it.
    default = spec["components"]["responses"]["DEFAULT_ERROR"]
    assert default["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    login_401 = spec["paths"]["/api/auth/login"]["post"]["responses"]["401"]
    assert login_401["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    login_422 = spec["paths"]["/api/auth/login"]["post"]["responses"]["422"]
    assert login_422 == {"$ref": "#/components/responses/UNPROCESSABLE_ENTITY"}
    assert spec["components"]["responses"]["UNPROCESSABLE_ENTITY"]["content"]["application/json"][
        "schema"
    ] == {"$ref": "#/components/schemas/Error"}


def test_no_documentation_ui_is_served(client: FlaskClient) -> None:
    # Swagger UI, ReDoc and RapiDoc load scripts from a CDN: none is configured.
    for path in ("/api/swagger-ui", "/api/redoc", "/api/rapidoc", "/api/docs"):
        assert client.get(path).status_code == 404


def test_openapi_documents_the_session_cookie_on_protected_operations(
    spec: dict[str, Any],
) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert {k: v for k, v in schemes["session"].items() if k != "description"} == {
        "type": "apiKey",
        "in": "cookie",
        "name": "fieldcert_session",
    }
    assert (schemes["csrf"]["in"], schemes["csrf"]["name"]) == ("header", "X-CSRF-Token")
    assert (schemes["deviceToken"]["type"], schemes["deviceToken"]["scheme"]) == ("http", "bearer")
    # Reads: the cookie or a device token; writes: the cookie with the CSRF header, or a token.
    assert spec["paths"]["/api/auth/me"]["get"]["security"] == [
        {"session": []},
        {"deviceToken": []},
    ]
    assert spec["paths"]["/api/users"]["post"]["security"] == [
        {"session": [], "csrf": []},
        {"deviceToken": []},
    ]
    assert "security" not in spec["paths"]["/api/auth/login"]["post"]


@pytest.mark.parametrize(
    ("path", "rendition"),
    [
        ("/api/evidence/{evidence_id}/display", "display_jpeg"),
        ("/api/evidence/{evidence_id}/thumbnail", "thumbnail_jpeg"),
    ],
)
def test_the_documented_rendition_size_is_the_one_the_pipeline_makes(
    spec: dict[str, Any], path: str, rendition: str
) -> None:
    # Issue 9 C9: the document said 1600 px while the display image is 2048 px.
    summary = spec["paths"][path]["get"]["summary"]
    match = re.search(r"long side at most (\d+) px", summary)
    assert match is not None, summary
    buffer = io.BytesIO()
    Image.new("RGB", (3000, 1500), (120, 80, 40)).save(buffer, "PNG")

    processed = images.process_image(io.BytesIO(buffer.getvalue()), images.MediaType.PNG)

    made = Image.open(io.BytesIO(getattr(processed, rendition)))
    assert max(made.size) == int(match.group(1))
