"""The Flask application factory (``backend.create_app`` delegates here)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import flask
from flask.json.provider import DefaultJSONProvider
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.middleware.proxy_fix import ProxyFix

# Receivers of the domain events (backend/<feature>/signals.py): importing connects them.
import backend.onsite.receivers
import backend.push.receivers
import backend.surveys.receivers  # noqa: F401
from backend import benchfloor, textguard, unit_of_work
from backend.audit.routes import blp as audit_blp
from backend.auth import csrf
from backend.auth.limits import init_rate_limits
from backend.auth.routes import blp as auth_blp
from backend.auth.session import SessionInterface
from backend.certificates.public import blp as certificates_public_blp
from backend.certificates.routes import blp as certificates_blp
from backend.clients.routes import clients_blp, sites_blp, units_blp
from backend.cnca.routes import blp as cnca_blp
from backend.config import REPO_ROOT, engine_options, load_settings
from backend.decisions.routes import blp as decisions_blp
from backend.devices.routes import blp as devices_blp
from backend.engagements.routes import assignments_blp, engagements_blp, me_blp
from backend.errors import ApiError, MalformedJson
from backend.evaluations.routes import blp as evaluations_blp
from backend.evaluations.routes import engagement_blp as engagement_evaluations_blp
from backend.evidence.routes import blp as evidence_blp
from backend.export.routes import blp as export_blp
from backend.extensions import create_api, db, migrate
from backend.fieldapp.routes import blp as fieldapp_blp
from backend.health.routes import blp as health_blp
from backend.jobs.routes import blp as jobs_blp
from backend.jobs.routes import files_blp as file_jobs_blp
from backend.jobs.tasks import init_jobs
from backend.nonconformities.routes import blp as nonconformities_blp
from backend.onsite.routes import blp as onsite_blp
from backend.onsite.routes import engagement_blp as engagement_onsite_blp
from backend.onsite.routes import pairs_blp as rater_pairs_blp
from backend.organisations.routes import blp as organisation_blp
from backend.planning.routes import applications_blp, planning_blp, portal_blp
from backend.push.routes import blp as push_blp
from backend.push.services import init_push
from backend.pwa import PwaPathConverter
from backend.pwa import blp as pwa_blp
from backend.reports.routes import blp as reports_blp
from backend.schemes.routes import blp as schemes_blp
from backend.surveillance.routes import blp as surveillance_blp
from backend.surveys.public import blp as surveys_public_blp
from backend.surveys.routes import campaigns_blp as survey_campaigns_blp
from backend.surveys.routes import responses_blp as survey_responses_blp
from backend.surveys.setup import init_surveys
from backend.sync.routes import blp as sync_blp
from backend.users.routes import blp as users_blp
from backend.version import VERSION

#: Alembic migrations live at the top of the checkout, next to backend/.
MIGRATIONS_DIR = REPO_ROOT / "migrations"


class Request(flask.Request):
    """Flask's request, answering ``MALFORMED_JSON`` when ``get_json()`` cannot parse the body,
    and checking a form post's text when it is parsed (``backend.textguard``)."""

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        raise MalformedJson() from e

    def _load_form_data(self) -> None:
        super()._load_form_data()
        try:
            textguard.check_form(self.form, self.files)
        except ApiError:
            # Nobody reads the refused form later by accident (the parse result is cached).
            self.__dict__["form"] = ImmutableMultiDict()
            self.__dict__["files"] = ImmutableMultiDict()
            raise


class App(flask.Flask):
    """Flask, with each request's view run in one transaction (``backend.unit_of_work``)."""

    request_class = Request

    def dispatch_request(self) -> ResponseReturnValue:
        return unit_of_work.dispatch(self, super().dispatch_request)


