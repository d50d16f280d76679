"""No import circle among backend modules (issue 9 A).

Importing each module alone would not catch the circle this test was written for
(audit.services → auth.access → auth.session → users.services → audit.services): two of its
imports sat inside functions, so every module imported fine while they all needed each other.
The graph here counts those imports too (tests/architecture/imports.py).
"""

from __future__ import annotations

from pathlib import Path

from tests.architecture.imports import circles, import_graph, module_files

REPO = Path(__file__).resolve().parents[2]


def test_no_backend_module_takes_part_in_an_import_circle() -> None:
    graph = import_graph(module_files(REPO, "backend"))
    assert len(graph) > 100  # the scan found the backend
    assert circles(graph) == []


def test_an_import_inside_a_function_closes_a_circle(tmp_path: Path) -> None:
    """The old circle, rebuilt: two of its four imports were inside functions."""
    sources = {
        "audit/services.py": "from app.auth.access import Actor\n",
        "auth/access.py": "def current():\n    from app.auth.session import user\n",
        "auth/session.py": "from app.users import services\n",
        "users/services.py": "def record():\n    from app.audit.services import record\n",
        "users/models.py": "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from app.users.services import record\n",
    }
    for name, text in sources.items():
        path = tmp_path / "app" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    graph = import_graph(module_files(tmp_path, "app"))
    assert graph["app.users.models"] == set()  # TYPE_CHECKING imports never run
    assert circles(graph) == [
        [
            "app.audit.services",
            "app.auth.access",
            "app.auth.session",
            "app.users.services",
            "app.audit.services",
        ]
    ]
