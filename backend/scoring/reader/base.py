"""The scheme reader's primitives: typed reads of raw YAML values that collect problems.

Every part of a scheme file (``backend.scoring.reader.*``) is read through one ``Reader``: each
read checks a value's type and range and returns it, or records a ``Problem`` at the value's path
(``service.characteristics[0].points``) and returns None, so that a file is reported with *every*
problem at once instead of the first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from backend.scoring.errors import Problem
from backend.scoring.model import Text
from backend.scoring.numbers import decimal_text, describe_value, exact, is_number

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def join(*parts: str) -> str:
    """A path inside the document: ``join("service", "scale")`` → ``service.scale``."""
    return ".".join(p for p in parts if p)


def kind(value: object) -> str:
    """Name a YAML value for a message ("the text 'x'", "a mapping", ...)."""
    return describe_value(value, "a mapping")


def size(value: object) -> int:
    """How many entries a list has; 0 for anything else (``seq`` reports that where it reads it)."""
    return len(value) if isinstance(value, list) else 0


class Reader:
    """Collects the problems of one scheme file while its parts are read."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def mapping(
        self, value: object, path: str, required: set[str], optional: set[str]
    ) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.fail(path, f"must be a mapping, got {kind(value)}")
            return None
        ok = True
        for key in value:
            if not isinstance(key, str):
                self.fail(path, f'key {key!r} must be a string (quote codes such as "1.1")')
                ok = False
            elif key not in required and key not in optional:
                self.fail(join(path, key), "unknown key")
                ok = False
        for key in sorted(required):
            if key not in value:
                self.fail(join(path, key), "is required")
                ok = False
        return value if ok else None

    def seq(self, value: object, path: str, *, min_len: int = 0) -> list[Any] | None:
        if not isinstance(value, list):
            self.fail(path, f"must be a list, got {kind(value)}")
            return None
        if len(value) < min_len:
            self.fail(path, f"must have at least {min_len} entr{'y' if min_len == 1 else 'ies'}")
            return None
        return value

    def string(self, value: object, path: str) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.fail(path, f"must be a non-empty string, got {kind(value)}")
            return None
        return value

    def code(self, value: object, path: str) -> str | None:
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            self.fail(path, f'code {value} must be quoted as a string ("{value}")')
            return None
        s = self.string(value, path)
        if s is not None and not _CODE.match(s):
            self.fail(path, f"{s!r} is not a valid code (letters, digits, '.', '-', '_')")
            return None
        return s

    def number(
        self, value: object, path: str, *, min_value: Fraction | None = None, positive: bool = False
    ) -> Fraction | None:
        if not is_number(value):
            self.fail(path, f"must be a number, got {kind(value)}")
            return None
        try:
            n = exact(value)
        except ValueError:
            self.fail(path, f"must be a finite number, got {value}")
            return None
        if positive and n <= 0:
            self.fail(path, f"must be greater than 0, got {decimal_text(n)}")
            return None
        if min_value is not None and n < min_value:
            self.fail(path, f"must be at least {decimal_text(min_value)}, got {decimal_text(n)}")
            return None
        return n

    def integer(self, value: object, path: str, lo: int, hi: int) -> int | None:
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(path, f"must be an integer {lo}..{hi}, got {kind(value)}")
            return None
        if not lo <= value <= hi:
            self.fail(path, f"must be an integer {lo}..{hi}, got {value}")
            return None
        return value

    def boolean(self, value: object, path: str) -> bool | None:
        if not isinstance(value, bool):
            self.fail(path, f"must be true or false, got {kind(value)}")
            return None
        return value

    def text(self, value: object, path: str) -> Text | None:
        m = self.mapping(value, path, {"zh", "en"}, set())
        if m is None:
            return None
        zh = self.string(m["zh"], join(path, "zh"))
        en = self.string(m["en"], join(path, "en"))
        if zh is None or en is None:
            return None
        return Text(zh=zh.strip(), en=en.strip())

    def opt_text(self, m: Mapping[str, Any], key: str, path: str) -> Text | None:
        return self.text(m[key], join(path, key)) if key in m else None
