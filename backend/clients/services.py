"""The directory of field work: clients, their certification units and their sites.

Everything is scoped to the actor's organisation: another organisation's rows are answered as
not found, never as forbidden (their existence is not ours to reveal). Administrators and team
leaders create and edit (DOMAIN.md "Who uses the product": the team leader plans units and sites);
auditors and reviewers read; a client user reads only their own client (``users.client_id``; one
not linked to a client sees nothing).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend import geo
from backend.audit.changes import apply_changes
from backend.audit.services import record
from backend.auth.actor import Actor
from backend.clients.models import CertificationUnit, Client, Datum, Site
from backend.errors import Forbidden, NotFound, ValidationFailed
from backend.unit_of_work import flush_as_stored
from backend.users.models import Role

#: Who may read the directory: the people who plan, perform and review audits, and client users
#: (their own client only).
READERS: frozenset[Role] = frozenset(
    {Role.ADMIN, Role.TEAM_LEADER, Role.AUDITOR, Role.REVIEWER, Role.CLIENT_USER}
)
#: Who may create and edit it.
EDITORS: frozenset[Role] = frozenset({Role.ADMIN, Role.TEAM_LEADER})


def _check(actor: Actor, roles: frozenset[Role]) -> None:
    if actor.role not in roles:
        raise Forbidden(
            details={"role": actor.role.value, "allowed": sorted(r.value for r in roles)}
        )


def _apply_and_audit(
    session: Session,
    actor: Actor,
    row: Any,
    changes: Mapping[str, Any],
    *,
    object_type: str,
    ip: str | None,
    details: Callable[[Mapping[str, Any]], Mapping[str, Any]] = lambda diff: {},
) -> None:
    """Apply ``changes``; when anything really changed, audit it (``<type>.updated``) and commit.

    ``details`` gives further audit details from the diff (a site's coordinate conversion).
    """
    diff = apply_changes(row, changes)
    if not diff:
        return
    record(
        session,
        actor=actor,
        action=f"{object_type.removeprefix('certification_')}.updated",
        object_type=object_type,
        object_id=row.id,
        details={"changes": diff, **details(diff)},
        ip=ip,
    )
    flush_as_stored(session)


def _scope(actor: Actor) -> list[sa.ColumnElement[bool]]:
    """Conditions on ``Client`` limiting a query to the clients the actor may see."""
    conditions = [Client.organisation_id == actor.user.organisation_id]
    if actor.role is Role.CLIENT_USER:
        # DOMAIN.md: the evaluated organisation sees its own records only; a client user not
        # (yet) linked to a client sees none.
        client_id = actor.user.client_id
        conditions.append(sa.false() if client_id is None else Client.id == client_id)
    return conditions


# --------------------------------------------------------------------------- clients


def list_clients(session: Session, actor: Actor) -> Sequence[Client]:
    """The clients the actor may see (their organisation's; a client user's own), by name."""
    _check(actor, READERS)
    return session.scalars(
        sa.select(Client).where(*_scope(actor)).order_by(Client.name, Client.id)
    ).all()


def get_client(session: Session, actor: Actor, client_id: uuid.UUID) -> Client:
    """A client of the actor's organisation; 404 for any other."""
    _check(actor, READERS)
    return _client_in_org(session, actor, client_id)


def _client_in_org(session: Session, actor: Actor, client_id: uuid.UUID) -> Client:
    client = session.scalars(
        sa.select(Client).where(Client.id == client_id, *_scope(actor))
    ).one_or_none()
    if client is None:
        raise NotFound(details={"client_id": str(client_id)})
    return client


def create_client(
    session: Session,
    actor: Actor,
    *,
    name: str,
    service_provider: str | None = None,
    ip: str | None = None,
) -> Client:
    _check(actor, EDITORS)
    client = Client(
        id=uuid.uuid4(),
        organisation_id=actor.user.organisation_id,
        name=name,
        service_provider=service_provider or None,
    )
    session.add(client)
    record(
        session,
        actor=actor,
        action="client.created",
        object_type="client",
        object_id=client.id,
        details={"name": name, "service_provider": client.service_provider},
        ip=ip,
    )
    flush_as_stored(session)
    return client


def update_client(
    session: Session,
    actor: Actor,
    client_id: uuid.UUID,
    changes: Mapping[str, Any],
    *,
    ip: str | None = None,
) -> Client:
    """Change a client's name or service provider (only the fields given)."""
    _check(actor, EDITORS)
    client = _client_in_org(session, actor, client_id)
    if "service_provider" in changes:
        changes = {**changes, "service_provider": changes["service_provider"] or None}
    _apply_and_audit(session, actor, client, changes, object_type="client", ip=ip)
    return client


# --------------------------------------------------------------------------- units


def list_units(session: Session, actor: Actor, client_id: uuid.UUID) -> Sequence[CertificationUnit]:
    _check(actor, READERS)
    client = _client_in_org(session, actor, client_id)
    return session.scalars(
        sa.select(CertificationUnit)
        .where(CertificationUnit.client_id == client.id)
        .order_by(CertificationUnit.name, CertificationUnit.id)
    ).all()


def get_unit(session: Session, actor: Actor, unit_id: uuid.UUID) -> CertificationUnit:
    _check(actor, READERS)
    return _unit_in_org(session, actor, unit_id)


def _unit_in_org(session: Session, actor: Actor, unit_id: uuid.UUID) -> CertificationUnit:
    unit = session.scalars(
        sa.select(CertificationUnit)
        .join(Client)
        .where(CertificationUnit.id == unit_id, *_scope(actor))
    ).one_or_none()
    if unit is None:
        raise NotFound(details={"unit_id": str(unit_id)})
    return unit


def create_unit(
    session: Session,
    actor: Actor,
    client_id: uuid.UUID,
    *,
    name: str,
    scope: str | None = None,
    ip: str | None = None,
) -> CertificationUnit:
    _check(actor, EDITORS)
    client = _client_in_org(session, actor, client_id)
    unit = CertificationUnit(id=uuid.uuid4(), client_id=client.id, name=name, scope=scope or None)
    session.add(unit)
    record(
        session,
        actor=actor,
        action="unit.created",
        object_type="certification_unit",
        object_id=unit.id,
        details={"client_id": str(client.id), "name": name, "scope": unit.scope},
        ip=ip,
    )
    flush_as_stored(session)
    return unit


def update_unit(
    session: Session,
    actor: Actor,
    unit_id: uuid.UUID,
    changes: Mapping[str, Any],
    *,
    ip: str | None = None,
) -> CertificationUnit:
    _check(actor, EDITORS)
    unit = _unit_in_org(session, actor, unit_id)
    if "scope" in changes:
        changes = {**changes, "scope": changes["scope"] or None}
    _apply_and_audit(session, actor, unit, changes, object_type="certification_unit", ip=ip)
    return unit


# --------------------------------------------------------------------------- sites


def list_sites(session: Session, actor: Actor, unit_id: uuid.UUID) -> Sequence[Site]:
    _check(actor, READERS)
    unit = _unit_in_org(session, actor, unit_id)
    return session.scalars(
        sa.select(Site).where(Site.unit_id == unit.id).order_by(Site.name, Site.id)
    ).all()


def get_site(session: Session, actor: Actor, site_id: uuid.UUID) -> Site:
    _check(actor, READERS)
    return site_in_org(session, actor, site_id)


def site_in_org(session: Session, actor: Actor, site_id: uuid.UUID) -> Site:
    """A site the actor's organisation (a client user: their client) has; 404 for any other.

    No role check: for other features (engagements, evaluations) that check their own.
    """
    site = session.scalars(
        sa.select(Site)
        .join(CertificationUnit)
        .join(Client)
        .where(Site.id == site_id, *_scope(actor))
    ).one_or_none()
    if site is None:
        raise NotFound(details={"site_id": str(site_id)})
    return site


def _locate(location: Mapping[str, Any]) -> tuple[Datum, float, float, geo.LatLng]:
    """The entered datum and coordinates, and their WGS-84 conversion (DOMAIN.md "Geography")."""
    datum = Datum(location["datum"])
    latitude, longitude = float(location["latitude"]), float(location["longitude"])
    wgs = geo.to_wgs84(latitude, longitude, datum)
    if not (-90 <= wgs.latitude <= 90 and -180 <= wgs.longitude <= 180):
        # Baidu's offset applies everywhere, so a BD-09 position at the poles or the date line
        # converts to no position at all.
        raise ValidationFailed(
            details={"location": ["The converted WGS-84 position is out of range."]}
        )
    return datum, latitude, longitude, wgs


def _conversion(datum: Datum, latitude: float, longitude: float, wgs: geo.LatLng) -> dict[str, Any]:
    """The audit record of a conversion: entered, stored, and how far apart they are."""
    return {
        "entered": {"datum": datum.value, "latitude": latitude, "longitude": longitude},
        "wgs84": {"latitude": wgs.latitude, "longitude": wgs.longitude},
        "offset_m": round(geo.haversine_m(latitude, longitude, wgs.latitude, wgs.longitude), 2),
    }


def create_site(
    session: Session,
    actor: Actor,
    unit_id: uuid.UUID,
    *,
    name: str,
    address: str,
    location: Mapping[str, Any],
    geofence_radius_m: float,
    ip: str | None = None,
) -> Site:
    """Add a site; a GCJ-02 or BD-09 location is converted to WGS-84 and kept as entered too."""
    _check(actor, EDITORS)
    unit = _unit_in_org(session, actor, unit_id)
    datum, latitude, longitude, wgs = _locate(location)
    site = Site(
        id=uuid.uuid4(),
        unit_id=unit.id,
        name=name,
        address=address,
        latitude=wgs.latitude,
        longitude=wgs.longitude,
        geofence_radius_m=geofence_radius_m,
        entered_datum=datum,
        entered_latitude=latitude,
        entered_longitude=longitude,
    )
    session.add(site)
    record(
        session,
        actor=actor,
        action="site.created",
        object_type="site",
        object_id=site.id,
        details={
            "unit_id": str(unit.id),
            "name": name,
            "address": address,
            "geofence_radius_m": geofence_radius_m,
            "conversion": _conversion(datum, latitude, longitude, wgs),
        },
        ip=ip,
    )
    flush_as_stored(session)
    return site


def update_site(
    session: Session,
    actor: Actor,
    site_id: uuid.UUID,
    changes: Mapping[str, Any],
    *,
    ip: str | None = None,
) -> Site:
    """Change a site's name, address, geofence radius or location (converted as on creation)."""
    _check(actor, EDITORS)
    site = site_in_org(session, actor, site_id)
    columns = {key: value for key, value in changes.items() if key != "location"}
    details: dict[str, Any] = {}
    if "location" in changes:
        datum, latitude, longitude, wgs = _locate(changes["location"])
        columns |= {
            "entered_datum": datum,
            "entered_latitude": latitude,
            "entered_longitude": longitude,
            "latitude": wgs.latitude,
            "longitude": wgs.longitude,
        }
        details["conversion"] = _conversion(datum, latitude, longitude, wgs)
    entered = ("entered_datum", "entered_latitude", "entered_longitude")
    _apply_and_audit(
        session,
        actor,
        site,
        columns,
        object_type="site",
        ip=ip,
        # The conversion is worth recording only when the entered location really changed.
        details=lambda diff: details if any(key in diff for key in entered) else {},
    )
    return site
