"""``/api/clients``, ``/api/units``, ``/api/sites``: the directory of field work.

Administrators and team leaders create and edit; auditors and reviewers read; client users read
their own client only. Everything is limited to the signed-in user's organisation (another
organisation's ids answer 404).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from flask import request
from flask.views import MethodView

from backend.api import Blueprint
from backend.auth.access import allow, require_actor
from backend.clients import positions, services
from backend.clients.models import CertificationUnit, Client, Site
from backend.clients.schemas import (
    ClientCreateSchema,
    ClientSchema,
    ClientUpdateSchema,
    LocatedSchema,
    LocateSchema,
    SiteCreateSchema,
    SiteSchema,
    SiteUpdateSchema,
    UnitCreateSchema,
    UnitSchema,
    UnitUpdateSchema,
)
from backend.extensions import db

clients_blp = Blueprint(
    "clients",
    __name__,
    url_prefix="/api/clients",
    description="Clients (认证委托人 / 服务提供者) and their certification units.",
)
units_blp = Blueprint(
    "units", __name__, url_prefix="/api/units", description="Certification units and their sites."
)
sites_blp = Blueprint(
    "sites", __name__, url_prefix="/api/sites", description="Service sites and their geofences."
)

READERS = tuple(sorted(services.READERS))
EDITORS = tuple(sorted(services.EDITORS))

_ERRORS = {
    401: "AUTH_REQUIRED: not signed in.",
    403: "FORBIDDEN: the role may not do this.",
    404: "NOT_FOUND: no such record that I may see (client users: other clients).",
    422: "VALIDATION_ERROR: the body does not validate (unknown fields are refused).",
}


def _errors(blp: Blueprint, *statuses: int) -> Callable[[Any], Any]:
    """Document the error answers of a view from this module's table."""
    return blp.errors(_ERRORS, *statuses)


def _ip() -> str | None:
    return request.remote_addr


@clients_blp.route("")
class Clients(MethodView):
    @allow(*READERS)
    @clients_blp.doc(security=[{"session": []}])
    @clients_blp.response(200, ClientSchema(many=True))
    @_errors(clients_blp, 401, 403)
    def get(self) -> Sequence[Client]:
        """List the clients of my organisation"""
        return services.list_clients(db.session(), require_actor())

    @allow(*EDITORS)
    @clients_blp.doc(security=[{"session": []}])
    @clients_blp.arguments(ClientCreateSchema)
    @clients_blp.response(201, ClientSchema)
    @_errors(clients_blp, 401, 403, 422)
    def post(self, data: dict[str, Any]) -> Client:
        """Add a client

        Administrators and team leaders.
        """
        return services.create_client(db.session(), require_actor(), **data, ip=_ip())


@clients_blp.route("/<uuid:client_id>")
class ClientResource(MethodView):
    @allow(*READERS)
    @clients_blp.doc(security=[{"session": []}])
    @clients_blp.response(200, ClientSchema)
    @_errors(clients_blp, 401, 403, 404)
    def get(self, client_id: uuid.UUID) -> Client:
        """One client"""
        return services.get_client(db.session(), require_actor(), client_id)

    @allow(*EDITORS)
    @clients_blp.doc(security=[{"session": []}])
    @clients_blp.arguments(ClientUpdateSchema)
    @clients_blp.response(200, ClientSchema)
    @_errors(clients_blp, 401, 403, 404, 422)
    def patch(self, changes: dict[str, Any], client_id: uuid.UUID) -> Client:
        """Change a client

        Only the fields given change. Administrators and team leaders.
        """
        return services.update_client(db.session(), require_actor(), client_id, changes, ip=_ip())


@clients_blp.route("/<uuid:client_id>/units")
class ClientUnits(MethodView):
    @allow(*READERS)
    @clients_blp.doc(security=[{"session": []}])
    @clients_blp.response(200, UnitSchema(many=True))
    @_errors(clients_blp, 401, 403, 404)
    def get(self, client_id: uuid.UUID) -> Sequence[CertificationUnit]:
        """List a client's certification units"""
        return services.list_units(db.session(), require_actor(), client_id)

    @allow(*EDITORS)
    @clients_blp.doc(security=[{"session": []}])
    @clients_blp.arguments(UnitCreateSchema)
    @clients_blp.response(201, UnitSchema)
    @_errors(clients_blp, 401, 403, 404, 422)
    def post(self, data: dict[str, Any], client_id: uuid.UUID) -> CertificationUnit:
        """Add a certification unit (认证单元) to a client"""
        return services.create_unit(db.session(), require_actor(), client_id, **data, ip=_ip())