def build_app(config: Mapping[str, Any] | None = None) -> flask.Flask:
    """Build the application from the environment, then apply ``config`` (Flask keys) on top."""
    overrides = dict(config or {})
    settings = load_settings(overrides=overrides)
    app = App("backend", instance_path=str(settings.instance_dir))
    # First of all: no view, service or database query sees a control character (textguard).
    app.before_request(textguard.check_request)
    app.session_interface = SessionInterface()
    app.config.update(settings.flask_config())
    app.config.update(
        API_TITLE="fieldcert",
        API_VERSION=VERSION,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        # No Swagger UI, ReDoc or RapiDoc: they load their scripts from a CDN.
        API_SPEC_OPTIONS={
            "info": {
                "description": "fieldcert JSON API. Every error answers "
                '`{"code", "message", "details"}` (see the Error schema); messages are '
                "zh-CN unless Accept-Language prefers English.",
            },
            "components": {
                "securitySchemes": {
                    "session": {
                        "type": "apiKey",
                        "in": "cookie",
                        "name": app.config["SESSION_COOKIE_NAME"],
                        "description": "Signed in with POST /api/auth/login.",
                    },
                    "csrf": {
                        "type": "apiKey",
                        "in": "header",
                        "name": "X-CSRF-Token",
                        "description": "With the session cookie, every write also sends the "
                        "session's token (GET /api/auth/csrf, or the sign-in answer).",
                    },
                    "deviceToken": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "A paired field device: Authorization: Bearer fcd_… "
                        "(no cookie, no CSRF token).",
                    },
                }
            },
        },
    )
    app.config.update(overrides)
    if "SQLALCHEMY_ENGINE_OPTIONS" not in overrides:
        # The URL may come from ``config``: match the options to the database actually used.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
            app.config["SQLALCHEMY_DATABASE_URI"]
        )

    if isinstance(app.json, DefaultJSONProvider):
        # Chinese text as itself, not \uXXXX escapes: readable and smaller.
        app.json.ensure_ascii = False
    if app.config["FIELDCERT_TRUSTED_PROXIES"]:
        hops = int(app.config["FIELDCERT_TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )
    Path(app.config["FIELDCERT_STORAGE_DIR"]).mkdir(parents=True, exist_ok=True)
    app.url_map.converters["pwa_path"] = PwaPathConverter

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    api = create_api(app)
    for blueprint in (
        health_blp,
        auth_blp,
        users_blp,
        organisation_blp,
        devices_blp,
        audit_blp,
        push_blp,
        clients_blp,
        units_blp,
        sites_blp,
        schemes_blp,
        engagements_blp,
        assignments_blp,
        me_blp,
        evidence_blp,
        evaluations_blp,
        engagement_evaluations_blp,
        sync_blp,
        fieldapp_blp,
        survey_campaigns_blp,
        survey_responses_blp,
        reports_blp,
        applications_blp,
        planning_blp,
        portal_blp,
        decisions_blp,
        certificates_blp,
        nonconformities_blp,
        export_blp,
        cnca_blp,
        surveillance_blp,
        jobs_blp,
        file_jobs_blp,
        onsite_blp,
        engagement_onsite_blp,
        rater_pairs_blp,
    ):
        api.register_blueprint(blueprint)
    # Customer surveys (issue 5): the public page /s/<code> and the analysis page (HTML).
    init_surveys(app)
    app.register_blueprint(surveys_public_blp)
    app.register_blueprint(certificates_public_blp)
    app.register_blueprint(pwa_blp)
    if benchfloor.enabled(app.config):
        # Only bench/api_bench.py's own server: the floor the evidence pipeline is measured by.
        app.register_blueprint(benchfloor.blp)
    # Security (issue 3): rate limits and lockout, CSRF on cookie-authenticated writes, push.
    init_rate_limits(app)
    app.before_request(csrf.protect)
    init_push(app)
    # Background jobs (issue 13): Huey on SQLite or Redis, run by `fieldcert worker`.
    init_jobs(app)
    app.after_request(_default_headers)
    return app


#: The policy of answers that set none of their own (JSON, errors): nothing to load, never framed.
_API_CSP = "default-src 'none'; frame-ancestors 'none'"


def _default_headers(response: flask.Response) -> flask.Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    # No page of ours is meant to be framed (CSP frame-ancestors, and this for old browsers).
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Content-Security-Policy", _API_CSP)
    if flask.request.path.startswith("/api/") and "Cache-Control" not in response.headers:
        # API answers carry personal data and change: offline copies are the PWA's job.
        response.headers["Cache-Control"] = "no-store"
    return response
