"""An explanation: which rule of which standard's section gave a result, in Chinese and English.

Every result of the engine carries one, with the numbers it used, so that an auditor can follow
the arithmetic and a client can read why (the API and ``fieldcert score`` show them as they are).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Explanation:
    """Which rule applied, where the document says so, in Chinese and English, with the numbers."""

    rule: str
    section: str
    zh: str
    en: str
    numbers: Mapping[str, Any] = field(default_factory=dict)
