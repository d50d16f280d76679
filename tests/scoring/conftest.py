"""Fixtures for the scoring-core tests: the three scheme files of schemes/, parsed once.

The expected numbers in these tests are written by hand from the source documents
(shared/seeds/001 TBSC034, 004 TBSC134, 002 CQC rule), never computed with the code under test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.scoring import Scheme, load_scheme

ROOT = Path(__file__).resolve().parents[2]
SCHEMES = ROOT / "schemes"
TBSC034_PATH = SCHEMES / "cts-tbsc034-2026.yaml"
TBSC134_PATH = SCHEMES / "cts-tbsc134-2026.yaml"
CQC_PATH = SCHEMES / "cqc83-831102-2025.yaml"


@pytest.fixture(scope="session")
def tbsc034() -> Scheme:
    return load_scheme(TBSC034_PATH)


@pytest.fixture(scope="session")
def tbsc134() -> Scheme:
    return load_scheme(TBSC134_PATH)


@pytest.fixture(scope="session")
def cqc() -> Scheme:
    return load_scheme(CQC_PATH)


@pytest.fixture(scope="session")
def scheme_paths() -> dict[str, Path]:
    return {"tbsc034": TBSC034_PATH, "tbsc134": TBSC134_PATH, "cqc": CQC_PATH}
