"""The certification file (认证档案): every record and version, evidence byte for byte, signed."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.audit.models import AuditEntry
from backend.bag import verify_bag
from backend.cli import main
from backend.engagements.models import Engagement
from backend.export.parts import PARTS
from backend.export.services import Progress, write_certification_file
from backend.scoring import parse_input, parse_scheme, result_json, score
from tests.decisions.support import conflicted_reviewer
from tests.export.support import PHOTOS, Certified, signing_key


def _members(path: Path | bytes) -> dict[str, bytes]:
    source = io.BytesIO(path) if isinstance(path, bytes) else path
    with zipfile.ZipFile(source) as archive:
        return {info.filename.split("/", 1)[1]: archive.read(info) for info in archive.infolist()}


def _export(app: Flask, db_session: Session, done: Certified, tmp_path: Path) -> Path:
    out = tmp_path / "file.zip"
    engagement = db_session.get_one(Engagement, done.world.engagement.id)
    with out.open("wb") as target:
        write_certification_file(
            db_session, engagement, done.storage, signing_key(app), target, exported_by="test"
        )
    return out


def test_the_file_holds_every_record_every_version_and_the_evidence_byte_for_byte(
    app: Flask, db_session: Session, done: Certified, tmp_path: Path
) -> None:
    files = _members(_export(app, db_session, done, tmp_path))
    for path in (
        "bagit.txt",
        "bag-info.txt",
        "manifest-sha256.txt",
        "tagmanifest-sha256.txt",
        "tagmanifest-sha256.txt.sig",
        "data/index.json",
        "data/records/engagement.json",
        "data/records/assignments.json",
        "data/records/on-site-record.json",
        "data/records/review.json",
        "data/records/decision.json",
        "data/records/certificate.json",
        "data/records/evidence.json",
        "data/certificate/seal.txt",
        "data/scores/scheme.yaml",
        "data/scores/input.json",
        "data/scores/result.json",
        "data/audit-log.jsonl",
    ):
        assert path in files, path
    # Every version of the edited inspection, not only the current one.
    draft = json.loads(files[f"data/records/evaluations/{done.draft}.json"])
    assert [v["number"] for v in draft["versions"]] == [1, 2]
    assert draft["versions"][1]["notes"] == "复核后补充说明"
    assert {e["evidence_id"] for e in draft["evidence"]} == {str(p.id) for p in done.photos}
    # Evidence originals, identical to what the store holds.
    for evidence, data in zip(done.photos, PHOTOS, strict=True):
        assert files[f"data/evidence/{evidence.id}.jpg"] == data
    listing = json.loads(files["data/records/evidence.json"])
    assert {e["sha256"] for e in listing} == {hashlib.sha256(d).hexdigest() for d in PHOTOS}
    # Review, decision and certificate as stored.
    assert json.loads(files["data/records/review.json"])["conclusion"] == "recommend"
    decision = json.loads(files["data/records/decision.json"])
    assert decision["approved"] is True and decision["grade_zh"] == "一级"
    certificate = json.loads(files["data/records/certificate.json"])["certificate"]
    assert certificate["number"] == done.certificate["number"]
    assert files["data/certificate/seal.txt"].decode().strip() == done.certificate["payload"]
    # The team and the engagement.
    engagement = json.loads(files["data/records/engagement.json"])
    assert engagement["engagement"]["id"] == str(done.world.engagement.id)
    assert {m["user_id"] for m in engagement["team"]} >= {
        str(done.world.leader.user.id),
        str(done.world.auditor.user.id),
    }
    index = json.loads(files["data/index.json"])
    assert [part["key"] for part in index["parts"]] == [part.key for part in PARTS]


def test_the_audit_log_part_holds_the_engagements_entries(
    app: Flask, db_session: Session, done: Certified, tmp_path: Path
) -> None:
    files = _members(_export(app, db_session, done, tmp_path))
    entries = [json.loads(line) for line in files["data/audit-log.jsonl"].splitlines()]
    actions = {entry["action"] for entry in entries}
    assert {"certificate.issued", "engagement.on_site_recorded"} <= actions
    assert any(a.startswith("evaluation.") for a in actions)
    assert [e["id"] for e in entries] == sorted(e["id"] for e in entries)
    stored = db_session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.object_id == str(done.world.engagement.id))
    )
    assert sum(e["object_id"] == str(done.world.engagement.id) for e in entries) == stored


def test_the_scores_are_recomputed_from_the_files_input_and_scheme(
    app: Flask, db_session: Session, done: Certified, tmp_path: Path
) -> None:
    files = _members(_export(app, db_session, done, tmp_path))
    scheme = parse_scheme(files["data/scores/scheme.yaml"])
    data: dict[str, Any] = json.loads(files["data/scores/input.json"])
    assert len(data["evaluations"]) == 1  # the accepted visit only; the draft does not count
    again = json.loads(json.dumps(result_json(score(scheme, parse_input(data, scheme)))))
    assert again == json.loads(files["data/scores/result.json"])
    assert Fraction(again["service"]["exact"]) == 100


def test_an_untouched_export_verifies_with_the_bodys_key(
    app: Flask, db_session: Session, done: Certified, tmp_path: Path
) -> None:
    report = verify_bag(_export(app, db_session, done, tmp_path), [signing_key(app).public_key()])
    assert report.ok, report.problems
    assert report.info["External-Identifier"] == str(done.world.engagement.id)
    assert report.bytes_checked > sum(len(p) for p in PHOTOS)


def test_progress_reports_growing_bytes_up_to_the_evidence_total(
    app: Flask, db_session: Session, done: Certified
) -> None:
    seen: list[Progress] = []
    engagement = db_session.get_one(Engagement, done.world.engagement.id)
    write_certification_file(
        db_session,
        engagement,
        done.storage,
        signing_key(app),
        io.BytesIO(),
        exported_by="test",
        progress=seen.append,
    )
    assert [p.bytes for p in seen] == sorted(p.bytes for p in seen)
    assert seen[-1].expected_bytes == sum(len(p) for p in PHOTOS)
    assert seen[-1].bytes > seen[-1].expected_bytes
    assert any(p.path.startswith("evidence/") for p in seen)


# --------------------------------------------------------------------------- download


def _download(client: FlaskClient, done: Certified, who: Any) -> Any:
    return client.get(
        f"/api/engagements/{done.world.engagement.id}/export.zip", headers=who.headers
    )


@pytest.mark.parametrize("who", ["admin", "leader", "reviewer"])
def test_staff_download_the_file_and_the_download_is_audited(
    app: Flask, client: FlaskClient, db_session: Session, done: Certified, who: str
) -> None:
    person = getattr(done.world, who)
    answer = _download(client, done, person)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    assert answer.mimetype == "application/zip"
    assert "attachment" in answer.headers["Content-Disposition"]
    body = answer.get_data()
    assert int(answer.headers["Content-Length"]) == len(body)
    files = _members(body)
    assert files[f"data/evidence/{done.photos[0].id}.jpg"] == PHOTOS[0]
    entry = db_session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "engagement.exported")
    ).one()
    assert entry.actor_id == person.user.id
    assert entry.object_id == str(done.world.engagement.id)


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        ("auditor", 403, "FORBIDDEN"),
        ("outside_auditor", 403, "FORBIDDEN"),
        ("shopper", 403, "FORBIDDEN"),
        ("client_user", 403, "FORBIDDEN"),
    ],
)
def test_others_may_not_take_the_file(
    client: FlaskClient, done: Certified, who: str, status: int, code: str
) -> None:
    answer = _download(client, done, getattr(done.world, who))
    assert (answer.status_code, answer.get_json()["code"]) == (status, code)


def test_a_reviewer_who_was_on_the_team_is_refused_for_conflict_of_interest(
    client: FlaskClient, db_session: Session, done: Certified
) -> None:
    answer = _download(client, done, conflicted_reviewer(db_session, done.world))
    assert answer.status_code == 403
    assert answer.get_json()["code"] == "CONFLICT_OF_INTEREST"


def test_a_lost_original_refuses_the_download_naming_it(
    client: FlaskClient, db_session: Session, done: Certified, storage_dir: Path
) -> None:
    done.storage.delete(done.photos[1].original_key)
    answer = _download(client, done, done.world.admin)
    assert answer.status_code == 409
    body = answer.get_json()
    assert body["code"] == "EXPORT_INCOMPLETE"
    assert body["details"]["evidence_id"] == str(done.photos[1].id)
    assert not db_session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "engagement.exported")
    ).all()


# --------------------------------------------------------------------------- command line


def test_the_command_writes_a_file_that_fieldcert_verify_accepts(
    app: Flask, db_session: Session, done: Certified, tmp_path: Path
) -> None:
    out = tmp_path / "认证档案.zip"
    runner = app.test_cli_runner()
    result = runner.invoke(
        main, ["export", "engagement", str(done.world.engagement.id), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "exporting:" in result.stderr  # progress on stderr
    assert "fieldcert verify" in result.stdout
    assert not list(tmp_path.glob(".*.partial"))
    checked = runner.invoke(main, ["verify", str(out)])
    assert checked.exit_code == 0, checked.output
    assert "intact" in checked.stdout
    assert (
        db_session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "engagement.exported"))
        .one()
        .reason
        == "fieldcert export engagement (command line)"
    )


def test_the_command_exits_1_naming_a_lost_original_and_leaves_no_file(
    app: Flask, done: Certified, tmp_path: Path
) -> None:
    done.storage.delete(done.photos[0].original_key)
    out = tmp_path / "file.zip"
    result = app.test_cli_runner().invoke(
        main, ["export", "engagement", str(done.world.engagement.id), "--out", str(out)]
    )
    assert result.exit_code == 1
    assert str(done.photos[0].id) in result.stderr
    assert not out.exists() and not list(tmp_path.glob(".*"))


def test_the_command_exits_2_for_an_unknown_engagement(
    app: Flask, tmp_path: Path, db_session: Session
) -> None:
    result = app.test_cli_runner().invoke(
        main,
        [
            "export",
            "engagement",
            "00000000-0000-4000-8000-000000000000",
            "--out",
            str(tmp_path / "x.zip"),
        ],
    )
    assert result.exit_code == 2
    assert "no engagement" in result.stderr


def test_the_downloaded_file_holds_the_certificate_pdf_which_verifies(
    app: Flask, client: FlaskClient, done: Certified, tmp_path: Path
) -> None:
    files = _members(_download(client, done, done.world.admin).get_data())
    pdf = files["data/certificate/certificate.pdf"]
    assert pdf.startswith(b"%PDF-")
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    checked = app.test_cli_runner().invoke(main, ["certificate", "verify", str(path)])
    assert checked.exit_code == 0, checked.output
    assert done.certificate["number"] in checked.stdout


def test_the_command_adds_the_pdf_only_given_the_public_address(
    app: Flask, db_session: Session, done: Certified, tmp_path: Path
) -> None:
    runner = app.test_cli_runner()
    engagement = str(done.world.engagement.id)
    bare, with_pdf = tmp_path / "bare.zip", tmp_path / "pdf.zip"
    assert (
        runner.invoke(main, ["export", "engagement", engagement, "--out", str(bare)]).exit_code == 0
    )
    result = runner.invoke(
        main,
        [
            "export",
            "engagement",
            engagement,
            "--out",
            str(with_pdf),
            "--public-url",
            "https://cert.example.cn",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "data/certificate/certificate.pdf" not in _members(bare)
    assert "data/certificate/seal.txt" in _members(bare)
    assert _members(with_pdf)["data/certificate/certificate.pdf"].startswith(b"%PDF-")
