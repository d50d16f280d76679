"""The scoring command-line contract: ``fieldcert scheme validate`` and ``fieldcert score``.

These commands need no application or database: they read scheme files and score input with the
pure core in ``backend.scoring``. Other tools depend on their options, output and exit codes, so
keep them stable:

- ``fieldcert scheme validate PATH...``: exit 0 when every file is valid, else 1 and the problems.
- ``fieldcert score --scheme PATH --input FILE|-``: JSON on stdout; exit 1 for an invalid scheme,
  exit 2 for invalid input with a message naming the path of the bad value.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from typing import IO

import click

from backend.scoring import InputError, SchemeError, load_scheme, parse_input, result_json, score

EXIT_INVALID_SCHEME = 1
EXIT_INVALID_INPUT = 2


@click.group("scheme")
def scheme_group() -> None:
    """Work with certification scheme files (schemes/*.yaml)."""


@scheme_group.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate_command(paths: tuple[str, ...]) -> None:
    """Validate scheme files: schema and consistency of every number."""
    failed = False
    for path in paths:
        try:
            scheme = load_scheme(path)
        except SchemeError as exc:
            failed = True
            for problem in exc.problems:
                click.echo(f"{path}: {problem}", err=True)
            continue
        click.echo(
            f"{path}: ok ({scheme.id} {scheme.version}, {scheme.status}, {scheme.content_hash})"
        )
    if failed:
        sys.exit(EXIT_INVALID_SCHEME)


@click.command("score")
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
def score_command(scheme_path: str, input_file: IO[str], indent: int) -> None:
    """Score evaluations, management, conformity and timing input against a scheme; print JSON."""
    try:
        scheme = load_scheme(scheme_path)
    except SchemeError as exc:
        for problem in exc.problems:
            click.echo(f"{scheme_path}: {problem}", err=True)
        sys.exit(EXIT_INVALID_SCHEME)
    try:
        text = input_file.read()
    except UnicodeDecodeError as exc:
        click.echo(f"input: not UTF-8 text ({exc.reason})", err=True)
        sys.exit(EXIT_INVALID_INPUT)
    try:
        # Decimals, not floats: 0.1 must stay exactly one tenth.
        data = json.loads(
            text,
            parse_float=Decimal,
            parse_constant=_reject_constant,
            object_pairs_hook=_refuse_duplicate_keys,
        )
    except (json.JSONDecodeError, ValueError) as exc:
        click.echo(f"input: not valid JSON ({exc})", err=True)
        sys.exit(EXIT_INVALID_INPUT)
    try:
        parsed = parse_input(data, scheme)
    except InputError as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_INVALID_INPUT)
    result = result_json(score(scheme, parsed))
    click.echo(json.dumps(result, ensure_ascii=False, indent=indent or None))


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number JSON allows")


def _refuse_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """Two ratings for one item (or two sections of one name) must not silently keep the last."""
    out: dict[str, object] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r} in one object")
        out[key] = value
    return out


def register_scoring_commands(group: click.Group) -> None:
    """Attach ``scheme`` and ``score`` to the ``fieldcert`` command group."""
    group.add_command(scheme_group)
    group.add_command(score_command)
