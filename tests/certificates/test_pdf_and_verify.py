"""The certificate PDF and ``fieldcert certificate verify``: a genuine PDF or payload holds, an
altered payload byte or printed field is named (issue 12: tampering is detected)."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy.orm import Session

from backend.certificates.cli import certificate_cli
from backend.certificates.keys import load_public_keys
from backend.certificates.pdf import render_certificate_pdf
from backend.certificates.pdfseal import ATTACHMENT_NAME, read_pdf_seal
from backend.certificates.seal import PREFIX, decode, verify
from backend.reports.pdf import Letterhead
from tests.certificates.support import issued
from tests.evaluations.helpers import World
from tests.reports.pdfcheck import assert_fonts_embedded


@pytest.fixture
def certificate(client: FlaskClient, db_session: Session) -> tuple[World, dict[str, Any]]:
    return issued(client, db_session, scope="城镇污水处理厂工程施工服务（含设备安装调试与试运行）")


def _pdf(client: FlaskClient, world: World, body: dict[str, Any]) -> bytes:
    answer = client.get(
        f"/api/certificates/{body['id']}/certificate.pdf", headers=world.admin.headers
    )
    assert answer.status_code == 200
    assert answer.mimetype == "application/pdf"
    return answer.data


def _key_file(client: FlaskClient, tmp_path: Path) -> Path:
    answer = client.get("/c/public-key.pem")
    assert answer.status_code == 200
    path = tmp_path / "body.pem"
    path.write_bytes(answer.data)
    return path


def _verify(*args: str) -> Any:
    return CliRunner().invoke(certificate_cli, ["verify", *args])


def test_the_pdf_embeds_chinese_fonts_prints_the_fields_and_carries_the_seal(
    client: FlaskClient, certificate: tuple[World, dict[str, Any]]
) -> None:
    world, body = certificate
    data = _pdf(client, world, body)
    reader = PdfReader(io.BytesIO(data))
    assert reader.attachments[ATTACHMENT_NAME][0].decode() == body["payload"]
    text = reader.pages[0].extract_text()
    for printed in ("证书编号", body["number"], "一级", "认证委托人", "有效期至"):
        assert printed in text
    found = assert_fonts_embedded(data)
    # One family only (no monospace or Japanese fallback face): a certificate goes by WeChat.
    assert {f.name.split("+")[1].removesuffix("-Bold") for f in found} <= {
        "Noto-Sans-CJK-SC",
        "Noto-Serif-CJK-SC",
    }, found
    payload, shown = read_pdf_seal(data)
    assert payload == body["payload"]
    # Every printed field reads back as signed, the wrapped long scope included.
    assert shown["scope"] == body["fields"]["scope"]
    assert set(shown) >= {
        "number",
        "client",
        "provider",
        "scope",
        "modes",
        "basis",
        "issued_on",
        "valid_until",
        "body",
        "grade",
    }
    assert verify(payload, [], shown).problem == "unknown_key"


def test_verify_accepts_the_genuine_pdf_and_payload(
    client: FlaskClient, certificate: tuple[World, dict[str, Any]], tmp_path: Path
) -> None:
    world, body = certificate
    key = _key_file(client, tmp_path)
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(_pdf(client, world, body))
    for argument in (str(pdf), body["payload"], body["verification_url"]):
        result = _verify(argument, "--public-key", str(key))
        assert result.exit_code == 0, result.output
        assert body["number"] in result.output
        assert decode(body["payload"]).fingerprint in result.output


def test_an_altered_payload_byte_is_detected(
    client: FlaskClient, certificate: tuple[World, dict[str, Any]], tmp_path: Path
) -> None:
    _, body = certificate
    key = _key_file(client, tmp_path)
    raw = bytearray(base64.urlsafe_b64decode(body["payload"][len(PREFIX) :] + "=="))
    raw[20] ^= 0x01  # one bit of the signed message
    altered = PREFIX + base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    result = _verify(altered, "--public-key", str(key))
    assert result.exit_code == 1
    assert "bad_signature" in result.output or "malformed" in result.output


def test_a_pdf_whose_printed_field_differs_from_the_seal_is_named(
    client: FlaskClient,
    db_session: Session,
    certificate: tuple[World, dict[str, Any]],
    tmp_path: Path,
) -> None:
    # A forger keeps the genuine seal (and QR code) and prints a wider scope and another grade.
    world, body = certificate
    key = _key_file(client, tmp_path)
    forged_fields = {**body["fields"], "scope": "全部市政工程施工服务", "grade": "特级"}
    forged = render_certificate_pdf(
        forged_fields,
        body["payload"],
        url=body["verification_url"],
        fingerprint=body["fingerprint"],
        titles={},
        letterhead=Letterhead(name=world.organisation.name),
    )
    path = tmp_path / "forged.pdf"
    path.write_bytes(forged)
    result = _verify(str(path), "--public-key", str(key))
    assert result.exit_code == 1
    assert "fields_differ" in result.output
    assert "scope" in result.output and "grade" in result.output
    assert "全部市政工程施工服务" in result.output
    assert "number" not in result.output.split("in:")[1].split("\n")[0]


def test_a_pdf_with_an_altered_attached_seal_is_detected(
    client: FlaskClient, certificate: tuple[World, dict[str, Any]], tmp_path: Path
) -> None:
    world, body = certificate
    key = _key_file(client, tmp_path)
    data = _pdf(client, world, body)
    # The seal is stored uncompressed: flip one of its characters in the file itself.
    payload = body["payload"].encode()
    at = data.index(payload) + len(PREFIX) + 30
    flipped = data[:at] + (b"A" if data[at : at + 1] != b"A" else b"B") + data[at + 1 :]
    path = tmp_path / "altered.pdf"
    path.write_bytes(flipped)
    result = _verify(str(path), "--public-key", str(key))
    assert result.exit_code == 1
    assert "NOT valid" in result.output


def test_verify_without_a_key_for_the_signer_names_the_key(
    client: FlaskClient, certificate: tuple[World, dict[str, Any]], tmp_path: Path
) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from backend.certificates.keys import public_key_pem

    _, body = certificate
    other = tmp_path / "other.pem"
    other.write_text(public_key_pem(Ed25519PrivateKey.generate().public_key()))
    result = _verify(body["payload"], "--public-key", str(other))
    assert result.exit_code == 1
    assert "unknown_key" in result.output


def test_the_published_key_is_the_one_that_signs(
    client: FlaskClient, certificate: tuple[World, dict[str, Any]], app: Flask
) -> None:
    _, body = certificate
    keys = load_public_keys(client.get("/c/public-key.pem").data.decode())
    assert verify(body["payload"], keys).ok
    assert Path(app.config["FIELDCERT_SIGNING_KEY_FILE"]).stat().st_mode & 0o077 == 0
