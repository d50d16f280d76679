"""``fieldcert export engagement ID --out FILE.zip``: the certification file, from the server.

Writes the bag next to ``--out`` and renames it into place once it is complete and signed, so a
half-written file never carries the name. Progress goes to stderr (files, megabytes of about how
many); ``--quiet`` silences it. Exit 0 when written, 1 when an evidence original is missing from
storage (named), 2 on misuse (no such engagement). The export is recorded in the audit log.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import uuid
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from backend.audit import services as audit
from backend.certificates.signing import body_signing_key
from backend.engagements.models import Engagement
from backend.evidence.storage import StorageSettings
from backend.export.parts import EvidenceMissing
from backend.export.services import Progress, write_certification_file
from backend.unit_of_work import transaction

EXIT_INCOMPLETE = 1
EXIT_USAGE = 2
MB = 1024 * 1024


@click.group("export")
def export_cli() -> None:
    """Export records: an engagement's certification file (认证档案)."""


class _Reporter:
    """Progress on stderr, at most a few lines a second (a line per update when not a TTY)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.last = 0.0
        self.tty = sys.stderr.isatty()

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        if self.quiet or now - self.last < (0.2 if self.tty else 2.0):
            return
        self.last = now
        self.show(progress)

    def show(self, progress: Progress, end: str = "") -> None:
        if self.quiet:
            return
        expected = max(progress.expected_bytes, progress.bytes)
        line = (
            f"导出 exporting: {progress.files} files, {progress.bytes / MB:.1f} / "
            f"{expected / MB:.1f} MB  {progress.path}"
        )
        if self.tty:
            click.echo(f"\r\033[K{line}", err=True, nl=bool(end))
        else:
            click.echo(line, err=True)


@export_cli.command("engagement")
@click.argument("engagement_id", type=click.UUID)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The ZIP file to write (a BagIt bag, signed with the body's key).",
)
@click.option(
    "--public-url",
    default=None,
    help="Address of the public pages, for the certificate PDF's QR code "
    "(default FIELDCERT_PUBLIC_URL; without either the file holds the seal but no PDF).",
)
@click.option("--quiet", is_flag=True, help="No progress on stderr.")
@with_appcontext
def export_engagement_command(
    engagement_id: uuid.UUID, out: Path, public_url: str | None, quiet: bool
) -> None:
    """Write an engagement's certification file: records, evidence, scores, audit log."""
    from backend.extensions import db

    reporter = _Reporter(quiet)
    storage = StorageSettings.from_config(current_app.config).build()
    key = body_signing_key()
    partial = out.with_name(f".{out.name}.partial")
    with transaction(db.session()) as session:
        engagement = session.get(Engagement, engagement_id)
        if engagement is None:
            click.echo(f"no engagement {engagement_id}", err=True)
            sys.exit(EXIT_USAGE)
        try:
            with partial.open("wb") as target:
                summary = write_certification_file(
                    session,
                    engagement,
                    storage,
                    key,
                    target,
                    exported_by="fieldcert export (command line)",
                    progress=reporter,
                    public_url=public_url or current_app.config.get("FIELDCERT_PUBLIC_URL"),
                )
        except EvidenceMissing as exc:
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
            if not quiet and reporter.tty:
                click.echo("", err=True)
            click.echo(f"NOT exported: {exc}", err=True)
            sys.exit(EXIT_INCOMPLETE)
        os.replace(partial, out)
        audit.record(
            session,
            actor=None,
            organisation_id=engagement.organisation_id,
            action="engagement.exported",
            object_type="engagement",
            object_id=engagement.id,
            reason="fieldcert export engagement (command line)",
            details={"files": summary.files, "bytes": summary.bytes, "evidence": summary.evidence},
        )
    reporter.show(Progress(summary.files, summary.bytes, summary.bytes, "done"), end="\n")
    click.echo(
        f"{out}: {summary.files} files ({summary.evidence} evidence originals), "
        f"{summary.bytes / MB:.1f} MB of payload, signed; check it with: fieldcert verify {out}"
    )
