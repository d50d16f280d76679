"""POST/GET /api/schemes, GET /api/schemes/<id>[/source], load_scheme_version."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.errors import NotFound
from backend.schemes import services
from backend.schemes.models import SchemeVersion
from backend.scoring import Scheme
from backend.users.models import Organisation, Role, User
from tests.factories import SCHEMES_DIR, make_organisation, make_user, sign_in

IMPORTERS = (Role.ADMIN, Role.SCHEME_MANAGER)
READERS = (Role.ADMIN, Role.SCHEME_MANAGER, Role.TEAM_LEADER, Role.AUDITOR, Role.REVIEWER)
OUTSIDERS = (Role.SHOPPER, Role.CLIENT_USER)
TBSC034 = (SCHEMES_DIR / "cts-tbsc034-2026.yaml").read_bytes()
YAML = "application/yaml"


@pytest.fixture
def organisation(db_session: Session) -> Organisation:
    return make_organisation(db_session)


def as_role(
    client: FlaskClient, db_session: Session, organisation: Organisation, role: Role
) -> User:
    user = make_user(db_session, role=role, organisation=organisation)
    sign_in(client, user)
    return user


def post_scheme(client: FlaskClient, raw: bytes, content_type: str = YAML) -> Any:
    return client.post("/api/schemes", data=raw, content_type=content_type)


def versions(db_session: Session) -> list[SchemeVersion]:
    return list(db_session.scalars(sa.select(SchemeVersion)))


def with_version(raw: bytes, version: str) -> bytes:
    return raw.replace(b'version: "B/0"', f'version: "{version}"'.encode(), 1)


@pytest.mark.parametrize("role", IMPORTERS)
def test_importers_import_a_scheme_file(
    client: FlaskClient, db_session: Session, organisation: Organisation, role: Role
) -> None:
    actor = as_role(client, db_session, organisation, role)

    response = post_scheme(client, TBSC034)

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["scheme_id"] == "cts-tbsc034-2026"
    assert body["version"] == "B/0"
    assert body["status"] == "complete"
    assert body["content_hash"].startswith("sha256:") and len(body["content_hash"]) == 71
    assert body["title"] == {
        "zh": "城镇污水处理厂工程施工服务认证技术规范",
        "en": "Technical specification for service certification of municipal wastewater "
        "treatment plant construction",
    }
    assert body["imported_by_id"] == str(actor.id)
    (row,) = versions(db_session)
    assert row.source_text.encode("utf-8") == TBSC034
    entry = db_session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "scheme.imported")
    ).one()
    assert entry.object_id == body["id"] and entry.actor_id == actor.id
    assert entry.details["content_hash"] == body["content_hash"]


def test_importing_the_same_bytes_again_creates_nothing(
    client: FlaskClient, db_session: Session, organisation: Organisation
) -> None:
    as_role(client, db_session, organisation, Role.SCHEME_MANAGER)
    first = post_scheme(client, TBSC034)

    again = post_scheme(client, TBSC034, content_type="text/plain")

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.get_json() == first.get_json()
    assert len(versions(db_session)) == 1
    imported = sa.select(sa.func.count()).where(AuditEntry.action == "scheme.imported")
    assert db_session.scalar(imported) == 1


def test_a_new_version_of_a_scheme_is_a_new_row(
    client: FlaskClient, db_session: Session, organisation: Organisation
) -> None:
    as_role(client, db_session, organisation, Role.SCHEME_MANAGER)
    first = post_scheme(client, TBSC034)

    second = post_scheme(client, with_version(TBSC034, "B/1"))

    assert second.status_code == 201
    assert second.get_json()["id"] != first.get_json()["id"]
    assert sorted(v.version for v in versions(db_session)) == ["B/0", "B/1"]


def test_other_content_under_an_imported_version_is_a_conflict(
    client: FlaskClient, db_session: Session, organisation: Organisation
) -> None:
    as_role(client, db_session, organisation, Role.SCHEME_MANAGER)
    first = post_scheme(client, TBSC034)

    changed = post_scheme(client, TBSC034 + b"\n# a comment changes the bytes\n")

    assert changed.status_code == 409
    error = changed.get_json()
    assert error["code"] == "CONFLICT"
    assert error["details"]["existing_id"] == first.get_json()["id"]
    assert error["details"]["version"] == "B/0"
    assert len(versions(db_session)) == 1


def test_an_invalid_scheme_lists_every_problem_with_its_path(
    client: FlaskClient, db_session: Session, organisation: Organisation
) -> None:
    as_role(client, db_session, organisation, Role.SCHEME_MANAGER)
    # Two independent mistakes: a duplicated item code, and points that no longer add up.
    broken = TBSC034.replace(b"points: 17", b"points: 18", 1).replace(
        b'code: "1.2"', b'code: "1.1"', 1
    )

    response = post_scheme(client, broken)

    assert response.status_code == 422
    error = response.get_json()
    assert error["code"] == "SCHEME_INVALID"
    problems = error["details"]["problems"]
    assert len(problems) >= 2
    assert all(set(problem) == {"path", "message"} for problem in problems)
    paths = {problem["path"] for problem in problems}
    assert "service.characteristics[0].items[1].code" in paths
    assert "service.total_points" in paths
    assert versions(db_session) == []


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"id: [unclosed",
        b"\xff\xfe not utf-8",
        b"just a string",
        b"- a list",
        b"id: a\x00b",
        b"[" * 5000 + b"]" * 5000,  # deeper than the parser's recursion
    ],
)
def test_bodies_that_are_no_scheme_are_scheme_invalid(
    client: FlaskClient, db_session: Session, organisation: Organisation, raw: bytes
) -> None:
    as_role(client, db_session, organisation, Role.ADMIN)

    response = post_scheme(client, raw)

    assert response.status_code == 422
    assert response.get_json()["code"] == "SCHEME_INVALID"
    assert response.get_json()["details"]["problems"]
    assert versions(db_session) == []


def test_a_scheme_id_longer_than_the_column_is_refused_not_crashed(
    client: FlaskClient, db_session: Session, organisation: Organisation
) -> None:
    as_role(client, db_session, organisation, Role.ADMIN)
    long_id = "x" * 101
    raw = TBSC034.replace(b"id: cts-tbsc034-2026", f"id: {long_id}".encode(), 1)

    response = post_scheme(client, raw)

    assert response.status_code == 422
    assert response.get_json()["details"]["problems"] == [
        {"path": "id", "message": "longer than 100 characters"}
    ]


def test_a_value_of_the_wrong_kind_is_refused_not_crashed(
    client: FlaskClient, db_session: Session, organisation: Organisation
) -> None:
    # The reader used to iterate this number (TypeError, a 500): now a problem at its path.
    as_role(client, db_session, organisation, Role.ADMIN)
    raw = re.sub(rb"\n  dimensions:\n(    .*\n){3}", b"\n  dimensions: 5\n", TBSC034, count=1)
    assert raw != TBSC034

    response = post_scheme(client, raw)

    assert response.status_code == 422
    assert response.get_json()["code"] == "SCHEME_INVALID"
    assert {"path": "service.dimensions", "message": "must be a mapping, got the number 5"} in (
        response.get_json()["details"]["problems"]
    )
    assert versions(db_session) == []


def test_a_json_body_is_an_unsupported_media_type(
    client: FlaskClient, db_session: Session, organisation: Organisation
) -> None:
    as_role(client, db_session, organisation, Role.ADMIN)

    response = client.post("/api/schemes", json={"yaml": TBSC034.decode()})

    assert response.status_code == 415
    assert response.get_json()["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert versions(db_session) == []


@pytest.mark.parametrize("role", [r for r in Role if r not in IMPORTERS])
def test_other_roles_may_not_import_schemes(
    client: FlaskClient, db_session: Session, organisation: Organisation, role: Role
) -> None:
    as_role(client, db_session, organisation, role)

    response = post_scheme(client, TBSC034)

    assert response.status_code == 403
    assert response.get_json()["code"] == "FORBIDDEN"
    assert versions(db_session) == []


def test_importing_needs_a_signed_in_user(client: FlaskClient, db_session: Session) -> None:
    response = post_scheme(client, TBSC034)
    assert response.status_code == 401
    assert versions(db_session) == []


@pytest.mark.parametrize("role", READERS)
def test_staff_list_and_read_scheme_versions(
    client: FlaskClient, db_session: Session, organisation: Organisation, role: Role
) -> None:
    row = services.import_scheme(db_session, None, TBSC034).scheme_version
    as_role(client, db_session, organisation, role)

    listed = client.get("/api/schemes")
    one = client.get(f"/api/schemes/{row.id}")

    assert listed.status_code == 200
    assert [v["id"] for v in listed.get_json()] == [str(row.id)]
    assert one.status_code == 200
    assert one.get_json()["content_hash"] == row.content_hash
    assert one.get_json()["imported_by_id"] is None  # imported by the command line


@pytest.mark.parametrize("role", OUTSIDERS)
def test_shoppers_and_client_users_may_not_read_schemes(
    client: FlaskClient, db_session: Session, organisation: Organisation, role: Role
) -> None:
    row = services.import_scheme(db_session, None, TBSC034).scheme_version
    as_role(client, db_session, organisation, role)

    for path in ("/api/schemes", f"/api/schemes/{row.id}", f"/api/schemes/{row.id}/source"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert response.get_json()["code"] == "FORBIDDEN"


@pytest.mark.parametrize("path", ["/api/schemes", f"/api/schemes/{uuid.uuid4()}"])
def test_reading_schemes_needs_a_signed_in_user(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 401


def test_the_source_is_the_exact_file(
    client: FlaskClient, db_session: Session, organisation: Organisation
) -> None:
    raw = TBSC034.replace(b"\n", b"\r\n")  # line endings are part of the bytes, and the hash
    as_role(client, db_session, organisation, Role.AUDITOR)
    row = services.import_scheme(db_session, None, raw).scheme_version

    response = client.get(f"/api/schemes/{row.id}/source")

    assert response.status_code == 200
    assert response.data == raw
    assert response.mimetype == "application/yaml"
    assert response.headers["X-Content-Hash"] == row.content_hash


def test_an_unknown_scheme_version_is_not_found(
    client: FlaskClient, db_session: Session, organisation: Organisation
) -> None:
    as_role(client, db_session, organisation, Role.ADMIN)
    for path in (f"/api/schemes/{uuid.uuid4()}", f"/api/schemes/{uuid.uuid4()}/source"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.get_json()["code"] == "NOT_FOUND"


# --------------------------------------------------------------------------- the service


def test_load_scheme_version_parses_the_stored_text_and_caches_it(db_session: Session) -> None:
    row = services.import_scheme(db_session, None, TBSC034).scheme_version

    scheme = services.load_scheme_version(db_session, row.id)

    assert isinstance(scheme, Scheme)
    assert scheme.id == "cts-tbsc034-2026"
    assert scheme.content_hash == row.content_hash
    assert scheme.service is not None and len(scheme.service.items) == 19
    assert services.load_scheme_version(db_session, row.id) is scheme  # from the cache


def test_load_scheme_version_refuses_a_stored_text_that_no_longer_matches_its_hash(
    db_session: Session,
) -> None:
    row = SchemeVersion(
        id=uuid.uuid4(),
        scheme_id="cts-tbsc034-2026",
        version="B/0",
        content_hash="sha256:" + "0" * 64,  # not the hash of the text below
        title_zh="篡改",
        title_en="tampered",
        status="complete",
        source_text=TBSC034.decode(),
    )
    db_session.add(row)
    db_session.commit()

    with pytest.raises(services.StoredSchemeCorrupt, match="hashes to"):
        services.load_scheme_version(db_session, row.id)


def test_load_scheme_version_of_an_unknown_id_is_not_found(db_session: Session) -> None:
    with pytest.raises(NotFound):
        services.load_scheme_version(db_session, uuid.uuid4())
