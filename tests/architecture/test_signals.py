"""Domain events (backend/<feature>/signals.py): each signal's docstring names every receiver,
so reading it tells who is told; and no feature is wired to another by module name."""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import pytest
from blinker import ANY, NamedSignal
from flask import Flask

from backend.engagements import signals as engagement_signals
from backend.evaluations import signals as evaluation_signals

REPO = Path(__file__).resolve().parents[2]
SIGNAL_MODULES: tuple[ModuleType, ...] = (engagement_signals, evaluation_signals)


def _signals() -> list[NamedSignal]:
    return [
        value
        for module in SIGNAL_MODULES
        for value in vars(module).values()
        if isinstance(value, NamedSignal)
    ]


def _named_receivers(signal: NamedSignal) -> set[str]:
    doc = signal.__doc__ or ""
    assert "Receivers:" in doc, signal.name
    return set(re.findall(r"^\s*- (backend\.[\w.]+)\s*$", doc.split("Receivers:", 1)[1], re.M))


def test_every_signal_module_of_the_backend_is_checked() -> None:
    found = {path.relative_to(REPO).as_posix() for path in (REPO / "backend").rglob("signals.py")}
    assert found == {
        f"backend/{module.__name__.split('.')[1]}/signals.py" for module in SIGNAL_MODULES
    }


@pytest.mark.parametrize("signal", _signals(), ids=lambda s: s.name)
def test_the_docstring_names_every_receiver(app: Flask, signal: NamedSignal) -> None:
    connected = {
        f"{receiver.__module__}.{receiver.__qualname__}"  # type: ignore[union-attr]
        for receiver in signal.receivers_for(ANY)
    }
    assert connected  # every event is heard by someone
    assert _named_receivers(signal) == connected


def test_no_feature_is_wired_by_module_name() -> None:
    wired = [
        path.relative_to(REPO).as_posix()
        for path in sorted((REPO / "backend").rglob("*.py"))
        if "import_module(" in path.read_text(encoding="utf-8")
    ]
    assert wired == []
