"""Fixtures for the lifecycle tests: the CQC scheme (seed 002) and one call from JSON to JSON.

Every expected date in these tests is written by hand from the documents (CQC rule §5.2.3.1,
§6.3, §7.3, §7.4, §8, §9.2, §9.4; seed 003's validity 2022.1.21–2025.1.20) and the readings in the
scheme's notes, never computed with the code under test.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from backend.lifecycle import calculate, lifecycle_json, parse_lifecycle_input
from backend.scoring import Scheme, load_scheme
from backend.scoring.model import LifecycleModel

ROOT = Path(__file__).resolve().parents[2]
CQC_PATH = ROOT / "schemes" / "cqc83-831102-2025.yaml"

Run = Callable[[dict[str, Any]], dict[str, Any]]


@pytest.fixture(scope="session")
def cqc() -> Scheme:
    return load_scheme(CQC_PATH)


@pytest.fixture(scope="session")
def rules(cqc: Scheme) -> LifecycleModel:
    assert cqc.lifecycle is not None
    return cqc.lifecycle


@pytest.fixture(scope="session")
def run(cqc: Scheme, rules: LifecycleModel) -> Run:
    """The calculator as the CLI runs it: input JSON data in, output JSON data out."""

    def go(data: dict[str, Any]) -> dict[str, Any]:
        return lifecycle_json(cqc, calculate(rules, parse_lifecycle_input(data, rules)))

    return go
