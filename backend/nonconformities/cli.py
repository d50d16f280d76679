"""``fieldcert nonconformities overdue|remind``: the daily consequences and reminders.

``overdue --as EMAIL`` applies §5.2.3.1 (audit failed) and §7.4 b (certificate suspended) to every
nonconformity of that administrator's body past its latest deadline, in their name, and prints one
JSON line per consequence; ``remind`` queues the Web Push reminders due today. ``--today`` (for a
rerun or a test) defaults to today in China. Each runs in one transaction.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import date

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from backend.auth.actor import Actor
from backend.extensions import db
from backend.nonconformities.overdue import apply_overdue, send_reminders
from backend.unit_of_work import transaction
from backend.users.models import Role, User

nonconformities_cli = AppGroup(
    "nonconformities", help="Nonconformities: overdue consequences and deadline reminders."
)
_TODAY = click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day to judge deadlines by (YYYY-MM-DD); default today in China.",
)


@nonconformities_cli.command("overdue")
@click.option("--as", "as_email", required=True, help="Email of an administrator of the body.")
@_TODAY
def overdue_command(as_email: str, today: object) -> None:
    """Apply the consequence of missed latest deadlines: audit failed or certificate suspended."""
    session = db.session()
    user = session.scalars(
        sa.select(User).where(sa.func.lower(User.email) == as_email.lower())
    ).first()
    if user is None or user.role is not Role.ADMIN:
        click.echo(f"{as_email}: no administrator with this email", err=True)
        sys.exit(2)
    day = today.date() if today is not None else None  # type: ignore[attr-defined]
    with transaction(session):
        applied = apply_overdue(session, Actor(user), day)
    for item in applied:
        row = asdict(item)
        row["latest_due"] = item.latest_due.isoformat()
        click.echo(json.dumps(row, ensure_ascii=False))
    click.echo(f"{len(applied)} overdue nonconformities handled", err=True)


@nonconformities_cli.command("remind")
@_TODAY
def remind_command(today: object) -> None:
    """Queue the reminders before deadlines (3 days before the typical, 7 before the latest)."""
    session = db.session()
    day: date | None = today.date() if today is not None else None  # type: ignore[attr-defined]
    with transaction(session):
        sent = send_reminders(session, day)
    for nc_id, which in sent:
        click.echo(f"{nc_id}: {which}")
    click.echo(f"{len(sent)} reminders queued", err=True)
