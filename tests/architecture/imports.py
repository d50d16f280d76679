"""The import graph of a package, read from its source (no module is imported).

Every ``import`` counts, at module level or inside a function: an import moved into a function
hides a circle from the interpreter but the modules still need each other. Imports under
``if TYPE_CHECKING:`` do not count: they never run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path


def module_files(root: Path, package: str) -> dict[str, Path]:
    """Dotted module name → file, for every module of ``package`` under ``root``."""
    files: dict[str, Path] = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        files[".".join(parts)] = path
    return files


class _Imports(ast.NodeVisitor):
    def __init__(self, modules: Iterable[str]) -> None:
        self.modules = set(modules)
        self.found: set[str] = set()

    def visit_If(self, node: ast.If) -> None:
        if "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self.found.update(alias.name for alias in node.names if alias.name in self.modules)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module is None or node.level:
            return  # the project uses absolute imports only
        submodules = {f"{node.module}.{a.name}" for a in node.names} & self.modules
        self.found.update(submodules)
        if len(submodules) < len(node.names) and node.module in self.modules:
            self.found.add(node.module)  # names defined in the module itself


def import_graph(files: Mapping[str, Path]) -> dict[str, set[str]]:
    """Module → the modules of the same package it imports."""
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        visitor = _Imports(files)
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        graph[name] = visitor.found - {name}
    return graph


def circles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Each group of modules that import each other (strongly connected, Tarjan), one cycle path
    through it, sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(_path_through(graph, set(group)))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(groups)


def _path_through(graph: Mapping[str, set[str]], group: set[str]) -> list[str]:
    """A readable cycle inside ``group``: from its first module back to it."""
    start = min(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target in sorted(graph[node] & group):
            if target == start:
                return [*paths[node], start]
            if target not in paths:
                paths[target] = [*paths[node], target]
                queue.append(target)
    return sorted(group)  # unreachable for a strongly connected group