@units_blp.route("/<uuid:unit_id>")
class UnitResource(MethodView):
    @allow(*READERS)
    @units_blp.doc(security=[{"session": []}])
    @units_blp.response(200, UnitSchema)
    @_errors(units_blp, 401, 403, 404)
    def get(self, unit_id: uuid.UUID) -> CertificationUnit:
        """One certification unit"""
        return services.get_unit(db.session(), require_actor(), unit_id)

    @allow(*EDITORS)
    @units_blp.doc(security=[{"session": []}])
    @units_blp.arguments(UnitUpdateSchema)
    @units_blp.response(200, UnitSchema)
    @_errors(units_blp, 401, 403, 404, 422)
    def patch(self, changes: dict[str, Any], unit_id: uuid.UUID) -> CertificationUnit:
        """Change a certification unit"""
        return services.update_unit(db.session(), require_actor(), unit_id, changes, ip=_ip())


@units_blp.route("/<uuid:unit_id>/sites")
class UnitSites(MethodView):
    @allow(*READERS)
    @units_blp.doc(security=[{"session": []}])
    @units_blp.response(200, SiteSchema(many=True))
    @_errors(units_blp, 401, 403, 404)
    def get(self, unit_id: uuid.UUID) -> Sequence[Site]:
        """List a unit's sites"""
        return services.list_sites(db.session(), require_actor(), unit_id)

    @allow(*EDITORS)
    @units_blp.doc(security=[{"session": []}])
    @units_blp.arguments(SiteCreateSchema)
    @units_blp.response(201, SiteSchema)
    @_errors(units_blp, 401, 403, 404, 422)
    def post(self, data: dict[str, Any], unit_id: uuid.UUID) -> Site:
        """Add a site

        The location may be entered in WGS-84, GCJ-02 (Amap, Tencent) or BD-09 (Baidu); it is
        stored in WGS-84 and answered both ways.
        """
        return services.create_site(db.session(), require_actor(), unit_id, **data, ip=_ip())


@sites_blp.route("/<uuid:site_id>")
class SiteResource(MethodView):
    @allow(*READERS)
    @sites_blp.doc(security=[{"session": []}])
    @sites_blp.response(200, SiteSchema)
    @_errors(sites_blp, 401, 403, 404)
    def get(self, site_id: uuid.UUID) -> Site:
        """One site"""
        return services.get_site(db.session(), require_actor(), site_id)

    @allow(*EDITORS)
    @sites_blp.doc(security=[{"session": []}])
    @sites_blp.arguments(SiteUpdateSchema)
    @sites_blp.response(200, SiteSchema)
    @_errors(sites_blp, 401, 403, 404, 422)
    def patch(self, changes: dict[str, Any], site_id: uuid.UUID) -> Site:
        """Change a site

        A new location replaces the old one whole (latitude, longitude and datum together).
        """
        return services.update_site(db.session(), require_actor(), site_id, changes, ip=_ip())


@sites_blp.route("/locate")
class Locate(MethodView):
    @allow(*EDITORS)
    @sites_blp.doc(security=[{"session": []}])
    @sites_blp.arguments(LocateSchema)
    @sites_blp.response(200, LocatedSchema)
    @_errors(sites_blp, 401, 403, 422)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Read a position and show it in every datum

        A pasted position (decimal degrees in either order, degrees-minutes-seconds, 北纬/东经
        labels) in the chosen ``datum``, or a link copied from Amap, Tencent (GCJ-02) or Baidu
        (BD-09, or its ``coord_type``) maps, whose datum the link says; or typed numbers.
        Answers the point in WGS-84 (what is stored), GCJ-02 and BD-09 and how far the entered
        numbers are from the WGS-84 point. Nothing is stored. Editors of sites.
        """
        require_actor()
        if "text" in data:
            entered = positions.parse(data["text"], data["datum"])
        else:
            entered = positions.Entered(
                data["latitude"], data["longitude"], data["datum"], "typed", "lat,lng"
            )
        return {
            "source": entered.source,
            "order": entered.order,
            **positions.conversions(entered.latitude, entered.longitude, entered.datum),
        }
