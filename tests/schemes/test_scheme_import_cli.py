"""fieldcert scheme import PATH..."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.cli import main
from backend.schemes.models import SchemeVersion
from tests.factories import SCHEMES_DIR

ALL_SCHEMES = sorted(str(path) for path in SCHEMES_DIR.glob("*.yaml"))


def stored(db_session: Session) -> list[SchemeVersion]:
    return list(db_session.scalars(sa.select(SchemeVersion).order_by(SchemeVersion.scheme_id)))


def test_import_stores_every_scheme_file_once(app: Flask, db_session: Session) -> None:
    runner = app.test_cli_runner()

    first = runner.invoke(main, ["scheme", "import", *ALL_SCHEMES])
    again = runner.invoke(main, ["scheme", "import", *ALL_SCHEMES])

    assert first.exit_code == 0, first.output
    assert first.output.count(": imported (") == 3
    assert again.exit_code == 0, again.output
    assert again.output.count(": already imported (") == 3
    rows = stored(db_session)
    assert [row.scheme_id for row in rows] == [
        "cqc83-831102-2025",
        "cts-tbsc034-2026",
        "cts-tbsc134-2026",
    ]
    assert all(row.imported_by_id is None for row in rows)
    for row in rows:
        assert row.content_hash in first.output
        assert (SCHEMES_DIR / f"{row.scheme_id}.yaml").read_bytes() == row.source_text.encode()
    entries = db_session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "scheme.imported")
    ).all()
    assert len(entries) == 3 and all(entry.actor_id is None for entry in entries)


def test_import_reports_invalid_files_and_still_imports_the_valid_ones(
    app: Flask, db_session: Session, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("format: fieldcert-scheme/1\nid: broken\n", encoding="utf-8")
    missing = tmp_path / "missing.yaml"

    result = app.test_cli_runner().invoke(
        main, ["scheme", "import", str(broken), ALL_SCHEMES[0], str(missing)]
    )

    assert result.exit_code == 1
    assert f"{broken}: version: is required" in result.output
    assert f"{missing}: cannot read file" in result.output
    assert [row.scheme_id for row in stored(db_session)] == ["cqc83-831102-2025"]


def test_import_refuses_other_content_under_an_imported_version(
    app: Flask, db_session: Session, tmp_path: Path
) -> None:
    original = Path(ALL_SCHEMES[1])
    edited = tmp_path / original.name
    edited.write_bytes(original.read_bytes() + b"\n# edited without a new version\n")
    runner = app.test_cli_runner()
    runner.invoke(main, ["scheme", "import", str(original)])

    result = runner.invoke(main, ["scheme", "import", str(edited)])

    assert result.exit_code == 1
    assert "was imported before with other content" in result.output
    assert len(stored(db_session)) == 1


def test_import_needs_a_path(app: Flask) -> None:
    result = app.test_cli_runner().invoke(main, ["scheme", "import"])
    assert result.exit_code == 2
    assert "Missing argument" in result.output
