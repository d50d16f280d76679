"""``fieldcert verify FILE.zip``: check a certification file anyone was given, offline.

Exit 0 when every file matches its manifest and the tag manifest's signature holds under the
body's public key; exit 1 naming each changed, missing or added file or the bad signature; exit 2
when the command itself is misused (no such file, an unreadable key file). The public keys come
from ``--public-key FILE`` (a PEM file with one or more keys, as the body publishes them) or, on
the body's own server, from its signing key.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import current_app
from flask.cli import ScriptInfo

from backend.bag.verify import verify_bag
from backend.certificates.keys import KeyFileError, load_private_key, load_public_keys

EXIT_INVALID = 1
EXIT_USAGE = 2


def body_public_keys(public_key_file: Path | None) -> list[Ed25519PublicKey]:
    """The keys to check against: the given PEM file, else this installation's own key."""
    try:
        if public_key_file is not None:
            return load_public_keys(public_key_file.read_text(encoding="ascii"))
        app = click.get_current_context().ensure_object(ScriptInfo).load_app()
        with app.app_context():
            path = Path(current_app.config["FIELDCERT_SIGNING_KEY_FILE"])
            return [load_private_key(path).public_key()]
    except FileNotFoundError as exc:
        click.echo(f"no public key: {exc.filename} does not exist (give --public-key)", err=True)
    except (KeyFileError, ValueError, UnicodeDecodeError) as exc:
        click.echo(f"public key: {exc}", err=True)
    sys.exit(EXIT_USAGE)


PUBLIC_KEY_OPTION = click.option(
    "--public-key",
    "public_key_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="PEM file of the body's public key(s); default: this installation's signing key.",
)


@click.command("verify")
@click.argument("bag", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@PUBLIC_KEY_OPTION
def verify_command(bag: Path, public_key_file: Path | None) -> None:
    """Check a certification file (BagIt ZIP): every file and the body's signature."""
    report = verify_bag(bag, body_public_keys(public_key_file))
    for problem in report.problems:
        click.echo(f"{problem.kind}: {problem.path}: {problem.message}", err=True)
    if not report.ok:
        click.echo(f"{bag}: NOT intact ({len(report.problems)} problem(s))", err=True)
        sys.exit(EXIT_INVALID)
    click.echo(
        f"{bag}: intact, {report.files_checked} files, {report.bytes_checked} bytes, "
        f"signed by key {report.signer}"
    )
