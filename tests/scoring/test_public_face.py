"""The scoring core's public face: the names other code imports, and no web framework inside."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import backend.scoring
from backend.scoring import engine, scheme

REPO = Path(__file__).resolve().parents[2]


def test_importing_the_core_loads_neither_flask_nor_sqlalchemy() -> None:
    # A fresh interpreter: this test process has Flask loaded already (the app fixtures).
    code = (
        "import sys, backend.scoring, backend.scorecli\n"
        "import backend.scoring.engine, backend.scoring.scheme, backend.scoring.reader\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy'))\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""


def test_the_names_other_code_imports_are_there() -> None:
    for name in ("load_scheme", "parse_scheme", "find_scheme", "parse_input", "score"):
        assert callable(getattr(backend.scoring, name)), name
    for name in ("score_service", "EvaluationScore", "Explanation", "ScoreResult", "decide"):
        assert hasattr(engine, name), name
    for name in ("Band", "Item", "Scheme", "ServiceModel", "Text", "MODES", "SchemeLoader"):
        assert hasattr(scheme, name), name


def test_find_scheme_resolves_a_stem_inside_the_directory(tmp_path: Path) -> None:
    (tmp_path / "demo.yaml").write_text("format: x\n", encoding="utf-8")
    assert backend.scoring.find_scheme("demo", tmp_path) == tmp_path / "demo.yaml"
    assert backend.scoring.find_scheme(str(tmp_path / "demo.yaml"), REPO) == tmp_path / "demo.yaml"
    assert backend.scoring.find_scheme("missing", tmp_path) == Path("missing")
