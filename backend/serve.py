"""``fieldcert serve``: the production web server (gunicorn), with every setting in one place.

``fieldcert run`` is Flask's development server, right on a laptop and wrong on a server: one
process, no worker restarts, no timeouts. This command runs the same app under gunicorn's
threaded workers with the settings of ``backend.config.ServerSettings`` (environment variables
``FIELDCERT_BIND``, ``FIELDCERT_WORKERS``, ``FIELDCERT_THREADS``, ``FIELDCERT_TIMEOUT``; the
proxies trusted for ``X-Forwarded-*`` are the app's ``FIELDCERT_TRUSTED_PROXIES``).

Before any worker starts, the app is built once in the master to check its configuration: in
production (``FIELDCERT_ENV=production``) it refuses SQLite unless ``FIELDCERT_ALLOW_SQLITE``
says so, and refuses rate limits counted per worker (no Redis) unless
``FIELDCERT_ALLOW_LOCAL_LIMITS`` says so (backend/auth/limits.py). The app is not preloaded into
the workers: each builds its own, so no database connection crosses a fork. docs/deploy.md tells
an operator the rest (proxy, systemd, backups).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import click
from flask import Flask
from gunicorn.app.base import BaseApplication

from backend.config import ConfigError, ServerSettings, load_server_settings

#: One line per request: client (as the proxy saw it), request line, status, bytes, seconds.
ACCESS_LOG_FORMAT = '%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(B)s %(L)ss "%(a)s"'


def refuse_unsafe_production(app: Flask, server: ServerSettings) -> None:
    """Raise ``ConfigError`` when production would run on parts meant for a laptop.

    SQLite allows one writer at a time: several workers queue behind each other's writes and a
    second machine cannot share it. Rate limits are checked when the app is built.
    """
    if app.config["FIELDCERT_ENV"] != "production":
        return
    if str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite") and not server.allow_sqlite:
        raise ConfigError(
            "FIELDCERT_ENV=production on SQLite: set DATABASE_URL to PostgreSQL, or "
            "FIELDCERT_ALLOW_SQLITE=true to accept one machine and one writer at a time."
        )


def gunicorn_options(server: ServerSettings) -> dict[str, Any]:
    """gunicorn's settings for ``server`` (names as in gunicorn's documentation)."""
    return {
        "bind": [server.bind],
        "workers": server.workers,
        "threads": server.threads,
        "worker_class": "gthread",
        "timeout": server.timeout,
        # A worker told to stop finishes the requests it has (uploads from slow phones) first.
        "graceful_timeout": server.timeout,
        "keepalive": 5,
        # Restart workers now and then so that slow leaks (image libraries) cannot accumulate.
        "max_requests": 2000,
        "max_requests_jitter": 200,
        # The app applies FIELDCERT_TRUSTED_PROXIES itself (ProxyFix); gunicorn trusts the
        # scheme header only from the local proxy.
        "forwarded_allow_ips": "127.0.0.1,::1",
        "accesslog": "-",
        "errorlog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "proc_name": "fieldcert",
        # gunicorn >= 25.1 opens a control socket at one path per user (~/.gunicorn/gunicorn.ctl):
        # a second server on the host (blue-green upgrades, the several-machines test) would take
        # it over. fieldcert is run by systemd and its signals (docs/deploy.md), not gunicornc.
        "control_socket_disable": True,
    }


class FieldcertServer(BaseApplication):  # type: ignore[misc]
    """gunicorn with its options from us, not from a command line or a config file."""

    def __init__(self, factory: Callable[[], Flask], options: Mapping[str, Any]) -> None:
        self._factory = factory
        self._options = dict(options)
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self._factory()


@click.command("serve")
@click.option("--check", is_flag=True, help="Check the configuration and exit, serving nothing.")
def serve_command(check: bool) -> None:
    """Serve fieldcert in production (gunicorn; settings from FIELDCERT_BIND, _WORKERS, …)."""
    from backend import create_app

    server = load_server_settings()
    try:
        app = create_app()
        refuse_unsafe_production(app, server)
    except ConfigError as error:
        raise click.ClickException(str(error)) from error
    with app.app_context():
        from backend.extensions import db

        db.engine.dispose()  # no connection of the master's is inherited by a worker
    options = gunicorn_options(server)
    click.echo(
        f"fieldcert serve: {app.config['FIELDCERT_ENV']} on {server.bind}, "
        f"{server.workers} workers × {server.threads} threads, timeout {server.timeout} s",
        err=True,
    )
    if check:
        return
    FieldcertServer(create_app, options).run()
