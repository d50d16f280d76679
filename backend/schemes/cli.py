"""``fieldcert scheme import PATH...``: store scheme files in the database (needs the app)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from backend.errors import Conflict, SchemeInvalid
from backend.extensions import db
from backend.schemes.services import import_scheme
from backend.unit_of_work import transaction

EXIT_FAILED = 1


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
@with_appcontext
def import_command(paths: tuple[str, ...]) -> None:
    """Import scheme files; a file imported before (same bytes) changes nothing."""
    session = db.session()
    failed = False
    for path in paths:
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            click.echo(f"{path}: cannot read file: {exc.strerror or exc}", err=True)
            failed = True
            continue
        try:
            with transaction(session):  # one file, one transaction
                result = import_scheme(session, None, raw, source=path)
        except SchemeInvalid as exc:
            for problem in exc.details["problems"]:
                where = f"{problem['path']}: " if problem["path"] else ""
                click.echo(f"{path}: {where}{problem['message']}", err=True)
            failed = True
            continue
        except Conflict as exc:
            details = exc.details
            click.echo(
                f"{path}: {details['scheme_id']} {details['version']} was imported before with "
                f"other content ({details['existing_hash']}); give the file a new version",
                err=True,
            )
            failed = True
            continue
        row = result.scheme_version
        state = "imported" if result.created else "already imported"
        click.echo(
            f"{path}: {state} ({row.scheme_id} {row.version}, {row.status}, "
            f"{row.content_hash}, id {row.id})"
        )
    if failed:
        sys.exit(EXIT_FAILED)
