"""An exported file catches every change (fieldcert verify), and exports in flat memory."""

from __future__ import annotations

import base64
import hashlib
import os
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from sqlalchemy.orm import Session

from backend.bag.writer import SIGNATURE_FILE
from backend.certificates.keys import public_key_pem
from backend.cli import main
from backend.engagements.models import Engagement
from backend.evidence.models import EvaluationEvidence
from backend.export.services import write_certification_file
from tests.evaluations.helpers import make_evidence
from tests.export.support import Certified, signing_key, store

Entries = dict[str, bytes]


def _exported(app: Flask, done: Certified, tmp_path: Path) -> Path:
    out = tmp_path / "file.zip"
    result = app.test_cli_runner().invoke(
        main, ["export", "engagement", str(done.world.engagement.id), "--out", str(out), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    return out


def _rewrite(source: Path, change: Callable[[str, Entries], Entries]) -> Path:
    with zipfile.ZipFile(source) as old:
        entries = {info.filename: old.read(info) for info in old.infolist()}
    root = next(iter(entries)).split("/", 1)[0]
    target = source.with_name("tampered.zip")
    with zipfile.ZipFile(target, "w") as new:
        for name, content in change(root, entries).items():
            new.writestr(name, content)
    return target


def _flip_last_byte(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1])


def _photo(done: Certified) -> str:
    return f"data/evidence/{done.photos[0].id}.jpg"


def _changed(done: Certified) -> Callable[[str, Entries], Entries]:
    def change(root: str, e: Entries) -> Entries:
        name = f"{root}/{_photo(done)}"
        return {**e, name: _flip_last_byte(e[name])}

    return change


def _missing(done: Certified) -> Callable[[str, Entries], Entries]:
    return lambda root, e: {k: v for k, v in e.items() if k != f"{root}/data/records/decision.json"}


def _added(done: Certified) -> Callable[[str, Entries], Entries]:
    return lambda root, e: {**e, f"{root}/data/records/extra.json": b"{}"}


def _bad_signature(done: Certified) -> Callable[[str, Entries], Entries]:
    def change(root: str, e: Entries) -> Entries:
        name = f"{root}/{SIGNATURE_FILE}"
        scheme, signer, _ = e[name].decode().split()
        forged = Ed25519PrivateKey.generate().sign(e[f"{root}/tagmanifest-sha256.txt"])

        text = f"{scheme} {signer} {base64.b64encode(forged).decode()}\n"
        return {**e, name: text.encode()}

    return change


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (_changed, lambda d: f"changed: {_photo(d)}"),
        (_missing, lambda d: "missing: data/records/decision.json"),
        (_added, lambda d: "added: data/records/extra.json"),
        (_bad_signature, lambda d: "bad_signature: tagmanifest-sha256.txt"),
    ],
    ids=["changed-byte", "missing-file", "added-file", "bad-signature"],
)
def test_fieldcert_verify_exits_1_naming_each_change(
    app: Flask, db_session: Session, done: Certified, tmp_path: Path, tamper, expected
) -> None:
    intact = _exported(app, done, tmp_path)
    runner = app.test_cli_runner()
    assert runner.invoke(main, ["verify", str(intact)]).exit_code == 0
    result = runner.invoke(main, ["verify", str(_rewrite(intact, tamper(done)))])
    assert result.exit_code == 1, result.output
    assert expected(done) in result.stderr
    assert "NOT intact" in result.stderr


def test_a_manifest_rewritten_to_hide_a_change_breaks_the_signature(
    app: Flask, db_session: Session, done: Certified, tmp_path: Path
) -> None:
    intact = _exported(app, done, tmp_path)

    def forge(root: str, e: Entries) -> Entries:
        name = f"{root}/{_photo(done)}"
        forged = _flip_last_byte(e[name])
        manifest = e[f"{root}/manifest-sha256.txt"].replace(
            hashlib.sha256(e[name]).hexdigest().encode(),
            hashlib.sha256(forged).hexdigest().encode(),
        )
        tags = e[f"{root}/tagmanifest-sha256.txt"].replace(
            hashlib.sha256(e[f"{root}/manifest-sha256.txt"]).hexdigest().encode(),
            hashlib.sha256(manifest).hexdigest().encode(),
        )
        return {
            **e,
            name: forged,
            f"{root}/manifest-sha256.txt": manifest,
            f"{root}/tagmanifest-sha256.txt": tags,
        }

    result = app.test_cli_runner().invoke(main, ["verify", str(_rewrite(intact, forge))])
    assert result.exit_code == 1
    assert "bad_signature: tagmanifest-sha256.txt" in result.stderr


def test_anyone_verifies_with_the_published_public_key(
    app: Flask, db_session: Session, done: Certified, tmp_path: Path
) -> None:
    intact = _exported(app, done, tmp_path)
    pem = tmp_path / "body.pem"
    pem.write_text(public_key_pem(signing_key(app).public_key()))
    other = tmp_path / "other.pem"
    other.write_text(public_key_pem(Ed25519PrivateKey.generate().public_key()))
    runner = app.test_cli_runner()
    assert runner.invoke(main, ["verify", str(intact), "--public-key", str(pem)]).exit_code == 0
    refused = runner.invoke(main, ["verify", str(intact), "--public-key", str(other)])
    assert refused.exit_code == 1
    assert "unknown_key" in refused.stderr


PHOTO_BYTES = 2 * 1024 * 1024
PHOTO_COUNT = 12


def test_memory_stays_flat_however_many_photos(
    app: Flask, db_session: Session, done: Certified, tmp_path: Path
) -> None:
    """24 MB of photos exported with a traced peak far below one tenth of that."""
    for number in range(PHOTO_COUNT):
        data = os.urandom(PHOTO_BYTES - 16) + number.to_bytes(16, "big")
        evidence = make_evidence(db_session, done.world.auditor, data=data)
        store(done.storage, evidence, data)
        db_session.add(EvaluationEvidence(evaluation_id=done.draft, evidence_id=evidence.id))
        del data
    db_session.commit()
    engagement = db_session.get_one(Engagement, done.world.engagement.id)
    key = signing_key(app)
    out = tmp_path / "big.zip"
    tracemalloc.start()
    try:
        with out.open("wb") as target:
            summary = write_certification_file(
                db_session, engagement, done.storage, key, target, exported_by="test"
            )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert summary.evidence == PHOTO_COUNT + 2
    assert out.stat().st_size > PHOTO_COUNT * PHOTO_BYTES
    assert peak < 8 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB"
    with zipfile.ZipFile(out) as archive:
        assert len(archive.namelist()) > PHOTO_COUNT
