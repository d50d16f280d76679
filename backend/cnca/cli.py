"""``fieldcert cnca MONTH --out DIR``: the month's CNCA sheets as three XLSX files.

Writes ``cnca-<MONTH>-certificates.xlsx`` (证书信息), ``-audit-plans.xlsx`` (审核计划) and
``-audit-results.xlsx`` (审核结果) into DIR for the body (``--organisation NAME`` when the
installation holds more than one). Exit 0 when written, 2 on misuse (a bad month, an unknown
or ambiguous organisation).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from backend.cnca.sheets import SHEETS, BadMonth, file_name, parse_month, write_xlsx
from backend.users.models import Organisation

EXIT_USAGE = 2


@click.command("cnca")
@click.argument("month")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for the three XLSX files (made if missing).",
)
@click.option("--organisation", default=None, help="The certification body's name.")
@with_appcontext
def cnca_command(month: str, out: Path, organisation: str | None) -> None:
    """Write the CNCA monthly sheets (certificates, audit plans, audit results) of MONTH."""
    from backend.extensions import db

    try:
        parsed = parse_month(month)
    except BadMonth as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_USAGE)
    session = db.session()
    query = sa.select(Organisation).order_by(Organisation.name)
    if organisation is not None:
        query = query.where(Organisation.name == organisation)
    found = session.scalars(query).all()
    if len(found) != 1:
        names = ", ".join(o.name for o in session.scalars(sa.select(Organisation))) or "none"
        click.echo(
            f"give --organisation: {len(found)} organisations match (known: {names})", err=True
        )
        sys.exit(EXIT_USAGE)
    body = found[0]
    out.mkdir(parents=True, exist_ok=True)
    for sheet in SHEETS:
        path = out / file_name(sheet, parsed)
        with path.open("wb") as target:
            rows = write_xlsx(session, body.id, parsed, (sheet,), target)
        click.echo(f"{path}: {sheet.title}, {rows[sheet.key]} rows")
    session.rollback()  # nothing was written to the database
