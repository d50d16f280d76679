"""Survey settings and wiring: the contact key, the per-address limit, the public base URL.

Settings come from the Flask config, which ``backend/config.py`` fills from the environment:

* ``FIELDCERT_CONTACT_KEY``: AES-256 key for phone numbers (64 hex digits or urlsafe base64);
  unset, generated once into ``instance/contact_key`` (mode 0600). Keep a copy: numbers
  encrypted with a lost key cannot be read back.
* ``FIELDCERT_SURVEY_RATE_LIMIT``: answers per client address (default ``30 per minute;300 per
  hour``: customers behind one shop Wi-Fi or a carrier's NAT share an address). The address is
  the one ProxyFix gives when ``FIELDCERT_TRUSTED_PROXIES`` is set.
* ``FIELDCERT_PUBLIC_URL``: the address printed in QR codes (e.g. ``https://survey.example.cn``);
  unset, the address the request came to.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from limits import parse_many

from backend.config import DEFAULT_SURVEY_RATE_LIMIT
from backend.surveys import crypto
from backend.surveys.limits import LocalWindows

EXTENSION = "fieldcert_surveys"
DEFAULT_RATE_LIMIT = DEFAULT_SURVEY_RATE_LIMIT


@dataclass(frozen=True)
class SurveySettings:
    contact_key: bytes
    rate_limit: str
    public_url: str | None
    #: The per-address windows when the limiter keeps its counts in memory (see limits.py).
    local_windows: LocalWindows


def init_surveys(app: Flask) -> SurveySettings:
    app.config.setdefault("FIELDCERT_SURVEY_RATE_LIMIT", DEFAULT_RATE_LIMIT)
    app.config.setdefault("FIELDCERT_PUBLIC_URL", None)
    configured = app.config.get("FIELDCERT_CONTACT_KEY")
    key = crypto.load_key(configured, Path(app.config["FIELDCERT_INSTANCE_DIR"]))
    settings = SurveySettings(
        contact_key=key,
        rate_limit=str(app.config["FIELDCERT_SURVEY_RATE_LIMIT"]),
        public_url=(app.config["FIELDCERT_PUBLIC_URL"] or "").rstrip("/") or None,
        local_windows=LocalWindows.of(parse_many(str(app.config["FIELDCERT_SURVEY_RATE_LIMIT"]))),
    )
    app.extensions[EXTENSION] = settings
    app.cli.add_command(surveys_cli)
    return settings


def survey_settings() -> SurveySettings:
    settings: SurveySettings = current_app.extensions[EXTENSION]
    return settings


surveys_cli = AppGroup("surveys", help="Customer surveys: retention of contact numbers.")


@surveys_cli.command("purge-contacts")
def purge_contacts_command() -> None:
    """Delete phone numbers whose retention period ended (run it daily, e.g. from cron)."""
    from backend.extensions import db
    from backend.surveys.review import purge_expired_contacts
    from backend.unit_of_work import transaction

    with transaction(db.session()) as session:
        count = purge_expired_contacts(session)
    click.echo(f"{count} contact number(s) deleted.")
