"""``fieldcert evidence prune-orphans``: delete stored files no evidence record refers to."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from backend.evidence.prune import prune_orphans
from backend.evidence.routes import storage_for
from backend.extensions import db

evidence_cli = AppGroup("evidence", help="Evidence files: storage housekeeping.")


@evidence_cli.command("prune-orphans")
@click.option(
    "--older-than-hours",
    type=click.FloatRange(min=1),
    default=24.0,
    show_default=True,
    help="Keep anything newer: an upload in progress stores its files before its record.",
)
@click.option("--dry-run", is_flag=True, help="List the orphans, delete nothing.")
def prune_orphans_command(older_than_hours: float, dry_run: bool) -> None:
    """Delete stored files of uploads whose record was never committed (run it daily).

    Also removes what writes cut off by a crash left (local ``.tmp-*.part`` files, unfinished
    S3 multipart uploads), after the same grace period.
    """
    storage = storage_for(current_app)
    report = prune_orphans(
        db.session(), storage, older_than=timedelta(hours=older_than_hours), dry_run=dry_run
    )
    for key in report.orphans:
        state = "deleted" if key in report.deleted else "kept (dry run or claimed meanwhile)"
        click.echo(f"{key}: {state}")
    for name in report.leftovers:
        state = "removed" if name in report.leftovers_removed else "kept (dry run)"
        click.echo(f"{name}: unfinished write, {state}")
    click.echo(
        f"{storage.description}: {report.examined} stored files examined, "
        f"{len(report.orphans)} orphaned, {len(report.deleted)} deleted; "
        f"{len(report.leftovers)} unfinished writes, {len(report.leftovers_removed)} removed"
    )
