"""The scoring command-line contract: ``fieldcert scheme validate`` and ``fieldcert score``.

These commands need no application or database: they read scheme files and score input with the
pure core in ``backend.scoring``. Other tools depend on their options, output and exit codes, so
keep them stable:

- ``fieldcert scheme validate PATH...``: exit 0 when every file is valid, else 1 and the problems.
- ``fieldcert score --scheme PATH --input FILE|-``: JSON on stdout; exit 1 for an invalid scheme,
  exit 2 for invalid input with a message naming the path of the bad value.
"""

from __future__ import annotations

import gc
import sys
from typing import IO

import click

from backend.scoring import InputError, SchemeError, load_scheme, score
from backend.scoring.jsontext import read_input
from backend.scoring.render import result_text

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
    # Bytes, decoded here in one call: a text-mode read of 45 MiB decodes and translates line
    # ends chunk by chunk, three times slower (issue 13). The text is the same (see _read_text).
    type=click.File("rb"),
    help="Input JSON, - for stdin.",
)
@click.option(
    "--indent", type=int, default=2, show_default=True, help="JSON indentation (0 for one line)."
)
def score_command(scheme_path: str, input_file: IO[bytes], indent: int) -> None:
    """Score evaluations, management, conformity and timing input against a scheme; print JSON."""
    # Decoding 100 000 evaluations makes millions of objects, none in a reference cycle; the
    # cyclic garbage collector would walk them all again and again (a third of the command's
    # time, measured in bench/scoring_bench.py). Reference counting still frees everything.
    collecting = gc.isenabled()
    gc.disable()
    try:
        _score(scheme_path, input_file, indent)
    finally:
        if collecting:
            gc.enable()


def _score(scheme_path: str, input_file: IO[bytes], indent: int) -> None:
    try:
        scheme = load_scheme(scheme_path)
    except SchemeError as exc:
        for problem in exc.problems:
            click.echo(f"{scheme_path}: {problem}", err=True)
        sys.exit(EXIT_INVALID_SCHEME)
    try:
        text = _read_text(input_file)
    except UnicodeDecodeError as exc:
        click.echo(f"input: not UTF-8 text ({exc.reason})", err=True)
        sys.exit(EXIT_INVALID_INPUT)
    try:
        # Decimals, not floats: 0.1 must stay exactly one tenth; a key twice is refused.
        parsed = read_input(text, scheme)
    except ValueError as exc:
        click.echo(f"input: not valid JSON ({exc})", err=True)
        sys.exit(EXIT_INVALID_INPUT)
    except InputError as exc:
        click.echo(str(exc), err=True)
        sys.exit(EXIT_INVALID_INPUT)
    # The same text as json.dumps(result_json(...), indent=...), written without the slow path.
    document = result_text(score(scheme, parsed), indent or None)
    # The line break apart (no copy of 30 MB to add it), and color=True: nothing to search for
    # ANSI codes to strip, JSON text has none (json.dumps writes control characters \u00XX).
    click.echo(document, nl=False, color=True)
    click.echo()


def _read_text(input_file: IO[bytes]) -> str:
    """The text a UTF-8 text-mode read gives: decoded, and universal newlines ("\\r\\n" and a lone
    "\\r" become "\\n"), so JSON error positions are those of the text-mode read."""
    text = input_file.read().decode("utf-8")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def register_scoring_commands(group: click.Group) -> None:
    """Attach ``scheme`` and ``score`` to the ``fieldcert`` command group."""
    group.add_command(scheme_group)
    group.add_command(score_command)
