"""Certification files as signed BagIt bags: written streaming, every change caught by name."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from backend.bag import BagError, BagWriter, verify_bag
from backend.bag.cli import verify_command
from backend.bag.writer import decode_path, encode_path
from backend.certificates.keys import load_or_create_private_key, public_key_pem

PHOTO = bytes(range(256)) * 64


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def _bag(path: Path, key: Ed25519PrivateKey) -> Path:
    with path.open("wb") as target:
        bag = BagWriter(target, "engagement-42", key)
        bag.add_bytes("records/evaluation-1.json", '{"site": "莫干山店"}'.encode())
        bag.add_bytes("evidence/photo 1.jpg", PHOTO)
        bag.add_file("scores/input.json", io.BytesIO(b'{"evaluations": []}'))
        bag.close({"Source-Organization": "fieldcert 演示认证机构"}, date(2026, 12, 7))
    return path


def _rewrite(source: Path, target: Path, change) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        entries = {info.filename: old.read(info) for info in old.infolist()}
        for name, content in change(entries).items():
            new.writestr(name, content)
    return target


def test_an_untouched_bag_is_intact_and_follows_rfc_8493(tmp_path, key):
    path = _bag(tmp_path / "file.zip", key)
    report = verify_bag(path, [key.public_key()])
    assert report.ok, report.problems
    assert report.files_checked == 3
    assert report.bytes_checked == len(PHOTO) + len('{"site": "莫干山店"}'.encode()) + 19
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        assert archive.read("engagement-42/bagit.txt").startswith(b"BagIt-Version: 1.0\n")
        manifest = archive.read("engagement-42/manifest-sha256.txt").decode()
    assert "engagement-42/data/evidence/photo 1.jpg" in names
    assert "engagement-42/tagmanifest-sha256.txt.sig" in names
    assert "  data/evidence/photo 1.jpg\n" in manifest
    assert report.info["Payload-Oxum"] == f"{report.bytes_checked}.3"
    assert report.info["Source-Organization"] == "fieldcert 演示认证机构"


@pytest.mark.parametrize(
    ("change", "kind", "where"),
    [
        (
            lambda e: {**e, "engagement-42/data/evidence/photo 1.jpg": PHOTO[:-1] + b"\x00"},
            "changed",
            "data/evidence/photo 1.jpg",
        ),
        (
            lambda e: {k: v for k, v in e.items() if not k.endswith("input.json")},
            "missing",
            "data/scores/input.json",
        ),
        (lambda e: {**e, "engagement-42/data/extra.txt": b"x"}, "added", "data/extra.txt"),
        (
            lambda e: {
                **e,
                "engagement-42/bag-info.txt": e["engagement-42/bag-info.txt"] + b"X: y\n",
            },
            "tag_changed",
            "bag-info.txt",
        ),
        (
            lambda e: {
                **e,
                "engagement-42/tagmanifest-sha256.txt": e["engagement-42/tagmanifest-sha256.txt"]
                + b"0" * 64
                + b"  other.txt\n",
            },
            "bad_signature",
            "tagmanifest-sha256.txt",
        ),
    ],
    ids=["changed-byte", "missing-file", "added-file", "tag-file", "tag-manifest"],
)
def test_each_change_is_named(tmp_path, key, change, kind, where):
    path = _rewrite(_bag(tmp_path / "a.zip", key), tmp_path / "b.zip", change)
    report = verify_bag(path, [key.public_key()])
    assert not report.ok
    assert (kind, where) in {(problem.kind, problem.path) for problem in report.problems}


def test_a_manifest_rewritten_to_match_a_changed_file_breaks_the_signature(tmp_path, key):
    import hashlib

    def forge(entries):
        entries = dict(entries)
        forged = PHOTO[:-1] + b"\x01"
        entries["engagement-42/data/evidence/photo 1.jpg"] = forged
        manifest = entries["engagement-42/manifest-sha256.txt"].decode()
        manifest = manifest.replace(
            hashlib.sha256(PHOTO).hexdigest(), hashlib.sha256(forged).hexdigest()
        )
        entries["engagement-42/manifest-sha256.txt"] = manifest.encode()
        tags = entries["engagement-42/tagmanifest-sha256.txt"].decode()
        old = hashlib.sha256(entries["engagement-42/manifest-sha256.txt"]).hexdigest()
        lines = [
            f"{old}  manifest-sha256.txt" if line.endswith("  manifest-sha256.txt") else line
            for line in tags.splitlines()
        ]
        entries["engagement-42/tagmanifest-sha256.txt"] = ("\n".join(lines) + "\n").encode()
        return entries

    path = _rewrite(_bag(tmp_path / "a.zip", key), tmp_path / "b.zip", forge)
    report = verify_bag(path, [key.public_key()])
    assert [problem.kind for problem in report.problems] == ["bad_signature"]


def test_a_bag_signed_by_another_key_is_refused(tmp_path, key):
    path = _bag(tmp_path / "file.zip", Ed25519PrivateKey.generate())
    report = verify_bag(path, [key.public_key()])
    assert [problem.kind for problem in report.problems] == ["unknown_key"]


def test_not_a_zip_is_named(tmp_path, key):
    path = tmp_path / "file.zip"
    path.write_bytes(b"not a zip")
    assert [p.kind for p in verify_bag(path, [key.public_key()]).problems] == ["not_a_bag"]


@pytest.mark.parametrize("bad", ["/etc/passwd", "../x", "a//b", "", "a/./b"])
def test_payload_paths_outside_data_are_refused(key, bad):
    bag = BagWriter(io.BytesIO(), "b", key)
    with pytest.raises(BagError):
        bag.add_bytes(bad, b"x")


def test_a_path_written_twice_is_refused(key):
    bag = BagWriter(io.BytesIO(), "b", key)
    bag.add_bytes("a.json", b"1")
    with pytest.raises(BagError):
        bag.add_bytes("a.json", b"2")


def test_manifest_paths_escape_cr_lf_and_percent():
    name = "50% 报告\r\n.txt"
    assert encode_path(name) == "50%25 报告%0D%0A.txt"
    assert decode_path(encode_path(name)) == name
    assert decode_path("a%250A") == "a%0A"


def test_progress_counts_every_payload_byte(key):
    seen: list[int] = []
    bag = BagWriter(io.BytesIO(), "b", key, progress=seen.append)
    bag.add_stream("big.bin", (b"x" * 1000 for _ in range(5)))
    assert sum(seen) == 5000


def test_the_cli_exits_0_when_intact_and_1_naming_the_change(tmp_path, key):
    pem = tmp_path / "body.pem"
    pem.write_text(public_key_pem(key.public_key()))
    intact = _bag(tmp_path / "a.zip", key)
    runner = CliRunner()
    good = runner.invoke(verify_command, [str(intact), "--public-key", str(pem)])
    assert good.exit_code == 0, good.output
    assert "intact, 3 files" in good.output
    changed = _rewrite(
        intact,
        tmp_path / "b.zip",
        lambda e: {**e, "engagement-42/data/records/evaluation-1.json": b'{"site": "x"}'},
    )
    bad = runner.invoke(verify_command, [str(changed), "--public-key", str(pem)])
    assert bad.exit_code == 1
    assert "changed: data/records/evaluation-1.json" in bad.stderr


def test_the_cli_exits_2_on_a_key_file_without_a_key(tmp_path, key):
    pem = tmp_path / "body.pem"
    pem.write_text("nothing here")
    result = CliRunner().invoke(
        verify_command, [str(_bag(tmp_path / "a.zip", key)), "--public-key", str(pem)]
    )
    assert result.exit_code == 2
    assert "no PEM public key" in result.stderr


def test_the_signing_key_file_is_made_once_with_mode_0600(tmp_path):
    path = tmp_path / "keys" / "signing_key.pem"
    first = load_or_create_private_key(path)
    second = load_or_create_private_key(path)
    assert (path.stat().st_mode & 0o777) == 0o600
    assert public_key_pem(first.public_key()) == public_key_pem(second.public_key())


def test_an_aborted_bag_is_no_bag(tmp_path, key):
    path = tmp_path / "aborted.zip"
    with path.open("wb") as target:
        bag = BagWriter(target, "b", key)
        bag.add_bytes("a.json", b"1")
        bag.abort()
        bag.abort()  # twice is harmless
    report = verify_bag(path, [key.public_key()])
    assert [p.kind for p in report.problems] == ["missing"]
