"""The lifecycle command-line contract: ``fieldcert lifecycle --scheme PATH --input FILE|-``.

Needs no application or database. Other tools depend on its options, output and exit codes, so
keep them stable, like ``fieldcert score``: JSON on stdout and exit 0; exit 1 for a scheme that is
invalid or has no ``lifecycle`` section (``file: path: message`` on stderr); exit 2 for invalid
input, with one line naming the path of the bad value (``audits[0].ended_on: '2026-02-30' is not
a calendar date (YYYY-MM-DD)``).
"""

from __future__ import annotations

import json
import sys
from typing import IO

import click

from backend.lifecycle.calculate import calculate
from backend.lifecycle.inputs import parse_lifecycle_input
from backend.lifecycle.render import lifecycle_json
from backend.scoring import InputError, SchemeError, load_scheme
from backend.scoring.jsontext import no_duplicates, reject_constant

EXIT_INVALID_SCHEME = 1
EXIT_INVALID_INPUT = 2


@click.command("lifecycle")
@click.option(
    "--scheme", "scheme_path", required=True, type=click.Path(dir_okay=False), help="Scheme file."
)
@click.option(
    "--input",
    "input_file",
    required=True,
    type=click.File("r", encoding="utf-8"),
    help="Input JSON, - for stdin.",
)
@click.option(
    "--indent", type=int, default=2, show_default=True, help="JSON indentation (0 for one line)."
)
def lifecycle_command(scheme_path: str, input_file: IO[str], indent: int) -> None:
    """Compute a certificate's deadlines, status and due dates from the scheme's lifecycle rules."""
    try:
        scheme = load_scheme(scheme_path)
    except SchemeError as exc:
        for problem in exc.problems:
            click.echo(f"{scheme_path}: {problem}", err=True)
        sys.exit(EXIT_INVALID_SCHEME)
    if scheme.lifecycle is None:
        click.echo(
            f"{scheme_path}: lifecycle: scheme {scheme.id} has no lifecycle section "
            "(deadlines, validity, surveillance)",
            err=True,
        )
        sys.exit(EXIT_INVALID_SCHEME)
    try:
        text = input_file.read()
    except UnicodeDecodeError as exc:
        click.echo(f"input: not UTF-8 text ({exc.reason})", err=True)
        sys.exit(EXIT_INVALID_INPUT)
    try:
        data = json.loads(text, parse_constant=reject_constant, object_pairs_hook=no_duplicates)
    except (json.JSONDecodeError, ValueError, RecursionError) as exc:
        click.echo(f"input: not valid JSON ({exc})", err=True)
        sys.exit(EXIT_INVALID_INPUT)
    try:
        facts = parse_lifecycle_input(data, scheme.lifecycle)
    except InputError as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_INVALID_INPUT)
    result = lifecycle_json(scheme, calculate(scheme.lifecycle, facts))
    result["ignored_fields"] = list(facts.ignored_fields)
    click.echo(json.dumps(result, ensure_ascii=False, indent=indent or None))
