"""/api/clients, /api/clients/<id>/units, /api/units/<id>[/sites], /api/sites/<id>."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend import geo
from backend.audit.models import AuditEntry
from backend.clients.models import CertificationUnit, Client, Datum, Site
from backend.users.models import Organisation, Role, User
from tests.factories import (
    make_client,
    make_organisation,
    make_site,
    make_unit,
    make_user,
    sign_in,
)

EDITORS = (Role.ADMIN, Role.TEAM_LEADER)
STAFF_READERS = (Role.ADMIN, Role.TEAM_LEADER, Role.AUDITOR, Role.REVIEWER)
NON_EDITORS = tuple(role for role in Role if role not in EDITORS)
NEVER_READERS = (Role.SHOPPER, Role.SCHEME_MANAGER)

#: Amap's (GCJ-02) position of a place in Nanchang, as a user would paste it.
AMAP_NANCHANG = (28.682892, 115.857963)


@pytest.fixture
def organisation(db_session: Session) -> Organisation:
    return make_organisation(db_session)


def as_role(
    client: FlaskClient, db_session: Session, organisation: Organisation, role: Role
) -> User:
    user = make_user(db_session, role=role, organisation=organisation)
    sign_in(client, user)
    return user


def audit_entries(db_session: Session, action: str, object_id: object) -> list[AuditEntry]:
    return list(
        db_session.scalars(
            sa.select(AuditEntry).where(
                AuditEntry.action == action, AuditEntry.object_id == str(object_id)
            )
        )
    )


def directory_audit(db_session: Session) -> list[str]:
    """The actions logged on directory records (sign-ins are logged too, and not counted)."""
    return list(
        db_session.scalars(
            sa.select(AuditEntry.action).where(
                AuditEntry.object_type.in_(("client", "certification_unit", "site"))
            )
        )
    )


def count(db_session: Session, model: type[Any]) -> int:
    return db_session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def site_body(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "南昌某污水处理厂项目部",
        "address": "江西省南昌市青山湖区某路 1 号",
        "location": {"latitude": 28.71689, "longitude": 115.96021, "datum": "wgs84"},
        "geofence_radius_m": 200,
        **overrides,
    }


# --------------------------------------------------------------------------- clients


@pytest.mark.parametrize("role", EDITORS)
def test_editors_create_a_client_and_the_creation_is_audited(
    client: FlaskClient, db_session: Session, organisation: Organisation, role: Role
) -> None:
    actor = as_role(client, db_session, organisation, role)

    response = client.post(
        "/api/clients",
        json={"name": "  江西某污水处理工程有限公司 ", "service_provider": "江西某建设公司"},
    )

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["name"] == "江西某污水处理工程有限公司"
    assert body["service_provider"] == "江西某建设公司"
    stored = db_session.get_one(Client, uuid.UUID(body["id"]))
    assert stored.organisation_id == organisation.id
    (entry,) = audit_entries(db_session, "client.created", body["id"])
    assert entry.actor_id == actor.id
    assert entry.organisation_id == organisation.id
    assert entry.details["name"] == "江西某污水处理工程有限公司"


@pytest.mark.parametrize("role", NON_EDITORS)
def test_other_roles_may_not_create_clients(
    client: FlaskClient, db_session: Session, organisation: Organisation, role: Role
) -> None:
    as_role(client, db_session, organisation, role)

    response = client.post("/api/clients", json={"name": "某公司"})

    assert response.status_code == 403
    assert response.get_json()["code"] == "FORBIDDEN"
    assert count(db_session, Client) == 0


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/clients"),
        ("post", "/api/clients"),
        ("get", f"/api/clients/{uuid.uuid4()}"),
        ("patch", f"/api/clients/{uuid.uuid4()}"),
        ("get", f"/api/clients/{uuid.uuid4()}/units"),
        ("post", f"/api/clients/{uuid.uuid4()}/units"),
        ("get", f"/api/units/{uuid.uuid4()}"),
        ("patch", f"/api/units/{uuid.uuid4()}"),
        ("get", f"/api/units/{uuid.uuid4()}/sites"),
        ("post", f"/api/units/{uuid.uuid4()}/sites"),
        ("get", f"/api/sites/{uuid.uuid4()}"),
        ("patch", f"/api/sites/{uuid.uuid4()}"),
    ],
)
def test_the_directory_needs_a_signed_in_user(client: FlaskClient, method: str, path: str) -> None:
    response = getattr(client, method)(path, json={} if method != "get" else None)
    assert response.status_code == 401
    assert response.get_json()["code"] == "AUTH_REQUIRED"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "某公司", "vip": True}, "vip"),  # unknown fields are refused
        ({}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": 42}, "name"),
        ({"name": "某公司", "service_provider": "y" * 201}, "service_provider"),
        ({"name": "某\u0000公司"}, "name"),  # PostgreSQL text cannot hold NUL
    ],
)
def test_invalid_client_bodies_are_refused_and_nothing_is_stored(
    client: FlaskClient,
    db_session: Session,
    organisation: Organisation,
    body: dict[str, Any],
    field: str,
) -> None:
    as_role(client, db_session, organisation, Role.ADMIN)

    response = client.post("/api/clients", json=body)

    assert response.status_code == 422
    error = response.get_json()
    assert error["code"] == "VALIDATION_ERROR"
    assert field in error["details"]
    assert count(db_session, Client) == 0
    assert directory_audit(db_session) == []


def test_a_client_body_that_is_not_json_is_refused(
    client: FlaskClient, db_session: Session, organisation: Organisation
) -> None:
    as_role(client, db_session, organisation, Role.ADMIN)
    response = client.post("/api/clients", data="name=x", content_type="text/plain")
    assert response.status_code == 400
    assert response.get_json()["code"] == "MALFORMED_JSON"


@pytest.mark.parametrize("role", STAFF_READERS)
def test_staff_list_the_clients_of_their_own_organisation_only(
    client: FlaskClient, db_session: Session, organisation: Organisation, role: Role
) -> None:
    mine_b = make_client(db_session, organisation=organisation, name="乙公司")
    mine_a = make_client(db_session, organisation=organisation, name="甲公司")
    make_client(db_session, name="别家机构的委托人")
    as_role(client, db_session, organisation, role)

    response = client.get("/api/clients")

    assert response.status_code == 200
    assert {c["id"] for c in response.get_json()} == {str(mine_a.id), str(mine_b.id)}


@pytest.mark.parametrize("role", NEVER_READERS)
def test_shoppers_and_scheme_managers_may_not_read_the_directory(
    client: FlaskClient, db_session: Session, organisation: Organisation, role: Role
) -> None:
    mine = make_client(db_session, organisation=organisation)
    unit = make_unit(db_session, client=mine)
    site = make_site(db_session, unit=unit)
    as_role(client, db_session, organisation, role)

    for path in (
        "/api/clients",
        f"/api/clients/{mine.id}",
        f"/api/clients/{mine.id}/units",
        f"/api/units/{unit.id}",
        f"/api/units/{unit.id}/sites",
        f"/api/sites/{site.id}",
    ):
        response = client.get(path)
        assert response.status_code == 403, path
        assert response.get_json()["code"] == "FORBIDDEN"


def test_a_client_user_reads_only_their_own_client(
    client: FlaskClient, db_session: Session, organisation: Organisation
) -> None:
    own = make_client(db_session, organisation=organisation, name="自己的公司")
    other = make_client(db_session, organisation=organisation, name="同机构的另一家")
    own_unit = make_unit(db_session, client=own)
    own_site = make_site(db_session, unit=own_unit)
    other_unit = make_unit(db_session, client=other)
    other_site = make_site(db_session, unit=other_unit)
    user = make_user(db_session, role=Role.CLIENT_USER, organisation=organisation)
    user.client_id = own.id
    db_session.commit()
    sign_in(client, user)

    assert [c["id"] for c in client.get("/api/clients").get_json()] == [str(own.id)]
    for path in (
        f"/api/clients/{own.id}",
        f"/api/clients/{own.id}/units",
        f"/api/units/{own_unit.id}",
        f"/api/units/{own_unit.id}/sites",
        f"/api/sites/{own_site.id}",
    ):
        assert client.get(path).status_code == 200, path
    for path in (
        f"/api/clients/{other.id}",
        f"/api/clients/{other.id}/units",
        f"/api/units/{other_unit.id}",
        f"/api/units/{other_unit.id}/sites",
        f"/api/sites/{other_site.id}",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.get_json()["code"] == "NOT_FOUND"
    # Reading is all: a client user edits nothing, not even their own client.
    assert client.patch(f"/api/clients/{own.id}", json={"name": "改名"}).status_code == 403
    assert client.post(f"/api/units/{own_unit.id}/sites", json=site_body()).status_code == 403


def test_a_client_user_not_linked_to_a_client_sees_none(
    client: FlaskClient, db_session: Session, organisation: Organisation
) -> None:
    some = make_client(db_session, organisation=organisation)
    as_role(client, db_session, organisation, Role.CLIENT_USER)

    assert client.get("/api/clients").get_json() == []
    assert client.get(f"/api/clients/{some.id}").status_code == 404


def test_another_organisations_records_are_not_found(
    client: FlaskClient, db_session: Session, organisation: Organisation
) -> None:
    theirs = make_client(db_session, name="别家的委托人")
    unit = make_unit(db_session, client=theirs)
    site = make_site(db_session, unit=unit)
    as_role(client, db_session, organisation, Role.ADMIN)

    for method, path, body in [
        ("get", f"/api/clients/{theirs.id}", None),
        ("patch", f"/api/clients/{theirs.id}", {"name": "改名"}),
        ("get", f"/api/clients/{theirs.id}/units", None),
        ("post", f"/api/clients/{theirs.id}/units", {"name": "单元"}),
        ("get", f"/api/units/{unit.id}", None),
        ("patch", f"/api/units/{unit.id}", {"name": "改名"}),
        ("get", f"/api/units/{unit.id}/sites", None),
        ("post", f"/api/units/{unit.id}/sites", site_body()),
        ("get", f"/api/sites/{site.id}", None),
        ("patch", f"/api/sites/{site.id}", {"name": "改名"}),
        ("get", f"/api/clients/{uuid.uuid4()}", None),
    ]:
        response = getattr(client, method)(path, json=body)
        assert response.status_code == 404, (method, path)
        assert response.get_json()["code"] == "NOT_FOUND"
    db_session.refresh(theirs)
    assert theirs.name == "别家的委托人"
    assert directory_audit(db_session) == []


def test_a_malformed_id_in_the_path_is_not_found(
    client: FlaskClient, db_session: Session, organisation: Organisation
) -> None:
    as_role(client, db_session, organisation, Role.ADMIN)
    response = client.get("/api/clients/not-a-uuid")
    assert response.status_code == 404
    assert response.get_json()["code"] == "NOT_FOUND"


def test_patching_a_client_changes_only_the_given_fields_and_audits_the_difference(
    client: FlaskClient, db_session: Session, organisation: Organisation
) -> None:
    record = make_client(db_session, organisation=organisation, name="旧名")
    record.service_provider = "某服务商"
    db_session.commit()
    as_role(client, db_session, organisation, Role.TEAM_LEADER)

    response = client.patch(f"/api/clients/{record.id}", json={"name": "新名"})

    assert response.status_code == 200
    assert response.get_json()["name"] == "新名"
    assert response.get_json()["service_provider"] == "某服务商"
    (entry,) = audit_entries(db_session, "client.updated", record.id)
    assert entry.details == {"changes": {"name": {"from": "旧名", "to": "新名"}}}


def test_a_patch_that_changes_nothing_writes_no_audit_entry(
    client: FlaskClient, db_session: Session, organisation: Organisation
) -> None:
    record = make_client(db_session, organisation=organisation, name="同名")
    as_role(client, db_session, organisation, Role.ADMIN)

    response = client.patch(f"/api/clients/{record.id}", json={"name": "同名"})

    assert response.status_code == 200
    assert audit_entries(db_session, "client.updated", record.id) == []


def test_patching_a_client_refuses_unknown_fields(
    client: FlaskClient, db_session: Session, organisation: Organisation
) -> None:
    record = make_client(db_session, organisation=organisation, name="原名")
    as_role(client, db_session, organisation, Role.ADMIN)

    response = client.patch(
        f"/api/clients/{record.id}", json={"name": "新名", "organisation_id": str(uuid.uuid4())}
    )

    assert response.status_code == 422
    assert "organisation_id" in response.get_json()["details"]
    db_session.refresh(record)
    assert record.name == "原名"


# --------------------------------------------------------------------------- units


def test_units_are_created_listed_read_and_changed(
    client: FlaskClient, db_session: Session, organisation: Organisation
) -> None:
    owner = make_client(db_session, organisation=organisation)
    actor = as_role(client, db_session, organisation, Role.TEAM_LEADER)

    created = client.post(
        f"/api/clients/{owner.id}/units", json={"name": "污水处理工程施工", "scope": "施工服务"}
    )
    assert created.status_code == 201
    unit_id = created.get_json()["id"]
    assert created.get_json()["client_id"] == str(owner.id)
    (entry,) = audit_entries(db_session, "unit.created", unit_id)
    assert entry.actor_id == actor.id

    listed = client.get(f"/api/clients/{owner.id}/units")
    assert [u["id"] for u in listed.get_json()] == [unit_id]
    assert client.get(f"/api/units/{unit_id}").get_json()["scope"] == "施工服务"

    changed = client.patch(f"/api/units/{unit_id}", json={"scope": None})
    assert changed.status_code == 200
    assert changed.get_json()["scope"] is None
    assert db_session.get_one(CertificationUnit, uuid.UUID(unit_id)).scope is None
    assert len(audit_entries(db_session, "unit.updated", unit_id)) == 1


@pytest.mark.parametrize(
    "body", [{}, {"name": ""}, {"name": "单元", "client_id": str(uuid.uuid4())}]
)
def test_invalid_unit_bodies_are_refused(
    client: FlaskClient, db_session: Session, organisation: Organisation, body: dict[str, Any]
) -> None:
    owner = make_client(db_session, organisation=organisation)
    as_role(client, db_session, organisation, Role.ADMIN)

    response = client.post(f"/api/clients/{owner.id}/units", json=body)

    assert response.status_code == 422
    assert response.get_json()["code"] == "VALIDATION_ERROR"
    assert count(db_session, CertificationUnit) == 0


@pytest.mark.parametrize("role", (Role.AUDITOR, Role.REVIEWER))
def test_auditors_and_reviewers_read_units_and_sites_but_do_not_change_them(
    client: FlaskClient, db_session: Session, organisation: Organisation, role: Role
) -> None:
    unit = make_unit(db_session, client=make_client(db_session, organisation=organisation))
    site = make_site(db_session, unit=unit)
    as_role(client, db_session, organisation, role)

    assert client.get(f"/api/units/{unit.id}/sites").status_code == 200
    assert client.get(f"/api/sites/{site.id}").status_code == 200
    assert client.patch(f"/api/units/{unit.id}", json={"name": "x"}).status_code == 403
    assert client.post(f"/api/units/{unit.id}/sites", json=site_body()).status_code == 403
    assert client.patch(f"/api/sites/{site.id}", json={"name": "x"}).status_code == 403


# --------------------------------------------------------------------------- sites


def test_a_site_entered_in_gcj02_is_stored_in_wgs84_and_answered_both_ways(
    client: FlaskClient, db_session: Session, organisation: Organisation
) -> None:
    unit = make_unit(db_session, client=make_client(db_session, organisation=organisation))
    as_role(client, db_session, organisation, Role.ADMIN)
    lat, lng = AMAP_NANCHANG

    response = client.post(
        f"/api/units/{unit.id}/sites",
        json=site_body(location={"latitude": lat, "longitude": lng, "datum": "gcj02"}),
    )

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    expected = geo.gcj02_to_wgs84(lat, lng)
    assert body["entered_location"] == {"latitude": lat, "longitude": lng, "datum": "gcj02"}
    assert body["location"]["datum"] == "wgs84"
    assert body["location"]["latitude"] == pytest.approx(expected.latitude, abs=1e-9)
    assert body["location"]["longitude"] == pytest.approx(expected.longitude, abs=1e-9)
    offset = geo.haversine_m(lat, lng, body["location"]["latitude"], body["location"]["longitude"])
    assert 300 < offset < 800  # GCJ-02 in Nanchang is offset by several hundred metres
    site = db_session.get_one(Site, uuid.UUID(body["id"]))
    assert (site.latitude, site.longitude) == pytest.approx(expected)
    assert (site.entered_datum, site.entered_latitude, site.entered_longitude) == (
        Datum.GCJ02,
        lat,
        lng,
    )
    assert site.geofence_radius_m == 200
    (entry,) = audit_entries(db_session, "site.created", body["id"])
    conversion = entry.details["conversion"]
    assert conversion["entered"] == {"datum": "gcj02", "latitude": lat, "longitude": lng}
    assert conversion["wgs84"]["latitude"] == pytest.approx(expected.latitude)
    assert conversion["offset_m"] == pytest.approx(offset, abs=0.01)


def test_a_site_entered_in_bd09_is_converted_through_gcj02(
    client: FlaskClient, db_session: Session, organisation: Organisation
) -> None:
    unit = make_unit(db_session, client=make_client(db_session, organisation=organisation))
    as_role(client, db_session, organisation, Role.ADMIN)
    wgs = (28.71689, 115.96021)
    bd = geo.wgs84_to_bd09(*wgs)

    response = client.post(
        f"/api/units/{unit.id}/sites",
        json=site_body(
            location={"latitude": bd.latitude, "longitude": bd.longitude, "datum": "bd09"}
        ),
    )

    assert response.status_code == 201
    location = response.get_json()["location"]
    assert location["latitude"] == pytest.approx(wgs[0], abs=1e-6)
    assert location["longitude"] == pytest.approx(wgs[1], abs=1e-6)
    assert response.get_json()["entered_location"]["datum"] == "bd09"


def test_a_wgs84_site_is_stored_as_entered_with_the_default_geofence(
    client: FlaskClient, db_session: Session, organisation: Organisation
) -> None:
    unit = make_unit(db_session, client=make_client(db_session, organisation=organisation))
    as_role(client, db_session, organisation, Role.TEAM_LEADER)
    body = site_body()
    del body["geofence_radius_m"]

    response = client.post(f"/api/units/{unit.id}/sites", json=body)

    assert response.status_code == 201
    answer = response.get_json()
    assert answer["location"] == {"latitude": 28.71689, "longitude": 115.96021, "datum": "wgs84"}
    assert answer["entered_location"] == {**answer["location"], "datum": "wgs84"}
    assert answer["geofence_radius_m"] == 150
    assert [s["id"] for s in client.get(f"/api/units/{unit.id}/sites").get_json()] == [answer["id"]]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"geofence_radius_m": 5}, "geofence_radius_m"),
        ({"geofence_radius_m": 5001}, "geofence_radius_m"),
        ({"geofence_radius_m": "wide"}, "geofence_radius_m"),
        ({"location": {"latitude": 91, "longitude": 115.9, "datum": "wgs84"}}, "location"),
        ({"location": {"latitude": 28.7, "longitude": 181, "datum": "wgs84"}}, "location"),
        ({"location": {"latitude": 28.7, "longitude": 115.9, "datum": "cgcs2000"}}, "location"),
        ({"location": {"latitude": 28.7, "longitude": 115.9}}, "location"),
        (
            {"location": {"latitude": 28.7, "longitude": 115.9, "datum": "wgs84", "z": 1}},
            "location",
        ),
        ({"location": None}, "location"),
        ({"address": ""}, "address"),
        ({"name": "x" * 201}, "name"),
        ({"unit_id": str(uuid.uuid4())}, "unit_id"),
        ({"address": "南昌\u0000"}, "address"),
        # Baidu's offset applies everywhere: at the south pole BD-09 converts to no position.
        ({"location": {"latitude": -90, "longitude": -180, "datum": "bd09"}}, "location"),
    ],
)
def test_invalid_site_bodies_are_refused_and_nothing_is_stored(
    client: FlaskClient,
    db_session: Session,
    organisation: Organisation,
    overrides: dict[str, Any],
    field: str,
) -> None:
    unit = make_unit(db_session, client=make_client(db_session, organisation=organisation))
    as_role(client, db_session, organisation, Role.ADMIN)

    response = client.post(f"/api/units/{unit.id}/sites", json=site_body(**overrides))

    assert response.status_code == 422
    assert response.get_json()["code"] == "VALIDATION_ERROR"
    assert field in response.get_json()["details"]
    assert count(db_session, Site) == 0


def test_not_a_number_is_refused_as_a_coordinate(
    client: FlaskClient, db_session: Session, organisation: Organisation
) -> None:
    unit = make_unit(db_session, client=make_client(db_session, organisation=organisation))
    as_role(client, db_session, organisation, Role.ADMIN)
    raw = (
        '{"name": "x", "address": "y", '
        '"location": {"latitude": NaN, "longitude": 115.9, "datum": "wgs84"}}'
    )

    response = client.post(f"/api/units/{unit.id}/sites", data=raw, content_type="application/json")

    assert response.status_code in (400, 422)
    assert response.get_json()["code"] in ("MALFORMED_JSON", "VALIDATION_ERROR")
    assert count(db_session, Site) == 0


def test_patching_a_site_location_converts_it_again_and_keeps_the_rest(
    client: FlaskClient, db_session: Session, organisation: Organisation
) -> None:
    unit = make_unit(db_session, client=make_client(db_session, organisation=organisation))
    site = make_site(db_session, unit=unit, geofence_radius_m=300)
    as_role(client, db_session, organisation, Role.TEAM_LEADER)
    lat, lng = AMAP_NANCHANG

    response = client.patch(
        f"/api/sites/{site.id}",
        json={"location": {"latitude": lat, "longitude": lng, "datum": "gcj02"}},
    )

    assert response.status_code == 200
    expected = geo.gcj02_to_wgs84(lat, lng)
    db_session.refresh(site)
    assert (site.latitude, site.longitude) == pytest.approx(expected)
    assert site.entered_datum is Datum.GCJ02
    assert site.geofence_radius_m == 300
    (entry,) = audit_entries(db_session, "site.updated", site.id)
    assert entry.details["changes"]["entered_datum"] == {"from": "wgs84", "to": "gcj02"}
    assert entry.details["conversion"]["entered"]["datum"] == "gcj02"


def test_patching_a_site_radius_is_validated_and_audited(
    client: FlaskClient, db_session: Session, organisation: Organisation
) -> None:
    site = make_site(
        db_session,
        unit=make_unit(db_session, client=make_client(db_session, organisation=organisation)),
    )
    as_role(client, db_session, organisation, Role.ADMIN)

    refused = client.patch(f"/api/sites/{site.id}", json={"geofence_radius_m": 9.5})
    accepted = client.patch(f"/api/sites/{site.id}", json={"geofence_radius_m": 80})

    assert refused.status_code == 422
    assert accepted.status_code == 200
    assert accepted.get_json()["geofence_radius_m"] == 80
    (entry,) = audit_entries(db_session, "site.updated", site.id)
    assert entry.details == {"changes": {"geofence_radius_m": {"from": 150.0, "to": 80.0}}}
