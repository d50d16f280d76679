"""Certification schemes as data: loading a scheme file into the typed model.

A scheme file (YAML, see ``docs/scheme-format.md``) carries every number and label a certification
document defines: items and points, rating scales, maturity points, level thresholds, decision rows,
conformity judgements, timing limits and lifecycle parameters. The loader checks the schema and the
consistency of the numbers (declared totals equal their sums, bands cover 0..1 without gaps,
thresholds ordered) and reports every problem with the file, the path inside it and what is wrong.

Numbers are exact ``Fraction`` values (YAML floats are read as decimals, never as binary floats).
The model itself is ``backend.scoring.model`` (its names are also importable from here); the
checks of each part are in ``backend.scoring.reader``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

from backend.scoring.errors import Problem, SchemeError
from backend.scoring.model import (
    FORMAT,
    MODES,
    Band,
    Characteristic,
    Clause,
    Conditions,
    ConformityModel,
    DecisionModel,
    DecisionRow,
    Interval,
    Item,
    Judgement,
    LevelBand,
    ManagementModel,
    Outcome,
    Scale,
    ScaleKind,
    Scheme,
    ServiceModel,
    SuggestionRule,
    Text,
    TimingModel,
    TimingTable,
)
from backend.scoring.reader import Reader, read_scheme

__all__ = [
    "FORMAT",
    "MODES",
    "Band",
    "Characteristic",
    "Clause",
    "Conditions",
    "ConformityModel",
    "DecisionModel",
    "DecisionRow",
    "Interval",
    "Item",
    "Judgement",
    "LevelBand",
    "ManagementModel",
    "Outcome",
    "Scale",
    "ScaleKind",
    "Scheme",
    "SchemeLoader",
    "ServiceModel",
    "SuggestionRule",
    "Text",
    "TimingModel",
    "TimingTable",
    "find_scheme",
    "load_scheme",
    "parse_scheme",
]


class _DecimalLoader(yaml.SafeLoader):
    """YAML loader that reads floats as exact decimals."""


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal | str:
    """A YAML 1.1 float as an exact decimal; forms that are no finite decimal stay text.

    YAML 1.1 also calls ``1:30`` (sexagesimal), ``.inf`` and ``.nan`` floats: they are returned as
    their text so that validation reports "must be a number" at their path instead of crashing.
    """
    assert isinstance(node, yaml.ScalarNode)
    raw = str(loader.construct_scalar(node))
    try:
        value = Decimal(raw.replace("_", ""))
    except InvalidOperation:
        return raw
    return value if value.is_finite() else raw


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


def load_scheme(path: str | Path) -> Scheme:
    """Read, validate and return the scheme in ``path``; ``SchemeError`` lists every problem."""
    p = Path(path)
    source = str(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise SchemeError(
            source, [Problem("", f"cannot read file: {exc.strerror or exc}")]
        ) from exc
    return parse_scheme(raw, source)


def parse_scheme(raw: bytes, source: str = "<scheme>") -> Scheme:
    """Validate a scheme document given as bytes (its SHA-256 becomes the content hash)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SchemeError(source, [Problem("", f"not UTF-8 text ({exc.reason})")]) from exc
    try:
        data = yaml.load(text, Loader=_DecimalLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise SchemeError(source, [Problem("", f"{where}not valid YAML ({exc})")]) from exc
    except RecursionError as exc:
        # A hostile file can nest deeper than the parser's recursion allows.
        raise SchemeError(source, [Problem("", "nested too deeply to be a scheme")]) from exc
    digest = "sha256:" + hashlib.sha256(raw).hexdigest()
    reader = Reader()
    try:
        scheme = read_scheme(reader, data, digest, source)
    except RecursionError as exc:
        raise SchemeError(source, [Problem("", "nested too deeply to be a scheme")]) from exc
    if reader.problems or scheme is None:
        raise SchemeError(source, reader.problems or [Problem("", "invalid scheme")])
    return scheme


def find_scheme(ref: str, directory: Path) -> Path:
    """Resolve a scheme reference: a path, or a file stem / scheme id inside ``directory``."""
    p = Path(ref)
    if p.exists():
        return p
    candidate = directory / f"{ref}.yaml"
    if candidate.exists():
        return candidate
    return p


SchemeLoader = Callable[[str | Path], Scheme]
