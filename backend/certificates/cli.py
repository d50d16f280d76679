"""``fieldcert certificate verify PAYLOAD|FILE``: check a certificate's seal offline.

PAYLOAD is the text of the QR code (the ``FC1.`` payload, or the verification URL carrying it);
FILE is a file holding that text or a certificate PDF (its seal is read from the PDF). Exit 0 when
the signature holds under the body's public key and, for a PDF, every field printed on it is the
signed one; exit 1 naming what differs or why the seal is refused; exit 2 on misuse (no key).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from backend.bag.cli import PUBLIC_KEY_OPTION, body_public_keys
from backend.certificates.seal import FIELD_KEYS, verify

EXIT_INVALID = 1
EXIT_USAGE = 2


@click.group("certificate")
def certificate_cli() -> None:
    """Certificates: check a certificate's signed seal."""


@certificate_cli.command("verify")
@click.argument("payload_or_file")
@PUBLIC_KEY_OPTION
def verify_certificate_command(payload_or_file: str, public_key_file: Path | None) -> None:
    """Check the seal of a certificate: its QR text, a file with that text, or its PDF."""
    keys = body_public_keys(public_key_file)
    text, shown = _read(payload_or_file)
    result = verify(text, keys, shown=shown)
    if not result.ok:
        click.echo(f"NOT valid: {result.problem}: {result.message}", err=True)
        for difference in result.differences:
            click.echo(
                f"  {difference.field}: signed {difference.signed!r}, shown {difference.shown!r}",
                err=True,
            )
        sys.exit(EXIT_INVALID)
    if result.seal is None:  # ok implies a decoded seal; never exit 0 without one
        sys.exit(EXIT_INVALID)
    click.echo(
        json.dumps(
            {
                "valid": True,
                "key_id": result.seal.key_id,
                "fingerprint": result.seal.fingerprint,
                "fields": {name: result.seal.fields.get(name) for name in FIELD_KEYS},
            },
            ensure_ascii=False,
            indent=2,
        )
    )


def _read(argument: str) -> tuple[str, dict[str, object] | None]:
    path = Path(argument)
    if not argument.lstrip().startswith(("FC1.", "http://", "https://")) and path.is_file():
        data = path.read_bytes()
        if data.startswith(b"%PDF-"):
            from backend.certificates.pdfseal import read_pdf_seal

            return read_pdf_seal(data)
        return data.decode("utf-8", errors="replace"), None
    return argument, None
