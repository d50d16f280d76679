"""Errors raised by the pure scoring core.

Both carry a *path* into the document they describe, so that a person can find the problem:
``SchemeError`` lists every problem found in a scheme file; ``InputError`` names the first bad
value of a scoring input, e.g. ``evaluations[0].ratings.2.1.alpha: 1.3 is outside 0..1``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem at one place in a document."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class SchemeError(Exception):
    """A scheme file failed schema or consistency validation."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"{source}: {p}" for p in problems)
        super().__init__(lines)


class InputError(Exception):
    """Scoring input failed validation; ``path`` locates the offending value."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)
