"""A readable difference between two scheme files, for people choosing a version.

The files are compared as YAML documents, not as parsed models: what a scheme manager wrote is
what they read back (numbers as written, ``"4"`` stays ``4``). Lists of entries that carry a
``code``, ``id``, ``level`` or ``table`` are matched by it, so inserting a clause shows as one
added clause, not as every later clause changed. Each change is put under the part of the
scheme it belongs to (docs/scheme-format.md): items and points, scales and bands, management
clauses and levels, conformity, timing, decision rows, lifecycle numbers, or the description.
Pure functions: no database.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

#: Keys that identify an entry of a list, in the order they are tried.
_ENTRY_KEYS = ("code", "id", "level", "table", "kind")
#: The parts of a scheme, by top-level key (docs/scheme-format.md); everything else is "about".
SECTIONS = {
    "service": "service",
    "scales": "scales",
    "management": "management",
    "conformity": "conformity",
    "timing": "timing",
    "decision": "decision",
    "lifecycle": "lifecycle",
    "modes": "modes",
}
_MAX_SHOWN = 300


@dataclass(frozen=True, slots=True)
class Change:
    section: str
    path: str
    change: str  # added, removed, changed
    old: str | None
    new: str | None


def load(text: str) -> Any:
    """The document with every scalar as the text written (BaseLoader: no type guessing)."""
    return yaml.load(text, Loader=yaml.BaseLoader)  # noqa: S506 - BaseLoader builds no objects


def diff_texts(old_text: str, new_text: str) -> list[Change]:
    return list(_diff(load(old_text), load(new_text), ""))


def _section(path: str) -> str:
    head = path.split(".", 1)[0].split("[", 1)[0]
    return SECTIONS.get(head, "about")


def _key_of(items: list[Any]) -> str | None:
    """The key every entry of a list of mappings has, unique among them, or None."""
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    for key in _ENTRY_KEYS:
        values = [i.get(key) for i in items]
        if all(isinstance(v, str) for v in values) and len(set(values)) == len(values):
            return key
    return None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _diff(old: Any, new: Any, path: str) -> Iterator[Change]:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            sub = _join(path, str(key))
            if key not in new:
                yield Change(_section(sub), sub, "removed", show(old[key]), None)
            elif key not in old:
                yield Change(_section(sub), sub, "added", None, show(new[key]))
            else:
                yield from _diff(old[key], new[key], sub)
        return
    if isinstance(old, list) and isinstance(new, list):
        key_old, key_new = _key_of(old), _key_of(new)
        key = key_old or key_new
        if key is not None and (not old or key_old == key) and (not new or key_new == key):
            olds = {i[key]: i for i in old}
            news = {i[key]: i for i in new}
            for name in [*olds, *(n for n in news if n not in olds)]:
                sub = f"{path}[{name}]"
                if name not in news:
                    yield Change(_section(sub), sub, "removed", show(olds[name]), None)
                elif name not in olds:
                    yield Change(_section(sub), sub, "added", None, show(news[name]))
                else:
                    yield from _diff(olds[name], news[name], sub)
            return
        for index in range(max(len(old), len(new))):
            sub = f"{path}[{index}]"
            if index >= len(new):
                yield Change(_section(sub), sub, "removed", show(old[index]), None)
            elif index >= len(old):
                yield Change(_section(sub), sub, "added", None, show(new[index]))
            else:
                yield from _diff(old[index], new[index], sub)
        return
    if old != new:
        yield Change(_section(path), path, "changed", show(old), show(new))


def show(value: Any) -> str:
    """A value as a person reads it: scalars as written, entries by code and title, else YAML."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        name = next((value[k] for k in _ENTRY_KEYS if isinstance(value.get(k), str)), None)
        title = value.get("title") or value.get("label")
        if name is not None and isinstance(title, dict) and isinstance(title.get("zh"), str):
            # A chapter or characteristic added whole: name what it holds too.
            inner = [
                show(entry)
                for key, entries in value.items()
                if key not in ("title", "label") and isinstance(entries, list)
                for entry in entries
                if isinstance(entry, dict)
            ]
            held = f"（{'；'.join(inner)}）" if inner else ""
            text = f"{name} {title['zh']}{held}"
            return text if len(text) <= _MAX_SHOWN else f"{text[: _MAX_SHOWN - 1]}…"
        if set(value) <= {"zh", "en"}:
            return " / ".join(str(value[k]) for k in ("zh", "en") if k in value)
    text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10_000)
    text = text.strip()
    return text if len(text) <= _MAX_SHOWN else f"{text[: _MAX_SHOWN - 1]}…"
